import pLimit from "p-limit";
import type { CellReport } from "../report/report-types.ts";
import type { CellToVerify } from "./cell-to-verify.ts";
import type { MatrixProgressListener } from "./run-matrix-types.ts";

export interface RunCellsOptions {
  /** How many cells run side by side: their builds take turns on the engine, their checks overlap. */
  jobs: number;
  /** Aborted: no cell starts, and the running ones stop after their current step. */
  signal?: AbortSignal;
  progress: MatrixProgressListener;
  /** Called with each cell's report as it finishes, in the order they finish. */
  done(report: CellReport): void;
}

/**
 * Runs `verify` on every cell, `jobs` at a time, in the cells' order. A cell whose verify throws
 * (an error, not a failed check) stops the others after their current step, as an abort does; the
 * cells that finished are reported, and runCells rejects once every running cell has stopped: with
 * the abort's reason when the caller aborted, else the first error.
 */
export async function runCells(cells: readonly CellToVerify[], options: RunCellsOptions, verify: (cell: CellToVerify, signal: AbortSignal) => Promise<CellReport>): Promise<void> {
  const stopCells = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopCells.signal]) : stopCells.signal;
  const sideBySide = pLimit(Math.max(1, options.jobs));
  const verifyOne = async (cell: CellToVerify, index: number) => {
    signal.throwIfAborted();
    options.progress({ kind: "cell-start", cell, index, total: cells.length });
    const report = await verify(cell, signal).catch((error: unknown) => {
      // Before this cell's place is given to the next: that one must see the stop.
      if (!signal.aborted) stopCells.abort(error);
      throw error;
    });
    // Interrupted while the cell ran: a failure may be the interruption's doing (a stopped build), not the cell's.
    signal.throwIfAborted();
    options.done(report);
    options.progress({ kind: "cell-done", cell, report, index, total: cells.length });
  };
  const outcomes = await Promise.allSettled(cells.map((cell, index) => sideBySide(() => verifyOne(cell, index))));
  const firstError = outcomes.find((outcome) => outcome.status === "rejected");
  if (!firstError) return;
  if (options.signal?.aborted) options.signal.throwIfAborted();
  throw stopCells.signal.aborted ? stopCells.signal.reason : firstError.reason;
}
