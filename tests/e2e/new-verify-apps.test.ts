import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { CheckName, MatrixReport } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertCliBuilt, runCli } from "../unit/fixtures/run-cli.ts";

const repo = resolve(import.meta.dirname, "..", "..");

/** Runs the built CLI in `cwd`, as a user would; a verify builds and checks for minutes. */
function dockerizePython(cwd: string, ...args: string[]) {
  const result = runCli(args, {}, 20 * 60_000, cwd);
  return { ...result, output: `${result.stdout}\n${result.stderr}` };
}

/**
 * What an app of a new kind puts to the test once `new` has adapted the template to it: the
 * adapted files lint clean; compose builds it (a Django app's collectstatic, then Caddy from the
 * app's image) and serves it (migrated first); the greeting through Caddy; a changed static file
 * rebuilt is served anew; visits survive a restart. Every other check runs on these templates in
 * matrix.test.ts (3.11) and matrix-pypi.test.ts (3.13); here, what `new` wrote is what is proven.
 */
const checks: CheckName[] = ["lint", "http-through-caddy", "compose-up", "static-refresh", "data-survives-restart"];

/** A copy of a sample app with only `keep` of its dependency files, as a user of that lock has it. */
async function copyWithOnly(app: string, keep: readonly string[], dir: string): Promise<void> {
  await cp(join(repo, "sample-apps", app), dir, { recursive: true });
  const dependencyFiles = ["requirements.txt", "Pipfile", "Pipfile.lock", "pyproject.toml", "uv.lock", "poetry.lock", "pylock.toml"];
  for (const file of dependencyFiles.filter((name) => !keep.includes(name))) await rm(join(dir, file), { force: true });
}

/** Verify's report of the one cell it ran, and the checks that did not pass in it. */
async function verifiedCell(dir: string) {
  const report = JSON.parse(await readFile(join(dir, ".dockerize-python", "reports", "matrix.json"), "utf8")) as MatrixReport;
  const cell = report.cells[0]!;
  return { ids: report.cells.map((c) => c.id), cell, notPassed: cell.checks.filter((check) => check.status !== "pass").map((check) => `${check.name} ${check.status}: ${check.detail}`) };
}

/** `new` + `verify` on copies of the sample apps, in a temp folder, as users have them (issue 15). */
describe("new + verify on the FastAPI and Django sample apps, locked", () => {
  let work: string;

  beforeAll(async () => {
    assertCliBuilt();
    work = await mkdtemp(join(tmpdir(), "dp-i15-apps-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("a FastAPI app with uv.lock on slim-asgi: new finds its ASGI app and the uv style with no question, verify passes", async () => {
    const dir = join(work, "fastapi");
    await copyWithOnly("fastapi", ["pyproject.toml", "uv.lock"], dir);

    const copied = dockerizePython(dir, "new", "slim-asgi", "--from", repo);
    expect(copied.status, copied.output).toBe(0);
    expect(copied.stdout).toContain("ASGI_APP=asgi:app");
    expect(copied.stdout).toContain("DEPENDENCY_STYLE=uv");

    const verified = dockerizePython(dir, "verify", "--jobs", "2", "--variant", "py3.13-uvicorn", ...checks.flatMap((name) => ["--check", name]));
    const { ids, cell, notPassed } = await verifiedCell(dir);
    expect(ids).toEqual(["slim-asgi/py3.13-uvicorn-uv"]);
    expect(notPassed, verified.output).toEqual([]);
    expect(verified.status, verified.output).toBe(0);
    expect(cell.checks.map((check) => check.name).sort()).toEqual([...checks].sort());
  });

  it("a Django project with poetry.lock on slim-gunicorn: new finds its WSGI application, STATIC_ROOT and the poetry style with no question, verify passes", async () => {
    const dir = join(work, "django");
    await copyWithOnly("django", ["pyproject.toml", "poetry.lock"], dir);

    const copied = dockerizePython(dir, "new", "slim-gunicorn", "--from", repo);
    expect(copied.status, copied.output).toBe(0);
    expect(copied.stdout).toContain("WSGI_APP=sample_site.wsgi:application");
    expect(copied.stdout).toContain("STATIC_ROOT=/app/staticfiles");
    expect(copied.stdout).toContain("HEALTHCHECK_URL=http://127.0.0.1:8000/healthz");
    expect(copied.stdout).toContain("DEPENDENCY_STYLE=poetry");

    const verified = dockerizePython(dir, "verify", "--jobs", "2", "--variant", "py3.13", ...checks.flatMap((name) => ["--check", name]));
    const { ids, cell, notPassed } = await verifiedCell(dir);
    expect(ids).toEqual(["slim-gunicorn/py3.13-poetry"]);
    expect(notPassed, verified.output).toEqual([]);
    expect(verified.status, verified.output).toBe(0);
    expect(cell.checks.map((check) => check.name).sort()).toEqual([...checks].sort());
  });
});
