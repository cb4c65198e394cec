import type { LintFinding } from "./lint-finding.ts";
import type { ParsedDockerfile } from "./parse-dockerfile.ts";

/** One property every Dockerfile a template ships must have, checked without building. */
export interface DockerfileRule {
  id: string;
  /** What the rule demands, in one line (for docs and test names). */
  summary: string;
  check(dockerfile: ParsedDockerfile): LintFinding[];
}
