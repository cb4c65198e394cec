import type { CellTimesResult } from "./cell-times.ts";
import type { Summary } from "./stats.ts";

/**
 * The cells timed in turn and side by side, for results.md: per mode the whole command's wall time
 * and a cell's (the median over its cells, median over runs), then each check's median wall time.
 */
export function renderCellTimes(times: CellTimesResult, cell: (summary: Summary | null, format: (value: number) => string) => string, format: (seconds: number) => string): string[] {
  const [inTurn, sideBySide] = times.modes;
  const ratio = (a: Summary | null | undefined, b: Summary | null | undefined) => (a && b && b.median > 0 ? `${(a.median / b.median).toFixed(1)}×` : "—");
  const checkNames = [...new Set(times.modes.flatMap((mode) => Object.keys(mode.checkSeconds)))];
  const failing = times.modes.flatMap((mode) => mode.notPassing.flatMap((ids, index) => (ids.length ? [`${mode.mode.id} run ${index + 1}: ${ids.join(", ")}`] : [])));
  return [
    "### A cell's time, in turn and side by side",
    "",
    `The same cells (${times.cells.map((pattern) => `\`${pattern}\``).join(", ")}), ${times.runs} run${times.runs === 1 ? "" : "s"} per mode, alternating, on the warm engine: ` +
      "`--jobs 1` runs every cell and check in turn, as every run did before; side by side, the cells and, in each, the checks that do not use the staged app wait together, " +
      "while builds take turns on the engine. Per cell: the median over the run's cells (then over runs).",
    "",
    `| figure | ${times.modes.map((mode) => `${mode.mode.id} (--jobs ${mode.mode.jobs})`).join(" | ")} | in turn / side by side |`,
    `| --- | ${times.modes.map(() => "---:").join(" | ")} | ---: |`,
    `| the whole command | ${times.modes.map((mode) => cell(mode.wallSeconds, format)).join(" | ")} | ${ratio(inTurn?.wallSeconds, sideBySide?.wallSeconds)} |`,
    `| a cell's checks (span) | ${times.modes.map((mode) => cell(mode.cellChecksSeconds, format)).join(" | ")} | ${ratio(inTurn?.cellChecksSeconds, sideBySide?.cellChecksSeconds)} |`,
    `| a cell, start to result | ${times.modes.map((mode) => cell(mode.cellTotalSeconds, format)).join(" | ")} | ${ratio(inTurn?.cellTotalSeconds, sideBySide?.cellTotalSeconds)} |`,
    "",
    `| check (median wall time) | ${times.modes.map((mode) => mode.mode.id).join(" | ")} |`,
    `| --- | ${times.modes.map(() => "---:").join(" | ")} |`,
    ...checkNames.map((name) => `| ${name} | ${times.modes.map((mode) => (mode.checkSeconds[name] === undefined ? "—" : format(mode.checkSeconds[name]!))).join(" | ")} |`),
    "",
    failing.length ? `Cells that did not pass: ${failing.join("; ")}.` : "Every cell passed in every run of both modes.",
  ];
}
