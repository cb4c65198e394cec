/**
 * The turns a run's work takes on this machine's cores. Most of a cell's work may go side by side
 * (`together`: staging, builds, which take turns on the engine anyway, the checks without a time
 * bound); a check whose verdict holds a time bound (timedChecks: a graceful stop within 5 s, a
 * database wait within its timeout) runs `alone`: it waits until nothing else of the run is
 * running, nothing new starts while it waits (so it is never starved), and it has the machine to
 * itself, as with `--jobs 1`. On 2 cores, servers starting beside builds made those checks fail on
 * images that pass them alone (bench/experiments/side-by-side): their verdicts must not depend on
 * what else the run does.
 */
export interface Turns {
  together<T>(work: () => Promise<T>): Promise<T>;
  alone<T>(work: () => Promise<T>): Promise<T>;
}

/** A readers-writer lock that lets a waiting writer in first: `alone` is never starved by `together`. */
export function createTurns(): Turns {
  let together = 0;
  let aloneRunning = false;
  const waiting: Array<{ alone: boolean; start: () => void }> = [];

  const mayStart = (alone: boolean) => !aloneRunning && (alone ? together === 0 : !waiting.some((entry) => entry.alone));
  const startWaiting = () => {
    while (waiting.length && (waiting[0]!.alone ? together === 0 && !aloneRunning : !aloneRunning)) {
      const next = waiting.shift()!;
      if (next.alone) aloneRunning = true;
      else together += 1;
      next.start();
      if (next.alone) return;
    }
  };
  const take = async <T>(alone: boolean, work: () => Promise<T>): Promise<T> => {
    if (mayStart(alone)) {
      if (alone) aloneRunning = true;
      else together += 1;
    } else {
      await new Promise<void>((start) => waiting.push({ alone, start }));
    }
    try {
      return await work();
    } finally {
      if (alone) aloneRunning = false;
      else together -= 1;
      startWaiting();
    }
  };
  return { together: (work) => take(false, work), alone: (work) => take(true, work) };
}

/** This process's turns: every run in it (a test file's several runs, `--jobs` cells) shares them. */
export const runTurns = createTurns();
