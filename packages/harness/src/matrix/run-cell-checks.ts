import type { CheckContext, CheckOutcome, StaticCheckContext } from "../checks/check.ts";
import { checks, isStaticCheck, staticChecks, timedChecks } from "../checks/registry.ts";
import type { CheckName } from "../manifest/schema.ts";
import type { CheckResult } from "../report/report-types.ts";
import { roundSeconds } from "../report/round-seconds.ts";
import type { CellToVerify, VerifyCellOptions } from "./cell-to-verify.ts";
import { runTurns } from "./check-turns.ts";
import { runInLanes } from "./run-in-lanes.ts";

/** The checks the cell's manifest lists, in the registry's order (the order they run in). */
export function listedChecks(cell: CellToVerify): CheckName[] {
  return (Object.keys(checks) as CheckName[]).filter((name) => cell.checks.includes(name));
}

/**
 * Runs the listed checks on the built cell and gives their results in the registry's order. The
 * checks that use the staged app run in the lanes stagedAppLanes names; beside them the others run
 * at most `options.jobs` at a time (1: every check in turn; see runInLanes). Their builds take turns
 * on the engine (withEngineBuildLock); their containers run side by side, but a check with a time
 * bound (timedChecks) runs alone, nothing else of the run beside it (check-turns.ts). One the options skip
 * (the app lacks what it needs) is reported as skip with their reason. An abort stops the cell
 * between checks, never within one: a check always cleans up what it started.
 */
export async function runCellChecks(listed: readonly CheckName[], context: CheckContext, options: VerifyCellOptions): Promise<CheckResult[]> {
  const runOne = async (name: CheckName): Promise<CheckResult> => {
    options.signal?.throwIfAborted();
    const skip = options.skipChecks?.[name];
    if (skip) return { name, status: "skip", detail: skip, seconds: 0 };
    const checkNow = () => {
      options.step(`check ${name}`);
      return runCheck(name, () => checks[name](context));
    };
    return takingTurnsIfTimed(name, checkNow);
  };
  return runInLanes(listed, options.jobs ?? 1, runOne);
}

/**
 * Runs `task` (the check `name`) in its turn (see check-turns.ts): a check with a time bound
 * (timedChecks) alone, when nothing else of this process's runs is running; any other beside the rest.
 */
export function takingTurnsIfTimed<T>(name: CheckName, task: () => Promise<T>): Promise<T> {
  return timedChecks.has(name) ? runTurns.alone(task) : runTurns.together(task);
}

/** For a cell with no image to check: the static checks run, every other is reported as not run, saying why. */
export async function runStaticChecks(listed: readonly CheckName[], context: StaticCheckContext, notRun: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const name of listed) {
    results.push(isStaticCheck(name) ? await runCheck(name, () => staticChecks[name](context)) : { name, status: "skip", detail: `not run: ${notRun}`, seconds: 0 });
  }
  return results;
}

/** Runs the check named `name`, timed; one that throws fails with the error's message. */
async function runCheck(name: CheckName, check: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const started = performance.now();
  const seconds = () => roundSeconds((performance.now() - started) / 1000);
  try {
    return { name, ...(await check()), seconds: seconds() };
  } catch (error) {
    return { name, status: "fail", detail: error instanceof Error ? error.message : String(error), seconds: seconds() };
  }
}
