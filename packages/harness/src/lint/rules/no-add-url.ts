import type { DockerfileRule } from "../dockerfile-rule.ts";
import type { LintFinding } from "../lint-finding.ts";
import { effectiveInstructions, lineOf } from "../parse-dockerfile.ts";

/** ADD never fetches a URL: what it downloads is not verified and busts the cache unpredictably. */
export const noAddUrl: DockerfileRule = {
  id: "no-add-url",
  summary: "ADD does not download URLs",
  check(dockerfile) {
    const findings: LintFinding[] = [];
    for (const stage of dockerfile.stages) {
      for (const instruction of effectiveInstructions(stage)) {
        if (instruction.getKeyword() !== "ADD") continue;
        const sources = instruction
          .getArguments()
          .map((argument) => argument.getValue())
          .filter((value) => !value.startsWith("--"))
          .slice(0, -1);
        for (const source of sources.filter((value) => /^(https?|git|ssh):\/\/|^git@/.test(value))) {
          findings.push({
            rule: this.id,
            file: dockerfile.file,
            line: lineOf(instruction),
            message: `ADD ${source} downloads at build time with no checksum verified`,
            fix: "download it in a RUN (curl -fsSL) and check it with sha256sum -c, or COPY it from the build context",
          });
        }
      }
    }
    return findings;
  },
};
