import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, validManifest, writeTemplate } from "./fixtures/template-fixture.ts";
import { assertCliBuilt, type CliResult, runCli, snapshotTree } from "./fixtures/run-cli.ts";

/**
 * Bad input to `dockerize-python matrix`, through the built CLI: each is refused with what is wrong,
 * where and what to do, a non-zero exit and no stack trace, and loses nothing (the templates, the
 * app and an earlier report are unchanged). Each runs with DOCKER_HOST naming a socket that does
 * not exist: an input error reported instead of the engine's proves the input was checked before
 * anything was asked of Docker, so before anything was started.
 */

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let templatesDir: string;
let appDir: string;
let reportDir: string;
let noEngine: NodeJS.ProcessEnv;
let before: Record<string, Record<string, string>>;

beforeAll(assertCliBuilt);

beforeEach(async () => {
  temp = await makeTempDir();
  templatesDir = join(temp.dir, "templates");
  appDir = join(temp.dir, "app");
  reportDir = join(temp.dir, "reports");
  await writeTemplate(templatesDir, "slim", { manifest: { ...validManifest("slim"), dependencyStyles: ["requirements", "pipenv", "pyproject"] } });
  await writeTemplate(templatesDir, "caddy");
  await mkdir(appDir);
  await writeFile(join(appDir, "wsgi.py"), "from flask import Flask\napp = Flask(__name__)\n");
  await writeFile(join(appDir, "requirements.txt"), "flask\n");
  await mkdir(reportDir);
  await writeFile(join(reportDir, "matrix.json"), '{"an earlier run": true}\n');
  await writeFile(join(reportDir, "matrix.md"), "# an earlier run\n");
  noEngine = { DOCKER_HOST: `unix://${join(temp.dir, "no-engine.sock")}` };
});
afterEach(async () => temp.remove());

/** Takes the snapshot that `expectNothingLost` compares with; call it after changing the fixture. */
async function snapshotInputs(): Promise<void> {
  before = { templates: await snapshotTree(templatesDir), app: await snapshotTree(appDir), reports: await snapshotTree(reportDir) };
}

async function expectNothingLost(): Promise<void> {
  expect(await snapshotTree(templatesDir)).toEqual(before.templates);
  expect(await snapshotTree(appDir)).toEqual(before.app);
  expect(await snapshotTree(reportDir)).toEqual(before.reports);
}

function matrix(args: readonly string[], env: NodeJS.ProcessEnv = noEngine): CliResult {
  return runCli(["matrix", "--templates", templatesDir, "--app", `wsgi=${appDir}`, "--report-dir", reportDir, "--mode", "hermetic", ...args], env);
}

/** Refused as an explained error: exit 1, one message on stderr, no stack, no engine reached. */
function expectExplained(result: CliResult): string {
  expect(result.status, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(/^dockerize-python: /);
  expect(result.stderr).toContain("\nFix: ");
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain("unexpected error");
  return result.stderr;
}

describe("no Docker engine", () => {
  it("without the docker command, says so and how to install it", async () => {
    await snapshotInputs();
    const stderr = expectExplained(matrix(["--cell", "slim/py3.13-requirements"], { PATH: join(temp.dir, "no-bin") }));
    expect(stderr).toContain("No Docker: the docker command is not installed (not found on PATH).");
    expect(stderr).toContain("Fix: install Docker");
    await expectNothingLost();
  });
});

describe("a manifest with missing fields and wrong types", () => {
  it("lists every problem of every template, each with its file and JSON path", async () => {
    const slim = validManifest("slim") as { variants: Array<Record<string, unknown>>; [key: string]: unknown };
    delete slim.description;
    slim.port = "8000";
    slim.variants[1] = { ...slim.variants[1], sizeBudgetMB: "260" };
    await writeTemplate(templatesDir, "slim", { manifest: slim });
    const caddy = validManifest("caddy") as Record<string, unknown>;
    delete caddy.variants;
    caddy.user = { uid: "10001", gid: 10001 };
    await writeTemplate(templatesDir, "caddy", { manifest: caddy });
    await snapshotInputs();

    const stderr = expectExplained(matrix([]));
    expect(stderr).toContain(`${join(templatesDir, "slim", "template.json")} is not a valid template (3 problems):`);
    expect(stderr).toContain("  - description: missing (expected string)\n");
    expect(stderr).toContain("  - port: expected number, got string\n");
    expect(stderr).toContain("  - variants[1].sizeBudgetMB: expected number, got string\n");
    expect(stderr).toContain(`${join(templatesDir, "caddy", "template.json")} is not a valid template (2 problems):`);
    expect(stderr).toContain("  - user.uid: expected number, got string\n");
    expect(stderr).toContain("  - variants: missing (expected array)\n");
    expect(stderr).toContain("Fix: correct each field named above.");
    await expectNothingLost();
  });
});

describe("an unknown template name", () => {
  it("suggests the nearest known name and lists them all", async () => {
    await snapshotInputs();
    const stderr = expectExplained(matrix(["--template", "slmi"]));
    expect(stderr).toContain('Unknown template "slmi". Did you mean "slim"?');
    expect(stderr).toContain("Known templates: caddy, slim.");
    await expectNothingLost();
  });

  it("lists the cells when a --cell pattern matches none", async () => {
    await snapshotInputs();
    const stderr = expectExplained(matrix(["--cell", "slim/py3.12-*"]));
    expect(stderr).toContain('No cell matches "slim/py3.12-*".');
    // The cells of the template the pattern names, not the whole matrix's.
    expect(stderr).toMatch(/Fix: use one of that template's cells: slim\/py3\.13-requirements, [^\n]*\(a \* matches any part: slim\/\*\)/);
    expect(stderr).not.toContain("caddy/py3.13");
    await expectNothingLost();
  });
});

describe("an app with no dependency file", () => {
  it("fails before building, naming the folder and the accepted files", async () => {
    await rm(join(appDir, "requirements.txt"));
    await snapshotInputs();
    const stderr = expectExplained(matrix(["--cell", "slim/py3.13-requirements"]));
    expect(stderr).toContain(`The app in ${appDir} has no dependency file: none of requirements.txt, Pipfile, pyproject.toml, uv.lock, poetry.lock or pylock.toml is there`);
    expect(stderr).toContain("Nothing was built.");
    expect(stderr).toMatch(/Fix: add one of requirements\.txt .*, Pipfile .*, pyproject\.toml .*, uv\.lock or poetry\.lock .* or pylock\.toml .* to /);
    await expectNothingLost();
  });

  it("names the cells whose style the app lacks, and how to run only the others", async () => {
    await snapshotInputs();
    const stderr = expectExplained(matrix(["--cell", "slim/py3.13-*"]));
    expect(stderr).toContain(`The app in ${appDir} lacks the dependency files of styles this run verifies:`);
    expect(stderr).toContain("  - no Pipfile: the pipenv style (cells slim/py3.13-pipenv)");
    expect(stderr).toContain("  - no pyproject.toml: the pyproject style (cells slim/py3.13-pyproject)");
    expect(stderr).toContain("Fix: run only the cells of a style it has (e.g. --cell '*-requirements'), or add Pipfile and pyproject.toml");
    await expectNothingLost();
  });

  it("says so when the app folder does not exist", async () => {
    await snapshotInputs();
    const missing = join(temp.dir, "no-such-app");
    const result = runCli(["matrix", "--templates", templatesDir, "--app", `wsgi=${missing}`, "--report-dir", reportDir], noEngine);
    expect(expectExplained(result)).toContain(`The app folder ${missing} does not exist.`);
    await expectNothingLost();
  });
});

describe("a port already in use", () => {
  let held: Server;
  afterEach(() => new Promise<void>((resolve) => (held ? held.close(() => resolve()) : resolve())));

  it("--proxy-port on a port something holds fails before anything starts, naming the port and the fix", async () => {
    held = createServer();
    await new Promise<void>((resolve) => held.listen(0, "127.0.0.1", resolve));
    const port = (held.address() as { port: number }).port;
    await snapshotInputs();

    const stderr = expectExplained(matrix(["--cell", "slim/py3.13-requirements", "--proxy-port", String(port)]));
    expect(stderr).toContain(`Port ${port}, asked for the proxy (Caddy) of each cell, is already in use on this machine`);
    expect(stderr).toContain(`Fix: stop what listens on ${port} (\`ss -ltnp 'sport = :${port}'\` names it;`);
    expect(stderr).toContain("choose another port with --proxy-port, or leave --proxy-port out to use a free port.");
    await expectNothingLost();
  });

  it.each(["0", "65536", "80a", "-1"])("--proxy-port %s is a usage error (exit 2)", async (value) => {
    await snapshotInputs();
    const result = matrix([`--proxy-port=${value}`]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`dockerize-python: --proxy-port must be a port number from 1 to 65535, not "${value}".`);
    expect(result.stderr).toContain("Usage: dockerize-python matrix");
    await expectNothingLost();
  });
});
