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
      "    more",
    ]);
  });

  it("shows under a failed cell the rest of its reason (a build's step and log tail) and each failing check", () => {
    const lines: string[] = [];
    const progress = renderProgress((line) => lines.push(line), () => 0);
    const buildLog = Array.from({ length: 65 }, (_, index) => `log line ${index + 1}`);
    const failed = {
      ...report,
      reason: `Building x failed at step [builder 3/4] RUN pip install (Dockerfile:12).\n${buildLog.join("\n")}`,
      checks: [
        { name: "lint", status: "fail", detail: "DL3008 pin versions\nsecond line" },
        { name: "non-root", status: "skip", detail: "not run: the image did not build" },
      ],
    } as unknown as CellReport;
    progress({ kind: "cell-start", cell, index: 0, total: 1 });
    progress({ kind: "cell-done", cell, report: failed, index: 0, total: 1 });

    expect(lines[1]).toBe("[1/1] slim-uwsgi/py3.13 ❌ fail in 0.0 s, 181.3 of 250.0 MB: Building x failed at step [builder 3/4] RUN pip install (Dockerfile:12).");
    expect(lines.slice(2)).toEqual([
      ...buildLog.slice(0, 60).map((line) => `    ${line}`),
      "    ... (5 more lines in the report)",
      "    check lint: DL3008 pin versions",
    ]);
  });
});
