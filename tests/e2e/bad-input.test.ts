import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { checkNames, type MatrixReport } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../packages/harness/src/stack/free-port.ts";
import { assertCliBuilt, cliPath, runCli, snapshotTree } from "../unit/fixtures/run-cli.ts";

const repo = resolve(import.meta.dirname, "..", "..");

/**
 * Bad input that needs a Docker engine to meet, through the built CLI as a user runs it: no engine
 * at DOCKER_HOST, a build step that fails, Ctrl-C during a run, and Ctrl-C twice. (The ones caught
 * before Docker is asked anything are in unit/bad-input.test.ts.)
 *
 * The template is slim-uwsgi under a name of this test's own (dp-h5c-slim-uwsgi), so the images and
 * containers it makes are told apart from every other run on this shared engine, with two checks:
 * http-through-caddy (a whole stack: PostgreSQL, the app, Caddy) and, after it, deps-layer-cached,
 * which an interrupted run must never start. The app is the sample app with a page that takes a few
 * seconds, so that the stack stays up long enough to be interrupted on a warm cache.
 */
const template = "dp-h5c-slim-uwsgi";
const cellId = `${template}/py3.11-requirements`;
const cellImage = `dockerize-python-cell/${template}:py3.11-requirements`;
const runLabel = "dockerize-python.run";
/** How long the test app's `/` takes: under http-through-caddy's 10 s wait for it. */
const slowPageSeconds = 7;

const docker = (...args: string[]) => spawnSync("docker", args, { encoding: "utf8", timeout: 120_000 });
const lines = (text: string) => text.split("\n").filter(Boolean);

/** The containers and networks that carry a run's label (an engine that does not answer is an error, never "none"). */
function labelled(runId: string): { containers: string[]; networks: string[] } {
  const filter = `label=${runLabel}=${runId}`;
  const list = (...args: string[]) => {
    const listed = docker(...args, "--filter", filter);
    if (listed.status !== 0) throw new Error(`docker ${args.join(" ")} failed: ${listed.stderr}`);
    return lines(listed.stdout);
  };
  return { containers: list("ps", "-aq"), networks: list("network", "ls", "-q") };
}

/** The run id the CLI prints before it starts anything: `run 1a2b3c4d (label dockerize-python.run=1a2b3c4d)`. */
function runIdIn(stderr: string): string | undefined {
  return stderr.match(/; run ([0-9a-f]{8}) \(label dockerize-python\.run=\1\)/)?.[1];
}

let work: string;
let templatesDir: string;
let appDir: string;
const runIds = new Set<string>();

beforeAll(async () => {
  assertCliBuilt();
  work = await mkdtemp(join(tmpdir(), "dp-h5c-bad-input-"));
  templatesDir = join(work, "templates");
  const own = join(templatesDir, template);
  await cp(join(repo, "templates", "slim-uwsgi"), own, { recursive: true });
  const manifest = JSON.parse(await readFile(join(own, "template.json"), "utf8"));
  Object.assign(manifest, { name: template, checks: ["http-through-caddy", "deps-layer-cached"] });
  await writeFile(join(own, "template.json"), JSON.stringify(manifest, null, 2));
  await writeFile(join(own, "package.json"), JSON.stringify({ name: `@dockerize-python/template-${template}`, version: "0.1.0" }));
  // The proxy the app is verified behind, with only the checks this harness knows (its cells are not run).
  await cp(join(repo, "templates", "caddy"), join(templatesDir, "caddy"), { recursive: true });
  const caddy = JSON.parse(await readFile(join(templatesDir, "caddy", "template.json"), "utf8"));
  caddy.checks = caddy.checks.filter((name: string) => (checkNames as readonly string[]).includes(name));
  await writeFile(join(templatesDir, "caddy", "template.json"), JSON.stringify(caddy, null, 2));
  appDir = join(work, "app");
  await cp(join(repo, "sample-apps", "flask"), appDir, { recursive: true });
  const appModule = join(appDir, "sample_app", "__init__.py");
  const code = await readFile(appModule, "utf8");
  const slowed = code.replace("    def hello() -> Response:\n", `    def hello() -> Response:\n        time.sleep(${slowPageSeconds})\n`);
  expect(slowed, "the sample app's / handler is no longer `def hello() -> Response:`").not.toBe(code);
  await writeFile(appModule, slowed);
});

afterAll(async () => {
  for (const runId of runIds) {
    const { containers, networks } = labelled(runId);
    if (containers.length) docker("rm", "-fv", ...containers);
    if (networks.length) docker("network", "rm", ...networks);
  }
  const images = lines(docker("images", "--quiet", "--filter", `reference=dockerize-python-cell/${template}`).stdout);
  if (images.length) docker("rmi", "--force", ...new Set(images));
  // The temporary copies a forced quit leaves (stageApp names them after the cell).
  for (const entry of await readdir(tmpdir())) {
    if (entry.startsWith(`dockerize-python-${template}-`)) await rm(join(tmpdir(), entry), { recursive: true, force: true });
  }
  await rm(work, { recursive: true, force: true });
});

describe("no Docker engine reachable", () => {
  it("names the engine asked for (DOCKER_HOST) and the fix, and touches nothing", async () => {
    const reportDir = join(work, "reports-no-engine");
    await cp(join(repo, "sample-apps", "flask"), join(reportDir, "earlier"), { recursive: true });
    const before = { app: await snapshotTree(appDir), reports: await snapshotTree(reportDir) };
    const socket = join(work, "dp-h5c-no-engine.sock");

    const result = runCli(["matrix", "--templates", templatesDir, "--app", `wsgi=${appDir}`, "--report-dir", reportDir, "--cell", cellId, "--mode", "hermetic"], {
      DOCKER_HOST: `unix://${socket}`,
    });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`dockerize-python: No Docker engine answers at unix://${socket} (from DOCKER_HOST): Cannot connect to the Docker daemon`);
    expect(result.stderr).toContain("Fix: start the engine DOCKER_HOST names, point DOCKER_HOST at one that runs, or unset it to use the default engine");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(await snapshotTree(appDir)).toEqual(before.app);
    expect(await snapshotTree(reportDir)).toEqual(before.reports);
  });
});

describe("a build step that fails", () => {
  it("shows the failing step, its Dockerfile line and its log tail; the cell fails, the rest is cleaned up", async () => {
    const badApp = join(work, "bad-app");
    await cp(join(repo, "sample-apps", "flask"), badApp, { recursive: true });
    await writeFile(join(badApp, "requirements.txt"), `${await readFile(join(badApp, "requirements.txt"), "utf8")}no-such-package-dp-h5c==9.9\n`);
    const before = await snapshotTree(badApp);
    const reportDir = join(work, "reports-build");
    docker("rmi", "--force", cellImage);

    const result = runCli(["matrix", "--templates", templatesDir, "--app", `wsgi=${badApp}`, "--report-dir", reportDir, "--cell", cellId, "--mode", "hermetic"], {}, 600_000);
    const runId = runIdIn(result.stderr);
    if (runId) runIds.add(runId);
    expect(runId, result.stderr).toBeDefined();
    expect(result.status, result.stderr).toBe(1);

    // On the console, under the cell's line: the step, the Dockerfile line, pip's own words.
    expect(result.stderr).toMatch(new RegExp(`\\[1/1\\] ${cellId} ❌ fail in .*: Building ${cellImage} failed at step \\[builder \\d+/\\d+\\] RUN .*install-dependencies.* \\(Dockerfile:\\d+\\)\\.`));
    expect(result.stderr).toContain("    ERROR: No matching distribution found for no-such-package-dp-h5c==9.9");
    expect(result.stderr).toMatch(/^ {4}\s*\d+ \| >>> RUN /m);
    expect(result.stderr).toContain(`    Full build log: ${join(reportDir, "logs", `${template}--py3.11-requirements.log`)}`);
    expect(result.stderr).toContain("    Fix: correct what the step's output above names");
    expect(result.stderr).not.toMatch(/Failed to build image|unexpected error/);
    expect(result.stdout).toContain(`Failed: ${cellId}.`);

    const report = JSON.parse(await readFile(join(reportDir, "matrix.json"), "utf8")) as MatrixReport;
    expect(report.complete).toBe(true);
    expect(report.cells.map((cell) => [cell.id, cell.status])).toEqual([[cellId, "fail"]]);
    expect(report.cells[0]!.reason).toContain("No matching distribution found for no-such-package-dp-h5c==9.9");
    expect(report.cells[0]!.checks.map((check) => check.status)).toEqual(["skip", "skip"]);
    expect(await readFile(join(reportDir, "matrix.md"), "utf8")).toContain("No matching distribution found for no-such-package-dp-h5c==9.9");

    expect(docker("image", "inspect", cellImage).status, "no image is tagged for a failed build").not.toBe(0);
    expect(labelled(runId!)).toEqual({ containers: [], networks: [] });
    expect(await snapshotTree(badApp)).toEqual(before);
  });
});

/** The CLI running in its own process group, as a terminal runs it, with what it printed so far. */
interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
  exited: () => boolean;
  /** Ctrl-C in a terminal: SIGINT to the whole foreground group (the CLI and its docker commands). */
  ctrlC: () => void;
}

function startCli(args: readonly string[]): RunningCli {
  const child = spawn(process.execPath, [cliPath, ...args], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const exit = new Promise<number | null>((done) =>
    child.on("close", (code) => {
      exited = true;
      done(code);
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exit, exited: () => exited, ctrlC: () => process.kill(-child.pid!, "SIGINT") };
}

/** Polls `probe` until it gives a value; fails at `timeoutMs`, or at once when `cli` (given) has exited. */
async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, output: () => string, cli?: RunningCli): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (cli?.exited()) throw new Error(`the CLI exited while waiting for ${what}; its output:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The app's health page through the proxy on `port`, once Caddy listens there. */
async function answers(port: number): Promise<true | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return response.ok || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a run of the one cell with the proxy on a port of the test's choosing, and waits until its
 * stack is up (Caddy answers on that port): the containers and network exist that Ctrl-C must remove.
 */
async function runUntilStackIsUp(reportDir: string): Promise<{ cli: RunningCli; runId: string; port: number; started: ReturnType<typeof labelled> }> {
  const port = await freePort();
  const cli = startCli(["matrix", "--templates", templatesDir, "--app", `wsgi=${appDir}`, "--report-dir", reportDir, "--cell", cellId, "--mode", "hermetic", "--proxy-port", String(port)]);
  const runId = await waitFor("the run id", () => runIdIn(cli.stderr()), 120_000, cli.stderr, cli);
  runIds.add(runId);
  await waitFor("the cell to start", () => cli.stderr().includes(`[1/1] ${cellId} starting`) || undefined, 300_000, cli.stderr, cli);
  await waitFor(`the proxy on --proxy-port ${port}`, () => answers(port), 600_000, cli.stderr, cli);
  const started = labelled(runId);
  // PostgreSQL, the app and Caddy on their own network; Caddy published where it was asked to be.
  expect(started.containers.length, cli.stderr()).toBeGreaterThanOrEqual(3);
  expect(started.networks).toHaveLength(1);
  expect(lines(docker("ps", "-q", "--filter", `label=${runLabel}=${runId}`, "--filter", `publish=${port}`).stdout)).toHaveLength(1);
  return { cli, runId, port, started };
}

describe("Ctrl-C during a matrix run", () => {
  it("removes the containers and network it started, writes the partial report marked incomplete, and exits 130", async () => {
    const reportDir = join(work, "reports-interrupted");
    const before = await snapshotTree(appDir);
    const { cli, runId } = await runUntilStackIsUp(reportDir);

    cli.ctrlC();
    const code = await Promise.race([cli.exit, new Promise<"timeout">((done) => setTimeout(() => done("timeout"), 180_000))]);
    expect(code, cli.stderr()).toBe(130);
    const stderr = cli.stderr();
    expect(stderr).toContain("Interrupted: stopping after the current step, then removing what the run started and writing the report");
    expect(stderr, "the next check must not start").not.toContain("check deps-layer-cached");
    expect(stderr).not.toMatch(/Quitting at once|unexpected error/);
    expect(cli.stdout()).toContain(`Matrix INCOMPLETE (interrupted by Ctrl-C (SIGINT); base images: stand-ins (from Debian); Python packages: local index (from Debian); Go modules: none,`);
    expect(cli.stdout()).toContain(`Not finished: ${cellId}.`);

    expect(labelled(runId)).toEqual({ containers: [], networks: [] });

    const report = JSON.parse(await readFile(join(reportDir, "matrix.json"), "utf8")) as MatrixReport;
    expect(report.complete).toBe(false);
    expect(report.incomplete).toEqual({ reason: "interrupted by Ctrl-C (SIGINT)", cellsNotFinished: [cellId] });
    expect(report.cells).toEqual([]);
    const markdown = await readFile(join(reportDir, "matrix.md"), "utf8");
    expect(markdown.split("\n")[0]).toBe("# dockerize-python template matrix (INCOMPLETE)");
    expect(markdown).toContain("> **Result: INCOMPLETE.** The run stopped early (interrupted by Ctrl-C (SIGINT)); only the 0 cells below finished.");
    expect(markdown).toContain(`> Not finished, so not in this report: \`${cellId}\`.`);

    expect(await snapshotTree(appDir)).toEqual(before);
  });

  it("a second Ctrl-C quits at once and prints the commands that remove what is left, by the run's label", async () => {
    const reportDir = join(work, "reports-forced");
    const { cli, runId } = await runUntilStackIsUp(reportDir);

    cli.ctrlC();
    await waitFor("the first Ctrl-C to be taken", () => cli.stderr().includes("Interrupted: stopping") || undefined, 10_000, cli.stderr, cli);
    cli.ctrlC();
    const code = await Promise.race([cli.exit, new Promise<"timeout">((done) => setTimeout(() => done("timeout"), 10_000))]);
    expect(code, cli.stderr()).toBe(130);

    const stderr = cli.stderr();
    expect(stderr).toContain("Quitting at once: the run's cleanup did not finish and its report was not written.");
    const commands = stderr.split("Remove it with:\n")[1]!.split("\n").filter((line) => line.startsWith("  docker ")).map((line) => line.trim());
    expect(commands).toEqual(
      expect.arrayContaining([
        `docker ps --all --quiet --filter label=${runLabel}=${runId} | xargs -r docker rm --force --volumes`,
        `docker network ls --quiet --filter label=${runLabel}=${runId} | xargs -r docker network rm`,
      ]),
    );
    expect(await readdir(reportDir).catch(() => [])).not.toContain("matrix.json");

    // What it printed is enough: run as given, it leaves nothing with the run's label. (A container
    // the engine was still creating when the CLI quit shows up a moment later; the commands are re-run.)
    await waitFor(
      "the printed commands to remove everything labelled with the run",
      () => {
        for (const command of commands) expect(spawnSync("sh", ["-c", command], { encoding: "utf8" }).status, command).toBe(0);
        const left = labelled(runId);
        return left.containers.length + left.networks.length === 0 || undefined;
      },
      60_000,
      cli.stderr,
    );
  });
});
