import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { damagedCacheRecord } from "./damaged-build-cache.ts";
import { withEngineBuildLock } from "./engine-build-lock.ts";
import type { Platform } from "./platform.ts";
import { DockerCommandError, runDocker } from "./run-docker.ts";
import { runcFailedToStart } from "./runc-start-failure.ts";
import { ExplainedError } from "../explained-error.ts";

export interface BuildImageRequest {
  /** The build context directory. */
  context: string;
  /** The Dockerfile, absolute or relative to the context. Defaults to `<context>/Dockerfile`. */
  dockerfile?: string;
  /** The image name:tag to give the result: the one its errors name. */
  tag: string;
  /** More names for the result (a run's own, which no other run moves: see buildCellImage). */
  extraTags?: readonly string[];
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** BuildKit secrets: id -> file path, used by `RUN --mount=type=secret,id=...`. */
  secretFiles?: Record<string, string>;
  /** BuildKit ssh forwarding: id -> an agent socket or private key file, used by `RUN --mount=type=ssh`. */
  ssh?: Record<string, string>;
  target?: string;
  /** The platform to build for (`--platform`); the engine's own when absent. Another is emulated (scripts/setup.sh). */
  platform?: Platform;
  noCache?: boolean;
  /** Stages whose steps run again instead of coming from the cache (`--no-cache-filter`). */
  noCacheStages?: readonly string[];
  /** Where the full plain-progress build log is written. */
  logFile?: string;
  /** Called with each log line as BuildKit prints it (for progress displays). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuiltImage {
  tag: string;
  /** The build's own time, from when the engine was free for it. */
  seconds: number;
  /** How long it waited for other builds on the engine first (see withEngineBuildLock). */
  waitedSeconds: number;
  /**
   * The whole plain-progress log: when the engine could not start a step, or a cache record it
   * started from was damaged, and the build ran again (buildWhileLocked, once per damaged record),
   * every attempt's log, each after the first behind a line that starts with `buildAgainMarker`
   * (each attempt numbers its steps from #1; parseSteps reads them as one build).
   */
  log: string;
}

/** The line between two attempts of one build in BuiltImage.log begins with this. */
export const buildAgainMarker = "[dockerize-python] the engine could not start a build step";

/** A build step failed. The message names the step and shows the end of its own log. */
export class BuildFailedError extends ExplainedError {
  readonly tag: string;
  readonly failedStep: string | undefined;
  readonly stepLog: string;
  readonly logFile: string | undefined;

  constructor(tag: string, log: string, logFile: string | undefined) {
    const failure = findFailedStep(log);
    const where = failure.step ? `step ${failure.step}` : "an unnamed step";
    const line = failure.dockerfileLine ? ` (${failure.dockerfileLine})` : "";
    super(
      `Building ${tag} failed at ${where}${line}.\n` +
        `--- last lines of that step ---\n${failure.tail}\n---\n` +
        (logFile ? `Full build log: ${logFile}\n` : "") +
        `Fix: correct what the step's output above names (a missing package, file or command) in the app or in the Dockerfile${
          failure.dockerfileLine ? ` at ${failure.dockerfileLine}` : ""
        }, then run again.`,
    );
    this.tag = tag;
    this.failedStep = failure.step;
    this.stepLog = failure.tail;
    this.logFile = logFile;
  }
}

/** Builds an image with BuildKit through the docker CLI, keeping the whole plain-progress log. */
export async function buildImage(request: BuildImageRequest): Promise<BuiltImage> {
  // No provenance attestation: a --load image cannot carry one, and capturing it for concurrent
  // builds that share steps crashes dockerd 26.1's BuildKit (a nil pointer in walkProvenance).
  const args = ["buildx", "build", "--load", "--provenance=false", "--progress=plain", "--tag", request.tag];
  for (const tag of request.extraTags ?? []) args.push("--tag", tag);
  if (request.dockerfile) args.push("--file", request.dockerfile);
  for (const [name, value] of Object.entries(request.buildArgs ?? {})) args.push("--build-arg", `${name}=${value}`);
  for (const [name, value] of Object.entries(request.labels ?? {})) args.push("--label", `${name}=${value}`);
  for (const [id, path] of Object.entries(request.secretFiles ?? {})) args.push("--secret", `id=${id},src=${path}`);
  for (const [id, path] of Object.entries(request.ssh ?? {})) args.push("--ssh", `${id}=${path}`);
  if (request.target) args.push("--target", request.target);
  if (request.platform) args.push("--platform", request.platform);
  if (request.noCache) args.push("--no-cache");
  if (request.noCacheStages?.length) args.push("--no-cache-filter", request.noCacheStages.join(","));
  args.push(request.context);

  let logStream: ReturnType<typeof createWriteStream> | undefined;
  if (request.logFile) {
    await mkdir(dirname(request.logFile), { recursive: true });
    logStream = createWriteStream(request.logFile);
  }
  const onLine = (line: string) => {
    logStream?.write(`${line}\n`);
    request.onLine?.(line);
  };
  const asked = performance.now();
  try {
    return await withEngineBuildLock(() => buildWhileLocked(request, args, onLine, (performance.now() - asked) / 1000), (message) => onLine(`[dockerize-python] ${message}`));
  } finally {
    await new Promise<void>((resolve) => (logStream ? logStream.end(resolve) : resolve()));
  }
}

/** At most this many damaged cache records are removed for one build before it gives up (DamagedBuildCacheError). */
const damagedRecordsRemovedAtMost = 5;

/**
 * The build failed before its step ran, because a build cache record it started from has lost its
 * files, and removing such records (their steps then run again) did not end it: the same record
 * again, or more than damagedRecordsRemovedAtMost of them.
 */
export class DamagedBuildCacheError extends ExplainedError {
  constructor(tag: string, record: string, removed: readonly string[], logFile: string | undefined) {
    super(
      `Building ${tag} failed: the engine's build cache is damaged, not the app or the Dockerfile. ` +
        `Its record ${record}, a cached step this build starts from, has lost its files (BuildKit: "failed to prepare ${record} ...: no such file or directory"), ` +
        `and every build that reaches it fails the same way` +
        (removed.length ? `; ${removed.length} such record(s) were removed for this build (${removed.join(", ")}) and it still met one.\n` : ".\n") +
        (logFile ? `Full build log: ${logFile}\n` : "") +
        `Fix: remove the build cache (docker builder prune; or docker builder prune --filter id=${record} for this record alone), then run again; ` +
        `the steps it held are built again.`,
    );
  }
}

/**
 * The build itself, the engine's build lock held. It runs again when the engine failed it before
 * the step's own command ran: once when runc could not start a step's container, and after each
 * cache record that had lost its files, which is removed first (unusable; its step is built again).
 */
async function buildWhileLocked(request: BuildImageRequest, args: readonly string[], onLine: (line: string) => void, waitedSeconds: number): Promise<BuiltImage> {
  const started = performance.now();
  // The earlier attempts' logs: the steps they ran do not run again (they come from the cache), and
  // a check that reads the log (which steps ran, where a secret went) must see them.
  let before = "";
  let runcRetried = false;
  const removedRecords: string[] = [];
  for (;;) {
    try {
      const output = await runDocker(args, { onLine, signal: request.signal });
      return { tag: request.tag, seconds: (performance.now() - started) / 1000, waitedSeconds, log: before + output.stderr + output.stdout };
    } catch (error) {
      if (!(error instanceof DockerCommandError)) throw error;
      const log = error.output.stderr + error.output.stdout;
      let again: string;
      const damaged = request.signal?.aborted ? undefined : damagedCacheRecord(log);
      const startFailure = request.signal?.aborted ? undefined : runcFailedToStart(log);
      if (damaged) {
        if (removedRecords.includes(damaged) || removedRecords.length >= damagedRecordsRemovedAtMost) {
          throw new DamagedBuildCacheError(request.tag, damaged, removedRecords, request.logFile);
        }
        await runDocker(["builder", "prune", "--force", "--filter", `id=${damaged}`], { signal: request.signal });
        removedRecords.push(damaged);
        again = `${buildAgainMarker} (the build cache record ${damaged} had lost its files: removed), not the step's own failure; building again`;
      } else if (startFailure && !runcRetried) {
        runcRetried = true;
        again = `${buildAgainMarker} (runc: ${startFailure}), not the step's own failure; building again, once`;
      } else {
        throw new BuildFailedError(request.tag, log, request.logFile);
      }
      onLine(again);
      before += `${log}\n${again}\n`;
    }
  }
}

/**
 * Finds, in a BuildKit plain-progress log, the step that failed, the end of its own output and the
 * Dockerfile line BuildKit blames (`Dockerfile:12`). Steps are numbered `#N`; a step's header is
 * `#N [stage i/n] INSTRUCTION` and its failure `#N ERROR: ...`.
 */
export function findFailedStep(log: string): { step: string | undefined; tail: string; dockerfileLine: string | undefined } {
  const lines = log.split("\n");
  const errorLine = lines.find((line) => /^#\d+ ERROR:/.test(line));
  const stepNumber = errorLine?.match(/^#(\d+) /)?.[1];
  if (!stepNumber) {
    return { step: undefined, tail: lines.filter((l) => l.trim()).slice(-25).join("\n"), dockerfileLine: undefined };
  }
  const own = lines.filter((line) => line.startsWith(`#${stepNumber} `));
  const header = own.find((line) => /^#\d+ \[/.test(line));
  const step = header?.replace(/^#\d+ /, "");
  const tail = own
    .slice(-25)
    .map((line) => line.replace(new RegExp(`^#${stepNumber} (\\d+\\.\\d+ )?`), ""))
    .join("\n");
  // After the steps, BuildKit names the failing Dockerfile line and quotes it with its neighbours.
  const after = lines.slice(lines.lastIndexOf(errorLine ?? "") + 1);
  const dockerfileLine = after.find((line) => /^\S*Dockerfile\S*:\d+$/.test(line.trim()))?.trim();
  const quoted = after.filter((line) => /^\s*\d+ \|/.test(line)).slice(0, 12);
  return { step, tail: [tail, ...(dockerfileLine ? [dockerfileLine] : []), ...quoted].join("\n"), dockerfileLine };
}
