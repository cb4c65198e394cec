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
 * What Django's lifecycle puts to the test: the adapted files lint clean; compose builds the app
 * (collectstatic), then Caddy from the app's image, and migrates before serving; the greeting
 * through Caddy; the static file changed and rebuilt is served anew (from STATIC_ROOT); visits
 * survive a restart (the migration's table). The matrix runs every check on Django's cells.
 */
const checks: CheckName[] = ["lint", "http-through-caddy", "compose-up", "static-refresh", "data-survives-restart"];

/** `new` + `verify` on a copy of sample-apps/django, in a temp folder, as a user has it (issue 15). */
describe("new + verify on the Django sample app", () => {
  let work: string;

  beforeAll(async () => {
    assertCliBuilt();
    work = await mkdtemp(join(tmpdir(), "dp-i15-django-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("slim-gunicorn: new finds the project's WSGI application and STATIC_ROOT with no question, verify passes", async () => {
    const dir = join(work, "app");
    await cp(join(repo, "sample-apps", "django"), dir, { recursive: true });

    const copied = dockerizePython(dir, "new", "slim-gunicorn", "--from", repo);
    expect(copied.status, copied.output).toBe(0);
    expect(copied.stdout).toContain("WSGI_APP=sample_site.wsgi:application");
    expect(copied.stdout).toContain("STATIC_ROOT=/app/staticfiles");
    expect(copied.stdout).toContain("HEALTHCHECK_URL=http://127.0.0.1:8000/healthz");

    const verified = dockerizePython(dir, "verify", "--variant", "py3.13", ...checks.flatMap((name) => ["--check", name]));
    const report = JSON.parse(await readFile(join(dir, ".dockerize-python", "reports", "matrix.json"), "utf8")) as MatrixReport;
    expect(report.cells.map((cell) => cell.id)).toEqual(["slim-gunicorn/py3.13-requirements"]);
    const [cell] = report.cells;
    const notPassed = cell!.checks.filter((check) => check.status !== "pass").map((check) => `${check.name} ${check.status}: ${check.detail}`);
    expect(notPassed, verified.output).toEqual([]);
    expect(verified.status, verified.output).toBe(0);
    expect(cell!.checks.map((check) => check.name).sort()).toEqual([...checks].sort());
  });
});
