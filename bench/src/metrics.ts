/** Every figure measured per subject and run, with how it reads. */
export const metrics = [
  { id: "coldBuildSeconds", label: "cold build", short: "cold build", unit: "s", better: "lower" },
  { id: "codeRebuildSeconds", label: "rebuild after a code-only change", short: "code rebuild", unit: "s", better: "lower" },
  { id: "depRebuildSeconds", label: "rebuild after one dependency added", short: "dep rebuild", unit: "s", better: "lower" },
  { id: "imageBytes", label: "image size", short: "size", unit: "bytes", better: "lower" },
  { id: "layers", label: "layers", short: "layers", unit: "count", better: "lower" },
  { id: "codeChangePullBytes", label: "pull after a code-only change (gzip)", short: "code pull", unit: "bytes", better: "lower" },
  { id: "startupSeconds", label: "docker run to first 200 through Caddy", short: "first 200", unit: "s", better: "lower" },
  { id: "requestsPerSecond", label: "requests/s through Caddy", short: "req/s", unit: "req/s", better: "higher" },
  { id: "latencyP50Ms", label: "latency p50", short: "p50", unit: "ms", better: "lower" },
  { id: "latencyP99Ms", label: "latency p99", short: "p99", unit: "ms", better: "lower" },
  { id: "rssIdleBytes", label: "memory idle", short: "mem idle", unit: "bytes", better: "lower" },
  { id: "rssLoadBytes", label: "memory under load (peak)", short: "mem load", unit: "bytes", better: "lower" },
] as const;

export type MetricId = (typeof metrics)[number]["id"];
export type Metric = (typeof metrics)[number];

/** A figure in its unit, for tables: seconds with one decimal, bytes in MB (10^6), and so on. */
export function formatValue(metric: Metric, value: number): string {
  switch (metric.unit) {
    case "s":
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
    case "bytes":
      return value < 1e6 ? `${(value / 1e3).toFixed(1)} kB` : `${(value / 1e6).toFixed(1)} MB`;
    case "count":
      return `${Math.round(value)}`;
    case "req/s":
      return `${value.toFixed(0)} req/s`;
    case "ms":
      return `${value.toFixed(1)} ms`;
  }
}

/** ours/peer, as a multiplier: "0.18×". */
export const formatRatio = (ratio: number) => `${ratio < 0.1 ? ratio.toFixed(3) : ratio.toFixed(2)}×`;
