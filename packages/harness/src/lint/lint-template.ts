import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { composeConfigFindings } from "./compose-config.ts";
import { lintDockerfile } from "./dockerfile-rules.ts";
import type { LintFinding } from "./lint-finding.ts";
import { shellcheckScripts } from "./shellcheck-scripts.ts";
import { templateFileKinds } from "./template-file-kinds.ts";
import { validateCaddyfiles } from "./validate-caddyfiles.ts";

export interface LintTemplateRequest {
  /** The template's files/ folder, as shipped. */
  filesDir: string;
  /** The environment compose files are read with (the harness's compose environment). */
  composeEnv?: Record<string, string>;
  /** An image with `caddy`, for the Caddyfiles; without one, a template that ships any fails. */
  caddyImage?: string;
}

export interface LintReport {
  /** How many files of each kind were read. */
  counts: { dockerfiles: number; shellScripts: number; composeFiles: number; caddyfiles: number };
  findings: LintFinding[];
}

/**
 * Lints a template without building it: every Dockerfile against the Dockerfile rules, every shell
 * script with ShellCheck, every compose file with `docker compose config -q`, every Caddyfile with
 * `caddy validate`.
 */
export async function lintTemplate(request: LintTemplateRequest): Promise<LintReport> {
  const kinds = await templateFileKinds(request.filesDir);
  const findings: LintFinding[] = [];
  for (const file of kinds.dockerfiles) findings.push(...lintDockerfile(file, await readFile(join(request.filesDir, file), "utf8")));
  findings.push(...(await shellcheckScripts(request.filesDir, kinds.shellScripts)));
  findings.push(...(await composeConfigFindings(request.filesDir, kinds.composeFiles, request.composeEnv ?? {})));
  if (kinds.caddyfiles.length && !request.caddyImage) {
    findings.push({ rule: "caddy-validate", file: kinds.caddyfiles.join(", "), line: 0, message: "no image with caddy was given to validate with", fix: "pass the caddy stand-in (hermetic) or the official caddy image as the check context's caddyImage" });
  } else if (request.caddyImage) {
    const verdicts = await validateCaddyfiles(request.caddyImage, kinds.caddyfiles.map((file) => join(request.filesDir, file)));
    for (const [index, verdict] of verdicts.entries()) {
      if (!verdict.valid) findings.push({ rule: "caddy-validate", file: kinds.caddyfiles[index]!, line: 0, message: verdict.detail, fix: "correct the Caddyfile; the error names its line" });
    }
  }
  const counts = {
    dockerfiles: kinds.dockerfiles.length,
    shellScripts: kinds.shellScripts.length,
    composeFiles: kinds.composeFiles.length,
    caddyfiles: kinds.caddyfiles.length,
  };
  return { counts, findings };
}
