import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import { lock } from "proper-lockfile";
import { ExplainedError } from "../explained-error.ts";
import { resolveDockerEndpoint } from "./docker-endpoint.ts";
import { runDocker } from "./run-docker.ts";

/**
 * One image build at a time on an engine: BuildKit 0.13 (Docker 26.1) panics under concurrent
 * builds. Every build the harness starts (`docker buildx build`, `docker compose build`) runs inside
 * `withEngineBuildLock`, so the cells and checks that run side by side, in this process or in
 * another on this machine (turbo's tasks, a second test file), take turns at building while their
 * containers keep running. Containers are not serialized: only builds.
 *
 * Two locks: a queue in this process (first come, first served, no polling), then a lock file per
 * engine in the OS temp folder (proper-lockfile: a directory made atomically, refreshed while held,
 * taken over once stale, so a process that died does not hold it). The file is keyed by the engine
 * (lockFileForEngine), so two engines build side by side.
 * Processes on other machines sharing one remote engine are not covered: a lock file is local.
 */
export async function withEngineBuildLock<T>(build: () => Promise<T>, onWait?: (message: string) => void): Promise<T> {
  return inThisProcess(async () => {
    const file = await lockFileForEngine();
    const release = await lock(file, {
      realpath: false,
      lockfilePath: file,
      stale: 30_000,
      update: 5_000,
      retries: { forever: true, minTimeout: 250, maxTimeout: 1_000, factor: 1.5 },
      onCompromised: () => {
        // Held past `stale` without a refresh (the event loop blocked for 30 s): another process may
        // build now. The build goes on; the engine may refuse one of the two, which fails visibly.
      },
    }).catch((error: unknown) => {
      throw new ExplainedError(`Could not take the build lock ${file}: ${String(error)}\nFix: make the OS temp folder writable (TMPDIR names another), or remove ${file} when no dockerize-python build runs on this machine.`);
    });
    return build().finally(() => release().catch(() => {}));
  }, onWait);
}

const queue = pLimit(1);

/** Runs `task` when this process's earlier builds are done; says so when it has to wait. */
function inThisProcess<T>(task: () => Promise<T>, onWait?: (message: string) => void): Promise<T> {
  if (queue.activeCount + queue.pendingCount > 0) onWait?.(`waiting for ${queue.activeCount + queue.pendingCount} other build(s) of this run (one build at a time on the engine)`);
  return queue(task);
}

let lockFile: Promise<string> | undefined;

/**
 * `<tmp>/dockerize-python-build-locks/<engine>.lock`, its folder made. The engine is named by its
 * ID (`docker info`), not by its endpoint: one engine has several (unix:///var/run/docker.sock and
 * unix:///run/docker.sock, a context and DOCKER_HOST), and two locks for one engine would let two
 * builds meet on it. An engine that does not say its ID is named by its endpoint.
 */
function lockFileForEngine(): Promise<string> {
  lockFile ??= (async () => {
    const id = (await runDocker(["info", "--format", "{{.ID}}"]).catch(() => undefined))?.stdout.trim();
    const engine = id || (await resolveDockerEndpoint()).host;
    const dir = join(tmpdir(), "dockerize-python-build-locks");
    await mkdir(dir, { recursive: true });
    return join(dir, `${createHash("sha256").update(engine).digest("hex").slice(0, 16)}.lock`);
  })();
  return lockFile;
}
