#!/usr/bin/env node
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  assertDockerEngine,
  type BuildEnvironment,
  buildImage,
  type Cell,
  discoverTemplates,
  expandMatrix,
  ExplainedError,
  type LoadedTemplate,
  newRunIdentity,
  prepareBuildEnvironment,
  removeRunResources,
  resolvedBuildArgs,
  type RunIdentity,
  runLabelKey,
  sampleAppGreeting,
  sourceLabels,
  stageApp,
  trustSecrets,
} from "@dockerize-python/harness";
import { type BenchOptions, parseBenchOptions, usage } from "./bench-options.ts";
import { type BenchStack, runApp, startBenchStack } from "./bench-stack.ts";
import { containerMemoryBytes, memoryMethod, peakMemoryWhile } from "./container-memory.ts";
import { engineWentAway, waitForEngine } from "./engine-recovery.ts";
import { runLoad } from "./load.ts";
import { currentLoadAverage, describeMachine, type Machine } from "./machine.ts";
import { timeCells } from "./cell-times.ts";
import { timeMatrix } from "./matrix-timing.ts";
import { appChanges, measureBuilds } from "./measure-builds.ts";
import { type BenchResults, computeRatios, evaluateTargets, type MatrixResult, matrixResult, type SubjectSample, subjectResult } from "./results.ts";
import { renderRatioChart } from "./render-ratio-chart.ts";
import { keptNotes, renderResultsMarkdown } from "./render-results-markdown.ts";
import { summarize } from "./stats.ts";
import { type BenchCells, benchSubjects, dependencyStyle, removeImages, selectSubjects, type Subject, workers } from "./subjects.ts";

const repoDir = fileURLToPath(new URL("../../", import.meta.url));
const workDir = join(repoDir, "reports", "bench");
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).trim().split("\n")[0] ?? "";
/** How often one sample may be taken again after the engine went away during it. */
const maxRetakes = 2;

/** What is still to undo when the run stops, newest last; Ctrl-C runs it too. */
const cleanups: Array<() => Promise<void>> = [];

async function main(argv: string[]): Promise<number> {
  try {
    const options = parseBenchOptions(argv);
    if (!options) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    const started = performance.now();
    const outDir = resolve(repoDir, options.outDir);
    const results = await runBenchmark(options, `bash bench/run.sh${argv.length ? ` ${argv.join(" ")}` : ""}`, outDir);
    const files = await writeResults(results, outDir);
    log(`done in ${((performance.now() - started) / 60_000).toFixed(1)} min: ${files.join(", ")}`);
    for (const target of results.targets) log(`target ${target.status}: ${target.subject}: ${target.target} (${target.margin})`);
    return 0;
  } catch (error) {
    // Its message already names the cause and the fix: no stack.
    if (error instanceof ExplainedError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`bench: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    await runCleanups();
  }
}

async function runCleanups(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch((error: unknown) => log(`cleanup: ${String(error)}`));
}

process.once("SIGINT", () => {
  log("interrupted: removing what this run started");
  void runCleanups().finally(() => process.exit(130));
});

async function runBenchmark(options: BenchOptions, command: string, outDir: string): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  await assertDockerEngine();
  const machine = await describeMachine();
  const templates = await discoverTemplates(join(repoDir, "templates"));
  const previous = options.matrixOnly ? await previousResults(outDir) : undefined;
  await rm(join(workDir, "logs"), { recursive: true, force: true });
  await mkdir(join(workDir, "logs"), { recursive: true });
  if (previous) return { ...previous, matrix: await timeMainCommand(options, templates, command, machine) };
  const cells = benchCells(expandMatrix(templates), options.python);
  const subjects = selectSubjects(benchSubjects(repoDir, cells), options.subjects);
  const caddyCell = expandMatrix(templates, ["caddy"])[0];
  const database = cells.slimGunicorn.template.manifest.stack?.database;
  if (!caddyCell || !database) throw new ExplainedError("The templates name no caddy proxy or no database stack.\nFix: restore templates/caddy and the stack of templates/slim-gunicorn/template.json.");
  const caddyImage = Object.values(caddyCell.baseImages)[0]!;

  log(`Python ${options.python} (${cells.pythonImage}); ${options.runs} run(s) of ${subjects.map((s) => s.id).join(", ")}`);
  const demands = subjects.map((subject) => ({ images: [cells.pythonImage, database, caddyImage], needs: subject.cell?.needs }));
  const environment = await prepareBuildEnvironment(options.mode, demands, log);
  cleanups.push(() => environment.close());
  await assertIndexHas(environment, cells.pythonImage, appChanges.addedDependency);
  // A subject whose cell needs what this run's sources lack (Granian: PyPI's own files) is left out,
  // and results.md says why, as the matrix reports such a cell as a skip.
  const skipped = subjects.flatMap((subject) => {
    const reason = environment.unmetNeed(subject.cell?.needs);
    return reason ? [{ subject: subject.id, reason }] : [];
  });
  for (const { subject, reason } of skipped) log(`${subject}: not measured: ${reason}`);
  const measured = subjects.filter((subject) => !skipped.some((skip) => skip.subject === subject.id));

  const run = benchRunIdentity();
  const images = new Set<string>();
  cleanups.push(() => removeImages([...images]));
  cleanups.push(async () => void (await removeRunResources(run)));
  const imageName = (what: string) => {
    const name = `dp-bench-${what}:py${options.python}-${run.id.replace(/^bench-/, "")}`;
    images.add(name);
    return name;
  };

  log("building the Caddy image (the caddy template over the app)");
  const proxyImage = await buildProxy(caddyCell, environment, imageName("caddy"));
  const startStack = () =>
    startBenchStack({
      run,
      databaseImage: environment.imageFor(database),
      proxyImage,
      proxyPort: caddyCell.template.manifest.port,
      appPort: cells.slimGunicorn.template.manifest.port,
    });
  let stack = await startStack();
  cleanups.push(() => stack.stop());

  const samples = new Map<Subject["id"], SubjectSample[]>(measured.map((subject) => [subject.id, []]));
  let retaken = 0;
  for (let index = 1; index <= options.runs; index += 1) {
    for (const subject of measured) {
      let sample: SubjectSample | undefined;
      for (let attempt = 1; !sample; attempt += 1) {
        try {
          sample = await measureSubject(subject, index, { options, environment, stack, run, imageName });
        } catch (error) {
          // A sample the engine's crash cut short is taken again, on a new stack; anything else ends the run.
          if (attempt > maxRetakes || !(await engineWentAway(error))) throw error;
          log(`[run ${index}/${options.runs}] ${subject.id}: the Docker engine went away (${firstLine(error)}); waiting for it, then measuring this run again`);
          if (!(await waitForEngine(300_000))) throw error;
          await stack.stop();
          stack = await startStack();
          retaken += 1;
        }
      }
      samples.get(subject.id)!.push(sample);
      // Every sample so far, in case the run stops before the results are written.
      await writeFile(join(workDir, "samples.json"), `${JSON.stringify(Object.fromEntries(samples), null, 2)}\n`);
    }
  }
  await runCleanups();

  const matrix = options.matrix ? await timeMainCommand(options, templates, command, machine) : null;

  const subjectResults = measured.map((subject) => subjectResult(subject, samples.get(subject.id)!));
  return {
    schema: 1,
    command,
    quick: options.quick,
    startedAt,
    finishedAt: new Date().toISOString(),
    runs: options.runs,
    machine: { ...machine, loadAverage: { ...machine.loadAverage, end: currentLoadAverage() } },
    method: { ...method(options, cells, environment, machine.cores), "Samples taken again": `${retaken} (a sample is measured again, on a new stack, when the Docker engine goes away during it)` },
    subjects: subjectResults,
    skipped,
    ratios: computeRatios(subjectResults),
    targets: evaluateTargets(subjectResults),
    matrix,
  };
}

/** The main command's wall time: cold (when asked), warm, and with one template changed. */
async function timeMainCommand(options: BenchOptions, templates: readonly LoadedTemplate[], benchCommand: string, machine: Machine): Promise<MatrixResult> {
  const template = templates.find((t) => t.name === options.matrixTemplate);
  if (!template) throw new ExplainedError(`--matrix-template ${options.matrixTemplate} is not a template.\nFix: choose among ${templates.map((t) => t.name).join(", ")}.`);
  const changedFile = `templates/${template.name}/files/${template.manifest.dockerfile}`;
  const startedAt = new Date().toISOString();
  // Before the main command: a cold run would leave the engine cold for them.
  const cellTimes = await timeCells({
    repoDir,
    cells: options.cells,
    modes: [
      { id: "in-turn", jobs: 1 },
      { id: "side-by-side", jobs: options.cellsJobs },
    ],
    runs: options.matrixRuns,
    logDir: join(workDir, "logs"),
    log,
  });
  const scenarios = await timeMatrix({
    repoDir,
    command: options.matrixCommand,
    runs: options.matrixRuns,
    changedFile,
    cold: options.matrixCold,
    logDir: join(workDir, "logs"),
    log,
  });
  const timing = { command: options.matrixCommand, benchCommand, startedAt, finishedAt: new Date().toISOString(), runs: options.matrixRuns, machine, changedFile, cellTimes };
  return matrixResult(timing, scenarios);
}

/** The last results.json, whose subjects' figures a --matrix-only run keeps. */
async function previousResults(outDir: string): Promise<BenchResults> {
  const file = join(outDir, "results.json");
  const text = await readFile(file, "utf8").catch(() => undefined);
  const results = text === undefined ? undefined : (JSON.parse(text) as Partial<BenchResults>);
  if (results?.schema !== 1 || !results.subjects?.length) {
    throw new ExplainedError(
      `--matrix-only keeps the subjects' figures of the last run, but ${relative(repoDir, file)} ${text === undefined ? "does not exist" : "holds no subject's figures (or another schema)"}.\n` +
        "Fix: run the benchmark once without --matrix-only (bash bench/run.sh --skip-matrix measures only the subjects).",
    );
  }
  return results as BenchResults;
}

interface MeasureContext {
  options: BenchOptions;
  environment: BuildEnvironment;
  stack: BenchStack;
  run: RunIdentity;
  imageName(what: string): string;
}

/** One run of one subject: stage, three builds, then the app through Caddy: startup, memory, load. */
async function measureSubject(subject: Subject, index: number, context: MeasureContext): Promise<SubjectSample> {
  const { options, run } = context;
  const say = (line: string) => log(`[run ${index}/${options.runs}] ${subject.id}: ${line}`);
  const logFile = (what: string) => join(workDir, "logs", `${subject.id}-run${index}-${what}.log`);
  say("staging");
  const staged = await subject.stage({ appDir: join(repoDir, "sample-apps", subject.app), environment: context.environment, imageName: context.imageName, logFile });
  try {
    const tags = { cold: context.imageName(`${subject.id}-r${index}-cold`), code: context.imageName(`${subject.id}-r${index}-code`), dependency: context.imageName(`${subject.id}-r${index}-dependency`) };
    say("cold build (--no-cache), then rebuilds after a code-only change and after one dependency added");
    const builds = await measureBuilds(staged, tags, `${run.id}-${index}-${Date.now()}`, logFile);
    say(`builds ${builds.coldBuildSeconds.toFixed(1)} / ${builds.codeRebuildSeconds.toFixed(1)} / ${builds.depRebuildSeconds.toFixed(1)} s; ${(builds.imageBytes / 1e6).toFixed(1)} MB, ${builds.layers} layers; a code change pulls ${(builds.codeChangePullBytes / 1e6).toFixed(2)} MB`);
    await removeImages([tags.code, tags.dependency]);

    const app = await runApp(context.stack, { run, name: `${subject.id}-app`, image: tags.cold, greeting: sampleAppGreeting, env: options.appEnv });
    try {
      say(`first 200 through Caddy after ${app.startupSeconds.toFixed(2)} s`);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const idle = summarize([await containerMemoryBytes(app.container), await containerMemoryBytes(app.container), await containerMemoryBytes(app.container)])!.median;
      const url = `${context.stack.proxyUrl}/`;
      await runLoad({ url, connections: options.connections, seconds: options.warmupSeconds });
      const loading = runLoad({ url, connections: options.connections, seconds: options.loadSeconds });
      const [load, peak] = await Promise.all([loading, peakMemoryWhile(app.container, loading)]);
      say(`${load.requestsPerSecond.toFixed(0)} req/s, p50 ${load.latencyP50Ms} ms, p99 ${load.latencyP99Ms} ms; memory ${(idle / 1e6).toFixed(1)} MB idle, ${(peak / 1e6).toFixed(1)} MB under load`);
      return {
        run: index,
        values: {
          coldBuildSeconds: builds.coldBuildSeconds,
          codeRebuildSeconds: builds.codeRebuildSeconds,
          depRebuildSeconds: builds.depRebuildSeconds,
          imageBytes: builds.imageBytes,
          layers: builds.layers,
          codeChangePullBytes: builds.codeChangePullBytes,
          startupSeconds: app.startupSeconds,
          requestsPerSecond: load.requestsPerSecond,
          latencyP50Ms: load.latencyP50Ms,
          latencyP99Ms: load.latencyP99Ms,
          rssIdleBytes: idle,
          rssLoadBytes: peak,
        },
        codeRebuildReruns: builds.codeRebuildReruns,
        codeChangeLayers: builds.codeChangeLayers,
        codeChangeLayerBytes: builds.codeChangeLayerBytes,
        loadErrors: load.errors,
        loadNon2xx: load.non2xx,
        baseBuildSeconds: staged.baseBuildSeconds ?? null,
      };
    } finally {
      await app.remove();
      await removeImages([tags.cold]);
    }
  } finally {
    await staged.remove();
  }
}

/** The templates' cells for `python` in the requirements style, and the one Python image they share. */
function benchCells(cells: readonly Cell[], python: string): BenchCells {
  // A slim-asgi cell is one of its servers' (the variant's ASGI_SERVER build arg).
  const find = (template: string, asgiServer?: string) => {
    const cell = cells.find(
      (c) => c.template.name === template && c.python === python && c.dependencyStyle === dependencyStyle && (!asgiServer || c.buildArgs.ASGI_SERVER === asgiServer),
    );
    if (!cell) {
      const known = [...new Set(cells.filter((c) => c.template.name === template).map((c) => c.python))].join(", ");
      throw new ExplainedError(`The ${template} template has no variant for Python ${python}${asgiServer ? ` with ASGI_SERVER=${asgiServer}` : ""}.\nFix: choose one it has with --python (${known}).`);
    }
    return cell;
  };
  const slimUwsgi = find("slim-uwsgi");
  const slimGunicorn = find("slim-gunicorn");
  const onbuild = find("onbuild");
  const slimAsgiUvicorn = find("slim-asgi", "uvicorn");
  const slimAsgiGranian = find("slim-asgi", "granian");
  const pythonImage = slimGunicorn.baseImages.PYTHON_IMAGE;
  const all = [slimGunicorn, slimUwsgi, onbuild, slimAsgiUvicorn, slimAsgiGranian];
  if (!pythonImage || all.some((cell) => cell.baseImages.PYTHON_IMAGE !== pythonImage)) {
    throw new ExplainedError(
      `The templates do not build Python ${python} on one base image (${all.map((c) => `${c.id}: ${c.baseImages.PYTHON_IMAGE}`).join(", ")}).\n` +
        "Fix: give their variants the same PYTHON_IMAGE; the benchmark compares Dockerfiles on one base.",
    );
  }
  return { pythonImage, slimUwsgi, slimGunicorn, onbuild, slimAsgiUvicorn, slimAsgiGranian };
}

/** This benchmark's run: the harness's labels, and names that start with dp-bench-. */
function benchRunIdentity(): RunIdentity {
  const base = newRunIdentity();
  const id = `bench-${base.id}`;
  return { ...base, id, labels: { [runLabelKey]: id } };
}

/** The caddy template laid over the app (it bakes static/ in), built as the matrix builds it. */
async function buildProxy(caddyCell: Cell, environment: BuildEnvironment, tag: string): Promise<string> {
  const dir = await stageApp(join(repoDir, "sample-apps", "flask"), [caddyCell.template.filesDir], "bench-caddy");
  try {
    await buildImage({
      context: dir,
      dockerfile: join(dir, caddyCell.template.manifest.dockerfile),
      tag,
      buildArgs: resolvedBuildArgs(caddyCell, environment),
      secretFiles: trustSecrets(environment),
      logFile: join(workDir, "logs", "caddy.log"),
    });
    return tag;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The dependency the benchmark adds must be in the index every image installs from. */
async function assertIndexHas(environment: BuildEnvironment, pythonImage: string, project: string): Promise<void> {
  const index = environment.packageIndexFor([pythonImage]);
  // Online, pip's own index (PyPI) has it; only the local index is a fixed list.
  if (!index) return;
  const page = `${index.url}${project}/`;
  const response = await fetch(page).catch((error: unknown) => ({ status: 0, statusText: String(error) }));
  if (response.status !== 200) {
    throw new ExplainedError(
      `The local package index has no ${project} (${page} answered ${response.status} ${response.statusText}), so the "one dependency added" rebuild cannot install it.\n` +
        "Fix: choose another small pure-Python project the index lists (its index.json) for appChanges.addedDependency in bench/src/measure-builds.ts.",
    );
  }
}

function method(options: BenchOptions, cells: BenchCells, environment: BuildEnvironment, cores: number): Record<string, string> {
  const standins = environment.sources.baseImages.kind === "stand-ins";
  const localIndex = environment.sources.pythonPackages.kind === "local-index";
  return {
    "Python and base image": `${options.python}, ${cells.pythonImage}${standins ? `, stood in by ${environment.imageFor(cells.pythonImage)} (no registry here: Debian's Python, shaped like the official image)` : ""}, for every image (build arg PYTHON_IMAGE)`,
    "Package index": localIndex
      ? "the harness's local PEP 503 index (Debian's packages repacked as wheels, psycopg2 and uWSGI as sdists), for every image (build args PIP_INDEX_URL, PIP_TRUSTED_HOST)"
      : `${sourceLabels[environment.sources.pythonPackages.kind]}, for every image`,
    Sources: `--mode ${environment.requestedMode}: ${(["baseImages", "pythonPackages", "goModules"] as const).map((kind) => `${sourceLabels[environment.sources[kind].kind]} (${environment.sources[kind].reason})`).join("; ")}`,
    Apps: "the peers and the WSGI subjects build sample-apps/flask; the ASGI subjects (slim-asgi-*) build sample-apps/fastapi, the same contract (GET / reads a row through PostgreSQL with SQLAlchemy, a sync route in FastAPI's thread pool). So an ASGI figure beside a WSGI one compares app framework and server together, as a user choosing between them meets them; ours/peer ratios and targets compare only subjects of the same app",
    Dependencies: "requirements.txt for every subject (each staged copy of the app keeps only that file); the peers install gunicorn beside it, the templates their own server requirement",
    Workers: `every server runs ${workers.processes} worker processes: Gunicorn's gthread workers and uWSGI's with ${workers.threads} threads each; Uvicorn and Granian as slim-asgi ships them (WEB_CONCURRENCY=${workers.processes}; FastAPI runs sync routes in each worker's thread pool). As shipped, our images log every request (Gunicorn's access log, uWSGI's request log, ASGI_ACCESS_LOG=1); the peers' Gunicorn logs none`,
    "Cold build": "`--no-cache`: every step runs again (the base image is already local). BuildKit's cache mounts survive --no-cache, so docker-init's and our templates' pip caches are warm even then; on a fresh CI runner they would be slower. naive, ordered and the onbuild triggers use no cache mount",
    "Code-only change": `a comment appended to the app's ${appChanges.codeFile} (a new one each run), then a build with the cache`,
    "One dependency added": `${appChanges.addedDependency} (small, pure Python) appended to requirements.txt after the code change, then a build with the cache; the image is checked to import it`,
    "Pull after a code-only change": "the code-change image's layers whose diff IDs are not in the cold image's, each gzip-compressed at the default level as a registry stores it (read from `docker save`)",
    "First 200": "from just before the app's `docker run` to the first GET / answered 200 with the app's greeting through Caddy, polled every 20 ms; PostgreSQL and Caddy (the caddy template) already running on a private network",
    Load: `autocannon, ${options.connections} connections, ${options.loadSeconds} s measured after ${options.warmupSeconds} s of warm-up, GET / (the app queries PostgreSQL) through Caddy on its published 127.0.0.1 port (loopback); the load generator runs in the benchmark's own Node process on the same ${cores} cores as the app, Caddy and PostgreSQL`,
    Memory: `${memoryMethod}; idle: the median of 3 samples, 3 s after the first 200; under load: the highest sample taken during the measured load`,
    ...(Object.keys(options.appEnv).length
      ? { "App environment (an experiment)": `every subject's app container also gets ${Object.entries(options.appEnv).map(([key, value]) => `\`${key}=${value}\``).join(", ")}` }
      : {}),
    Order: "each run measures every subject in turn (run 1: all of them, then run 2, ...), so slow phases of a shared machine spread over all of them",
  };
}

async function writeResults(results: BenchResults, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const markdownFile = join(outDir, "results.md");
  const previous = await readFile(markdownFile, "utf8").catch(() => undefined);
  await writeFile(join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(markdownFile, renderResultsMarkdown(results, keptNotes(previous), relative(outDir, repoDir) || "."));
  await writeFile(join(outDir, "results.svg"), renderRatioChart(results));
  return ["results.json", "results.md", "results.svg"].map((file) => relative(repoDir, join(outDir, file)));
}

process.exitCode = await main(process.argv.slice(2));
