import type { CellReport } from "./report-types.ts";

/** How many of a cell's slowest checks its timing row names. */
const slowestShown = 3;

/**
 * Where each cell's time went, as a table under its template's: the cell's wall time, its staging,
 * build (and the wait for the engine before it), proxy build, stack start, the checks' span, and the
 * slowest checks with their wall times. Undefined when no cell has a timing (older reports).
 */
export function renderTiming(cells: readonly CellReport[]): string | undefined {
  const timed = cells.filter((cell) => cell.timing);
  if (!timed.length) return undefined;
  const header = ["Variant", "Cell (s)", "Staging (s)", "Build (s)", "Waited for the engine (s)", "Proxy build (s)", "Stack start (s)", "Checks (s)", `Slowest checks (s)`];
  const align = ["---", ...header.slice(1, -1).map(() => "---:"), "---"];
  const rows = timed.map((cell) => {
    const timing = cell.timing!;
    const slowest = cell.checks
      .filter((check) => (check.seconds ?? 0) > 0)
      .sort((a, b) => (b.seconds ?? 0) - (a.seconds ?? 0))
      .slice(0, slowestShown)
      .map((check) => `${check.name} ${seconds(check.seconds ?? null)}`);
    return [
      cell.variant,
      seconds(timing.totalSeconds),
      seconds(timing.stageSeconds),
      seconds(cell.buildSeconds),
      seconds(timing.buildWaitSeconds),
      seconds(timing.proxyBuildSeconds),
      seconds(timing.stackStartSeconds),
      seconds(timing.checksSeconds),
      slowest.join(", ") || "—",
    ];
  });
  const table = [header, align, ...rows].map((row) => `| ${row.join(" | ")} |`).join("\n");
  return `### Where the time went\n\nWall times. Checks run side by side (\`--jobs\`), so a cell's checks add up to more than their span.\n\n${table}`;
}

const seconds = (value: number | null) => (value === null ? "—" : value.toFixed(1));
