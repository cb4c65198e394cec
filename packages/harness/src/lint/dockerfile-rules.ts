import type { DockerfileRule } from "./dockerfile-rule.ts";
import type { LintFinding } from "./lint-finding.ts";
import { parseDockerfile } from "./parse-dockerfile.ts";
import { aptGetCleanup } from "./rules/apt-get-cleanup.ts";
import { execFormCommand } from "./rules/exec-form-command.ts";
import { finalStageNonRoot } from "./rules/final-stage-non-root.ts";
import { noAddUrl } from "./rules/no-add-url.ts";
import { noSecretFiles } from "./rules/no-secret-files.ts";
import { noSecretNames } from "./rules/no-secret-names.ts";
import { pinnedBaseImage } from "./rules/pinned-base-image.ts";
import { pipNoCache } from "./rules/pip-no-cache.ts";
import { pipefail } from "./rules/pipefail.ts";

/** Every rule a template's Dockerfiles must pass, in the order findings are listed. */
export const dockerfileRules: readonly DockerfileRule[] = [
  finalStageNonRoot,
  pinnedBaseImage,
  execFormCommand,
  aptGetCleanup,
  noAddUrl,
  pipNoCache,
  pipefail,
  noSecretNames,
  noSecretFiles,
];

/** Every finding of every rule for one Dockerfile; `file` is the name the findings use. */
export function lintDockerfile(file: string, text: string, rules: readonly DockerfileRule[] = dockerfileRules): LintFinding[] {
  const parsed = parseDockerfile(file, text);
  return rules.flatMap((rule) => rule.check(parsed)).sort((a, b) => a.line - b.line);
}
