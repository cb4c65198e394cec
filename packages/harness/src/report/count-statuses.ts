import type { MatrixReport, Status } from "./report-types.ts";

export type StatusCounts = Record<Status, number>;

/** How many cells, and how many checks across all cells, passed, failed and were skipped. */
export function countStatuses(report: MatrixReport): { cells: StatusCounts; checks: StatusCounts } {
  const cells: StatusCounts = { pass: 0, fail: 0, skip: 0 };
  const checks: StatusCounts = { pass: 0, fail: 0, skip: 0 };
  for (const cell of report.cells) {
    cells[cell.status]++;
    for (const check of cell.checks) checks[check.status]++;
  }
  return { cells, checks };
}

export function describeCounts(counts: StatusCounts): string {
  return `${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped`;
}

/**
 * "12 of 14 checks ran (11 passed, 1 failed), 2 skipped": how many checks proved something, first,
 * so that a run whose checks were mostly skipped (a user's app without the sample app's routes)
 * does not read as a clean pass.
 */
export function describeCheckCounts(counts: StatusCounts): string {
  const total = counts.pass + counts.fail + counts.skip;
  return `${counts.pass + counts.fail} of ${countOf(total, "check")} ran (${counts.pass} passed, ${counts.fail} failed), ${counts.skip} skipped`;
}

/** "1 cell", "3 cells". */
export const countOf = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;
