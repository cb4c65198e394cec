import { resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { type AppDirs, type AppKind, appKinds, type AppProbe, type CheckName, checkNames, isPlatform, type Platform, platforms, type RequestedMode, requestedModes, sampleAppDirs, type Shard } from "@dockerize-python/harness";
import { findRepoRoot } from "./find-repo-root.ts";
import { UsageError } from "./usage-error.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a command's arguments strictly; a wrong one is a UsageError carrying the command's usage.
 * `--help` never reaches here: main.ts answers it for every command.
 */
export function parseCommandArgs<const T extends Options>(args: string[], options: T, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS_")) {
      throw new UsageError(error.message, usage);
    }
    throw error;
  }
}

/** A folder given with `flag`, or its default inside the repository the CLI runs from. */
export function repoPath(value: string | undefined, flag: string, inRepo: string, usage: string): string {
  if (value !== undefined) return resolve(value);
  const repoRoot = findRepoRoot();
  if (repoRoot) return resolve(repoRoot, inRepo);
  throw new UsageError(
    `${flag} is required: this dockerize-python is not running from its repository (no pnpm-workspace.yaml above it), so there is no default ${inRepo} folder.`,
    usage,
  );
}

/**
 * The apps given with `--app KIND=DIR` (repeatable), else the repository's sample apps. A value
 * without a known kind, or a kind given twice, is a UsageError.
 */
export async function appDirsOption(values: string[] | undefined, usage: string): Promise<AppDirs> {
  if (!values?.length) return sampleAppDirs(repoPath(undefined, "--app KIND=DIR", ".", usage));
  const given: AppDirs = {};
  for (const value of values) {
    const [kind, dir] = value.split(/=(.*)/s) as [string, string | undefined];
    if (!dir || !appKinds.includes(kind as AppKind)) {
      throw new UsageError(`--app takes KIND=DIR, the kind one of ${appKinds.join(", ")} (say --app wsgi=${dir || value}), not "${value}".`, usage);
    }
    if (given[kind as AppKind]) throw new UsageError(`--app ${kind}= is given twice: one app per kind.`, usage);
    given[kind as AppKind] = resolve(dir);
  }
  return given;
}

/** Where reports go: the given folder, else the repository's reports/, else ./reports. */
export function reportDirOption(value: string | undefined): string {
  const repoRoot = findRepoRoot();
  return resolve(value ?? (repoRoot ? `${repoRoot}/reports` : "reports"));
}

/**
 * A TCP port given with `flag` (`--proxy-port 8080`), or undefined when the flag is absent. Anything
 * but a whole number from 1 to 65535 is a UsageError. Whether the port is free is the harness's
 * check (assertPortFree), made before anything starts.
 */
export function portOption(value: string | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new UsageError(`${flag} must be a port number from 1 to 65535, not "${value}".`, usage);
  }
  return port;
}

/**
 * How many cells, and checks in a cell, wait side by side when --jobs is not given: one, every cell
 * and check in turn. On the 2 cores this project's machines have, side by side starved the servers
 * beside the builds, and checks with a time bound (an exit within 5 s of a stop) failed that pass
 * alone: with 4 (the cold main job) and with 2 (CI), bench/experiments/side-by-side. More is for
 * machines with more cores, asked for with --jobs.
 */
export const defaultJobs = 1;

/** `--jobs N`: a whole number from 1 to 16; `defaultJobs` when absent. */
export function jobsOption(value: string | undefined, usage: string): number {
  if (value === undefined) return defaultJobs;
  const jobs = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16) throw new UsageError(`--jobs must be a whole number from 1 to 16, not "${value}".`, usage);
  return jobs;
}

/**
 * `--shard I/N`: the I-th of N shards of the selected cells, I from 1 to N; undefined when absent.
 * Anything else is a UsageError saying what is meant.
 */
export function shardOption(value: string | undefined, usage: string): Shard | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [Number.NaN, Number.NaN];
  if (!(count >= 1 && index >= 1 && index <= count)) {
    throw new UsageError(`--shard must be I/N, the I-th of N shards with I from 1 to N (--shard 1/3, 2/3, 3/3), not "${value}".`, usage);
  }
  return { index, count };
}

/** `--check NAME` values: each must be a check the harness knows. */
export function checkOptions(values: readonly string[] | undefined, usage: string): CheckName[] {
  return (values ?? []).map((value) => {
    const name = checkNames.find((known) => known === value);
    if (!name) throw new UsageError(`--check ${value}: not a check the harness knows. Checks: ${checkNames.join(", ")}.`, usage);
    return name;
  });
}

/** An option's values, repeated or comma-separated (`--platform linux/amd64,linux/arm64`, as docker takes it). */
export function listOptions(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(",")).map((item) => item.trim()).filter(Boolean);
}

/** `--platform P` values (listOptions): each a platform the harness builds for, once. */
export function platformOptions(values: readonly string[] | undefined, usage: string): Platform[] {
  return [
    ...new Set(
      listOptions(values).map((value) => {
        if (!isPlatform(value)) throw new UsageError(`--platform ${value}: not a platform the harness builds for. Platforms: ${platforms.join(", ")}.`, usage);
        return value;
      }),
    ),
  ];
}

/** `--mode`: auto (each source detected on its own), hermetic (every source local) or online (none local). */
export function modeOption(value: string, usage: string): RequestedMode {
  const mode = requestedModes.find((known) => known === value);
  if (!mode) throw new UsageError(`--mode must be one of ${requestedModes.join(", ")}, not "${value}".`, usage);
  return mode;
}

/**
 * `--probe PATH` and `--expect TEXT`: how the checks know the app serves (a 200 holding TEXT, or
 * without --expect any answer below 500); undefined when neither is given. The path must start
 * with /, and --expect needs --probe (it says what that path answers).
 */
export function probeOption(path: string | undefined, text: string | undefined, usage: string): AppProbe | undefined {
  if (path === undefined) {
    if (text !== undefined) throw new UsageError("--expect needs --probe: it is the text the probed path answers.", usage);
    return undefined;
  }
  if (!path.startsWith("/")) throw new UsageError(`--probe must be a path starting with /, not "${path}".`, usage);
  return { path, ...(text === undefined ? {} : { text }), showsDatabaseVersion: false };
}
