import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeMergedRuns, mergeReports, type CellReport, type MatrixReport } from "@dockerize-python/harness";
import { selectCells } from "../../packages/harness/src/matrix/run-matrix.ts";
import { keepOnlyDependencyStyle, MissingDependencyFileError } from "../../packages/harness/src/staging/dependency-files.ts";

describe("selectCells", () => {
  const cells = [{ id: "slim-uwsgi/py3.11-requirements" }, { id: "slim-uwsgi/py3.13-pipenv" }, { id: "caddy/caddy2" }] as Parameters<typeof selectCells>[0];

  it("keeps every cell when no pattern is given, and only matching ones otherwise", () => {
    expect(selectCells(cells, []).map((c) => c.id)).toHaveLength(3);
    expect(selectCells(cells, ["slim-uwsgi/py3.13-*"]).map((c) => c.id)).toEqual(["slim-uwsgi/py3.13-pipenv"]);
    expect(selectCells(cells, ["caddy/caddy2", "*requirements"]).map((c) => c.id)).toEqual(["slim-uwsgi/py3.11-requirements", "caddy/caddy2"]);
  });

  it("treats a dot as a dot, not as any character", () => {
    expect(() => selectCells(cells, ["slim-uwsgi/py3x13-pipenv".replace("x", ".").replace(".", "?")])).toThrow(/No cell matches/);
  });

  it("names every known cell when none matches", () => {
    expect(() => selectCells(cells, ["nope/*"])).toThrow(/Fix: use one of: slim-uwsgi\/py3.11-requirements, slim-uwsgi\/py3.13-pipenv, caddy\/caddy2/);
  });
});

describe("keepOnlyDependencyStyle", () => {
  it("leaves only the chosen style's files, so the template must detect it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dp-style-"));
    try {
      for (const file of ["requirements.txt", "Pipfile", "Pipfile.lock", "pyproject.toml", "wsgi.py"]) await writeFile(join(dir, file), "");
      await keepOnlyDependencyStyle(dir, "pipenv", "/app");
      expect((await readdir(dir)).sort()).toEqual(["Pipfile", "Pipfile.lock", "wsgi.py"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says which file is missing and how to fix it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dp-style-"));
    try {
      await writeFile(join(dir, "requirements.txt"), "");
      const attempt = keepOnlyDependencyStyle(dir, "pyproject", "/my/app");
      await expect(attempt).rejects.toThrow(MissingDependencyFileError);
      await expect(attempt).rejects.toThrow(/The app in \/my\/app has no pyproject.toml[\s\S]*Fix: add pyproject.toml/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("mergeReports", () => {
  const cell = (id: string, status: CellReport["status"]) => ({ id, status }) as CellReport;
  const report = (overrides: Partial<MatrixReport>): MatrixReport => ({
    mode: "hermetic",
    modeReason: "--mode hermetic",
    startedAt: "2026-01-01T10:00:00.000Z",
    finishedAt: "2026-01-01T10:01:00.000Z",
    complete: true,
    engine: "26.1.5",
    hermetic: { standins: [{ official: "python:3.13-slim-trixie", image: "s", reused: true }], packageIndexes: [] },
    cells: [],
    ...overrides,
  });

  it("joins the cells of every run, sorted, and spans their times", () => {
    const merged = mergeReports([
      report({ cells: [cell("slim-uwsgi/py3.13", "pass")], finishedAt: "2026-01-01T10:05:00.000Z" }),
      report({ cells: [cell("caddy/caddy2", "pass")], startedAt: "2026-01-01T09:59:00.000Z", hermetic: { standins: [{ official: "python:3.13-slim-trixie", image: "s", reused: false }], packageIndexes: [] } }),
    ]);
    expect(merged.cells.map((c) => c.id)).toEqual(["caddy/caddy2", "slim-uwsgi/py3.13"]);
    expect(merged.startedAt).toBe("2026-01-01T09:59:00.000Z");
    expect(merged.finishedAt).toBe("2026-01-01T10:05:00.000Z");
    expect(merged.hermetic?.standins).toEqual([{ official: "python:3.13-slim-trixie", image: "s", reused: false }]);
  });

  it("is incomplete when any run was, and refuses runs of different modes", () => {
    expect(mergeReports([report({}), report({ complete: false })]).complete).toBe(false);
    expect(() => mergeReports([report({}), report({ mode: "online", hermetic: null })])).toThrow(/different modes/);
    expect(() => mergeReports([])).toThrow(/No reports to merge/);
  });

  it("says, per run, whether this job verified it (and what it reused) or turbo restored it", () => {
    const cached = report({ cells: [{ ...cell("caddy/caddy2", "pass"), template: "caddy" }] });
    const fresh = report({
      cells: [{ ...cell("slim-uwsgi/py3.13", "pass"), template: "slim-uwsgi" }],
      startedAt: "2026-01-01T11:00:00.500Z",
      finishedAt: "2026-01-01T11:02:00.000Z",
      hermetic: {
        standins: [{ official: "python:3.13-slim-trixie", image: "s", reused: true }, { official: "postgres:17-trixie", image: "p", reused: false }],
        packageIndexes: [{ suite: "trixie", reused: true, packages: 40 }],
      },
    });
    const online = report({ cells: [{ ...cell("onbuild/py3.13", "pass"), template: "onbuild" }], startedAt: "2026-01-01T11:03:00.000Z", finishedAt: "2026-01-01T11:03:30.000Z", mode: "online", hermetic: null });
    expect(describeMergedRuns([cached, fresh, online], new Date("2026-01-01T11:00:00Z"))).toEqual([
      "caddy: unchanged since its run of 2026-01-01T10:00:00.000Z (1 min 00 s): turbo's cache hit restored that report; nothing was built or run again.",
      "slim-uwsgi: verified by this job (2 min 00 s); stand-ins: 1 reused, 1 built; package indexes: 1 reused, 0 built.",
      "onbuild: verified by this job (30.0 s).",
    ]);
  });
});
