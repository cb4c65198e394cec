import { spawnSync } from "node:child_process";
import type { LintFinding } from "./lint-finding.ts";

/**
 * Every script passes ShellCheck (the `shellcheck` binary on PATH), at its default severity. Each
 * ShellCheck message becomes a finding pointing at its wiki page.
 */
export function shellcheckScripts(filesDir: string, scripts: readonly string[]): LintFinding[] {
  if (!scripts.length) return [];
  const result = spawnSync("shellcheck", ["--format=gcc", "--external-sources", ...scripts], { cwd: filesDir, encoding: "utf8" });
  if (result.error) {
    return [{ rule: "shellcheck", file: scripts[0]!, line: 0, message: `could not run shellcheck (${result.error.message})`, fix: "install ShellCheck: apt-get install shellcheck (scripts/setup.sh does)" }];
  }
  const findings: LintFinding[] = [];
  // gcc format: file:line:column: severity: message [SCnnnn]
  for (const line of result.stdout.split("\n")) {
    const match = line.match(/^(.+?):(\d+):\d+: (\w+): (.*?)(?: \[(SC\d+)\])?$/);
    if (!match) continue;
    const [, file, lineNumber, severity, message, code] = match;
    findings.push({
      rule: "shellcheck",
      file: file!,
      line: Number(lineNumber),
      message: `${severity}: ${message}${code ? ` (${code})` : ""}`,
      fix: code ? `see https://www.shellcheck.net/wiki/${code}` : "see shellcheck's explanation",
    });
  }
  if (result.status !== 0 && !findings.length) {
    findings.push({ rule: "shellcheck", file: scripts.join(", "), line: 0, message: `shellcheck exited ${result.status}: ${result.stderr.trim().slice(0, 300)}`, fix: "run shellcheck on the file by hand" });
  }
  return findings;
}
