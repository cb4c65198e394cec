import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type MatrixRunResult, runMatrix } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..", "..");

/**
 * The matrix, end to end, as the main job runs it: every cell of the slim-uwsgi template (Python 3.11
 * and 3.13) and of the caddy template is built and verified against the sample app with PostgreSQL
 * and Caddy, in hermetic mode (no registry and no PyPI are reachable here).
 */
describe("matrix: slim-uwsgi and caddy in hermetic mode", () => {
  let reportDir: string;
  let result: MatrixRunResult;
  const events: string[] = [];

  beforeAll(async () => {
    reportDir = await mkdtemp(join(tmpdir(), "dockerize-python-matrix-test-"));
    result = await runMatrix(
      { templatesDir: join(repo, "templates"), appDir: join(repo, "sample-app"), reportDir, templates: ["slim-uwsgi", "caddy"], mode: "hermetic" },
      (event) => events.push(event.kind === "cell-step" ? `${event.cell.id}: ${event.message}` : event.kind === "cell-done" ? `${event.cell.id} ${event.report.status}` : event.kind === "phase" || event.kind === "log" ? event.message : event.kind),
    );
  });

  afterAll(async () => {
    await rm(reportDir, { recursive: true, force: true });
  });

  it("runs in hermetic mode with stand-ins that are never official names", () => {
    expect(result.report.mode).toBe("hermetic");
    expect(result.report.complete).toBe(true);
    const standins = result.report.hermetic?.standins ?? [];
    expect(standins.map((s) => s.official).sort()).toEqual(["caddy:2.10", "postgres:17-trixie", "python:3.11-slim-bookworm", "python:3.13-slim-trixie"]);
    for (const standin of standins) expect(standin.image).toMatch(/^dockerize-python-standin-/);
    expect(result.report.hermetic?.packageIndexes.map((index) => index.suite).sort()).toEqual(["bookworm", "trixie"]);
  });

  it.each(["slim-uwsgi/py3.11", "slim-uwsgi/py3.13", "caddy/caddy2"])("%s passes every check its manifest lists", (id) => {
    const cell = result.report.cells.find((c) => c.id === id);
    expect(cell, `cell ${id} missing; cells: ${result.report.cells.map((c) => c.id).join(", ")}`).toBeDefined();
    const failing = cell!.checks.filter((check) => check.status !== "pass");
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    expect(cell!.status).toBe("pass");
    expect(cell!.sizeBytes).toBeGreaterThan(0);
    expect(cell!.sizeBytes!).toBeLessThanOrEqual(cell!.sizeBudgetBytes);
    expect(cell!.user).not.toMatch(/^(root|0)?(:.*)?$/);
  });

  it("runs the foundation checks on each slim-uwsgi cell", () => {
    for (const id of ["slim-uwsgi/py3.11", "slim-uwsgi/py3.13"]) {
      const names = result.report.cells.find((c) => c.id === id)?.checks.map((check) => check.name);
      expect(names?.sort()).toEqual(["compose-up", "deps-layer-cached", "http-through-caddy", "non-root", "size-budget"]);
    }
  });

  it("proves the PostgreSQL version came from the database through Caddy", () => {
    const detail = result.report.cells.find((c) => c.id === "slim-uwsgi/py3.13")?.checks.find((c) => c.name === "http-through-caddy")?.detail;
    expect(detail).toMatch(/PostgreSQL \d+\.\d+/);
  });

  it("writes the JSON and a Markdown table a person can read", async () => {
    const json = JSON.parse(await readFile(result.jsonFile, "utf8"));
    expect(json.cells).toHaveLength(3);
    const markdown = await readFile(result.markdownFile, "utf8");
    expect(markdown).toContain("slim-uwsgi");
    expect(markdown).toContain("py3.13");
    expect(markdown).not.toMatch(/INCOMPLETE/);
  });

  it("shows progress for every cell while it works", () => {
    for (const id of ["slim-uwsgi/py3.11", "slim-uwsgi/py3.13", "caddy/caddy2"]) {
      expect(events).toContain(`${id}: building`);
    }
  });
});
