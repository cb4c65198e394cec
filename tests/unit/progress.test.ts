import { describe, expect, it } from "vitest";
import type { Cell, CellReport } from "@dockerize-python/harness";
import { renderProgress } from "../../packages/cli/src/progress.ts";

const cell = { id: "slim-uwsgi/py3.13", python: "3.13", template: { name: "slim-uwsgi", version: "0.1.0" } } as Cell;
const report = { status: "fail", sizeBytes: 181_300_000, sizeBudgetBytes: 250_000_000, reason: "check non-root failed\nmore", checks: [] } as unknown as CellReport;

describe("renderProgress", () => {
  it("shows each event as one readable line with the cell's position and elapsed time", () => {
    const lines: string[] = [];
    let clock = 0;
    const progress = renderProgress((line) => lines.push(line), () => clock);

    progress({ kind: "phase", message: "expanding the matrix" });
    progress({ kind: "cell-start", cell, index: 1, total: 4 });
    clock = 1_200;
    progress({ kind: "cell-step", cell, message: "building..." });
    progress({ kind: "log", message: "stand-in reused" });
    clock = 48_000;
    progress({ kind: "cell-done", cell, report, index: 1, total: 4 });

    expect(lines).toEqual([
      "==> expanding the matrix",
      "[2/4] slim-uwsgi/py3.13 starting (Python 3.13, template slim-uwsgi 0.1.0)",
      "[2/4] slim-uwsgi/py3.13 building... (+1.2 s)",
      "    stand-in reused",
      "[2/4] slim-uwsgi/py3.13 ❌ fail in 48.0 s, 181.3 of 250.0 MB: check non-root failed",
    ]);
  });
});
