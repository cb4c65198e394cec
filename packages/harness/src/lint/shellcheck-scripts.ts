import { ProcessFailedError, type ProcessResult, runProcessWithExitCode } from "../process/run-process.ts";
import type { LintFinding } from "./lint-finding.ts";

/**
 * Every script passes ShellCheck (the `shellcheck` binary on PATH), at its default severity. Each
 * ShellCheck message becomes a finding pointing at its wiki page.
 */
export async function shellcheckScripts(filesDir: string, scripts: readonly string[]): Promise<LintFinding[]> {
  if (!scripts.length) return [];
  let result: ProcessResult;
  try {
    // Its exit code is 1 when it has findings: they are in its output.
    result = await runProcessWithExitCode("shellcheck", ["--format=gcc", "--external-sources", ...scripts], { cwd: filesDir });
  } catch (error) {
    if (!(error instanceof ProcessFailedError)) throw error;
    return [{ rule: "shellcheck", file: scripts[0]!, line: 0, message: `could not run shellcheck (${error.detail ?? error.summary})`, fix: "install ShellCheck: apt-get install shellcheck (scripts/setup.sh does)" }];
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
  if (result.exitCode !== 0 && !findings.length) {
    findings.push({ rule: "shellcheck", file: scripts.join(", "), line: 0, message: `shellcheck exited ${result.exitCode ?? result.signal}: ${result.stderr.trim().slice(0, 300)}`, fix: "run shellcheck on the file by hand" });
  }
  return findings;
}
