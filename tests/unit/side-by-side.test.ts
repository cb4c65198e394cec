import { describe, expect, it } from "vitest";
import { stagedAppChecks, stagedAppLanes, timedChecks } from "../../packages/harness/src/checks/registry.ts";
import { takingTurnsIfTimed } from "../../packages/harness/src/matrix/run-cell-checks.ts";
import type { CellToVerify } from "../../packages/harness/src/matrix/cell-to-verify.ts";
import { startCellStopwatch } from "../../packages/harness/src/matrix/cell-stopwatch.ts";
import { runCells } from "../../packages/harness/src/matrix/run-cells.ts";
import { runInLanes } from "../../packages/harness/src/matrix/run-in-lanes.ts";
import type { MatrixProgressEvent } from "../../packages/harness/src/matrix/run-matrix-types.ts";
import type { CheckName } from "../../packages/harness/src/manifest/schema.ts";
import type { CellReport } from "../../packages/harness/src/report/report-types.ts";
import { renderTiming } from "../../packages/harness/src/report/render-timing.ts";

/**
 * How the runner lets cells and checks wait side by side (issue 14), without Docker: which checks
 * overlap, in what order results come back, how an error or an abort stops the rest. That a real
 * check gives the same verdict alone and side by side is proven on the engine
 * (tests/e2e/matrix.test.ts).
 */

/** A fake check run: resolves after `ms`, tracking how many run at once and which overlapped. */
function tracker(ms: (name: CheckName) => number = () => 5) {
  let running = new Set<CheckName>();
  let most = 0;
  const overlaps: Array<[CheckName, CheckName]> = [];
  const run = async (name: CheckName) => {
    for (const other of running) overlaps.push([other, name]);
    running = new Set([...running, name]);
    most = Math.max(most, running.size);
    await new Promise((resolve) => setTimeout(resolve, ms(name)));
    running.delete(name);
    return `${name} done`;
  };
  return { run, most: () => most, overlaps };
}

const appChecks: CheckName[] = ["lint", "non-root", "cap-drop-all", "db-wait", "sigterm-graceful", "onbuild-child", "deps-layer-cached", "no-secrets-in-image", "compose-up", "data-survives-restart", "static-refresh"];

describe("checks side by side (runInLanes)", () => {
  it("runs every check in turn with jobs 1", async () => {
    const fake = tracker();
    expect(await runInLanes(appChecks, 1, fake.run)).toEqual(appChecks.map((name) => `${name} done`));
    expect(fake.most()).toBe(1);
  });

  it("runs deps-layer-cached before any other check of the staged app, never two of one lane at once, and gives results in the listed order", async () => {
    const fake = tracker((name) => (name === "lint" ? 20 : 3));
    expect(await runInLanes(appChecks, 4, fake.run)).toEqual(appChecks.map((name) => `${name} done`));
    const staged = fake.overlaps.filter(([a, b]) => stagedAppChecks.has(a) && stagedAppChecks.has(b));
    expect(staged.filter((pair) => pair.includes("deps-layer-cached"))).toEqual([]);
    const laneOf = (name: CheckName) => stagedAppLanes.lanes.findIndex((lane) => (lane as readonly CheckName[]).includes(name));
    expect(staged.filter(([a, b]) => laneOf(a) === laneOf(b))).toEqual([]);
    // The two lanes do overlap: that is their point.
    expect(staged.length).toBeGreaterThan(0);
    expect(fake.most()).toBeGreaterThan(2);
  });

  it("runs at most `jobs` of the others at once, beside the lanes", async () => {
    const fake = tracker();
    await runInLanes(appChecks, 2, fake.run);
    // Two of the others and one of each of the two lanes.
    expect(fake.most()).toBe(4);
  });

  it("lets every started check end before it rejects with the first reason", async () => {
    const ended: CheckName[] = [];
    const run = async (name: CheckName) => {
      await new Promise((resolve) => setTimeout(resolve, name === "db-wait" ? 1 : 15));
      if (name === "db-wait") throw new Error("aborted");
      ended.push(name);
      return name;
    };
    await expect(runInLanes(["non-root", "db-wait", "cap-drop-all"], 4, run)).rejects.toThrow("aborted");
    expect(ended.sort()).toEqual(["cap-drop-all", "non-root"]);
  });
});

const cell = (id: string) => ({ id }) as CellToVerify;
const reportOf = (id: string) => ({ id, status: "pass" }) as CellReport;

describe("the checks with a time bound (takingTurnsIfTimed)", () => {
  it("run one at a time, whichever cell they belong to, while the others do not wait for them", async () => {
    const fake = tracker(() => 10);
    await Promise.all((["sigterm-graceful", "db-wait", "override-cmd", "proxy-upstream-down", "non-root", "cap-drop-all"] as CheckName[]).map((name) => takingTurnsIfTimed(name, () => fake.run(name))));
    const timedPairs = fake.overlaps.filter(([a, b]) => timedChecks.has(a) && timedChecks.has(b));
    expect(timedPairs).toEqual([]);
    expect(fake.overlaps).toContainEqual(["non-root", "cap-drop-all"]);
  });
});

describe("cells side by side (runCells)", () => {
  it("runs at most `jobs` cells at once and reports each as it finishes", async () => {
    const cells = ["a", "b", "c", "d", "e"].map(cell);
    let running = 0;
    let most = 0;
    const done: string[] = [];
    const events: MatrixProgressEvent["kind"][] = [];
    await runCells(cells, { jobs: 2, progress: (event) => events.push(event.kind), done: (report) => done.push(report.id) }, async (c) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, c.id === "a" ? 30 : 5));
      running -= 1;
      return reportOf(c.id);
    });
    expect(most).toBe(2);
    // In the order they finished: the slow first cell last of its pair.
    expect(done[0]).toBe("b");
    expect([...done].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(events.filter((kind) => kind === "cell-done")).toHaveLength(5);
  });

  it("stops the other cells after their current step on an error, and rejects with it", async () => {
    const started: string[] = [];
    const done: string[] = [];
    const failure = new Error("the engine went away");
    const run = runCells(["a", "b", "c", "d"].map(cell), { jobs: 2, progress: () => {}, done: (report) => done.push(report.id) }, async (c, signal) => {
      started.push(c.id);
      if (c.id === "a") throw failure;
      await new Promise((resolve) => setTimeout(resolve, 10));
      signal.throwIfAborted();
      return reportOf(c.id);
    });
    await expect(run).rejects.toBe(failure);
    expect(started).toEqual(["a", "b"]);
    expect(done).toEqual([]);
  });

  it("rejects with the caller's abort reason, starting no cell after it", async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const run = runCells(["a", "b", "c"].map(cell), { jobs: 1, signal: controller.signal, progress: () => {}, done: () => {} }, async (c) => {
      started.push(c.id);
      controller.abort("interrupted by Ctrl-C (SIGINT)");
      return reportOf(c.id);
    });
    await expect(run).rejects.toBe("interrupted by Ctrl-C (SIGINT)");
    expect(started).toEqual(["a"]);
  });
});

describe("a cell's timing", () => {
  it("adds each step's wall time to its part, and reads the total up to now", async () => {
    let clock = 1_000;
    const stopwatch = startCellStopwatch(() => clock);
    await stopwatch.time("stageSeconds", async () => {
      clock += 1_500;
    });
    await expect(
      stopwatch.time("checksSeconds", async () => {
        clock += 2_000;
        throw new Error("a check threw");
      }),
    ).rejects.toThrow();
    stopwatch.add("buildWaitSeconds", 3.25);
    stopwatch.add("buildWaitSeconds", 1);
    clock += 500;
    expect(stopwatch.read()).toEqual({ totalSeconds: 4, stageSeconds: 1.5, buildWaitSeconds: 4.3, proxyBuildSeconds: null, stackStartSeconds: null, checksSeconds: 2 });
  });

  it("is shown per cell with the slowest checks, and not at all for reports without timings", () => {
    const timed = {
      variant: "py3.13",
      buildSeconds: 20.4,
      timing: { totalSeconds: 61.2, stageSeconds: 0.3, buildWaitSeconds: 12, proxyBuildSeconds: 1.1, stackStartSeconds: 3.4, checksSeconds: 38.5 },
      checks: [
        { name: "lint", status: "pass", detail: "", seconds: 0.3 },
        { name: "compose-up", status: "pass", detail: "", seconds: 22.1 },
        { name: "db-wait", status: "pass", detail: "", seconds: 6.2 },
        { name: "no-secrets-in-image", status: "pass", detail: "", seconds: 30 },
        { name: "non-root", status: "pass", detail: "" },
      ],
    } as CellReport;
    const table = renderTiming([timed])!;
    expect(table).toContain("| py3.13 | 61.2 | 0.3 | 20.4 | 12.0 | 1.1 | 3.4 | 38.5 | no-secrets-in-image 30.0, compose-up 22.1, db-wait 6.2 |");
    expect(renderTiming([{ ...timed, timing: undefined }])).toBeUndefined();
  });
});
