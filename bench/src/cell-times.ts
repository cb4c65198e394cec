import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CellReport, MatrixReport } from "@dockerize-python/harness";
import { timeCommand } from "./matrix-timing.ts";
import { type Summary, summarize } from "./stats.ts";

/** How the same cells were run: every cell and check in turn, or side by side. */
export interface CellTimesMode {
  id: "in-turn" | "side-by-side";
  jobs: number;
}

export interface CellTimesRequest {
  repoDir: string;
  /** `--cell` patterns of the cells measured. */
  cells: readonly string[];
  modes: readonly CellTimesMode[];
  /** Runs per mode; the modes alternate (in turn, side by side, in turn, ...) so a slow phase of the machine spreads over both. */
  runs: number;
  logDir: string;
  log(line: string): void;
}

/** One mode's figures over its runs. */
export interface CellTimesFigures {
  mode: CellTimesMode;
  /** The whole `matrix` command, cells and run preparation. */
  wallSeconds: Summary | null;
  /** Per cell (each run's median over its cells): the span of its checks, and the cell from start to result. */
  cellChecksSeconds: Summary | null;
  cellTotalSeconds: Summary | null;
  /** Each check's wall time, the median over every cell and run. */
  checkSeconds: Record<string, number>;
  /** Each run's cells that did not pass (a figure of a run whose cells fail is no figure). */
  notPassing: string[][];
}

export interface CellTimesResult {
  command: string;
  cells: string[];
  runs: number;
  modes: CellTimesFigures[];
}

/**
 * Times the same cells run in turn (`--jobs 1`: how every run went before cells and checks ran side
 * by side) and side by side, `runs` times each, alternating, with the CLI's `matrix` command and a
 * warm engine (the build cache of earlier runs); reads each run's report for the per-cell timings.
 */
export async function timeCells(request: CellTimesRequest): Promise<CellTimesResult> {
  const command = (mode: CellTimesMode, reportDir: string) =>
    ["node", "packages/cli/dist/main.js", "matrix", ...request.cells.flatMap((cell) => ["--cell", `'${cell}'`]), "--jobs", String(mode.jobs), "--report-dir", reportDir].join(" ");
  const runs = new Map<CellTimesMode["id"], Array<{ seconds: number; report: MatrixReport }>>(request.modes.map((mode) => [mode.id, []]));
  for (let index = 1; index <= request.runs; index += 1) {
    for (const mode of request.modes) {
      const reportDir = join(request.logDir, `cells-${mode.id}-${index}`);
      await mkdir(reportDir, { recursive: true });
      request.log(`cells ${mode.id} ${index}/${request.runs}: ${command(mode, reportDir)}`);
      const run = await timeCommand(command(mode, reportDir), request.repoDir, {}, join(reportDir, "output.log"));
      const report = JSON.parse(await readFile(join(reportDir, "matrix.json"), "utf8")) as MatrixReport;
      request.log(`cells ${mode.id} ${index}/${request.runs}: ${run.seconds.toFixed(1)} s, exit ${run.exitCode}`);
      runs.get(mode.id)!.push({ seconds: run.seconds, report });
    }
  }
  return { command: command(request.modes[0]!, "DIR").replace(/--jobs \d+/, "--jobs N"), cells: [...request.cells], runs: request.runs, modes: request.modes.map((mode) => cellTimesFigures(mode, runs.get(mode.id)!)) };
}

/** A mode's figures from its runs' wall times and reports. */
export function cellTimesFigures(mode: CellTimesMode, runs: ReadonlyArray<{ seconds: number; report: Pick<MatrixReport, "cells"> }>): CellTimesFigures {
  const built = (report: Pick<MatrixReport, "cells">) => report.cells.filter((cell) => cell.timing?.checksSeconds != null);
  const medianOf = (values: number[]) => summarize(values)?.median;
  const perRun = (part: (cell: CellReport) => number) => runs.map((run) => medianOf(built(run.report).map(part))).filter((value) => value !== undefined);
  const checks = Map.groupBy(
    runs.flatMap((run) => built(run.report).flatMap((cell) => cell.checks.filter((check) => check.seconds !== undefined && check.status !== "skip"))),
    (check) => check.name,
  );
  return {
    mode,
    wallSeconds: summarize(runs.map((run) => run.seconds)),
    cellChecksSeconds: summarize(perRun((cell) => cell.timing!.checksSeconds!)),
    cellTotalSeconds: summarize(perRun((cell) => cell.timing!.totalSeconds)),
    checkSeconds: Object.fromEntries([...checks].map(([name, results]) => [name, medianOf(results.map((check) => check.seconds!))!])),
    notPassing: runs.map((run) => run.report.cells.filter((cell) => cell.status === "fail").map((cell) => cell.id)),
  };
}
