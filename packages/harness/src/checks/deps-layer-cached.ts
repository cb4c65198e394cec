import { appendFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/**
 * After a code-only change (a comment appended to one of the app's Python files, in the staged copy),
 * a rebuild runs no RUN step again: every dependency layer comes from the cache. It must also see the
 * change (some COPY step re-runs), or the check would prove nothing.
 */
export const depsLayerCached: Check<Pick<CheckContext, "stageDir" | "rebuild">> = async (context) => {
  const pythonFile = (await readdir(context.stageDir, { recursive: true }))
    .filter((path) => path.endsWith(".py") && !path.startsWith("docker/"))
    .sort()[0];
  if (!pythonFile) return fail("the app has no Python file to change; cannot make a code-only change");
  await appendFile(join(context.stageDir, pythonFile), `\n# dockerize-python deps-layer-cached probe ${Date.now()}\n`);
  const { log, seconds } = await context.rebuild();
  const steps = parseSteps(log);
  const rerunRuns = steps.filter((step) => step.instruction.startsWith("RUN") && !step.cached);
  const rerunCopies = steps.filter((step) => step.instruction.startsWith("COPY") && !step.cached);
  if (rerunRuns.length) {
    return fail(`a code-only change to ${pythonFile} re-ran: ${rerunRuns.map((s) => `[${s.stage}] ${s.instruction.slice(0, 80)}`).join("; ")}`);
  }
  if (!rerunCopies.length) return fail(`the rebuild after changing ${pythonFile} re-ran no COPY step: the change did not reach the image`);
  const cachedRuns = steps.filter((step) => step.instruction.startsWith("RUN")).length;
  return pass(`after changing ${pythonFile}: all ${cachedRuns} RUN steps cached, ${rerunCopies.length} COPY step(s) re-run, rebuild ${seconds.toFixed(1)} s`);
};

interface BuildStep {
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
