import { countOf, countStatuses, describeCounts } from "./count-statuses.ts";
import { formatDuration } from "./format-duration.ts";
import type { MatrixReport } from "./report-types.ts";

/** One paragraph for the console at the end of a run: what ran, what passed, what failed. */
export function summarizeReport(report: MatrixReport): string {
  const { cells, checks } = countStatuses(report);
  const seconds = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  const state = report.complete ? "Matrix finished (" : `Matrix INCOMPLETE (${report.incomplete?.reason ?? "interrupted"}; `;
  const failed = report.cells.filter((cell) => cell.status === "fail").map((cell) => cell.id);
  return (
    `${state}${report.mode} mode, ${formatDuration(seconds)}): ${countOf(report.cells.length, report.complete ? "cell" : "finished cell")}, ` +
    `${describeCounts(cells)}; checks: ${describeCounts(checks)}.` +
    (failed.length > 0 ? ` Failed: ${failed.join(", ")}.` : "") +
    (report.incomplete?.cellsNotFinished.length ? ` Not finished: ${report.incomplete.cellsNotFinished.join(", ")}.` : "")
  );
}
