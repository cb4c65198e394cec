import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type CellReport, emulatedPlatformChecks, runMatrix } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..", "..");
const exec = promisify(execFile);

/**
 * One arm64 cell of the matrix, for real, under emulation (qemu-user-static, registered by
 * scripts/setup.sh): slim-gunicorn on Python 3.13 (the arm64 stand-in this machine kind keeps),
 * its Python packages from PyPI (--mode auto; the local index holds this machine's amd64 wheels, so
 * an arm64 cell needs PyPI). A cold build takes 8.3 min (bench/arm64/results.md); with BuildKit's
 * cache warm the file took 2 min here, the app healthy under emulation 79 s after it started. Not in
 * the default suites (scripts/test.sh): run with `pnpm run test:arm64`.
 */
const cellId = "slim-gunicorn/py3.13-requirements-arm64";

describe(`the arm64 cell ${cellId} (emulated, --mode auto)`, () => {
  let reportDir: string;
  let cell: CellReport;

  beforeAll(async () => {
    reportDir = await mkdtemp(join(tmpdir(), "dockerize-python-arm64-"));
    const result = await runMatrix(
      {
        templatesDir: join(repo, "templates"),
        appDirs: { wsgi: join(repo, "sample-apps", "flask"), asgi: join(repo, "sample-apps", "fastapi"), django: join(repo, "sample-apps", "django") },
        mode: "auto",
        reportDir,
        cells: [cellId],
      },
      () => {},
    );
    const found = result.report.cells.find((candidate) => candidate.id === cellId);
    if (!found) throw new Error(`no cell ${cellId} in the report; cells: ${result.report.cells.map((candidate) => candidate.id).join(", ")}`);
    cell = found;
  });

  afterAll(async () => {
    await rm(reportDir, { recursive: true, force: true });
  });

  it("runs the checks emulation runs, and each passes", () => {
    expect(cell.platform).toBe("linux/arm64");
    expect(cell.checks.map((check) => check.name).sort()).toEqual([...emulatedPlatformChecks].sort());
    const failing = cell.checks.filter((check) => check.status !== "pass");
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    expect(cell.status, cell.reason ?? "").toBe("pass");
    expect(cell.sources).toMatchObject({ pythonPackages: "pypi" });
  });

  it("built an arm64 image, under its own name beside the amd64 cell's", async () => {
    expect(cell.image).toBe("dockerize-python-cell/slim-gunicorn:py3.13-requirements-arm64");
    const { stdout } = await exec("docker", ["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", cell.image]);
    expect(stdout.trim()).toBe("linux/arm64");
  });
});
