import { formatFinding } from "../lint/lint-finding.ts";
import { lintTemplate } from "../lint/lint-template.ts";
import { type CheckOutcome, fail, pass, type StaticCheckContext } from "./check.ts";

/**
 * The template's files pass every static rule, with no image built: Dockerfile rules (non-root
 * final stage, pinned FROM, exec-form CMD, apt and pip hygiene, no ADD of URLs, pipefail, no
 * secrets), ShellCheck, `docker compose config -q` and `caddy validate`. Takes a StaticCheckContext,
 * so a runner may call it for a cell it cannot build.
 */
export const lint = async (context: StaticCheckContext): Promise<CheckOutcome> => {
  const caddyImage = context.caddyImage ?? (context.kind === "proxy" ? context.image : undefined);
  const { counts, findings } = await lintTemplate({ filesDir: context.templateFiles.dir, composeEnv: context.compose?.env, caddyImage });
  const read = `${counts.dockerfiles} Dockerfile(s), ${counts.shellScripts} shell script(s), ${counts.composeFiles} compose file(s), ${counts.caddyfiles} Caddyfile(s)`;
  if (findings.length) return fail(`${findings.length} finding(s) in ${read}:\n${findings.map(formatFinding).join("\n")}`);
  return pass(`${read}: no findings`);
};
