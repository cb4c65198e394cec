import { appendFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/**
 * After a code-only change (a comment appended to one of the app's Python files, in the staged copy),
 * a rebuild runs no RUN step again before the code is copied: every dependency layer comes from the
 * cache. It must also see the change (some COPY step re-runs), or the check would prove nothing.
 * RUN steps after the last COPY that re-ran (the code's) come after the code by construction and re-run
 * with it (the templates' link-writable-dirs, which links folders of the code into the data folder):
 * allowed and named in the detail. A dependency install that re-runs is always followed by a COPY that
 * re-runs (of the code, or of the installed packages into the runtime stage), so it cannot hide there.
 */
export const depsLayerCached: Check<Pick<CheckContext, "stageDir" | "rebuild">> = async (context) => {
  const pythonFile = (await readdir(context.stageDir, { recursive: true }))
    .filter((path) => path.endsWith(".py") && !path.startsWith("docker/"))
    .sort()[0];
  if (!pythonFile) return fail("the app has no Python file to change; cannot make a code-only change");
  await appendFile(join(context.stageDir, pythonFile), `\n# dockerize-python deps-layer-cached probe ${Date.now()}\n`);
  const { log, seconds } = await context.rebuild();
  return judgeRebuild(parseSteps(log), pythonFile, seconds);
};

/** The check's verdict on the steps of the rebuild after `changedFile` changed. */
export function judgeRebuild(steps: readonly BuildStep[], changedFile: string, seconds: number) {
  const named = (list: readonly BuildStep[]) => list.map((step) => `[${step.stage}] ${step.instruction.slice(0, 80)}`).join("; ");
  const rerunRuns = steps.filter((step) => step.instruction.startsWith("RUN") && !step.cached);
  const rerunCopies = steps.filter((step) => step.instruction.startsWith("COPY") && !step.cached);
  if (!rerunCopies.length) {
    return fail(`the rebuild after changing ${changedFile} re-ran no COPY step: the change did not reach the image${rerunRuns.length ? ` (it re-ran ${named(rerunRuns)})` : ""}`);
  }
  const lastCopy = steps.lastIndexOf(rerunCopies.at(-1)!);
  const beforeCode = rerunRuns.filter((step) => steps.indexOf(step) < lastCopy);
  const afterCode = rerunRuns.filter((step) => steps.indexOf(step) > lastCopy);
  if (beforeCode.length) return fail(`a code-only change to ${changedFile} re-ran: ${named(beforeCode)}`);
  const cachedRuns = steps.filter((step) => step.instruction.startsWith("RUN") && step.cached).length;
  const after = afterCode.length ? `; after the code, as they must: ${named(afterCode)}` : "";
  return pass(`after changing ${changedFile}: all ${cachedRuns} RUN steps before the code cached, ${rerunCopies.length} COPY step(s) re-run${after}; rebuild ${seconds.toFixed(1)} s`);
}

export interface BuildStep {
  stage: string;
  instruction: string;
  cached: boolean;
}

/** Reads BuildKit's plain progress: `#N [stage i/n] INSTRUCTION` headers and `#N CACHED` lines. */
export function parseSteps(log: string): BuildStep[] {
  const steps = new Map<string, BuildStep>();
  const cached = new Set<string>();
  for (const line of log.split("\n")) {
    // An unnamed single stage prints `[2/6]`, a named one `[builder 2/6]`.
    const header = line.match(/^#(\d+) \[(?:(.+?) )?\d+\/\d+\] (.*)$/);
    if (header) steps.set(header[1]!, { stage: header[2] ?? "", instruction: header[3]!, cached: false });
    // A base image's ONBUILD triggers run as steps without a `[stage i/n]` prefix: `#N COPY . /app`.
    const trigger = header ? undefined : line.match(/^#(\d+) ((?:RUN|COPY|ADD) .*)$/);
    if (trigger && !steps.has(trigger[1]!)) steps.set(trigger[1]!, { stage: "ONBUILD trigger", instruction: trigger[2]!, cached: false });
    const hit = line.match(/^#(\d+) CACHED$/);
    if (hit) cached.add(hit[1]!);
  }
  return [...steps.entries()].map(([number, step]) => ({ ...step, cached: cached.has(number) }));
}
