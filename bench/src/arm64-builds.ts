/**
 * linux/arm64 builds under emulation beside linux/amd64 builds of the same templates, measured in
 * the same run: `node bench/src/arm64-builds.ts [--templates slim-gunicorn,slim-uwsgi] [--python 3.13]
 * [--runs 1] [--out bench/arm64]`. For each template, the sample Flask app (requirements.txt) is
 * staged as `dockerize-python new` lays it, then built for each platform in turn (amd64 first,
 * then arm64, alternating over runs, so that a slow phase of a shared machine falls on both),
 * cold: `--no-cache` and pip told not to use its cache (a pip.conf given as the templates' own
 * `pip_conf` build secret), so every wheel is downloaded and every sdist compiled as on a fresh CI
 * runner. The arm64 image's base is the arm64 stand-in (built first, and timed, when missing). Each
 * image then runs: `platform.machine()` from its Python, and the time from `docker run` to the
 * first 200 on /healthz (no database: DATABASE_HOST empty). Writes results.md and results.json.
 * Not a test, and not part of the main benchmark (bench/run.sh): an arm64 build of uWSGI takes
 * many minutes here.
 */

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  assertDockerEngine,
  buildImage,
  type Cell,
  discoverTemplates,
  ensureStandin,
  expandMatrix,
  ExplainedError,
  inspectImage,
  keepOnlyDependencyStyle,
  newRunIdentity,
  type Platform,
  prepareBuildEnvironment,
  removeRunResources,
  resolvedBuildArgs,
  runDocker,
  stageApp,
  startCheckContainer,
  trustSecrets,
  waitUntilServing,
} from "@dockerize-python/harness";
import { describeMachine, type Machine } from "./machine.ts";

const repoDir = fileURLToPath(new URL("../../", import.meta.url));
const platforms: readonly Platform[] = ["linux/amd64", "linux/arm64"];

interface BuildSample {
  template: string;
  platform: Platform;
  run: number;
  /** The build's own time (not the wait for the engine's build lock). */
  buildSeconds: number;
  /** The step that installs the dependencies (install-dependencies): downloads, and compiles sdists. */
  installStepSeconds: number | undefined;
  /** pip's "Building wheel for <name>" from started to finished, per package compiled from source. */
  wheelsCompiled: Record<string, number>;
  sizeBytes: number;
  /** What the image's Python says platform.machine() is. */
  machine: string;
  /** From `docker run` to the first 200 on /healthz. */
  secondsToServe: number;
  loadAverageBefore: number;
  loadAverageAfter: number;
}

interface Arm64Results {
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: Machine;
  python: string;
  pythonImage: string;
  sources: string;
  /** The arm64 stand-ins: built in this run (with their times), or reused from an earlier one. */
  standins: { what: string; image: string; seconds: number | null }[];
  samples: BuildSample[];
}

interface Arm64Options {
  templates: string;
  python: string;
  runs: string;
  out: string;
}

function readOptions(): Arm64Options {
  const { values } = parseArgs({
    options: {
      templates: { type: "string", default: "slim-gunicorn,slim-uwsgi" },
      python: { type: "string", default: "3.13" },
      runs: { type: "string", default: "1" },
      out: { type: "string", default: join(repoDir, "bench", "arm64") },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log("node bench/src/arm64-builds.ts [--templates slim-gunicorn,slim-uwsgi] [--python 3.13] [--runs 1] [--out bench/arm64]");
    process.exit(0);
  }
  return values;
}

const log = (line: string) => console.error(`[arm64-bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(options: Arm64Options): Promise<void> {
  const startedAt = new Date().toISOString();
  await assertDockerEngine();
  const machine = await describeMachine();
  const templateNames = options.templates.split(",").filter(Boolean);
  const cells = expandMatrix(await discoverTemplates(join(repoDir, "templates")));
  const chosen = templateNames.map((name) => requirementsCell(cells, name, options.python));
  const pythonImage = chosen[0]!.baseImages.PYTHON_IMAGE!;
  const environment = await prepareBuildEnvironment("auto", [{ images: [pythonImage] }], log);
  const run = newRunIdentity();
  const workDir = await mkdtemp(join(tmpdir(), "arm-bench-"));
  try {
    const standins = await arm64Standins(pythonImage);
    const pipConf = join(workDir, "pip.conf");
    // Cold for pip too: the templates' cache mount survives --no-cache, and would hold wheels built before.
    await writeFile(pipConf, "[global]\nno-cache-dir = true\n");
    const samples: BuildSample[] = [];
    for (const cell of chosen) {
      const dir = await stageApp(join(repoDir, "sample-apps", "flask"), [cell.template.filesDir], "arm-bench");
      try {
        await keepOnlyDependencyStyle(dir, "requirements", join(repoDir, "sample-apps", "flask"));
        for (let index = 1; index <= Number(options.runs); index += 1) {
          for (const platform of platforms) {
            const baseImage = platform === "linux/arm64" ? standins.find((s) => s.what === pythonImage)!.image : environment.imageFor(pythonImage);
            samples.push(await measureBuild(cell, dir, platform, index, { ...resolvedBuildArgs(cell, environment), PYTHON_IMAGE: baseImage }, { ...trustSecrets(environment), pip_conf: pipConf }, run));
          }
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const sources = `base images: ${environment.sources.baseImages.kind}; Python packages: ${environment.sources.pythonPackages.kind}`;
    machine.loadAverage.end = loadavg()[0]!;
    const results: Arm64Results = { startedAt, finishedAt: new Date().toISOString(), command: `node bench/src/arm64-builds.ts ${process.argv.slice(2).join(" ")}`.trim(), machine, python: options.python, pythonImage, sources, standins, samples };
    await mkdir(options.out, { recursive: true });
    await writeFile(join(options.out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(options.out, "results.md"), renderResults(results));
    log(`wrote ${join(options.out, "results.md")}`);
  } finally {
    await removeRunResources(run);
    await environment.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

function requirementsCell(cells: readonly Cell[], template: string, python: string): Cell {
  // As bench/src/main.ts: the cell of that Python and style, whichever app kind the matrix pairs it
  // with (its build args are the template's and variant's), built over the Flask app.
  const cell = cells.find((c) => c.template.name === template && c.python === python && c.dependencyStyle === "requirements");
  if (!cell) throw new ExplainedError(`No ${template} cell for Python ${python} with requirements.txt.\nFix: name a WSGI template (--templates) and a Python it has (--python).`);
  return cell;
}

/** The arm64 rootfs and Python stand-ins, timed when this run builds them. */
async function arm64Standins(pythonImage: string): Promise<Arm64Results["standins"]> {
  const started = performance.now();
  const ensured = await ensureStandin(pythonImage, log, {}, "linux/arm64");
  return [{ what: pythonImage, image: ensured.image, seconds: ensured.reused ? null : (performance.now() - started) / 1000 }];
}

async function measureBuild(
  cell: Cell,
  dir: string,
  platform: Platform,
  run: number,
  buildArgs: Record<string, string>,
  secretFiles: Record<string, string>,
  identity: ReturnType<typeof newRunIdentity>,
): Promise<BuildSample> {
  const arch = platform.slice("linux/".length);
  const tag = `arm-bench-${cell.template.name}:py${cell.python}-${arch}-${identity.id}`;
  const loadAverageBefore = loadavg()[0]!;
  log(`${cell.template.name} ${platform} run ${run}: building ${tag} (cold)`);
  const built = await buildImage({
    context: dir,
    dockerfile: join(dir, cell.template.manifest.dockerfile),
    tag,
    platform,
    buildArgs,
    secretFiles,
    noCache: true,
    logFile: join(tmpdir(), "arm-bench", `${tag.replace(/[/:]/g, "_")}.log`),
  });
  log(`${cell.template.name} ${platform}: built in ${built.seconds.toFixed(1)} s`);
  try {
    const facts = await inspectImage(tag);
    const machineName = (await runDocker(["run", "--rm", "--platform", platform, "--entrypoint", "python", tag, "-c", "import platform; print(platform.machine())"])).stdout.trim();
    const secondsToServe = await timeToServe(tag, platform, identity);
    log(`${cell.template.name} ${platform}: platform.machine() ${machineName}, served /healthz after ${secondsToServe.toFixed(1)} s`);
    return {
      template: cell.template.name,
      platform,
      run,
      buildSeconds: built.seconds,
      installStepSeconds: stepSeconds(built.log, installStep),
      wheelsCompiled: wheelBuildSeconds(built.log),
      sizeBytes: facts.sizeBytes,
      machine: machineName,
      secondsToServe,
      loadAverageBefore,
      loadAverageAfter: loadavg()[0]!,
    };
  } finally {
    await runDocker(["rmi", tag]).catch(() => {});
  }
}

/** From `docker run` to the first 200 on /healthz, with no database (the entrypoint waits for none). */
async function timeToServe(image: string, platform: Platform, run: ReturnType<typeof newRunIdentity>): Promise<number> {
  const started = performance.now();
  const container = await startCheckContainer({
    run,
    name: `arm-bench-serve-${run.id}-${platform.slice("linux/".length)}`,
    image,
    env: { DATABASE_HOST: "", PRESTART_CMD: ":", SECRET_KEY: "arm64-bench-only" },
    publish: 8000,
    options: ["--platform", platform],
  });
  try {
    await waitUntilServing({ url: () => container.url && `${container.url}/healthz`, accept: (answer) => answer.status === 200, watch: [container], what: `${image} on ${platform}`, timeoutMs: 180_000, intervalMs: 50 });
    return (performance.now() - started) / 1000;
  } finally {
    await container.remove();
  }
}

/** The step that runs install-dependencies (not the COPY that puts the script in place). */
export const installStep = /\] RUN .*\binstall-dependencies\b/;

/** The wall time of the step whose header matches, from BuildKit's `#N DONE 12.3s`. */
export function stepSeconds(log: string, header: RegExp): number | undefined {
  const lines = log.split("\n");
  const step = lines.find((line) => /^#\d+ \[/.test(line) && header.test(line))?.match(/^#(\d+) /)?.[1];
  const done = step ? lines.find((line) => line.startsWith(`#${step} DONE `)) : undefined;
  const seconds = done?.match(/DONE (\d+(?:\.\d+)?)s/)?.[1];
  return seconds === undefined ? undefined : Number(seconds);
}

/**
 * pip's sdist builds in a plain-progress log: "Building wheel for uwsgi (pyproject.toml): started"
 * to "...: finished with status 'done'", by the step's elapsed-time prefix (`#15 12.34 ...`).
 */
export function wheelBuildSeconds(log: string): Record<string, number> {
  const started = new Map<string, number>();
  const seconds: Record<string, number> = {};
  for (const line of log.split("\n")) {
    const match = line.match(/^#\d+ (\d+(?:\.\d+)?) +Building wheel for (\S+) .*: (started|finished)/);
    if (!match) continue;
    const [, at, name, what] = match;
    if (what === "started") started.set(name!, Number(at));
    else if (started.has(name!)) seconds[name!] = Number(at) - started.get(name!)!;
  }
  return seconds;
}

const seconds = (value: number | undefined) => (value === undefined ? "–" : value >= 120 ? `${(value / 60).toFixed(1)} min` : `${value.toFixed(1)} s`);

export function renderResults(results: Arm64Results): string {
  const { machine } = results;
  const rows = results.samples.map((s) => {
    const compiled = Object.entries(s.wheelsCompiled).map(([name, time]) => `${name} ${seconds(time)}`).join(", ") || "none";
    return `| ${s.template} | ${s.platform} | ${s.run} | ${seconds(s.buildSeconds)} | ${seconds(s.installStepSeconds)} | ${compiled} | ${(s.sizeBytes / 1e6).toFixed(0)} MB | ${s.machine} | ${seconds(s.secondsToServe)} | ${s.loadAverageBefore.toFixed(1)} → ${s.loadAverageAfter.toFixed(1)} |`;
  });
  const ratios = [...new Set(results.samples.map((s) => s.template))].map((template) => {
    const median = (platform: Platform) => middle(results.samples.filter((s) => s.template === template && s.platform === platform).map((s) => s.buildSeconds));
    const amd = median("linux/amd64");
    const arm = median("linux/arm64");
    return `| ${template} | ${seconds(amd)} | ${seconds(arm)} | ${amd && arm ? `${(arm / amd).toFixed(1)}×` : "–"} |`;
  });
  const standins = results.standins.map((s) => `| ${s.what} (linux/arm64) | \`${s.image}\` | ${s.seconds === null ? "reused (built by an earlier run)" : seconds(s.seconds)} |`);
  return `# linux/arm64 builds under emulation, beside linux/amd64

Written by \`${results.command}\` (${results.startedAt} to ${results.finishedAt}); do not edit by hand.

## Machine
${machine.cpuModel}, ${machine.cores} cores, ${(machine.ramBytes / 2 ** 30).toFixed(0)} GiB, kernel ${machine.kernel}, Docker ${machine.docker}, Node ${machine.node}.
linux/arm64 runs under Debian's qemu-user-static (user-mode emulation, registered with binfmt_misc by
scripts/setup.sh). The machine is shared with other engineers' builds and tests: the 1-minute load
average was ${machine.loadAverage.start.toFixed(1)} at the start and ${machine.loadAverage.end?.toFixed(1) ?? "?"} at the end (on ${machine.cores} cores), and each
row gives it before and after its build. A build runs in the engine, so \`nice\` on this command does
not reach it (nor the emulator under it).

## Method
- Python ${results.python}: ${results.pythonImage}; ${results.sources}. amd64 builds on the amd64 stand-in, arm64 on
  the arm64 stand-in (the same recipe, debootstrapped for arm64 under emulation).
- Each template's cell with requirements.txt, staged as \`dockerize-python new\` lays it over sample-apps/flask.
- Cold builds: \`--no-cache\`, and pip's cache off (a pip.conf with \`no-cache-dir\` given as the
  templates' \`pip_conf\` build secret), so every wheel is downloaded and every sdist compiled, in
  both platforms; the base image is already local. Build time is the build's own (not the wait for
  the engine's build lock). amd64 and arm64 alternate, in the same run, so the baseline shares the
  machine's state.
- "install step": the Dockerfile step that runs install-dependencies (downloads, venv, compiles);
  "compiled": each sdist pip built, from "Building wheel ... started" to "finished".
- Runs: \`platform.machine()\` in the image's Python; served: from \`docker run\` (its platform
  given) to the first 200 on /healthz, without a database.

## Build time, amd64 against arm64 (median of runs)
| template | linux/amd64 | linux/arm64 | arm64 / amd64 |
| --- | --- | --- | --- |
${ratios.join("\n")}

## Every build
| template | platform | run | build | install step | compiled from source | size | platform.machine() | served after | load average |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

## arm64 stand-ins
| stand-in for | image | built in |
| --- | --- | --- |
${standins.join("\n")}
`;
}

function middle(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(readOptions()).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

