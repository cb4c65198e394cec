import type { DockerfileRule } from "../dockerfile-rule.ts";
import type { LintFinding } from "../lint-finding.ts";
import { flagValues, lineOf, shellRuns } from "../parse-dockerfile.ts";

/**
 * `apt-get install` says `--no-install-recommends` and removes /var/lib/apt/lists in the same RUN:
 * recommends drag in packages nobody asked for, and lists removed in a later RUN stay in the layer.
 * A RUN that keeps the lists in a cache mount never writes them to the layer.
 */
export const aptGetCleanup: DockerfileRule = {
  id: "apt-get-install",
  summary: "apt-get install uses --no-install-recommends and removes /var/lib/apt/lists/* in the same RUN",
  check(dockerfile) {
    const findings: LintFinding[] = [];
    for (const { instruction, script } of shellRuns(dockerfile)) {
      if (!/\bapt(-get)?\s+(-\S+\s+)*install\b/.test(script)) continue;
      const where = { rule: this.id, file: dockerfile.file, line: lineOf(instruction) };
      if (!script.includes("--no-install-recommends")) {
        findings.push({ ...where, message: "apt-get install without --no-install-recommends installs recommended packages too", fix: "add --no-install-recommends" });
      }
      const listsInCache = flagValues(instruction, "mount").some((mount) => /type=cache/.test(mount) && /target=\/var\/lib\/apt\/lists/.test(mount));
      if (!listsInCache && !/rm\s+-[a-z]*r[a-z]*f?[a-z]*\s+([^;&|]*\s)?\/var\/lib\/apt\/lists/.test(script)) {
        findings.push({
          ...where,
          message: "apt-get install without `rm -rf /var/lib/apt/lists/*` in the same RUN leaves the package lists (tens of MB) in the layer",
          fix: "end the same RUN with `&& rm -rf /var/lib/apt/lists/*`",
        });
      }
    }
    return findings;
  },
};
