import { digestOf, digestProblem } from "../../manifest/image-reference.ts";
import type { DockerfileRule } from "../dockerfile-rule.ts";
import type { LintFinding } from "../lint-finding.ts";

/**
 * Every FROM names a pinned image: with ARG defaults substituted it is an earlier stage, `scratch`,
 * a tag other than `latest`, or a whole sha256 digest (`name:tag@sha256:<64 hex>`). An untagged
 * image means `latest`, which changes under you.
 */
export const pinnedBaseImage: DockerfileRule = {
  id: "pinned-base-image",
  summary: "every FROM is pinned (a tag other than latest, or a digest), with ARG defaults resolved",
  check(dockerfile) {
    const findings: LintFinding[] = [];
    for (const stage of dockerfile.stages) {
      const line = stage.from.getRange().start.line + 1;
      const ref = stage.baseRef;
      const written = stage.from.getImage() ?? "";
      const shown = ref === written ? `"${ref}"` : `"${written}" (with ARG defaults: "${ref}")`;
      if (stage.baseStage || ref === "scratch") continue;
      if (ref === "") {
        findings.push({ rule: this.id, file: dockerfile.file, line, message: `FROM ${shown} resolves to nothing`, fix: "give the ARG it uses a default before the first FROM, e.g. `ARG PYTHON_IMAGE=python:3.13-slim-trixie`" });
        continue;
      }
      const digest = digestOf(ref);
      if (digest !== undefined) {
        // A digest pins the image (with or without a tag), when it is whole.
        const bad = digestProblem(digest);
        if (bad) findings.push({ rule: this.id, file: dockerfile.file, line, message: `FROM ${shown}: ${bad.problem}`, fix: bad.fix });
        continue;
      }
      // The tag is after the last colon of the last path segment (a registry port is not a tag).
      const tag = ref.split("/").at(-1)!.split(":")[1];
      if (tag === undefined) {
        findings.push({ rule: this.id, file: dockerfile.file, line, message: `FROM ${shown} has no tag, which means latest`, fix: "pin a version tag, e.g. python:3.13-slim-trixie" });
      } else if (tag === "latest") {
        findings.push({ rule: this.id, file: dockerfile.file, line, message: `FROM ${shown} uses the latest tag, which changes without notice`, fix: "pin a version tag, e.g. python:3.13-slim-trixie" });
      }
    }
    return findings;
  },
};
