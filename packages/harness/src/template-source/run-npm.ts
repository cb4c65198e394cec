import { spawn } from "node:child_process";
import { ExplainedError } from "../explained-error.ts";

/** What an npm command printed and how it ended. */
export interface NpmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** npm's own error, as `--json` prints it: `{"error": {"code": "E404", "summary": ..., "detail": ...}}`. */
export interface NpmError {
  code: string;
  summary: string;
  detail: string;
}

/** There is no npm to ask (it comes with Node.js). */
export class NpmMissingError extends ExplainedError {
  constructor(detail: string) {
    super(`Could not run npm: ${detail}.\nFix: install Node.js with its npm (npm fetches template packages from your npm registry), or put npm on PATH.`);
  }
}

/**
 * Runs `npm <args>` in `cwd` (so that the app's own .npmrc applies, as it would for any npm command
 * run there) and resolves with what it printed, whatever its exit code; only a missing npm throws.
 */
export function runNpm(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<NpmResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => reject(new NpmMissingError(error.message)));
    child.on("close", (code) => {
      resolve({ exitCode: code ?? 1, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") });
    });
  });
}

/** The error npm printed as JSON (with --json), if it printed one. */
export function npmError(result: NpmResult): NpmError | undefined {
  for (const text of [result.stdout, result.stderr]) {
    const start = text.indexOf("{");
    if (start < 0) continue;
    try {
      const parsed = JSON.parse(text.slice(start)) as { error?: Partial<NpmError> };
      if (parsed.error?.code) return { code: parsed.error.code, summary: parsed.error.summary ?? "", detail: parsed.error.detail ?? "" };
    } catch {
      // Not npm's JSON error (a log line with a brace): look at the other stream.
    }
  }
  return undefined;
}
