import { ExplainedError, lastLines, ProcessFailedError, runProcess } from "@dockerize-python/harness";

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
export async function runStep(command: StepCommand): Promise<string> {
  // Both streams, in the order printed: what the step's readers parse and what its failure shows.
  const printed: string[] = [];
  try {
    await runProcess(command.program, command.args, {
      cwd: command.cwd,
      env: command.env,
      onLine: (line) => printed.push(line),
      keepOutput: false,
      timeoutMs: command.timeoutMs ?? 10 * 60_000,
    });
    return printed.join("\n");
  } catch (error) {
    if (!(error instanceof ProcessFailedError)) throw error;
    const line = [command.program, ...command.args].join(" ");
    // A step that ran and exited says why in its output; one that never ran, or was stopped, in the error.
    const output = error.failure === "exit" ? printed.join("\n") : `${printed.join("\n")}\n${error.summary}`;
    throw new ReleaseStepError(command.step, line, command.cwd, output, command.fix);
  }
}
