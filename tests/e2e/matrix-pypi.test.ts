import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type CellReport, type CheckName, type MatrixRunResult, runMatrix } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..", "..");
const exec = promisify(execFile);

/**
 * The matrix on the sources real users install from, as the main job runs it on this machine kind
 * (--mode auto): Python packages from PyPI, Caddy's plugins from the Go module proxy; base images
 * from stand-ins, since no container registry answers here. Each app template and each Python
 * version at least once (matrix.test.ts runs every template on each Python with every source local,
 * and every check on Python 3.11; foreign-apps.test.ts runs slim-uwsgi, slim-gunicorn and onbuild on
 * 3.13 from PyPI with every check, new-verify-apps.test.ts slim-asgi and slim-gunicorn on 3.13): the
 * cells here run the checks whose outcome depends on where the packages come from: the build,
 * serving through Caddy with PostgreSQL, the database wait and the password, shutdown; onbuild's
 * base on 3.11 is pushed and a child built FROM it (onbuild.test.ts does so on 3.13 and 3.14);
 * uWSGI with pipenv and psycopg2 also the checks that build again (compose, whose build once failed
 * on an empty PIP_INDEX_URL; the secrets' rebuild; the code-only rebuild); the Caddy with plugins
 * from the Go module proxy runs every check; Granian (the FastAPI app) on 3.13, which comes from PyPI
 * only, every check that depends on its server (the runtime checks; the compose project's checks are
 * the WSGI templates' and Uvicorn's, in new-verify-apps.test.ts on 3.13). The uWSGI cell on 3.11
 * and the Gunicorn cell on 3.13 build the Django app (the manifests' rule gives it them), with PyPI's
 * Django 5 (every check on Django runs on 3.11 in matrix.test.ts; its data through compose's down
 * and up on PyPI in new-verify-apps.test.ts). Python 3.14 costs one cell here: Uvicorn with the
 * installed checks (the other templates are built on 3.14 in matrix.test.ts and onbuild.test.ts).
 * The installed run also proves each image's SBOM complete (sbom-complete: syft from the Go module
 * proxy), which matrix.test.ts cannot in hermetic mode: so on 3.11 and 3.14.
 *
 * It needs PyPI: on a machine whose own pip cannot reach its index the file is skipped, saying so.
 * Where the machine's pip can, the containers must too (with the machine's CA bundle): a cell that
 * fell back to the local index fails here.
 */
/** No registry here: the Alpine image can be had from none (skipped, linted). */
const skippedHere = ["alpine/py3.13-requirements-django"];
const installedChecks: CheckName[] = ["lint", "size-budget", "non-root", "oci-labels", "http-through-caddy", "db-wait", "password-special-chars", "sigterm-graceful"];
/** The SBOM's completeness on the installed run, so on 3.11 and 3.14 (matrix.test.ts is hermetic: no syft there; foreign-apps.test.ts runs it on 3.13). */
const sbomChecks: CheckName[] = ["sbom-complete"];
/** The checks whose outcome depends on the app server: the installed ones and the other runtime checks. */
const serverChecks: CheckName[] = [...installedChecks, "deps-layer-cached", "override-cmd", "read-only-rootfs", "cap-drop-all", "arbitrary-uid", "proxy-upstream-down"];
/** The Django app's cells here, one per Python (the manifests' rule gives these styles Django). */
const djangoCells = { "3.11": "slim-uwsgi/py3.11-pipenv-django", "3.13": "slim-gunicorn/py3.13-requirements-django" };
/** Each run of the matrix: its cells, and the checks they run (every check their manifests list when absent). */
const runs: Record<string, { cells: string[]; checks?: CheckName[] }> = {
  "every-check": { cells: ["caddy/caddy2-plugins", ...skippedHere] },
  server: { cells: ["slim-asgi/py3.13-granian-pyproject"], checks: serverChecks },
  // onbuild-child runs on the onbuild cell only (the others' manifests do not list it).
  installed: { cells: ["slim-gunicorn/py3.11-requirements", "onbuild/py3.11-requirements", djangoCells["3.13"], "slim-asgi/py3.14-uvicorn-requirements"], checks: [...installedChecks, ...sbomChecks, "onbuild-child"] },
  "built-again": { cells: [djangoCells["3.11"]], checks: [...installedChecks, "compose-up", "no-secrets-in-image", "deps-layer-cached"] },
};
const built = Object.values(runs).flatMap((run) => run.cells).filter((id) => !skippedHere.includes(id));

/** Whether this machine's own pip reaches its index (PyPI unless configured): why the file would skip. */
async function hostPipReachesIndex(): Promise<true | string> {
  try {
    await exec("python3", ["-m", "pip", "index", "versions", "pip"], { timeout: 60_000 });
    return true;
  } catch (error) {
    return `this machine's pip cannot reach its index (${String((error as { stderr?: string }).stderr ?? error).trim().split("\n").pop()})`;
  }
}
const reachable = await hostPipReachesIndex();

describe.skipIf(reachable !== true)(`matrix on PyPI and the Go module proxy (--mode auto)${reachable === true ? "" : `: skipped, ${reachable}`}`, () => {
  let reportDir: string;
  let results: MatrixRunResult[];
  let cells: CellReport[];

  beforeAll(async () => {
    reportDir = await mkdtemp(join(tmpdir(), "dockerize-python-matrix-pypi-"));
    // Two cells, and two checks in each, side by side (a check with a time bound alone: check-turns.ts), as `--jobs 2` runs them.
    const common = { templatesDir: join(repo, "templates"), appDirs: { wsgi: join(repo, "sample-apps", "flask"), asgi: join(repo, "sample-apps", "fastapi"), django: join(repo, "sample-apps", "django") }, mode: "auto" as const, jobs: 2 };
    results = [];
    for (const [name, run] of Object.entries(runs)) results.push(await runMatrix({ ...common, reportDir: join(reportDir, name), ...run }, () => {}));
    cells = results.flatMap((result) => result.report.cells);
  });

  afterAll(async () => {
    await rm(reportDir, { recursive: true, force: true });
  });

  it("installs Python packages from PyPI and Go modules from the proxy, on stand-in base images", () => {
    for (const { report } of results) {
      expect(report.requestedMode).toBe("auto");
      expect(report.sources?.baseImages.kind).toBe("stand-ins");
      expect(report.sources?.pythonPackages, JSON.stringify(report.sources)).toMatchObject({ kind: "pypi" });
      expect(report.sources?.goModules, JSON.stringify(report.sources)).toMatchObject({ kind: "proxy" });
      expect(report.localSources?.packageIndexes ?? []).toEqual([]);
    }
    for (const cell of cells.filter((c) => c.dependencyStyle)) expect(cell.sources, cell.id).toEqual({ baseImages: "stand-ins", pythonPackages: "pypi" });
    expect(cells.find((c) => c.id === "caddy/caddy2-plugins")?.sources).toEqual({ baseImages: "stand-ins", goModules: "proxy" });
  });

  it.each(built)("%s passes every check it ran", (id) => {
    const cell = cells.find((c) => c.id === id);
    expect(cell, `cell ${id} missing; cells: ${cells.map((c) => c.id).join(", ")}`).toBeDefined();
    const failing = cell!.checks.filter((check) => check.status !== "pass");
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    expect(cell!.status).toBe("pass");
  });

  it("covers each app template and each Python version, and pushes onbuild's base for a child", () => {
    const passed = cells.filter((c) => c.status === "pass");
    expect(new Set(passed.map((c) => c.template))).toEqual(new Set(["caddy", "slim-uwsgi", "slim-gunicorn", "onbuild", "slim-asgi"]));
    expect(new Set(passed.filter((c) => c.python).map((c) => c.python))).toEqual(new Set(["3.11", "3.13", "3.14"]));
    const child = cells.find((c) => c.id === "onbuild/py3.11-requirements")?.checks.find((c) => c.name === "onbuild-child");
    expect(child?.status, child?.detail).toBe("pass");
    expect(child?.detail).toMatch(/pulled 127\.0\.0\.1:\d+\/dockerize-python\/onbuild:py3\.11@sha256:[0-9a-f]{64}/);
  });

  it("proves the SBOM complete on 3.11 and 3.14 (every dpkg package and venv distribution in syft's SPDX)", () => {
    for (const id of ["slim-gunicorn/py3.11-requirements", "slim-asgi/py3.14-uvicorn-requirements"]) {
      const sbom = cells.find((c) => c.id === id)?.checks.find((check) => check.name === "sbom-complete");
      expect(sbom?.status, `${id}: ${sbom?.detail}`).toBe("pass");
    }
  });

  it("serves the Django app on each Python with the Django of PyPI", () => {
    for (const [python, id] of Object.entries(djangoCells)) {
      const cell = cells.find((c) => c.id === id)!;
      expect([cell.appKind, cell.python, cell.status], id).toEqual(["django", python, "pass"]);
      const django = spawnSync("docker", ["run", "--rm", "--entrypoint", "python", cell.image, "-c", "import django; print(django.get_version())"], { encoding: "utf8" });
      // PyPI's newest the sample allows (Django>=4.2,<6.0: 5.2); the local index's would be Debian's 4.2.
      expect(django.stdout.trim(), django.stderr).toMatch(/^5\.\d+/);
    }
  });

  it("serves the psycopg 3 app (no psycopg2 installed) through the database wait, a password with special characters and a graceful stop", () => {
    const cell = cells.find((c) => c.id === djangoCells["3.13"])!;
    const drivers = spawnSync("docker", ["run", "--rm", "--entrypoint", "python", cell.image, "-c", "import importlib.util as u; print([name for name in ('psycopg', 'psycopg2') if u.find_spec(name)])"], { encoding: "utf8" });
    expect(drivers.stdout.trim(), drivers.stderr).toBe("['psycopg']");
    for (const name of ["db-wait", "password-special-chars", "sigterm-graceful"] as const) {
      expect(cell.checks.find((check) => check.name === name)?.status, name).toBe("pass");
    }
  });

  it("builds with compose from the cell's own layers: compose passes the same build args as the cell's build", () => {
    // On PyPI the cell's build sets no PIP_INDEX_URL; compose once passed it empty, which missed the
    // cache and installed everything again.
    const detail = cells.find((c) => c.id === djangoCells["3.11"])?.checks.find((c) => c.name === "compose-up")?.detail ?? "";
    const [, cached, runs] = detail.match(/its build took (\d+) of (\d+) RUN steps from the cache/) ?? [];
    expect(Number(runs), detail).toBeGreaterThan(0);
    // Every step but the Django app's static files, which the proxy copies from the app image compose
    // has just built (a new image, so a new mount): that one step runs by design.
    const ran = detail.match(/; ran: ([^)]*)/)?.[1]?.split(", ") ?? [];
    expect(ran.every((stage) => stage.includes("static-collected")), detail).toBe(true);
    expect(Number(cached) + ran.length, detail).toBe(Number(runs));
  });

  it("still proves psycopg2 through the pipenv style", () => {
    const cell = cells.find((c) => c.id === djangoCells["3.11"])!;
    const drivers = spawnSync("docker", ["run", "--rm", "--entrypoint", "python", cell.image, "-c", "import psycopg2; print(psycopg2.__version__)"], { encoding: "utf8" });
    expect(drivers.status, drivers.stderr).toBe(0);
    expect(cell.checks.find((check) => check.name === "password-special-chars")?.status).toBe("pass");
  });

  it("serves the FastAPI app with Granian on Python 3.13, running every check that depends on its server", () => {
    const cell = cells.find((c) => c.id === "slim-asgi/py3.13-granian-pyproject")!;
    const server = spawnSync("docker", ["run", "--rm", "--entrypoint", "sh", cell.image, "-c", 'echo "$ASGI_SERVER"; granian --version'], { encoding: "utf8" });
    expect(server.stdout, server.stderr).toMatch(/^granian\n.*\d+\.\d+/);
    expect(cell.checks.map((check) => [check.name, check.status]).sort()).toEqual(serverChecks.map((name) => [name, "pass"]).sort());
  });

  it.each(skippedHere)("%s is skipped because no registry answers, and still linted", (id) => {
    const cell = cells.find((c) => c.id === id);
    expect(cell?.status).toBe("skip");
    expect(cell?.reason).toMatch(/base images come from stand-ins \(from Debian\) here \(auto: .+ cannot be pulled/);
    expect(cell?.checks.find((check) => check.name === "lint")?.status).toBe("pass");
  });
});
