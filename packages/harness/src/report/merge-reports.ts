import { ExplainedError } from "../explained-error.ts";
import type { Sources } from "../sources/sources.ts";
import type { MatrixReport } from "./report-types.ts";

/**
 * One report from several runs of the matrix (one per template, as turbo runs them): the cells of
 * all, sorted by id; complete only when every run was; the span of their times. Runs whose sources
 * differ (one built on stand-ins, another on registry images, say) cannot be merged: their cells
 * were not proven the same way.
 */
export function mergeReports(reports: readonly MatrixReport[]): MatrixReport {
  const [first] = reports;
  if (!first) throw new ExplainedError("No reports to merge.\nFix: run `dockerize-python matrix` (or `turbo run verify`) first.");
  const sources = mergeSources(reports);
  const standins = new Map<string, { official: string; image: string; reused: boolean }>();
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
    complete: reports.every((report) => report.complete),
    ...mergeIncomplete(reports),
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
  const decided = reports.map((report) => report.sources).filter((sources): sources is Sources => sources !== null);
  const [first] = decided;
  if (!first) return null;
  for (const kind of ["baseImages", "pythonPackages", "goModules"] as const) {
    const seen = [...new Set(decided.map((sources) => sources[kind].kind))];
    if (seen.length > 1) {
      throw new ExplainedError(
        `The reports' ${kind} came from different sources (${seen.join(", ")}) and cannot be merged: their cells were not proven the same way.\n` +
          "Fix: run every template on the same machine with the same --mode (hermetic forces every source local).",
      );
    }
  }
  return first;
}

/** The runs that stopped early: their reasons, and every cell they did not finish. */
function mergeIncomplete(reports: readonly MatrixReport[]): Pick<MatrixReport, "incomplete"> {
  const stopped = reports.filter((report) => !report.complete);
  if (!stopped.length) return {};
  return {
    incomplete: {
      reason: [...new Set(stopped.map((report) => report.incomplete?.reason ?? "interrupted"))].join("; "),
      cellsNotFinished: stopped.flatMap((report) => report.incomplete?.cellsNotFinished ?? []).sort(),
    },
  };
}
