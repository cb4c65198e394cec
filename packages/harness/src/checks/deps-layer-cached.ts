import { appendFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { buildAgainMarker } from "../docker/build-image.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/**
 * After a code-only change (a comment appended to one of the app's Python files, in the staged copy),
 * a rebuild runs no RUN step again: every dependency layer comes from the cache. It must also see the
 * change (some COPY step re-runs), or the check would prove nothing. The only RUN steps that may
 * re-run are those the template declares as coming after the code (its manifest's stepsAfterCode,
 * such as link-writable-dirs), and only after the code's COPY; they are named in the detail.
 */
export const depsLayerCached: Check<Pick<CheckContext, "stageDir" | "rebuild" | "stepsAfterCode">> = async (context) => {
  const pythonFile = (await readdir(context.stageDir, { recursive: true }))
    .filter((path) => path.endsWith(".py") && !path.startsWith("docker/"))
    .sort()[0];
  if (!pythonFile) return fail("the app has no Python file to change; cannot make a code-only change");
  await appendFile(join(context.stageDir, pythonFile), `\n# dockerize-python deps-layer-cached probe ${Date.now()}\n`);
  const { log, seconds } = await context.rebuild();
  return judgeRebuild(parseSteps(log), { changedFile: pythonFile, seconds, stepsAfterCode: context.stepsAfterCode });
};

/** What judgeRebuild needs besides the steps: what changed, how long the rebuild took, what may re-run after the code. */
export interface RebuildFacts {
  changedFile: string;
  seconds: number;
  /** Commands whose RUN steps come after the code by design (see TemplateManifest.stepsAfterCode). */
  stepsAfterCode: readonly string[];
}

/** The check's verdict on the steps of the rebuild after `facts.changedFile` changed. */
export function judgeRebuild(steps: readonly BuildStep[], facts: RebuildFacts) {
  const { changedFile, seconds } = facts;
  const named = (list: readonly BuildStep[]) => list.map((step) => `[${step.stage}] ${step.instruction.slice(0, 80)}`).join("; ");
  const rerunRuns = steps.filter((step) => step.instruction.startsWith("RUN") && !step.cached);
  const rerunCopies = steps.filter((step) => step.instruction.startsWith("COPY") && !step.cached);
  if (!rerunCopies.length) {
    return fail(`the rebuild after changing ${changedFile} re-ran no COPY step: the change did not reach the image${rerunRuns.length ? ` (it re-ran ${named(rerunRuns)})` : ""}`);
  }
  const lastCopy = steps.lastIndexOf(rerunCopies.at(-1)!);
  const command = (step: BuildStep) => step.instruction.replace(/^RUN\s+/, "").split(/\s+/)[0] ?? "";
  const afterCode = (step: BuildStep) => steps.indexOf(step) > lastCopy && facts.stepsAfterCode.includes(command(step));
  const unexpected = rerunRuns.filter((step) => !afterCode(step));
  if (unexpected.length) return fail(`a code-only change to ${changedFile} re-ran: ${named(unexpected)}`);
  const cachedRuns = steps.filter((step) => step.instruction.startsWith("RUN") && step.cached).length;
  const declared = rerunRuns.length ? `; re-run after the code, as the template declares: ${named(rerunRuns)}` : "";
  return pass(`after changing ${changedFile}: all ${cachedRuns} RUN steps before the code cached, ${rerunCopies.length} COPY step(s) re-run${declared}; rebuild ${seconds.toFixed(1)} s`);
}

export interface BuildStep {
  stage: string;
  instruction: string;
  cached: boolean;
}

/**
 * Reads BuildKit's plain progress: `#N [stage i/n] INSTRUCTION` headers and `#N CACHED` lines. A
 * build that ran again after the engine failed to start a step (buildAgainMarker) is read as one:
 * a step ran when it ran in either attempt (the second takes what the first finished from the cache).
 */
export function parseSteps(log: string): BuildStep[] {
  const attempts: string[][] = [[]];
  for (const line of log.split("\n")) {
    if (line.startsWith(buildAgainMarker)) attempts.push([]);
    else attempts.at(-1)!.push(line);
  }
  const [steps, ...again] = attempts.map(parseAttempt);
  if (!steps) return [];
  for (const attempt of again) {
    const matched = new Set<BuildStep>();
    for (const step of attempt) {
      const same = steps.find((known) => !matched.has(known) && known.stage === step.stage && known.instruction === step.instruction);
      if (!same) {
        steps.push(step);
        continue;
      }
      matched.add(same);
      same.cached &&= step.cached;
    }
  }
  return steps;
}

/** The steps of one attempt's log lines. */
function parseAttempt(lines: readonly string[]): BuildStep[] {
  const steps = new Map<string, BuildStep>();
  const cached = new Set<string>();
  for (const line of lines) {
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
