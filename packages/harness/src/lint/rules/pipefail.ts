import type { Instruction } from "dockerfile-ast";
import type { DockerfileRule } from "../dockerfile-rule.ts";
import { effectiveInstructions, lineOf, shellRuns, type Stage, stageChain, withoutQuotedText } from "../parse-dockerfile.ts";

/**
 * A RUN with a pipe fails when any command of the pipe fails: `set -o pipefail` in the same RUN, or
 * a SHELL with `-o pipefail` in effect. Without it `curl ... | tar x` "succeeds" on a failed download.
 */
export const pipefail: DockerfileRule = {
  id: "pipefail",
  summary: "a RUN that pipes sets -o pipefail (or runs under a SHELL with -o pipefail)",
  check(dockerfile) {
    return shellRuns(dockerfile)
      .filter(({ script }) => /(^|[^|])\|(?!\|)/.test(withoutQuotedText(script)))
      .filter(({ script }) => !/\bset\s+(-[a-zA-Z]+\s+)*-[a-zA-Z]*o\s+pipefail\b|\bset\s+-o\s+pipefail\b/.test(script))
      .filter(({ stage, before }) => !shellHasPipefail(stage, before))
      .map(({ instruction }) => ({
        rule: this.id,
        file: dockerfile.file,
        line: lineOf(instruction),
        message: "this RUN pipes one command into another without pipefail, so a failure before the last | goes unnoticed",
        fix:
          "add SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before it (bash is in every Debian image), or start the RUN with " +
          "`set -eu -o pipefail;` only where /bin/sh accepts it: BusyBox sh (Alpine) and Debian trixie's dash (0.5.12-12) do, " +
          "Debian bookworm's dash (0.5.12-2) stops with \"Illegal option -o pipefail\"",
      }));
  },
};

/** The SHELL in effect at this point (the stage's last one so far, else an ancestor's) has pipefail. */
function shellHasPipefail(stage: Stage, before: Instruction[]): boolean {
  const lastShell = (instructions: Instruction[]) => instructions.filter((instruction) => instruction.getKeyword() === "SHELL").at(-1);
  const shell = lastShell(before) ?? stageChain(stage).slice(1).map((ancestor) => lastShell(effectiveInstructions(ancestor))).find(Boolean);
  return !!shell && /pipefail/.test(shell.getArgumentsContent() ?? "");
}
