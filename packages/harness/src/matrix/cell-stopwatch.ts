import type { CellTiming } from "../report/report-types.ts";
import { roundSeconds } from "../report/round-seconds.ts";

/** A cell's stopwatch: started with the cell, it times its steps into a CellTiming (the report's `timing`). */
export interface CellStopwatch {
  /** Runs `step`, adding its wall time to `part` (also when it throws). */
  time<T>(part: "stageSeconds" | "proxyBuildSeconds" | "checksSeconds", step: () => Promise<T>): Promise<T>;
  /** Adds seconds measured elsewhere (a build's wait for the engine, the stack's start). */
  add(part: "buildWaitSeconds" | "stackStartSeconds", seconds: number): void;
  /** The timing so far, its total up to now. */
  read(): CellTiming;
}

export function startCellStopwatch(now: () => number = () => performance.now()): CellStopwatch {
  const started = now();
  const timing: CellTiming = { totalSeconds: 0, stageSeconds: null, buildWaitSeconds: 0, proxyBuildSeconds: null, stackStartSeconds: null, checksSeconds: null };
  const add = (part: keyof CellTiming, seconds: number) => {
    timing[part] = roundSeconds((timing[part] ?? 0) + seconds);
  };
  return {
    async time(part, step) {
      const from = now();
      try {
        return await step();
      } finally {
        add(part, (now() - from) / 1000);
      }
    },
    add,
    read() {
      return { ...timing, totalSeconds: roundSeconds((now() - started) / 1000) };
    },
  };
}
