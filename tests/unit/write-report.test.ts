import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CellReport, type MatrixReport, summarizeReport, writeReport } from "@dockerize-python/harness";
import { makeTempDir } from "./fixtures/template-fixture.ts";

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => (temp = await makeTempDir()));
afterEach(async () => temp.remove());

function cell(template: string, variant: string, overrides: Partial<CellReport> = {}): CellReport {
  return {
    id: `${template}/${variant}`,
    template,
    templateVersion: "0.1.0",
    python: "3.13",
    variant,
    image: `dockerize-python-cell/${template}:${variant}-run1`,
    baseImages: { PYTHON_IMAGE: "python:3.13-slim-trixie" },
    sources: { baseImages: "stand-ins", pythonPackages: "local-index" },
    dependencyStyle: "requirements",
    appKind: "wsgi",
    platform: "linux/amd64",
    sizeBytes: 181_300_000,
    sizeBudgetBytes: 250_000_000,
    layers: 12,
    addedLayers: 5,
    addedBytes: 52_100_000,
    user: "10001:10001",
    buildSeconds: 42.04,
    status: "pass",
    reason: null,
    checks: [
      { name: "non-root", status: "pass", detail: "runs as 10001:10001" },
      { name: "size-budget", status: "pass", detail: "181.3 MB of 250 MB" },
    ],
    ...overrides,
  };
}

const report: MatrixReport = {
  requestedMode: "auto",
  sources: {
    baseImages: { kind: "stand-ins", reason: "auto: python:3.13-slim-trixie cannot be pulled (no route to registry)" },
    pythonPackages: { kind: "local-index", reason: "auto: pip in a container cannot reach pip's default index (PyPI) (CERTIFICATE_VERIFY_FAILED)" },
    goModules: { kind: "proxy", reason: "auto: the Go module proxy (GOPROXY) answered from a container" },
  },
  startedAt: "2026-05-01T10:00:00.000Z",
  finishedAt: "2026-05-01T10:03:05.000Z",
  complete: true,
  engine: "Docker 26.1.5",
  localSources: {
    standins: [{ official: "python:3.13-slim-trixie", image: "dockerize-python-standin-python:3.13-abc123", reused: true }],
    packageIndexes: [{ suite: "trixie", reused: false, packages: 42 }],
  },
  cells: [
    cell("slim-uwsgi", "py3.13"),
    cell("slim-uwsgi", "py3.11", {
      python: "3.11",
      status: "fail",
      reason: "Building dockerize-python-cell/slim-uwsgi:py3.11 failed at step [builder 3/5] RUN pip install.\nERROR: no matching distribution",
      sizeBytes: null,
      layers: null,
      addedLayers: null,
      addedBytes: null,
      user: null,
      buildSeconds: null,
      checks: [
        { name: "non-root", status: "skip", detail: "not run: the image did not build" },
        { name: "size-budget", status: "skip", detail: "not run: the image did not build" },
      ],
    }),
    cell("caddy", "caddy2", {
      python: null,
      dependencyStyle: null,
      appKind: null,
      sources: { baseImages: "stand-ins" },
      checks: [
        { name: "non-root", status: "pass", detail: "runs as 10001:10001" },
        { name: "caddy-validate", status: "fail", detail: "caddy validate: unknown directive | foo" },
      ],
      status: "fail",
      reason: "check caddy-validate failed",
    }),
  ],
};

describe("writeReport", () => {
  it("writes matrix.json as the MatrixReport, exactly", async () => {
    const files = await writeReport(report, join(temp.dir, "reports"));
    expect(files).toEqual({ jsonFile: join(temp.dir, "reports", "matrix.json"), markdownFile: join(temp.dir, "reports", "matrix.md") });
    expect(JSON.parse(await readFile(files.jsonFile, "utf8"))).toEqual(report);
    expect((await readdir(join(temp.dir, "reports"))).sort()).toEqual(["matrix.json", "matrix.md"]);
  });

  it("writes matrix.md with the run's facts, a table per template and the detail of what did not pass", async () => {
    const markdown = await readFile((await writeReport(report, temp.dir)).markdownFile, "utf8");
    expect(markdown).toContain("**Result: complete.** Cells: 1 passed, 2 failed, 0 skipped. Checks: 4 of 6 checks ran (3 passed, 1 failed), 2 skipped.");
    expect(markdown).toContain(
      [
        "- Sources (--mode auto):",
        "  - base images: **stand-ins (from Debian)** (auto: python:3.13-slim-trixie cannot be pulled (no route to registry))",
        "  - Python packages: **local index (from Debian)** (auto: pip in a container cannot reach pip's default index (PyPI) (CERTIFICATE_VERIFY_FAILED))",
        "  - Go modules: **Go module proxy** (auto: the Go module proxy (GOPROXY) answered from a container)",
        "- Engine: Docker 26.1.5",
      ].join("\n"),
    );
    expect(markdown).toContain("- Engine: Docker 26.1.5");
    expect(markdown).toContain("(3 min 05 s)");
    expect(markdown).toContain("`python:3.13-slim-trixie` → `dockerize-python-standin-python:3.13-abc123` (reused)");
    expect(markdown).toContain("trixie: 42 packages (built)");

    expect(markdown).toContain("## slim-uwsgi 0.1.0");
    // Each cell names the sources it used: a cell that installs no Python packages names none.
    const pythonCellSources = "base images: stand-ins (from Debian); Python packages: local index (from Debian)";
    expect(markdown).toContain("| Variant | Python | Deps | App | Platform | Sources | Status | Size / budget (MB) | Layers (added) | Added (MB) | User | Build (s) | non-root | size-budget |");
    expect(markdown).toContain(`| py3.13 | 3.13 | requirements | wsgi | linux/amd64 | ${pythonCellSources} | ✅ pass | 181.3 / 250.0 | 12 (5) | 52.1 | 10001:10001 | 42.0 | ✅ | ✅ |`);
    expect(markdown).toContain(`| py3.11 | 3.11 | requirements | wsgi | linux/amd64 | ${pythonCellSources} | ❌ fail | — / 250.0 | — | — | — | — | ⏭ | ⏭ |`);
    expect(markdown).toContain("## caddy 0.1.0");
    expect(markdown).toContain("| caddy2 | — | — | — | linux/amd64 | base images: stand-ins (from Debian) | ❌ fail | 181.3 / 250.0 | 12 (5) | 52.1 | 10001:10001 | 42.0 | ✅ | ❌ |");

    expect(markdown).toContain("- `py3.11` ❌ fail:\n\n  ```\n  Building dockerize-python-cell/slim-uwsgi:py3.11 failed");
    // The checks a failed build kept from running are one item, not one each.
    expect(markdown).toContain("- `py3.11` › 2 checks (non-root, size-budget) ⏭ skip: not run: the image did not build");
    expect(markdown).toContain("- `caddy2` › `caddy-validate` ❌ fail: caddy validate: unknown directive | foo");
    expect(markdown.indexOf("## slim-uwsgi")).toBeLessThan(markdown.indexOf("## caddy"));
  });

  it("marks an interrupted run INCOMPLETE, and a run on registry images and PyPI has no stand-ins", async () => {
    const online: MatrixReport["sources"] = {
      baseImages: { kind: "registry", reason: "--mode online" },
      pythonPackages: { kind: "pypi", reason: "online: pip in a container reached pip's default index (PyPI)" },
      goModules: { kind: "proxy", reason: "online: the Go module proxy (GOPROXY) answered from a container" },
    };
    const interrupted: MatrixReport = {
      ...report,
      requestedMode: "online",
      sources: online,
      complete: false,
      localSources: null,
      cells: [cell("slim", "py3.13", { sources: { baseImages: "registry", pythonPackages: "pypi" } })],
    };
    const markdown = await readFile((await writeReport(interrupted, temp.dir)).markdownFile, "utf8");
    expect(markdown).toContain("**Result: INCOMPLETE.** The run was interrupted; only the 1 cell below finished.");
    expect(markdown).toContain("- Sources (--mode online):\n  - base images: **registry** (--mode online)\n  - Python packages: **PyPI** (");
    expect(markdown).toContain("| py3.13 | 3.13 | requirements | wsgi | linux/amd64 | base images: registry; Python packages: PyPI | ✅ pass |");
    expect(markdown).not.toContain("Stand-in");
    expect(markdown).not.toContain("package indexes");
    expect(summarizeReport(interrupted)).toMatch(/^Matrix INCOMPLETE \(interrupted; base images: registry; Python packages: PyPI; Go modules: Go module proxy, 3 min 05 s\): /);
  });

  it("says the sources were not decided when the run stopped before deciding them", async () => {
    const stopped: MatrixReport = {
      ...report,
      sources: null,
      localSources: null,
      complete: false,
      incomplete: { reason: "stopped by an error: no Docker engine", cellsNotFinished: ["slim/py3.13"] },
      cells: [],
    };
    const markdown = await readFile((await writeReport(stopped, temp.dir)).markdownFile, "utf8");
    expect(markdown).toContain("- Sources: not decided (--mode auto; the run stopped first)\n- Engine: Docker 26.1.5");
    expect(markdown).not.toContain("- Sources (");
    expect(summarizeReport(stopped)).toMatch(/^Matrix INCOMPLETE \(stopped by an error: no Docker engine; --mode auto, 3 min 05 s\): 0 finished cells/);
  });

  it("names the shard a run was, and says a shard holding no cells had nothing to run", async () => {
    const cellsByShard = [report.cells.map((c) => c.id), []];
    const first: MatrixReport = { ...report, shard: { index: 1, count: 2, cellsByShard } };
    const firstMarkdown = await readFile((await writeReport(first, temp.dir)).markdownFile, "utf8");
    expect(firstMarkdown).toContain(`- Shard: shard 1/2: ${cellsByShard[0]!.length} of ${cellsByShard[0]!.length} selected cells (a hash of each cell's id picks its shard)`);
    const empty: MatrixReport = { ...report, cells: [], shard: { index: 2, count: 2, cellsByShard } };
    const emptyMarkdown = await readFile((await writeReport(empty, temp.dir)).markdownFile, "utf8");
    expect(emptyMarkdown).toContain(`This run is shard 2/2: none of the ${cellsByShard[0]!.length} selected cells, so nothing to run.`);
    expect(emptyMarkdown).not.toContain("No cell finished.");
    expect(summarizeReport(empty)).toMatch(/^Matrix finished \(shard 2\/2: none of the \d+ selected cells, so nothing to run; base images: /);
  });

  it("summarizes a run with its sources and duration, and a merged report with the span of its runs", () => {
    const timed: MatrixReport = { ...report, startedAt: "2026-01-01T10:00:00.000Z", finishedAt: "2026-01-01T10:45:26.000Z" };
    const sources = "base images: stand-ins (from Debian); Python packages: local index (from Debian); Go modules: Go module proxy";
    expect(summarizeReport(timed)).toContain(`Matrix finished (${sources}, 45 min 26 s): `);
    expect(summarizeReport(timed, { merged: true })).toContain(`Matrix finished (${sources}, runs from 2026-01-01T10:00:00.000Z to 2026-01-01T10:45:26.000Z): `);
  });

  it("does not repeat a skipped cell's reason for each check it kept from running", async () => {
    const reason = "there is no Alpine stand-in";
    const skipped = cell("alpine", "py3.13", {
      id: "alpine/py3.13-requirements",
      status: "skip",
      reason,
      checks: [
        { name: "lint", status: "pass", detail: "no findings" },
        { name: "non-root", status: "skip", detail: `not run: ${reason}` },
        { name: "size-budget", status: "skip", detail: `not run: ${reason}` },
      ],
    });
    const markdown = await readFile((await writeReport({ ...report, cells: [skipped] }, temp.dir)).markdownFile, "utf8");
    expect(markdown).toContain(`- \`py3.13-requirements\` ⏭ skip: ${reason}\n- \`py3.13-requirements\` › 2 checks (non-root, size-budget) ⏭ skip: not run, for the cell's reason above\n`);
  });

  it("names a cell in what did not pass by its variant and dependency style", async () => {
    const failing = cell("slim-uwsgi", "py3.13", {
      id: "slim-uwsgi/py3.13-pipenv",
      dependencyStyle: "pipenv",
      status: "fail",
      reason: "check size-budget failed",
      checks: [{ name: "size-budget", status: "fail", detail: "260.1 MB of a 250.0 MB budget: 10.1 MB over" }],
    });
    const written = await writeReport({ ...report, cells: [cell("slim-uwsgi", "py3.13"), failing] }, temp.dir);
    // py3.13 alone would not say which of the variant's cells failed.
    expect(await readFile(written.markdownFile, "utf8")).toContain("- `py3.13-pipenv` › `size-budget` ❌ fail: 260.1 MB of a 250.0 MB budget: 10.1 MB over");
  });

  it("replaces an earlier report", async () => {
    await writeReport(report, temp.dir);
    const { jsonFile } = await writeReport({ ...report, cells: [] }, temp.dir);
    expect(JSON.parse(await readFile(jsonFile, "utf8")).cells).toEqual([]);
    expect(await readdir(temp.dir)).toHaveLength(2);
  });
});

describe("summarizeReport", () => {
  it("counts cells and checks, and names the failed cells", () => {
    expect(summarizeReport(report)).toBe(
      "Matrix finished (base images: stand-ins (from Debian); Python packages: local index (from Debian); Go modules: Go module proxy, 3 min 05 s): " +
        "3 cells, 1 passed, 2 failed, 0 skipped; " +
        "4 of 6 checks ran (3 passed, 1 failed), 2 skipped. Failed: slim-uwsgi/py3.11, caddy/caddy2.",
    );
  });

  it("counts a cell --check left no check as skipped, in the summary and the Markdown, with its reason", async () => {
    const reason = "none of the selected checks (http-through-caddy) is listed by its manifest";
    const selected: MatrixReport = {
      ...report,
      checksSelected: ["http-through-caddy"],
      cells: [
        cell("slim-uwsgi", "py3.13", { checks: [{ name: "http-through-caddy", status: "pass", detail: "200 through Caddy" }] }),
        cell("caddy", "caddy2", { python: null, dependencyStyle: null, appKind: null, sizeBytes: null, layers: null, addedLayers: null, addedBytes: null, user: null, buildSeconds: null, status: "skip", reason, checks: [] }),
      ],
    };
    expect(summarizeReport(selected)).toMatch(/: 2 cells, 1 passed, 0 failed, 1 skipped; 1 of 1 check ran \(1 passed, 0 failed\), 0 skipped\.$/);
    const { markdownFile } = await writeReport(selected, temp.dir);
    const markdown = await readFile(markdownFile, "utf8");
    expect(markdown).toContain("Cells: 1 passed, 0 failed, 1 skipped.");
    expect(markdown).toContain(`- \`caddy2\` ⏭ skip: ${reason}`);
  });
});
