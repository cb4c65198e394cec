import { spawn } from "node:child_process";
import { ExplainedError } from "../explained-error.ts";
import { lastLines } from "../process/run-process.ts";

/** A command of the release rehearsal failed: which step, the command, the end of its output, and the fix. */
export class ReleaseStepError extends ExplainedError {
  readonly output: string;

  constructor(step: string, command: string, cwd: string, output: string, fix: string) {
    super(`The release rehearsal failed at "${step}": \`${command}\` (in ${cwd}) failed.\n--- last lines of its output ---\n${lastLines(output, 30)}\n---\nFix: ${fix}`);
    this.output = output;
  }
}

export interface StepCommand {
  /** What the step does, for progress and errors: "changeset publish". */
  step: string;
  program: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** What to do when it fails (the step's own likely causes). */
  fix: string;
  timeoutMs?: number;
}

/**
 * Runs one command of the rehearsal (pnpm, npm, node, git) and resolves with its combined output;
 * a non-zero exit, a missing program or a time-out is a ReleaseStepError naming the step.
 */
export function runStep(command: StepCommand): Promise<string> {
  const line = [command.program, ...command.args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(command.program, command.args, {
      cwd: command.cwd,
      env: command.env,
      stdio: ["ignore", "pipe", "pipe"],
      signal: AbortSignal.timeout(command.timeoutMs ?? 10 * 60_000),
    });
    const output: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("error", (error) => reject(new ReleaseStepError(command.step, line, command.cwd, `${Buffer.concat(output).toString("utf8")}\n${error.message}`, command.fix)));
    child.on("close", (code) => {
      const text = Buffer.concat(output).toString("utf8");
      if (code === 0) resolve(text);
      else reject(new ReleaseStepError(command.step, line, command.cwd, text, command.fix));
    });
  });
}
