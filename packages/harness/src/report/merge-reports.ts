import { ExplainedError } from "../explained-error.ts";
import type { Sources } from "../sources/sources.ts";
import type { MatrixReport, StandinUse } from "./report-types.ts";

/**
 * One report from several runs of the matrix (one per template, as turbo runs them): the cells of
 * all, sorted by id; complete only when every run was; the span of their times. Runs whose sources
 * differ (one built on stand-ins, another on registry images, say) cannot be merged: their cells
 * were not proven the same way. Shard reports (`matrix --shard I/N`) must be of one sharded run; a
 * shard with no report makes the merge incomplete, naming it and the cells it held.
 */
export function mergeReports(reports: readonly MatrixReport[]): MatrixReport {
  const [first] = reports;
  if (!first) throw new ExplainedError("No reports to merge.\nFix: run `dockerize-python matrix` (or `turbo run verify`) first.");
  const sources = mergeSources(reports);
  const missing = missingShards(reports);
  const standins = new Map<string, StandinUse>();
  const indexes = new Map<string, { suite: string; reused: boolean; packages: number }>();
  for (const report of reports) {
    // The first run to need a stand-in built it; the report says "reused" only when every run did.
    for (const standin of report.localSources?.standins ?? []) {
      const seen = standins.get(standin.official);
      standins.set(standin.official, seen ? { ...standin, reused: seen.reused && standin.reused } : standin);
    }
    for (const index of report.localSources?.packageIndexes ?? []) {
      const seen = indexes.get(index.suite);
      indexes.set(index.suite, seen ? { ...index, reused: seen.reused && index.reused } : index);
    }
  }
  return {
    requestedMode: first.requestedMode,
    sources,
    startedAt: reports.map((report) => report.startedAt).sort()[0]!,
    finishedAt: reports.map((report) => report.finishedAt).sort().at(-1)!,
    complete: reports.every((report) => report.complete) && !missing.length,
    ...mergeIncomplete(reports, missing),
    engine: [...new Set(reports.map((report) => report.engine))].join(", "),
    localSources:
      standins.size || indexes.size
        ? { standins: [...standins.values()].sort((a, b) => a.official.localeCompare(b.official)), packageIndexes: [...indexes.values()] }
        : null,
    cells: reports.flatMap((report) => report.cells).sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/**
 * The runs' common sources: each kind must be the same in every run that decided it; the reasons,
 * which each run's detection words alike, are given once.
 */
function mergeSources(reports: readonly MatrixReport[]): Sources | null {
  const decided = reports.filter((report): report is MatrixReport & { sources: Sources } => report.sources !== null);
  const [first] = decided;
  if (!first) return null;
  for (const kind of ["baseImages", "pythonPackages", "goModules"] as const) {
    const seen = [...new Set(decided.map((report) => report.sources[kind].kind))];
    if (seen.length > 1) {
      const runsOf = (source: string) =>
        decided
          .filter((report) => report.sources[kind].kind === source)
          .map((report) => `  ${source}: ${[...new Set(report.cells.map((cell) => cell.template))].join(", ") || "(no cells)"}, run of ${report.startedAt} (${report.sources[kind].reason})`);
      throw new ExplainedError(
        `The reports' ${kind} came from different sources (${seen.join(", ")}) and cannot be merged: their cells were not proven the same way.\n${seen.flatMap(runsOf).join("\n")}\n` +
          "Fix: run every template on the same machine with the same --mode (hermetic forces every source local); a report turbo's cache restored from an earlier run is made again with `turbo run verify --force --filter=<its template's package>`.",
      );
    }
  }
  return first.sources;
}

/** The runs that stopped early and the shards with no report: their reasons, and every cell they did not finish. */
function mergeIncomplete(reports: readonly MatrixReport[], missing: readonly MissingShard[]): Pick<MatrixReport, "incomplete"> {
  const stopped = reports.filter((report) => !report.complete);
  if (!stopped.length && !missing.length) return {};
  return {
    incomplete: {
      reason: [
        ...new Set(stopped.map((report) => report.incomplete?.reason ?? "interrupted")),
        ...missing.map(({ index, count, cells }) => `no report from shard ${index}/${count} (it held ${cells.length ? cells.join(", ") : "no cells"})`),
      ].join("; "),
      cellsNotFinished: [...stopped.flatMap((report) => report.incomplete?.cellsNotFinished ?? []), ...missing.flatMap((shard) => shard.cells)].sort(),
    },
  };
}

interface MissingShard {
  index: number;
  count: number;
  /** The cells the shard held, by the shards' common record of the selection. */
  cells: string[];
}

/**
 * The shards of a sharded run (`matrix --shard I/N`) that sent no report. Shard reports merge only
 * with each other, each of 1..N once, all of the same N and the same selection of cells: anything
 * else would be a report that counts a cell twice or cannot say which cells are missing.
 */
function missingShards(reports: readonly MatrixReport[]): MissingShard[] {
  const shards = reports.map((report) => report.shard).filter((shard) => shard !== undefined);
  const [first] = shards;
  if (!first) return [];
  const fix = "Fix: merge the reports of one sharded run: every `matrix --shard I/N` of the same N, with the same selection (--template, --cell) and manifests, each once.";
  if (shards.length !== reports.length) {
    throw new ExplainedError(`${reports.length - shards.length} of the reports are of unsharded runs and ${shards.length} of shards: their cells may overlap.\n${fix}`);
  }
  const counts = [...new Set(shards.map((shard) => shard.count))];
  if (counts.length > 1) throw new ExplainedError(`The reports are shards of different counts (${counts.map((count) => `/${count}`).join(", ")}): a cell's shard depends on the count.\n${fix}`);
  const indexes = shards.map((shard) => shard.index);
  const twice = [...new Set(indexes.filter((index, at) => indexes.indexOf(index) !== at))];
  if (twice.length) throw new ExplainedError(`Shard ${twice.map((index) => `${index}/${first.count}`).join(", ")} is given more than once: its cells would be counted twice.\n${fix}`);
  const selection = JSON.stringify(first.cellsByShard);
  if (shards.some((shard) => JSON.stringify(shard.cellsByShard) !== selection)) {
    throw new ExplainedError(`The shards were run on different selections of cells (other --template/--cell options, or changed manifests).\n${fix}`);
  }
  return first.cellsByShard
    .map((cells, at) => ({ index: at + 1, count: first.count, cells }))
    .filter((shard) => !indexes.includes(shard.index));
}
