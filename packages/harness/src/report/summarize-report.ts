import { describeSources } from "../sources/sources.ts";
import { countOf, countStatuses, describeCheckCounts, describeCounts } from "./count-statuses.ts";
import { describeShard } from "./describe-shard.ts";
import { formatDuration } from "./format-duration.ts";
import type { MatrixReport } from "./report-types.ts";

/**
 * One paragraph for the console at the end of a run: what ran, what passed, what failed. A report
 * merged from several runs (`merged`), some perhaps restored from an earlier job, gives the span of
 * its runs' times instead of a duration, which would be no run's.
 */
export function summarizeReport(report: MatrixReport, options: { merged?: boolean } = {}): string {
  const { cells, checks } = countStatuses(report);
  const seconds = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  const shard = report.shard ? `${describeShard(report.shard)}; ` : "";
  const when = options.merged ? `runs from ${report.startedAt} to ${report.finishedAt}` : formatDuration(seconds);
  const state = report.complete ? "Matrix finished (" : `Matrix INCOMPLETE (${report.incomplete?.reason ?? "interrupted"}; `;
  const failed = report.cells.filter((cell) => cell.status === "fail").map((cell) => cell.id);
  return (
    `${state}${shard}${report.sources ? describeSources(report.sources) : `--mode ${report.requestedMode}`}, ${when}): ${countOf(report.cells.length, report.complete ? "cell" : "finished cell")}, ` +
    `${describeCounts(cells)}; ${describeCheckCounts(checks)}.` +
    (failed.length > 0 ? ` Failed: ${failed.join(", ")}.` : "") +
    (report.incomplete?.cellsNotFinished.length ? ` Not finished: ${report.incomplete.cellsNotFinished.join(", ")}.` : "")
  );
}
