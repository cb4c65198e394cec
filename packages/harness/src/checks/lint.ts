import { formatFinding } from "../lint/lint-finding.ts";
import { lintTemplate } from "../lint/lint-template.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/**
 * The template's files pass every static rule, with no image built: Dockerfile rules (non-root
 * final stage, pinned FROM, exec-form CMD, apt and pip hygiene, no ADD of URLs, pipefail, no
 * secrets), ShellCheck, `docker compose config -q` and `caddy validate`. It reads only what a
 * StaticCheckContext has, so a runner may call it for a cell it cannot build.
 */
export const lint: Check<Pick<CheckContext, "templateFiles" | "compose" | "caddyImage">> = async (context) => {
  const { counts, findings } = await lintTemplate({ filesDir: context.templateFiles.dir, composeEnv: context.compose?.env, caddyImage: context.caddyImage });
  const read = `${counts.dockerfiles} Dockerfile(s), ${counts.shellScripts} shell script(s), ${counts.composeFiles} compose file(s), ${counts.caddyfiles} Caddyfile(s)`;
  if (findings.length) return fail(`${findings.length} finding(s) in ${read}:\n${findings.map(formatFinding).join("\n")}`);
  return pass(`${read}: no findings`);
};
