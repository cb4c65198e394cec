import type { Arg, Env, Instruction } from "dockerfile-ast";
import type { DockerfileRule } from "../dockerfile-rule.ts";
import { effectiveInstructions, flagValues, lineOf, shellRuns, type Stage, stageChain } from "../parse-dockerfile.ts";

/**
 * `pip install` keeps no download cache in the image: `--no-cache-dir`, PIP_NO_CACHE_DIR set (by ENV
 * or ARG in the stage or a stage it builds on, or inline), or pip's cache in a `--mount=type=cache`.
 * Otherwise every wheel pip downloaded stays in the layer as well as installed.
 */
export const pipNoCache: DockerfileRule = {
  id: "pip-no-cache",
  summary: "pip install keeps no cache in the layer (--no-cache-dir, PIP_NO_CACHE_DIR, or a cache mount)",
  check(dockerfile) {
    return shellRuns(dockerfile)
      .filter(({ script }) => /\bpip[0-9.]*\s+(-\S+\s+)*install\b/.test(script) && !/--no-cache-dir\b|\bPIP_NO_CACHE_DIR=/.test(script))
      .filter(({ instruction }) => !flagValues(instruction, "mount").some((mount) => /type=cache/.test(mount) && /target=[^,]*(\.cache|pip)/.test(mount)))
      .filter(({ stage, before }) => !noCacheDirSet(stage, before))
      .map(({ instruction }) => ({
        rule: this.id,
        file: dockerfile.file,
        line: lineOf(instruction),
        message: "pip install keeps its download cache (~/.cache/pip) in the layer",
        fix: "add --no-cache-dir, set ENV PIP_NO_CACHE_DIR=1 earlier in the stage, or use RUN --mount=type=cache,target=/root/.cache/pip",
      }));
  },
};

/** PIP_NO_CACHE_DIR is set by an ENV or ARG before this point of the stage, or in a stage it builds on. */
function noCacheDirSet(stage: Stage, before: Instruction[]): boolean {
  const sets = (instruction: Instruction) => {
    const keyword = instruction.getKeyword();
    if (keyword === "ENV") return (instruction as Env).getProperties().some((property) => property.getName() === "PIP_NO_CACHE_DIR");
    if (keyword === "ARG") {
      const property = (instruction as Arg).getProperty();
      return property?.getName() === "PIP_NO_CACHE_DIR" && !!property.getValue();
    }
    return false;
  };
  if (before.some(sets)) return true;
  return stageChain(stage).slice(1).some((ancestor) => effectiveInstructions(ancestor).some((instruction) => instruction.getKeyword() === "ENV" && sets(instruction)));
}
