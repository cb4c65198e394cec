import pLimit from "p-limit";
import { stagedAppChecks } from "../checks/registry.ts";
import type { CheckName } from "../manifest/schema.ts";

/**
 * Runs `run` for each listed check and gives the results in the listed order. With `jobs` 1, one
 * after another. Otherwise the checks that use the staged app (stagedAppChecks) run one after
 * another as one lane, and beside it the others run at most `jobs` at a time. Every started check
 * ends before this settles, even when one rejects (an abort): then it rejects with the first reason.
 */
export async function runInLanes<Result>(listed: readonly CheckName[], jobs: number, run: (name: CheckName) => Promise<Result>): Promise<Result[]> {
  const results = new Map<CheckName, Result>();
  const record = async (name: CheckName) => {
    results.set(name, await run(name));
  };
  const inTurn = async (names: readonly CheckName[]) => {
    for (const name of names) await record(name);
  };
  if (jobs <= 1) {
    await inTurn(listed);
  } else {
    const sideBySide = pLimit(jobs);
    const lane = inTurn(listed.filter((name) => stagedAppChecks.has(name)));
    const others = listed.filter((name) => !stagedAppChecks.has(name)).map((name) => sideBySide(() => record(name)));
    const stopped = (await Promise.allSettled([lane, ...others])).find((outcome) => outcome.status === "rejected");
    if (stopped) throw stopped.reason;
  }
  return listed.map((name) => results.get(name)!);
}
