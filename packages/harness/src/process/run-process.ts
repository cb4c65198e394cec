import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";

/** What a process printed. */
export interface ProcessOutput {
  stdout: string;
  stderr: string;
}

/** Which of a process's output streams a line came from. */
export type OutputStream = "stdout" | "stderr";

export interface RunProcessOptions {
  /** Written to its standard input, which is then closed (`docker load`, `docker import -`); without it, standard input is empty. */
  input?: string | Buffer;
  cwd?: string;
  /** Its whole environment, PATH included (where `command` is looked up); this process's when absent. */
  env?: NodeJS.ProcessEnv;
  /** Called with each line it prints, on either stream, as it prints it; a last line without a newline too. */
  onLine?: (line: string, stream: OutputStream) => void;
  /** Aborting it kills the process (SIGTERM); the promise rejects with Node's AbortError, as any aborted Node call does. */
  signal?: AbortSignal;
  /** Ended (SIGTERM, then SIGKILL) when it runs longer: a ProcessFailedError that says so. */
  timeoutMs?: number;
  /**
   * false: what it prints goes only to onLine (a server's log, a long run's log file), never kept whole
   * in memory; stdout and stderr are then empty, and a failure's message still has the last lines.
   */
  keepOutput?: boolean;
}

export interface StartProcessOptions extends RunProcessOptions {
  /**
   * Its standard output is the caller's to read, as RunningProcess.stdout (output too large to keep:
   * `docker save`); onLine and the output then have only standard error.
   */
  streamStdout?: boolean;
}

/** A process started by startProcess. */
export interface RunningProcess {
  /** Its standard output, unread: only with streamStdout. */
  readonly stdout: Readable | undefined;
  /**
   * Resolves with what it printed when it exits 0, or when it ends after stop(); rejects with a
   * ProcessFailedError, or Node's AbortError when the signal aborted it.
   */
  readonly finished: Promise<ProcessOutput>;
  /** Its exit code once it has exited; null while it runs, or when a signal ended it. */
  readonly exitCode: number | null;
  /** Whether it has yet to exit. */
  readonly running: boolean;
  /**
   * Ends it if it still runs (SIGTERM; SIGKILL when it is still there after killGraceMs) and waits until
   * it has exited; finished then resolves, since its end was asked for.
   */
  stop(): Promise<void>;
}

/**
 * How a process failed: it exited non-zero, a signal ended it (not ours), it ran past timeoutMs, its
 * program was not found, or it could not be started for another reason (a missing working folder, say).
 */
export type ProcessFailure = "exit" | "signal" | "timeout" | "not-found" | "not-started";

export interface ProcessFailureDetails {
  command: string;
  args: readonly string[];
  failure: ProcessFailure;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: ProcessOutput;
  /** The last lines it printed, both streams in the order it printed them. */
  tail: string;
  /** Why it could not start, or how long it was given. */
  detail?: string;
}

/** A process failed: the command, how it ended, and the end of what it printed. */
export class ProcessFailedError extends Error {
  readonly command: string;
  readonly args: readonly string[];
  readonly failure: ProcessFailure;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: ProcessOutput;
  readonly tail: string;
  /** How it ended, in a sentence without its output: "npm pack x exited with 1". */
  readonly summary: string;
  /** Why it could not start (not-found, not-started), or the time it was given (timeout). */
  readonly detail: string | undefined;

  constructor(details: ProcessFailureDetails) {
    const summary = summarize(details);
    const started = details.failure !== "not-found" && details.failure !== "not-started";
    super(!started ? summary : details.tail ? `${summary}:\n${details.tail}` : `${summary}, printing nothing`);
    this.name = new.target.name;
    this.summary = summary;
    this.command = details.command;
    this.args = details.args;
    this.failure = details.failure;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.output = details.output;
    this.tail = details.tail;
    this.detail = details.detail;
  }
}

/** How it ended, without its output. */
function summarize(details: ProcessFailureDetails): string {
  const line = [details.command, ...details.args].join(" ");
  switch (details.failure) {
    case "exit":
      return `${line} exited with ${details.exitCode}`;
    case "signal":
      return `${line} was ended by ${details.signal ?? "a signal"}`;
    case "timeout":
      return `${line} did not finish within ${details.detail} and was stopped`;
    case "not-found":
      return `Could not run ${details.command}: ${details.detail}`;
    case "not-started":
      return `Could not start ${line}: ${details.detail}`;
  }
}

/** Lines of a failure's tail, and of ProcessFailedError's message. */
const tailLines = 20;

/** How long a process ended by stop() or a time limit has to exit after SIGTERM before it gets SIGKILL. */
export const killGraceMs = 5_000;

/** Runs `command` with `args` and resolves with what it printed when it exits 0; rejects with ProcessFailedError. */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessOutput> {
  return startProcess(command, args, options).finished;
}

/** What a process printed, and how it ended: an exit code, or the signal that ended it. */
export interface ProcessResult extends ProcessOutput {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs `command` as runProcess does, but resolves whatever its exit code, for a command whose exit
 * code is an answer (npm's, shellcheck's, a timed run's); rejects only when it could not start, ran
 * past timeoutMs or was aborted.
 */
export async function runProcessWithExitCode(command: string, args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessResult> {
  try {
    return { exitCode: 0, signal: null, ...(await runProcess(command, args, options)) };
  } catch (error) {
    if (!(error instanceof ProcessFailedError) || (error.failure !== "exit" && error.failure !== "signal")) throw error;
    return { exitCode: error.exitCode, signal: error.signal, ...error.output };
  }
}

/** Starts `command` with `args`, for a caller that streams its output or stops it (a server). */
export function startProcess(command: string, args: readonly string[], options: StartProcessOptions = {}): RunningProcess {
  const keep = options.keepOutput ?? true;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    signal: options.signal,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const tail: string[] = [];
  const read = (stream: Readable, name: OutputStream, sink: string[]) => {
    const line = (text: string) => {
      tail.push(text);
      if (tail.length > tailLines) tail.shift();
      options.onLine?.(text, name);
    };
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => {
      if (keep) sink.push(text);
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const each of lines) line(each);
    });
    stream.on("end", () => {
      if (partial) line(partial);
      partial = "";
    });
  };
  if (!options.streamStdout) read(child.stdout, "stdout", stdout);
  read(child.stderr, "stderr", stderr);
  // A process that exits without reading all its input: the exit code says what happened, not EPIPE.
  child.stdin.on("error", () => {});
  child.stdin.end(options.input);

  // Its own record, not child's: a process that could not start gets a negative errno as its exit code.
  let ended = false;
  let exitCode: number | null = null;
  let stopping = false;
  let timedOut = false;
  // A process that ignores SIGTERM must not hold its caller forever.
  const terminate = () => {
    child.kill("SIGTERM");
    setTimeout(() => {
      if (!ended) child.kill("SIGKILL");
    }, killGraceMs).unref();
  };
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    terminate();
  }, options.timeoutMs);
  const output = (): ProcessOutput => ({ stdout: stdout.join(""), stderr: stderr.join("") });
  const failed = (failure: ProcessFailure, exitCode: number | null, signal: NodeJS.Signals | null, detail?: string) =>
    new ProcessFailedError({ command, args, failure, exitCode, signal, output: output(), tail: tail.join("\n"), detail });

  let closed!: () => void;
  const ending = new Promise<void>((resolve) => (closed = resolve));
  const finished = new Promise<ProcessOutput>((resolve, reject) => {
    child.on("error", (error: NodeJS.ErrnoException) => {
      // Aborted: it is being killed, and "close" follows.
      if (error.name === "AbortError") return reject(error);
      // It never started ("close" follows too, with a negative errno, and is passed over).
      clearTimeout(timer);
      ended = true;
      closed();
      const why = whyNotStarted(command, options.cwd, error);
      reject(failed(why.failure, null, null, why.detail));
    });
    child.on("close", (code, signal) => {
      if (ended) return;
      clearTimeout(timer);
      ended = true;
      exitCode = code;
      closed();
      if (code === 0 || stopping) resolve(output());
      else if (timedOut) reject(failed("timeout", code, signal, `${options.timeoutMs! / 1000} s`));
      else if (code === null) reject(failed("signal", null, signal));
      else reject(failed("exit", code, null));
    });
  });
  child.on("exit", () => {
    // Ended by us (stop, timeout, abort): a child of its own (`sh -c "...; sleep 60"`) may still hold
    // the pipes open, and "close" would wait for it.
    if (stopping || timedOut || options.signal?.aborted) {
      child.stdout.destroy();
      child.stderr.destroy();
    }
  });
  // Settled whether or not a caller waits on it (a server ended through stop() alone); a caller that waits still sees a failure.
  finished.catch(() => {});

  return {
    stdout: options.streamStdout ? child.stdout : undefined,
    finished,
    get exitCode() {
      return exitCode;
    },
    get running() {
      return !ended;
    },
    async stop() {
      if (!ended) {
        stopping = true;
        terminate();
      }
      // Nobody reads a streamed output any more: without this the process could block on a full pipe.
      if (options.streamStdout) child.stdout.destroy();
      await ending;
    },
  };
}

/** Why a process could not start, from spawn's error: ENOENT is the program, or else the working folder. */
function whyNotStarted(command: string, cwd: string | undefined, error: NodeJS.ErrnoException): { failure: ProcessFailure; detail: string } {
  if (error.code === "ENOENT" && cwd !== undefined && !existsSync(cwd)) return { failure: "not-started", detail: `its working folder ${cwd} does not exist` };
  if (error.code === "ENOENT") return { failure: "not-found", detail: command.includes("/") ? `${command} does not exist` : `there is no ${command} on PATH` };
  return { failure: "not-started", detail: error.message };
}

/** The last `count` lines of `text`, without trailing blank ones. */
export function lastLines(text: string, count: number): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}
