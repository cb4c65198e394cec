import type { CheckContext, CheckOutcome, StaticCheckContext } from "../checks/check.ts";
import { checks, isStaticCheck, staticChecks } from "../checks/registry.ts";
import type { CheckName } from "../manifest/schema.ts";
import type { CheckResult } from "../report/report-types.ts";
import { roundSeconds } from "../report/round-seconds.ts";
import type { CellToVerify, VerifyCellOptions } from "./cell-to-verify.ts";

/** The checks the cell's manifest lists, in the registry's order (the order they run in). */
export function listedChecks(cell: CellToVerify): CheckName[] {
  return (Object.keys(checks) as CheckName[]).filter((name) => cell.checks.includes(name));
}

/**
 * Runs each check on the built cell, in order; one the options skip (the app lacks what it needs) is
 * reported as skip with their reason. An abort stops the cell between checks, never within one: a
 * check always cleans up what it started.
 */
export async function runCellChecks(listed: readonly CheckName[], context: CheckContext, options: VerifyCellOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const name of listed) {
    options.signal?.throwIfAborted();
    const skip = options.skipChecks?.[name];
    if (skip) {
      results.push({ name, status: "skip", detail: skip });
      continue;
    }
    options.step(`check ${name}`);
    results.push(await runCheck(name, () => checks[name](context)));
  }
  return results;
}

/** For a cell with no image to check: the static checks run, every other is reported as not run, saying why. */
export async function runStaticChecks(listed: readonly CheckName[], context: StaticCheckContext, notRun: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const name of listed) {
    results.push(isStaticCheck(name) ? await runCheck(name, () => staticChecks[name](context)) : { name, status: "skip", detail: `not run: ${notRun}` });
  }
  return results;
}

/** Runs the check named `name`, timed; one that throws fails with the error's message. */
async function runCheck(name: CheckName, check: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const started = performance.now();
  try {
    const outcome = await check();
    return { name, ...outcome, detail: `${outcome.detail} (${roundSeconds((performance.now() - started) / 1000)} s)` };
  } catch (error) {
    return { name, status: "fail", detail: error instanceof Error ? error.message : String(error) };
  }
}
