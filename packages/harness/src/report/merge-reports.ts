import { ExplainedError } from "../explained-error.ts";
import type { MatrixReport } from "./report-types.ts";

/**
 * One report from several runs of the matrix (one per template, as turbo runs them): the cells of
 * all, sorted by id; complete only when every run was; the span of their times. Runs made in
 * different modes cannot be merged: their cells were not proven the same way.
 */
export function mergeReports(reports: readonly MatrixReport[]): MatrixReport {
  const [first] = reports;
  if (!first) throw new ExplainedError("No reports to merge.\nFix: run `dockerize-python matrix` (or `turbo run verify`) first.");
  const modes = new Set(reports.map((report) => report.mode));
  if (modes.size > 1) {
    throw new ExplainedError(`The reports were made in different modes (${[...modes].join(", ")}) and cannot be merged.\nFix: run every template in one mode (--mode hermetic or --mode online).`);
  }
  const standins = new Map<string, { official: string; image: string; reused: boolean }>();
  const indexes = new Map<string, { suite: string; reused: boolean; packages: number }>();
  for (const report of reports) {
    // The first run to need a stand-in built it; the report says "reused" only when every run did.
    for (const standin of report.hermetic?.standins ?? []) {
      const seen = standins.get(standin.official);
      standins.set(standin.official, seen ? { ...standin, reused: seen.reused && standin.reused } : standin);
    }
    for (const index of report.hermetic?.packageIndexes ?? []) {
      const seen = indexes.get(index.suite);
      indexes.set(index.suite, seen ? { ...index, reused: seen.reused && index.reused } : index);
    }
  }
  return {
    mode: first.mode,
    modeReason: [...new Set(reports.map((report) => report.modeReason))].join("; "),
    startedAt: reports.map((report) => report.startedAt).sort()[0]!,
    finishedAt: reports.map((report) => report.finishedAt).sort().at(-1)!,
    complete: reports.every((report) => report.complete),
    ...mergeIncomplete(reports),
    engine: [...new Set(reports.map((report) => report.engine))].join(", "),
    hermetic: first.mode === "hermetic" ? { standins: [...standins.values()].sort((a, b) => a.official.localeCompare(b.official)), packageIndexes: [...indexes.values()] } : null,
    cells: reports.flatMap((report) => report.cells).sort((a, b) => a.id.localeCompare(b.id)),
  };
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
