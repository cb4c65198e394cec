import { describe, expect, it } from "vitest";
import type { CellReport } from "../../packages/harness/src/report/report-types.ts";
import { cellTimesFigures } from "../../bench/src/cell-times.ts";
import { renderCellTimes } from "../../bench/src/render-cell-times.ts";

/** The benchmark's figures of cells in turn and side by side, from the reports' timings (no engine). */

const cell = (id: string, checksSeconds: number | null, totalSeconds: number, checks: Array<[string, number, CellReport["status"]]>, status: CellReport["status"] = "pass") =>
  ({
    id,
    status,
    timing: { totalSeconds, stageSeconds: 0.1, buildWaitSeconds: 0, proxyBuildSeconds: 0.5, stackStartSeconds: 3, checksSeconds },
    checks: checks.map(([name, seconds, checkStatus]) => ({ name, status: checkStatus, detail: "", seconds })),
  }) as CellReport;

describe("cell times", () => {
  const inTurn = cellTimesFigures({ id: "in-turn", jobs: 1 }, [
    { seconds: 300, report: { cells: [cell("a", 100, 120, [["db-wait", 6, "pass"], ["lint", 0.3, "pass"]]), cell("b", 140, 150, [["db-wait", 8, "pass"]]), cell("alpine", null, 0.4, [["lint", 0.2, "skip"]], "skip")] } },
    { seconds: 280, report: { cells: [cell("a", 90, 110, [["db-wait", 7, "pass"]]), cell("b", 130, 140, [["db-wait", 9, "pass"]], "fail")] } },
  ]);
  const sideBySide = cellTimesFigures({ id: "side-by-side", jobs: 4 }, [{ seconds: 100, report: { cells: [cell("a", 40, 50, [["db-wait", 12, "pass"]]), cell("b", 60, 70, [["db-wait", 14, "pass"]])] } }]);

  it("takes a run's median over its built cells, then the median over runs; skipped cells and checks count for nothing", () => {
    // Run 1: median(100, 140) = 120; run 2: median(90, 130) = 110.
    expect(inTurn.cellChecksSeconds).toMatchObject({ median: 115, min: 110, max: 120 });
    expect(inTurn.cellTotalSeconds?.median).toBe(130);
    expect(inTurn.wallSeconds?.median).toBe(290);
    expect(inTurn.checkSeconds).toEqual({ "db-wait": 7.5, lint: 0.3 });
    expect(inTurn.notPassing).toEqual([[], ["b"]]);
  });

  it("renders both modes, their ratio, each check, and the cells that did not pass", () => {
    const lines = renderCellTimes({ command: "node ... --jobs N", cells: ["slim-gunicorn/*"], runs: 2, modes: [inTurn, sideBySide] }, (summary) => (summary ? `${summary.median}` : "—"), (seconds) => `${seconds} s`).join("\n");
    expect(lines).toContain("| a cell's checks (span) | 115 | 50 | 2.3× |");
    expect(lines).toContain("| the whole command | 290 | 100 | 2.9× |");
    expect(lines).toContain("| db-wait | 7.5 s | 13 s |");
    expect(lines).toContain("Cells that did not pass: in-turn run 2: b.");
  });
});
