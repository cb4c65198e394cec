import type { Machine } from "./machine.ts";
import type { CellTimesResult } from "./cell-times.ts";
import type { MatrixScenario } from "./matrix-timing.ts";
import { formatRatio, formatValue, type Metric, type MetricId, metrics } from "./metrics.ts";
import { type Summary, summarize } from "./stats.ts";
import type { Subject, SubjectId } from "./subjects.ts";

/** What one run measured for one subject. */
export interface SubjectSample {
  run: number;
  values: Record<MetricId, number>;
  /** The RUN steps a code-only change ran again. */
  codeRebuildReruns: string[];
  codeChangeLayers: number;
  codeChangeLayerBytes: number;
  loadErrors: number;
  loadNon2xx: number;
  /** The onbuild base's build (with cache) while staging; null for the others. */
  baseBuildSeconds: number | null;
}

export interface SubjectResult {
  id: SubjectId;
  kind: Subject["kind"];
  /** The sample app it built (absent in results of earlier versions: the Flask app). */
  app?: Subject["app"];
  dockerfile: string;
  description: string;
  server: string;
  figures: Record<MetricId, Summary | null>;
  samples: SubjectSample[];
}

export interface Ratio {
  ours: SubjectId;
  peer: SubjectId;
  metric: MetricId;
  /** ours / peer, of the medians. */
  ratio: number;
}

export interface TargetResult {
  /** The target as the issue states it. */
  target: string;
  subject: SubjectId;
  measured: string;
  status: "met" | "missed" | "not measured";
  /** By how much it was met or missed. */
  margin: string;
}

export interface MatrixResult {
  /** The main command timed. */
  command: string;
  /** The benchmark's command line that timed it (with --matrix-only, not the one of the subjects' figures). */
  benchCommand: string;
  startedAt: string;
  finishedAt: string;
  /** Runs per scenario (but one priming run). */
  runs: number;
  machine: Machine;
  changedFile: string;
  /** The same cells in turn and side by side (absent in results of earlier versions). */
  cellTimes?: CellTimesResult;
  scenarios: Array<{ id: MatrixScenario["id"]; description: string; seconds: Summary | null; exitCodes: number[] }>;
}

export interface BenchResults {
  schema: 1;
  /** The command line that produced these results. */
  command: string;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  runs: number;
  machine: Machine;
  method: Record<string, string>;
  subjects: SubjectResult[];
  /** Subjects this run's sources could not build, and why (absent in results of earlier versions). */
  skipped?: Array<{ subject: SubjectId; reason: string }>;
  ratios: Ratio[];
  targets: TargetResult[];
  matrix: MatrixResult | null;
}

export function subjectResult(subject: Subject, samples: SubjectSample[]): SubjectResult {
  const figures = Object.fromEntries(metrics.map((metric) => [metric.id, summarize(samples.map((sample) => sample.values[metric.id]))])) as Record<MetricId, Summary | null>;
  return { id: subject.id, kind: subject.kind, app: subject.app, dockerfile: subject.dockerfile, description: subject.description, server: subject.server, figures, samples };
}

export function matrixResult(timing: Omit<MatrixResult, "scenarios">, scenarios: readonly MatrixScenario[]): MatrixResult {
  return {
    ...timing,
    scenarios: scenarios.map((scenario) => ({
      id: scenario.id,
      description: scenario.description,
      seconds: summarize(scenario.runs.map((run) => run.seconds)),
      exitCodes: scenario.runs.map((run) => run.exitCode),
    })),
  };
}

/** The app a subject built: results of earlier versions built only the Flask app. */
const appOf = (subject: SubjectResult) => subject.app ?? "flask";

/** The peers that built the same app as `ours`: a ratio across apps would compare frameworks, not Dockerfiles. */
export function peersOf(ours: SubjectResult, subjects: readonly SubjectResult[]): SubjectResult[] {
  return subjects.filter((subject) => subject.kind === "peer" && appOf(subject) === appOf(ours));
}

/** ours/peer for every pair of the same app and every metric both have a median for. */
export function computeRatios(subjects: readonly SubjectResult[]): Ratio[] {
  const ratios: Ratio[] = [];
  for (const ours of subjects.filter((subject) => subject.kind === "ours")) {
    for (const peer of peersOf(ours, subjects)) {
      for (const metric of metrics) {
        const a = ours.figures[metric.id]?.median;
        const b = peer.figures[metric.id]?.median;
        if (a !== undefined && b !== undefined && b > 0) ratios.push({ ours: ours.id, peer: peer.id, metric: metric.id, ratio: a / b });
      }
    }
  }
  return ratios;
}

const metric = (id: MetricId): Metric => metrics.find((candidate) => candidate.id === id)!;

/**
 * The targets, measured (never asserted): for each of our subjects, met or missed and by how
 * much, from the medians.
 */
export function evaluateTargets(subjects: readonly SubjectResult[]): TargetResult[] {
  const median = (subject: SubjectResult | undefined, id: MetricId) => subject?.figures[id]?.median;
  const results: TargetResult[] = [];
  for (const ours of subjects.filter((subject) => subject.kind === "ours")) {
    const peers = peersOf(ours, subjects);
    const byId = (id: SubjectId) => peers.find((subject) => subject.id === id);
    results.push(ratioTarget("code-only rebuild at most 0.2× the naive one", ours, byId("naive"), "codeRebuildSeconds", 0.2, median));
    results.push(ratioTarget("code-only rebuild no slower than docker-init style", ours, byId("docker-init"), "codeRebuildSeconds", 1, median));
    results.push(ratioTarget("image at most 0.6× the size of the ordered single-stage image", ours, byId("ordered"), "imageBytes", 0.6, median));

    const startup = median(ours, "startupSeconds");
    results.push(
      startup === undefined
        ? notMeasured("first 200 through Caddy within 2 s of docker run", ours.id)
        : {
            target: "first 200 through Caddy within 2 s of docker run",
            subject: ours.id,
            measured: formatValue(metric("startupSeconds"), startup),
            status: startup <= 2 ? "met" : "missed",
            margin: `${Math.abs(2 - startup).toFixed(2)} s ${startup <= 2 ? "under" : "over"} 2 s`,
          },
    );

    const best = peers.filter((subject) => median(subject, "requestsPerSecond") !== undefined).sort((a, b) => median(b, "requestsPerSecond")! - median(a, "requestsPerSecond")!)[0];
    results.push(ratioTarget("throughput at least equal to the best peer's, at the same worker count", ours, best, "requestsPerSecond", 1, median, "at least"));
  }
  return results;
}

function ratioTarget(
  target: string,
  ours: SubjectResult,
  peer: SubjectResult | undefined,
  id: MetricId,
  limit: number,
  median: (subject: SubjectResult | undefined, id: MetricId) => number | undefined,
  direction: "at most" | "at least" = "at most",
): TargetResult {
  const a = median(ours, id);
  const b = median(peer, id);
  if (!peer || a === undefined || b === undefined || b <= 0) return notMeasured(target, ours.id);
  const ratio = a / b;
  const met = direction === "at most" ? ratio <= limit : ratio >= limit;
  const m = metric(id);
  // The limit in the metric's own unit, so that a miss also reads as seconds, bytes or requests/s.
  const gap = Math.abs(a - limit * b);
  return {
    target,
    subject: ours.id,
    measured: `${formatValue(m, a)} vs ${peer.id} ${formatValue(m, b)}: ${formatRatio(ratio)}`,
    status: met ? "met" : "missed",
    margin: `${met ? "within" : "missed"} by ${Math.abs(ratio - limit).toFixed(2)}× (${formatValue(m, gap)} ${direction === "at most" ? (met ? "under" : "over") : met ? "above" : "below"} the limit of ${formatRatio(limit)})`,
  };
}

function notMeasured(target: string, subject: SubjectId): TargetResult {
  return { target, subject, measured: "—", status: "not measured", margin: "no peer of the same app was run (--subjects, or none builds this app)" };
}
