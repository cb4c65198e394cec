import { ExplainedError } from "../explained-error.ts";
import { ProcessFailedError, runProcessWithExitCode } from "../process/run-process.ts";

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
 * run there) and resolves with what it printed, whatever its exit code; only npm not starting throws
 * (NpmMissingError when there is none).
 */
export async function runNpm(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<NpmResult> {
  try {
    const { exitCode, stdout, stderr } = await runProcessWithExitCode("npm", args, { cwd, env });
    return { exitCode: exitCode ?? 1, stdout, stderr };
  } catch (error) {
    if (error instanceof ProcessFailedError && error.failure === "not-found") throw new NpmMissingError(error.detail!);
    throw error;
  }
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
