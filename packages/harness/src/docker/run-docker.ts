import { ExplainedError } from "../explained-error.ts";
import { lastLines, type ProcessOutput, ProcessFailedError, type RunningProcess, type RunProcessOptions, startProcess, type StartProcessOptions } from "../process/run-process.ts";

/** What a finished `docker` command printed. */
export type DockerOutput = ProcessOutput;

/** input, cwd, env, onLine and signal, as for any process (a time limit is the caller's signal). */
export type RunDockerOptions = Omit<RunProcessOptions, "timeoutMs">;

/**
 * A `docker` command exited non-zero (or a signal ended it). Carries the command and what it
 * printed, stderr's end first in the message: where docker says what went wrong.
 */
export class DockerCommandError extends ProcessFailedError {
  constructor(args: readonly string[], exitCode: number | null, output: DockerOutput, signal: NodeJS.Signals | null = null) {
    const tail = lastLines(`${output.stderr}\n${output.stdout}`, 20);
    super({ command: "docker", args, failure: exitCode === null ? "signal" : "exit", exitCode, signal, output, tail });
  }
}

/** No Docker engine answers (or there is no docker command): the one error every command can meet first. */
export class DockerEngineUnavailableError extends ExplainedError {
  /** The engine that was asked, as a person names it: DOCKER_HOST's value, a context, or the current context. */
  readonly engine: string;

  constructor(detail: string, env: NodeJS.ProcessEnv = process.env, cliMissing = false) {
    const engine = engineAskedFor(env);
    super(
      cliMissing
        ? `No Docker: ${detail}.\nFix: install Docker, its docker CLI and an engine (${setupHint}), or put the docker command on PATH.`
        : `No Docker engine answers at ${engine.where}: ${detail.trim() || "no detail"}\nFix: ${engine.fix}`,
    );
    this.engine = engine.where;
  }
}

const setupHint = "on a Debian machine where you are root, scripts/setup.sh installs an engine and starts it";

/** Where the docker CLI looks for its engine, named as a person would check it, and how to point it elsewhere. */
function engineAskedFor(env: NodeJS.ProcessEnv): { where: string; fix: string } {
  if (env.DOCKER_HOST) {
    return {
      where: `${env.DOCKER_HOST} (from DOCKER_HOST)`,
      fix: `start the engine DOCKER_HOST names, point DOCKER_HOST at one that runs, or unset it to use the default engine (${setupHint}).`,
    };
  }
  if (env.DOCKER_CONTEXT) {
    return {
      where: `the docker context "${env.DOCKER_CONTEXT}" (from DOCKER_CONTEXT)`,
      fix: `start that context's engine (\`docker context inspect ${env.DOCKER_CONTEXT}\` shows where it is), or unset DOCKER_CONTEXT (${setupHint}).`,
    };
  }
  return {
    where: "the docker CLI's current context (`docker context ls` shows its endpoint)",
    fix: `start your Docker engine (${setupHint}), or set DOCKER_HOST to an engine that runs.`,
  };
}

/** Runs the docker CLI with `args` and resolves with its output; rejects with DockerCommandError. */
export function runDocker(args: readonly string[], options: RunDockerOptions = {}): Promise<DockerOutput> {
  return startDocker(args, options).finished;
}

/**
 * Starts the docker CLI with `args`, for output to stream (`docker save`); its `finished` rejects as
 * runDocker does: DockerCommandError, or DockerEngineUnavailableError when there is no docker command.
 */
export function startDocker(args: readonly string[], options: Omit<StartProcessOptions, "timeoutMs"> = {}): RunningProcess {
  const running = startProcess("docker", args, options);
  const finished = running.finished.catch((error: unknown) => {
    if (!(error instanceof ProcessFailedError) || error.failure === "not-started") throw error;
    if (error.failure === "not-found") throw new DockerEngineUnavailableError("the docker command is not installed (not found on PATH)", options.env, true);
    throw new DockerCommandError(args, error.exitCode, error.output, error.signal);
  });
  finished.catch(() => {});
  return {
    finished,
    stdout: running.stdout,
    stop: () => running.stop(),
    get exitCode() {
      return running.exitCode;
    },
    get running() {
      return running.running;
    },
  };
}
