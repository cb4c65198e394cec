import type { DockerfileRule } from "../dockerfile-rule.ts";
import type { LintFinding } from "../lint-finding.ts";
import { effectiveInstructions, lineOf } from "../parse-dockerfile.ts";

/**
 * CMD and ENTRYPOINT use the exec form (a JSON array). The shell form runs the server under
 * `/bin/sh -c`, which becomes PID 1 and does not pass SIGTERM on, so `docker stop` waits 10 s and kills.
 */
export const execFormCommand: DockerfileRule = {
  id: "exec-form-command",
  summary: "CMD and ENTRYPOINT use the exec form",
  check(dockerfile) {
    const findings: LintFinding[] = [];
    for (const stage of dockerfile.stages) {
      for (const instruction of effectiveInstructions(stage)) {
        const keyword = instruction.getKeyword();
        if (keyword !== "CMD" && keyword !== "ENTRYPOINT") continue;
        const content = (instruction.getArgumentsContent() ?? "").trim();
        if (content.startsWith("[")) continue;
        const words = JSON.stringify(content.split(/\s+/));
        findings.push({
          rule: this.id,
          file: dockerfile.file,
          line: lineOf(instruction),
          message: `${keyword} ${content} is the shell form: /bin/sh becomes PID 1 and the server never gets SIGTERM`,
          fix: `write it as a JSON array: ${keyword} ${words}`,
        });
      }
    }
    return findings;
  },
};
