import { copyFile, cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { pathExists } from "../files/path-exists.ts";
import { lastLines } from "../process/run-process.ts";
import type { LintFinding } from "./lint-finding.ts";

/**
 * Every compose file is valid for `docker compose config -q`, read as a user has it: in a copy of
 * the template's files with `.env` made from `.env.example` when there is none, and with `env` (the
 * environment the harness runs compose with) on top of this process's.
 */
export async function composeConfigFindings(filesDir: string, composeFiles: readonly string[], env: Record<string, string>): Promise<LintFinding[]> {
  if (!composeFiles.length) return [];
  const copy = await mkdtemp(join(tmpdir(), "dockerize-python-lint-compose-"));
  try {
    await cp(filesDir, copy, { recursive: true });
    const findings: LintFinding[] = [];
    for (const file of composeFiles) {
      const projectDir = dirname(join(copy, file));
      const dotEnv = join(projectDir, ".env");
      if (!(await pathExists(dotEnv)) && (await pathExists(`${dotEnv}.example`))) await copyFile(`${dotEnv}.example`, dotEnv);
      try {
        await runDocker(["compose", "--file", join(copy, file), "--project-directory", projectDir, "config", "--quiet"], {
          cwd: projectDir,
          env: { ...process.env, ...env },
        });
      } catch (error) {
        if (!(error instanceof DockerCommandError)) throw error;
        findings.push({
          rule: "compose-config",
          file,
          line: 0,
          message: `docker compose config rejects it: ${lastLines(error.output.stderr.trim(), 5)}`,
          fix: "correct the file (and .env.example, which a user copies to .env) until `docker compose config -q` passes",
        });
      }
    }
    return findings;
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}
