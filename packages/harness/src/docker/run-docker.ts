import { spawn } from "node:child_process";
import { ExplainedError } from "../explained-error.ts";

/** What a finished `docker` command printed. */
export interface DockerOutput {
  stdout: string;
  stderr: string;
}

export interface RunDockerOptions {
  /** Written to the command's standard input (for `docker import -`, `docker load`, ...). */
  input?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each line the command prints, on either stream, as it prints it. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** A `docker` command exited non-zero. Carries the command and the end of what it printed. */
export class DockerCommandError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly output: DockerOutput;

  constructor(args: readonly string[], exitCode: number | null, output: DockerOutput) {
    const tail = lastLines(`${output.stderr}\n${output.stdout}`, 20);
    super(`docker ${args.join(" ")} exited with ${exitCode ?? "a signal"}:\n${tail}`);
    this.name = "DockerCommandError";
    this.args = args;
    this.exitCode = exitCode;
    this.output = output;
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
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      signal: options.signal,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    const collect = (sink: string[]) => {
      let partial = "";
      return (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        sink.push(text);
        if (!options.onLine) return;
        const lines = (partial + text).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) options.onLine(line);
      };
    };
    child.stdout.on("data", collect(stdout));
    child.stderr.on("data", collect(stderr));
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        reject(new DockerEngineUnavailableError("the docker command is not installed (not found on PATH)", options.env, true));
      } else {
        reject(error);
      }
    });
    child.on("close", (code) => {
      const output = { stdout: stdout.join(""), stderr: stderr.join("") };
      if (code === 0) resolve(output);
      else reject(new DockerCommandError(args, code, output));
    });
    child.stdin.end(options.input);
  });
}

/** Resolves with the engine's version, or rejects with DockerEngineUnavailableError. */
export async function assertDockerEngine(): Promise<string> {
  try {
    const { stdout } = await runDocker(["version", "--format", "{{.Server.Version}}"]);
    return stdout.trim();
  } catch (error) {
    if (error instanceof DockerEngineUnavailableError) throw error;
    const detail = error instanceof DockerCommandError ? lastLines(error.output.stderr, 3) : String(error);
    throw new DockerEngineUnavailableError(detail);
  }
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}
