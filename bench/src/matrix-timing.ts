import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDocker, runProcessWithExitCode } from "@dockerize-python/harness";
import { withLineAppended } from "./file-change.ts";

/** One timed run of the main command. */
export interface CommandRun {
  seconds: number;
  exitCode: number;
  log: string;
}

export interface MatrixScenario {
  id: "priming" | "warm" | "one-template-changed" | "cold";
  description: string;
  runs: CommandRun[];
}

export interface MatrixTimingRequest {
  repoDir: string;
  /** Run with `bash -c` from the repository's root. */
  command: string;
  runs: number;
  /** The file a "one template changed" run appends a comment to (restored exactly afterwards). */
  changedFile: string;
  cold: boolean;
  /** Before each cold run: removes what makes the matrix warm (removeWarmth, unless a test gives its own). */
  removeWarmth?: (log: (line: string) => void) => Promise<void>;
  logDir: string;
  log(line: string): void;
}

/**
 * Times the main command: first to make the caches warm, then `runs` times warm (nothing changed)
 * and `runs` times with a comment appended to one template's file. The first is a priming run
 * (reported, not a figure) or, only when asked, `runs` cold runs: the last of them leaves the
 * caches warm (its harness cache is the one the later runs use), so a cold matrix costs no extra
 * priming run.
 */
export async function timeMatrix(request: MatrixTimingRequest): Promise<MatrixScenario[]> {
  const scenarios: MatrixScenario[] = [];
  const timed = async (id: MatrixScenario["id"], description: string, count: number, before?: () => Promise<NodeJS.ProcessEnv>, around?: <T>(work: () => Promise<T>) => Promise<T>) => {
    const scenario: MatrixScenario = { id, description, runs: [] };
    scenarios.push(scenario);
    for (let index = 1; index <= count; index += 1) {
      const env = before ? await before() : {};
      const log = join(request.logDir, `matrix-${id}-${index}.log`);
      request.log(`matrix ${id} ${index}/${count}: ${request.command} (log: ${log})`);
      const run = await (around ?? ((work) => work()))(() => timeCommand(request.command, request.repoDir, env, log));
      request.log(`matrix ${id} ${index}/${count}: ${run.seconds.toFixed(1)} s, exit ${run.exitCode}`);
      scenario.runs.push(run);
    }
  };
  const caches: string[] = [];
  // What the warm runs see: the harness's default cache, or the one the last cold run filled.
  const warmEnv = async (): Promise<NodeJS.ProcessEnv> => (caches.length ? { DOCKERIZE_PYTHON_CACHE: caches.at(-1)! } : {});
  try {
    if (request.cold) {
      await timed("cold", "no stand-in images, an empty harness cache, BuildKit's cache pruned, turbo forced", request.runs, async () => {
        const cache = await mkdtemp(join(tmpdir(), "dp-bench-cold-cache-"));
        caches.push(cache);
        await (request.removeWarmth ?? removeWarmth)(request.log);
        return { DOCKERIZE_PYTHON_CACHE: cache, TURBO_FORCE: "true" };
      });
    } else {
      await timed("priming", "a first run, to make the caches warm; not a figure", 1);
    }
    await timed("warm", "nothing changed since the previous run", request.runs, warmEnv);
    const line = (index: string) => `# benchmark: one template changed (${index})`;
    await timed("one-template-changed", `a comment appended to ${request.changedFile}, restored after the run`, request.runs, warmEnv, (work) =>
      withLineAppended(join(request.repoDir, request.changedFile), line(`${Date.now()}`), work),
    );
  } finally {
    for (const cache of caches) await rm(cache, { recursive: true, force: true });
  }
  return scenarios;
}

/**
 * What makes the matrix warm, removed: the stand-in images (and the pipenv lockers built on them) and
 * BuildKit's whole build cache, every user's. Only with --matrix-cold, which says so.
 */
async function removeWarmth(log: (line: string) => void): Promise<void> {
  const images = async (reference: string) =>
    (await runDocker(["images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=${reference}`])).stdout.split("\n").filter(Boolean);
  const warm = [...(await images("dockerize-python-pipenv-locker")), ...(await images("dockerize-python-standin-*"))];
  log(`cold: removing ${warm.length} stand-in and locker images, then pruning BuildKit's build cache`);
  if (warm.length) await runDocker(["rmi", "--force", ...warm]);
  await runDocker(["builder", "prune", "--all", "--force"]);
}

/** Runs `command` with bash from `cwd`, its output to `logFile`; its wall time and exit code (128 when a signal ended it). */
export async function timeCommand(command: string, cwd: string, env: NodeJS.ProcessEnv, logFile: string): Promise<CommandRun> {
  const out = createWriteStream(logFile);
  const started = performance.now();
  try {
    // A whole matrix run's output: to the log file as it comes, not kept. A failing run is a figure too.
    const run = await runProcessWithExitCode("bash", ["-c", command], { cwd, env: { ...process.env, ...env }, onLine: (line) => out.write(`${line}\n`), keepOutput: false });
    return { seconds: (performance.now() - started) / 1000, exitCode: run.exitCode ?? 128, log: logFile };
  } finally {
    await new Promise<void>((resolve) => out.end(resolve));
  }
}
