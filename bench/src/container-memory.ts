import { runDocker } from "@dockerize-python/harness";

/**
 * The memory a container uses, as `docker stats` reports it (MEM USAGE): its cgroup's memory usage
 * less the inactive page cache. Shared pages (a forking server's workers) are counted once.
 */
export async function containerMemoryBytes(container: string): Promise<number> {
  const { stdout } = await runDocker(["stats", "--no-stream", "--format", "{{.MemUsage}}", container]);
  return parseMemoryUsage(stdout);
}

export const memoryMethod =
  "`docker stats` MEM USAGE: the container cgroup's memory usage less its inactive page cache, shared pages of forked workers counted once";

/** "45.3MiB / 23.4GiB" -> the first figure in bytes. */
export function parseMemoryUsage(text: string): number {
  const match = /^\s*([\d.]+)\s*([KMGT]?i?B)/i.exec(text);
  if (!match) throw new Error(`docker stats printed "${text.trim()}", not "<size> / <limit>"`);
  const units: Record<string, number> = {
    b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
  };
  const factor = units[match[2]!.toLowerCase()];
  if (factor === undefined) throw new Error(`docker stats printed an unknown unit in "${text.trim()}"`);
  return Math.round(Number(match[1]) * factor);
}

/** Samples the container's memory until `until` settles, one sample after another; resolves with the highest. */
export async function peakMemoryWhile(container: string, until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => {
    done = true;
  }).catch(() => {});
  let peak = 0;
  while (!done) {
    peak = Math.max(peak, await containerMemoryBytes(container));
  }
  return peak;
}
