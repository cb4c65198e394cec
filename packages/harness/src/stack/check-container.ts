import type { Platform } from "../docker/platform.ts";
import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { onceMoreIfRuncFailedToStart } from "../docker/runc-start-failure.ts";
import { lastLines } from "../process/run-process.ts";
import { type RunIdentity, runLabelArgs } from "./run-labels.ts";

/**
 * A container started with the docker CLI: the harness's one way besides testcontainers (which
 * starts the stacks and waits on readiness strategies). It is for what testcontainers cannot do:
 * a container whose exit, restart or refusal to start is what a check measures (testcontainers
 * removes a container that fails to start), or one published on 127.0.0.1 only (a registry, the
 * benchmark's proxy). Readiness is waited for with waitUntilServing, never a fixed sleep.
 */
export interface CheckContainerRequest {
  run: RunIdentity;
  /** The container's whole name (see runResourceName); on a user network it is also its host name. */
  name: string;
  image: string;
  /** The image's platform when it is not the engine's own (`--platform`: emulated, scripts/setup.sh). */
  platform?: Platform;
  network?: string;
  /** More names it is reached by on `network` (a DNS label has at most 63 characters; whole names can be longer). */
  aliases?: readonly string[];
  env?: Record<string, string>;
  /** A container port to publish on 127.0.0.1, on a port the engine picks. */
  publish?: number;
  /** More `docker run` options: --read-only, --user, --cap-drop ... */
  options?: readonly string[];
  /** Replaces the image's CMD (the entrypoint stays). */
  command?: readonly string[];
}

/**
 * A container a check started did not start, exited, or did not answer as it should: what the
 * check measures went wrong, so the check fails with this message (see failOnContainerProblem).
 */
export class ContainerProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerProblem";
  }
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
  /** When the engine last started it (a restart changes it), and when it last stopped (RFC 3339). */
  startedAt: string;
  finishedAt: string;
  restartCount: number;
}

export interface CheckContainer {
  name: string;
  /** `http://127.0.0.1:<port>` of the published port, read again after start(); undefined when nothing is published. */
  url: string | undefined;
  state(): Promise<ContainerState>;
  /** The last lines of its output (stdout and stderr together). */
  logs(lines?: number): Promise<string>;
  /** Runs a command in it as its own user; never rejects for the command's exit code. */
  exec(command: readonly string[]): Promise<{ exitCode: number; output: string }>;
  /** `docker stop --time <graceSeconds>`: resolves with the seconds until the container had stopped. */
  stop(graceSeconds: number): Promise<number>;
  start(): Promise<void>;
  /** Polls until it is no longer running; resolves with its state, or undefined when it still runs after `timeoutMs`. */
  waitForExit(timeoutMs: number, whileRunning?: () => Promise<void>): Promise<ContainerState | undefined>;
  /** Removes it with its anonymous volumes; never rejects (it may be gone already). */
  remove(): Promise<void>;
}

/** The last lines a container (by name or id) printed, stdout and stderr together. */
export async function containerLogs(container: string, lines = 30): Promise<string> {
  const output = await runDocker(["logs", "--tail", String(lines), container]).catch((error: unknown) =>
    error instanceof DockerCommandError ? { stdout: "", stderr: `(no log: ${error.output.stderr.trim()})` } : Promise.reject(error),
  );
  return lastLines(`${output.stdout}${output.stderr}`, lines) || "(no output)";
}

/**
 * `docker run -d` with the run's labels (so that cleanup by label finds it even when the check is
 * interrupted). Rejects with ContainerProblem when the engine cannot start it (runc failing to start
 * it, which a loaded engine meets now and then, gets one more attempt); a container that
 * starts and then exits is the caller's to examine (state(), logs()).
 */
export async function startCheckContainer(request: CheckContainerRequest): Promise<CheckContainer> {
  const env = Object.entries(request.env ?? {}).flatMap(([key, value]) => ["--env", `${key}=${value}`]);
  const { name } = request;
  const args = [
    "run", "--detach", "--name", name, ...runLabelArgs(request.run),
    ...(request.network ? ["--network", request.network] : []),
    ...(request.aliases ?? []).flatMap((alias) => ["--network-alias", alias]),
    ...env,
    ...(request.publish ? ["--publish", `127.0.0.1::${request.publish}`] : []),
    ...(request.platform ? ["--platform", request.platform] : []),
    ...(request.options ?? []),
    request.image,
    ...(request.command ?? []),
  ];
  const label = Object.entries(request.run.labels).map(([key, value]) => `label=${key}=${value}`);
  const createAndStart = () =>
    runDocker(args).catch(async (error: unknown) => {
      if (!(error instanceof DockerCommandError)) throw error;
      // Created but not started (the runtime could not exec the entrypoint, say): ours to remove, and
      // only if it is ours (the run's label), never another container that holds the name.
      const created = await runDocker(["ps", "--all", "--quiet", "--filter", `name=^/${name}$`, ...label.flatMap((filter) => ["--filter", filter])]).catch(() => undefined);
      for (const id of created?.stdout.split("\n").filter(Boolean) ?? []) await runDocker(["rm", "--force", "--volumes", id]).catch(() => {});
      throw error;
    });
  // runc itself failing to start it (a loaded engine) is not what the check measures: once more.
  await onceMoreIfRuncFailedToStart(createAndStart).catch((error: unknown) => {
    if (!(error instanceof DockerCommandError)) throw error;
    throw new ContainerProblem(`the engine could not start ${name} from ${request.image}: ${lastLines(error.output.stderr.trim(), 5)}`);
  });
  const publishedUrl = async () => {
    if (!request.publish) return undefined;
    // A container that exited at once has no port; its state and log say why.
    const port = await runDocker(["port", name, `${request.publish}/tcp`]).catch(() => undefined);
    const address = port?.stdout.trim().split("\n")[0];
    return address ? `http://${address}` : undefined;
  };
  const container: CheckContainer = {
    name,
    url: await publishedUrl(),
    async state() {
      const { stdout } = await runDocker(["inspect", "--format", "{{json .State}}|{{.RestartCount}}", name]);
      const [json, restarts] = stdout.trim().split("|");
      const state = JSON.parse(json!) as { Running: boolean; ExitCode: number; StartedAt: string; FinishedAt: string };
      return { running: state.Running, exitCode: state.ExitCode, startedAt: state.StartedAt, finishedAt: state.FinishedAt, restartCount: Number(restarts) };
    },
    logs: (lines) => containerLogs(name, lines),
    async exec(command) {
      try {
        const output = await runDocker(["exec", name, ...command]);
        return { exitCode: 0, output: output.stdout + output.stderr };
      } catch (error) {
        if (!(error instanceof DockerCommandError)) throw error;
        return { exitCode: error.exitCode ?? -1, output: error.output.stdout + error.output.stderr };
      }
    },
    async stop(graceSeconds) {
      const started = performance.now();
      await runDocker(["stop", "--time", String(graceSeconds), name]);
      return (performance.now() - started) / 1000;
    },
    async start() {
      await onceMoreIfRuncFailedToStart(() => runDocker(["start", name]));
      container.url = await publishedUrl();
    },
    async waitForExit(timeoutMs, whileRunning) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const state = await container.state();
        if (!state.running) return state;
        if (performance.now() > deadline) return undefined;
        await whileRunning?.();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async remove() {
      await runDocker(["rm", "--force", "--volumes", name]).catch(() => {});
    },
  };
  return container;
}
