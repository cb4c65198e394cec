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

/** No Docker engine answers: the one error every command can meet first. */
export class DockerEngineUnavailableError extends ExplainedError {
  constructor(detail: string) {
    super(
      `No Docker engine answers (${detail.trim() || "no detail"}).\n` +
        "Fix: start your Docker engine, or on a Debian machine where you are root run scripts/setup.sh, " +
        "which installs one and starts it. DOCKER_HOST selects a different engine.",
    );
  }
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
        reject(new DockerEngineUnavailableError("the docker command is not installed"));
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
