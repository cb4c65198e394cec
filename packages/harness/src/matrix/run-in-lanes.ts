import pLimit from "p-limit";
import { stagedAppChecks, stagedAppLanes } from "../checks/registry.ts";
import type { CheckName } from "../manifest/schema.ts";

/**
 * Runs `run` for each listed check and gives the results in the listed order. With `jobs` 1, one
 * after another. Otherwise the checks that use the staged app run as stagedAppLanes says (its
 * `first`, then its lanes side by side, each in turn), and beside them the others run at most `jobs`
 * at a time. Every started check ends before this settles, even when one rejects (an abort): then
 * it rejects with the first reason.
 */
export async function runInLanes<Result>(listed: readonly CheckName[], jobs: number, run: (name: CheckName) => Promise<Result>): Promise<Result[]> {
  const results = new Map<CheckName, Result>();
  const inTurn = async (names: readonly CheckName[]) => {
    for (const name of names.filter((name) => listed.includes(name))) results.set(name, await run(name));
  };
  if (jobs <= 1) {
    await inTurn(listed);
  } else {
    const sideBySide = pLimit(jobs);
    const staged = inTurn(stagedAppLanes.first).then(() => settleAll(stagedAppLanes.lanes.map(inTurn)));
    const others = listed.filter((name) => !stagedAppChecks.has(name)).map((name) => sideBySide(() => inTurn([name])));
    await settleAll([staged, ...others]);
  }
  return listed.map((name) => results.get(name)!);
}

/** Waits for every one of `work` to end; then rejects with the first rejection's reason, if any. */
async function settleAll(work: ReadonlyArray<Promise<unknown>>): Promise<void> {
  const stopped = (await Promise.allSettled(work)).find((outcome) => outcome.status === "rejected");
  if (stopped) throw stopped.reason;
}
