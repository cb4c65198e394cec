import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type MatrixRunResult, runMatrix } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..", "..");

/**
 * The matrix end to end, as the main job runs it, on a sample of its cells: every template, every
 * check, and every dependency style once per Python version (the main job runs the whole
 * cross-product). Hermetic mode: no registry and no PyPI can be reached here.
 */
const built = [
  "slim-uwsgi/py3.11-requirements",
  "slim-uwsgi/py3.13-pipenv",
  "slim-gunicorn/py3.11-pyproject",
  "slim-gunicorn/py3.13-requirements",
  "onbuild/py3.11-pipenv",
  "onbuild/py3.13-pyproject",
  "caddy/caddy2",
];
/** Cells that cannot be built without the internet; reported skip with their reason, never pass. */
const skippedHere = ["alpine/py3.11-requirements", "alpine/py3.13-pipenv", "caddy/caddy2-plugins"];

describe("matrix in hermetic mode: every template, check and dependency style once per Python", () => {
  let reportDir: string;
  let result: MatrixRunResult;
  const events: string[] = [];

  beforeAll(async () => {
    reportDir = await mkdtemp(join(tmpdir(), "dockerize-python-matrix-test-"));
    result = await runMatrix(
      { templatesDir: join(repo, "templates"), appDir: join(repo, "sample-app"), reportDir, cells: [...built, ...skippedHere], mode: "hermetic" },
      (event) => {
        if (event.kind === "cell-step") events.push(`${event.cell.id}: ${event.message}`);
        if (event.kind === "cell-done") events.push(`${event.cell.id} ${event.report.status}`);
      },
    );
  });

  afterAll(async () => {
    await rm(reportDir, { recursive: true, force: true });
  });

  it("runs in hermetic mode, with stand-ins that never take an official name", () => {
    expect(result.report.mode).toBe("hermetic");
    expect(result.report.complete).toBe(true);
    const standins = result.report.hermetic?.standins ?? [];
    expect(standins.map((s) => s.official)).toEqual(expect.arrayContaining(["caddy:2.10", "postgres:17-trixie", "python:3.11-slim-bookworm", "python:3.13-slim-trixie"]));
    for (const standin of standins) expect(standin.image).toMatch(/^dockerize-python-standin-/);
    expect(result.report.hermetic?.packageIndexes.map((index) => index.suite).sort()).toEqual(["bookworm", "trixie"]);
  });

  it.each(built)("%s passes every check its manifest lists", (id) => {
    const cell = result.report.cells.find((c) => c.id === id);
    expect(cell, `cell ${id} missing; cells: ${result.report.cells.map((c) => c.id).join(", ")}`).toBeDefined();
    const failing = cell!.checks.filter((check) => check.status !== "pass");
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    expect(cell!.status).toBe("pass");
    expect(cell!.sizeBytes!).toBeLessThanOrEqual(cell!.sizeBudgetBytes);
    expect(cell!.user).not.toMatch(/^(root|0)?(:.*)?$/);
    expect(cell!.layers).toBeGreaterThan(cell!.addedLayers!);
    expect(cell!.addedBytes).toBeGreaterThan(0);
  });

  it.each(skippedHere)("%s is skipped with its reason, never passed, and still linted", (id) => {
    const cell = result.report.cells.find((c) => c.id === id);
    expect(cell?.status).toBe("skip");
    expect(cell?.reason).toMatch(/^hermetic mode: .+/);
    expect(cell?.checks.find((check) => check.name === "lint")?.status).toBe("pass");
    expect(cell?.checks.filter((check) => check.name !== "lint").every((check) => check.status === "skip")).toBe(true);
  });

  it("runs every check the harness knows at least once per Python version", () => {
    for (const python of ["3.11", "3.13"]) {
      const ran = new Set(result.report.cells.filter((c) => c.python === python && c.status === "pass").flatMap((c) => c.checks.map((k) => k.name)));
      expect([...ran].sort()).toEqual(["compose-up", "deps-layer-cached", "http-through-caddy", "lint", "non-root", "onbuild-child", "size-budget"]);
    }
    const proxyChecks = result.report.cells.find((c) => c.id === "caddy/caddy2")?.checks.map((k) => k.name);
    expect(proxyChecks?.sort()).toEqual(["caddy-http", "caddy-modules", "caddy-validate", "lint", "non-root", "size-budget"]);
  });

  it("proves the PostgreSQL version came from the database through Caddy", () => {
    const detail = result.report.cells.find((c) => c.id === "slim-uwsgi/py3.13-pipenv")?.checks.find((c) => c.name === "http-through-caddy")?.detail;
    expect(detail).toMatch(/PostgreSQL \d+\.\d+/);
  });

  it("writes the JSON and a Markdown table per template", async () => {
    const json = JSON.parse(await readFile(result.jsonFile, "utf8"));
    expect(json.cells).toHaveLength(built.length + skippedHere.length);
    const markdown = await readFile(result.markdownFile, "utf8");
    for (const template of ["slim-uwsgi", "slim-gunicorn", "onbuild", "alpine", "caddy"]) expect(markdown).toContain(`## ${template} `);
    expect(markdown).not.toMatch(/INCOMPLETE/);
  });

  describe("the entrypoint and servers of the images the matrix built", () => {
    const imageOf = (id: string) => result.report.cells.find((c) => c.id === id)!.image;
    const docker = (...args: string[]) => spawnSync("docker", args, { encoding: "utf8", timeout: 120_000 });
    const labels = ["--label", "dockerize-python.test=matrix-entrypoint"];

    it.each(["slim-uwsgi/py3.11-requirements", "slim-gunicorn/py3.13-requirements"])(
      "%s: a failing prestart hook stops the container with its exit code, its output in the log",
      (id) => {
        const run = docker("run", "--rm", ...labels, "-e", "DB_WAIT_TIMEOUT=0", "-e", "PRESTART_CMD=echo prestart-hook-ran; exit 7", imageOf(id));
        expect(run.status).toBe(7);
        expect(run.stdout + run.stderr).toContain("prestart-hook-ran");
      },
    );

    it.each(["slim-uwsgi/py3.13-pipenv", "slim-gunicorn/py3.11-pyproject"])(
      "%s: serves an app factory (WSGI_APP=package:create_app()) read-only, writing only to its data volume",
      async (id) => {
        const name = `dp-test-factory-${id.replace(/[^a-z0-9]+/g, "-")}`;
        const started = docker(
          // As the compose file runs it: read-only, with a volume at APP_DATA_DIR (a new volume takes
          // the image directory's owner, the app user). rm -fv below removes that volume.
          "run", "-d", "--name", name, ...labels, "--read-only", "--tmpfs", "/tmp", "--mount", "type=volume,dst=/var/lib/app",
          "-e", "DATABASE_HOST=", "-e", "WSGI_APP=sample_app:create_app()", imageOf(id),
        );
        expect(started.status, started.stderr).toBe(0);
        try {
          let health = "";
          for (let tries = 0; tries < 60 && health !== "healthy" && health !== "unhealthy"; tries += 1) {
            await new Promise((resolve) => setTimeout(resolve, 1000));
            health = docker("inspect", "--format", "{{.State.Health.Status}}", name).stdout.trim();
          }
          expect(health, docker("logs", name).stderr).toBe("healthy");
          // The one writable place, with the rest (the app's code too) read-only.
          const write = docker("exec", name, "sh", "-c", 'touch "$APP_DATA_DIR/probe" && ! touch /app/probe 2>/dev/null');
          expect(write.status, write.stderr).toBe(0);
        } finally {
          docker("rm", "-fv", name);
        }
      },
    );
  });

  it("shows progress for every cell it builds", () => {
    for (const id of built) expect(events).toContain(`${id}: building`);
  });
});
