import type { Instruction } from "dockerfile-ast";
import type { DockerfileRule } from "../dockerfile-rule.ts";
import { effectiveInstructions, expandVariables, lineOf, type Stage, stageChain } from "../parse-dockerfile.ts";

const rootUsers = new Set(["", "root", "0"]);

/**
 * The final stage runs as a non-root user: its last USER (or ONBUILD USER, which the images built
 * FROM it run as), or one inherited from an earlier stage of the file. An external base image is
 * taken to run as root, as the official images do.
 */
export const finalStageNonRoot: DockerfileRule = {
  id: "non-root-user",
  summary: "the final stage sets a non-root USER",
  check(dockerfile) {
    const final = dockerfile.stages.at(-1);
    if (!final) return [];
    const found = lastUser(final);
    const fix = "add `USER 10001:10001` (a numeric non-zero uid, no useradd needed) after the last step that needs root";
    if (!found) {
      return [{ rule: this.id, file: dockerfile.file, line: final.from.getRange().start.line + 1, message: "the final stage sets no USER, so the image runs as root", fix }];
    }
    const user = expandVariables(found.instruction.getArgumentsContent() ?? "", dockerfile.globalArgs).trim().split(":")[0] ?? "";
    if (rootUsers.has(user)) {
      return [{ rule: this.id, file: dockerfile.file, line: lineOf(found.instruction), message: `the final stage runs as "${user || "(empty)"}", which is root`, fix }];
    }
    return [];
  },
};

function lastUser(stage: Stage): { instruction: Instruction } | undefined {
  for (const current of stageChain(stage)) {
    const users = effectiveInstructions(current).filter((instruction) => instruction.getKeyword() === "USER");
    const last = users.at(-1);
    if (last) return { instruction: last };
  }
  return undefined;
}
