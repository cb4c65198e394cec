import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type CellReport, type CheckName, type MatrixRunResult, runMatrix } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..", "..");

/**
 * The matrix end to end, as the main job runs it, on a sample of its cells, with every source local
 * (--mode hermetic: stand-ins, the local package index, no Go modules), as on a machine that
 * reaches no registry. Beside it, each on a sample chosen so that together they build every
 * template on each Python version from each kind of source and run every check once per Python:
 * matrix-pypi.test.ts (PyPI and the Go module proxy; with foreign-apps.test.ts every check on Python
 * 3.13; the Django app from PyPI on 3.11 and 3.13; slim-asgi on 3.14; package-index.test.ts installs
 * each sample app from the local index), onbuild.test.ts (the onbuild template here, on each Python)
 * and hermetic-no-egress.test.ts (slim-gunicorn on Python 3.13 here). The main job runs the whole
 * cross-product.
 *
 * Three runs, to stay within CI's time: uWSGI (the Django app, psycopg2 from pipenv: the cell the
 * manifests' rule gives Django) on Python 3.11, Gunicorn (the Flask app) on Python 3.14 and the
 * proxy run every check their manifests list; Uvicorn (the FastAPI app) on 3.11 runs the checks that
 * depend on its server (--check: build, image, serving, cache, and the runtime checks: shutdown,
 * database wait, password, read-only root, any uid, no capabilities, upstream down), not the compose
 * project's, which slim-asgi shares with the WSGI templates (its compose checks run on 3.13 in
 * new-verify-apps.test.ts); the other cells, which bring Python 3.13, uWSGI on 3.14 (pipenv and
 * Django: forky's index serves trixie's virtualenv, and psycopg2 is compiled on 3.14) and the other
 * dependency styles, run the checks that depend on those: build, image, serving, cache and the
 * server's shutdown. Python 3.14 is each template built once in all the files, and every check on
 * one cell, which is what it costs CI. sbom-complete is listed here but skips (syft comes from the
 * Go module proxy, which hermetic mode has not): it runs on 3.11 and 3.14 in matrix-pypi.test.ts,
 * on 3.13 in foreign-apps.test.ts, and on its fixtures in sbom-complete.test.ts.
 */
const everyCheck = ["slim-uwsgi/py3.11-pipenv-django", "slim-gunicorn/py3.14-requirements", "caddy/caddy2"];
const sampledChecks = ["slim-uwsgi/py3.13-pipenv", "slim-gunicorn/py3.11-pyproject", "slim-uwsgi/py3.14-pipenv-django"];
const checksOfSampled: CheckName[] = ["lint", "size-budget", "non-root", "oci-labels", "http-through-caddy", "sigterm-graceful", "deps-layer-cached"];
/** The checks whose outcome depends on the app server: its runtime checks beside the sampled ones. */
const serverCells = ["slim-asgi/py3.11-uvicorn-requirements"];
const runtimeChecks: CheckName[] = ["sigterm-graceful", "db-wait", "password-special-chars", "override-cmd", "read-only-rootfs", "cap-drop-all", "arbitrary-uid", "proxy-upstream-down"];
const checksOfServer: CheckName[] = [...new Set([...checksOfSampled, ...runtimeChecks])];
const built = [...everyCheck, ...sampledChecks, ...serverCells];
/** Cells that need a registry, the Go module proxy or PyPI (Granian); reported skip with their reason, never pass. */
const skippedHere = ["alpine/py3.11-requirements", "alpine/py3.13-pipenv", "alpine/py3.14-pyproject", "caddy/caddy2-plugins", "slim-asgi/py3.11-granian-requirements", "slim-asgi/py3.14-granian-pipenv"];
/** The sample app of each kind of app the templates serve. */
const appDirs = { wsgi: join(repo, "sample-apps", "flask"), asgi: join(repo, "sample-apps", "fastapi"), django: join(repo, "sample-apps", "django") };

describe("matrix in hermetic mode: every template, check and dependency style once per Python", () => {
  let reportDir: string;
  /** The run of every check on `everyCheck` and the skipped cells. */
  let result: MatrixRunResult;
  /** The run of `checksOfSampled` on `sampledChecks`. */
  let sampled: MatrixRunResult;
  /** The run of `checksOfServer` on `serverCells`. */
  let server: MatrixRunResult;
  let cells: CellReport[];
  const events: string[] = [];

  beforeAll(async () => {
    reportDir = await mkdtemp(join(tmpdir(), "dockerize-python-matrix-test-"));
    // Two cells, and two checks in each, side by side (a check with a time bound alone: check-turns.ts), as `--jobs 2` runs them.
    const common = { templatesDir: join(repo, "templates"), appDirs, mode: "hermetic" as const, jobs: 2 };
    const progress = (event: Parameters<Parameters<typeof runMatrix>[1]>[0]) => {
      if (event.kind === "cell-step") events.push(`${event.cell.id}: ${event.message}`);
      if (event.kind === "cell-done") events.push(`${event.cell.id} ${event.report.status}`);
    };
    result = await runMatrix({ ...common, reportDir: join(reportDir, "every-check"), cells: [...everyCheck, ...skippedHere] }, progress);
    sampled = await runMatrix({ ...common, reportDir: join(reportDir, "sampled"), cells: sampledChecks, checks: checksOfSampled }, progress);
    server = await runMatrix({ ...common, reportDir: join(reportDir, "server"), cells: serverCells, checks: checksOfServer }, progress);
    cells = [...result.report.cells, ...sampled.report.cells, ...server.report.cells];
  });

  afterAll(async () => {
    await rm(reportDir, { recursive: true, force: true });
  });

  it("takes every source locally, with stand-ins that never take an official name", () => {
    expect(result.report.requestedMode).toBe("hermetic");
    expect(result.report.sources).toEqual({
      baseImages: { kind: "stand-ins", reason: "--mode hermetic" },
      pythonPackages: { kind: "local-index", reason: "--mode hermetic" },
      goModules: { kind: "none", reason: "--mode hermetic" },
    });
    expect(result.report.complete).toBe(true);
    for (const cell of cells.filter((c) => c.status !== "skip")) {
      expect(cell.sources, cell.id).toEqual(cell.dependencyStyle ? { baseImages: "stand-ins", pythonPackages: "local-index" } : { baseImages: "stand-ins" });
    }
    // The two runs together: the every-check run is on Python 3.11 and 3.14, the sampled one brings 3.13.
    const standins = [result, sampled].flatMap((run) => run.report.localSources?.standins ?? []);
    expect(standins.map((s) => s.official)).toEqual(
      expect.arrayContaining(["caddy:2.10", "postgres:17-trixie", "python:3.11-slim-bookworm", "python:3.13-slim-trixie", "python:3.14-slim-trixie"]),
    );
    for (const standin of standins) expect(standin.image).toMatch(/^dockerize-python-standin-/);
    const suites = new Set([result, sampled].flatMap((run) => run.report.localSources?.packageIndexes.map((index) => index.suite) ?? []));
    expect([...suites].sort()).toEqual(["bookworm", "forky", "trixie"]);
  });

  it.each(built)("%s passes every check its manifest lists", (id) => {
    const cell = cells.find((c) => c.id === id);
    expect(cell, `cell ${id} missing; cells: ${cells.map((c) => c.id).join(", ")}`).toBeDefined();
    const failing = cell!.checks.filter((check) => check.status !== "pass" && !(check.name === "sbom-complete" && check.status === "skip"));
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    // syft, which writes the SBOM, comes from the Go module proxy: none here, so the check says so (and runs in foreign-apps.test.ts).
    const sbom = cell!.checks.find((check) => check.name === "sbom-complete");
    if (sbom) expect(sbom.detail).toMatch(/is built from the Go module proxy, and this run has none \(--mode hermetic\)/);
    expect(cell!.status).toBe("pass");
    expect(cell!.sizeBytes!).toBeLessThanOrEqual(cell!.sizeBudgetBytes);
    expect(cell!.user).not.toMatch(/^(root|0)?(:.*)?$/);
    expect(cell!.layers).toBeGreaterThan(cell!.addedLayers!);
    expect(cell!.addedBytes).toBeGreaterThan(0);
  });

  it.each(skippedHere)("%s is skipped with its reason, never passed, and still linted", (id) => {
    const cell = cells.find((c) => c.id === id);
    expect(cell?.status).toBe("skip");
    expect(cell?.reason).toMatch(/^.+; (base images come from stand-ins \(from Debian\)|no Go module proxy serves|Python packages come from the local index \(from Debian\)) here \(--mode hermetic\)$/);
    expect(cell?.checks.find((check) => check.name === "lint")?.status).toBe("pass");
    expect(cell?.checks.filter((check) => check.name !== "lint").every((check) => check.status === "skip")).toBe(true);
  });

  it("runs a template whose every cell needs a registry (Alpine) to its end: each cell skipped with the reason", async () => {
    // Its own Python image has no stand-in: the run must still decide its sources and report.
    const alone = await runMatrix(
      { templatesDir: join(repo, "templates"), appDirs, mode: "hermetic", reportDir: join(reportDir, "alpine-alone"), cells: ["alpine/py3.13-requirements-django"] },
      () => {},
    );
    expect(alone.report.complete).toBe(true);
    expect(alone.report.cells.map((cell) => [cell.id, cell.status])).toEqual([["alpine/py3.13-requirements-django", "skip"]]);
  });

  it.each(["3.11", "3.14"])("runs every check of the app templates on Python %s (matrix-pypi and foreign-apps do on 3.13; onbuild.test onbuild-child), and the proxy's", (python) => {
    // Every check that passed somewhere on this Python: sbom-complete skips here (no Go module
    // proxy for syft); matrix-pypi.test.ts runs it on 3.11 and 3.14, foreign-apps.test.ts on 3.13.
    const ran = new Set(cells.filter((c) => c.python === python && c.status === "pass").flatMap((c) => c.checks.filter((k) => k.status === "pass").map((k) => k.name)));
    expect([...ran].sort()).toEqual(["arbitrary-uid", "cap-drop-all", "compose-up", "data-survives-restart", "db-restart-under-load", "db-wait", "deps-layer-cached", "http-through-caddy", "lint", "no-secrets-in-image", "non-root", "oci-labels", "override-cmd", "password-special-chars", "proxy-upstream-down", "read-only-rootfs", "sigterm-graceful", "size-budget", "static-refresh"]);
    const proxyChecks = cells.find((c) => c.id === "caddy/caddy2")?.checks.map((k) => k.name);
    expect(proxyChecks?.sort()).toEqual(["caddy-http", "caddy-modules", "caddy-validate", "cap-drop-all", "lint", "non-root", "oci-labels", "proxy-upstream-down", "size-budget"]);
  });

  it("runs the runtime checks on uWSGI (Django) and Uvicorn, and the graceful shutdown of uWSGI on each Python and of Gunicorn", () => {
    for (const id of ["slim-uwsgi/py3.11-pipenv-django", "slim-asgi/py3.11-uvicorn-requirements"]) {
      const cell = cells.find((c) => c.id === id);
      const statuses = Object.fromEntries(runtimeChecks.map((name) => [name, cell?.checks.find((check) => check.name === name)?.status]));
      expect(statuses, id).toEqual(Object.fromEntries(runtimeChecks.map((name) => [name, "pass"])));
    }
    for (const [template, python] of [["slim-uwsgi", "3.11"], ["slim-uwsgi", "3.13"], ["slim-uwsgi", "3.14"], ["slim-gunicorn", "3.11"], ["slim-gunicorn", "3.14"]]) {
      const shutdown = cells.find((c) => c.template === template && c.python === python)?.checks.find((check) => check.name === "sigterm-graceful");
      expect(shutdown?.status, `${template} on Python ${python}`).toBe("pass");
    }
  });

  it("runs only the selected checks when told to, and says so in the report", async () => {
    for (const id of sampledChecks) {
      const names = cells.find((c) => c.id === id)?.checks.map((check) => check.name) ?? [];
      expect(names.length, id).toBeGreaterThan(0);
      for (const name of names) expect(checksOfSampled, `${id} ran ${name}`).toContain(name);
    }
    expect(sampled.report.checksSelected).toEqual(checksOfSampled);
    expect(await readFile(sampled.markdownFile, "utf8")).toContain("were selected; the manifests' other checks did not run");
    expect(result.report.checksSelected).toBeUndefined();
  });

  it("proves the PostgreSQL version came from the database through Caddy", () => {
    const detail = cells.find((c) => c.id === "slim-uwsgi/py3.13-pipenv")?.checks.find((c) => c.name === "http-through-caddy")?.detail;
    expect(detail).toMatch(/PostgreSQL \d+\.\d+/);
  });

  it("writes the JSON and a Markdown table per template", async () => {
    const json = JSON.parse(await readFile(result.jsonFile, "utf8"));
    expect(json.cells).toHaveLength(everyCheck.length + skippedHere.length);
    const markdown = await readFile(result.markdownFile, "utf8");
    for (const template of ["slim-uwsgi", "slim-asgi", "slim-gunicorn", "alpine", "caddy"]) expect(markdown).toContain(`## ${template} `);
    expect(markdown).not.toMatch(/INCOMPLETE/);
    expect(await readFile(sampled.markdownFile, "utf8")).toContain("## slim-gunicorn ");
  });

  describe("the entrypoint and servers of the images the matrix built", () => {
    const imageOf = (id: string) => cells.find((c) => c.id === id)!.image;
    const docker = (...args: string[]) => spawnSync("docker", args, { encoding: "utf8", timeout: 120_000 });
    const labels = ["--label", "dockerize-python.test=matrix-entrypoint"];
    /** Waits up to a minute for the container's HEALTHCHECK to settle, and expects it healthy. */
    const expectHealthy = async (name: string) => {
      let health = "";
      for (let tries = 0; tries < 60 && health !== "healthy" && health !== "unhealthy"; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        health = docker("inspect", "--format", "{{.State.Health.Status}}", name).stdout.trim();
      }
      expect(health, docker("logs", name).stderr).toBe("healthy");
    };

    it.each(["slim-uwsgi/py3.11-pipenv-django", "slim-gunicorn/py3.11-pyproject"])(
      "%s: a failing prestart hook stops the container with its exit code, its output in the log",
      (id) => {
        const run = docker("run", "--rm", ...labels, "-e", "DB_WAIT_TIMEOUT=0", "-e", "PRESTART_CMD=echo prestart-hook-ran; exit 7", imageOf(id));
        expect(run.status).toBe(7);
        expect(run.stdout + run.stderr).toContain("prestart-hook-ran");
      },
    );

    it.each([
      ["slim-uwsgi/py3.13-pipenv", "WSGI_APP"],
      ["slim-gunicorn/py3.11-pyproject", "WSGI_APP"],
      ["slim-asgi/py3.11-uvicorn-requirements", "ASGI_APP"],
    ])(
      "%s: serves an app factory (%s=package:create_app()) read-only, writing only to its data volume",
      async (id, variable) => {
        const name = `dp-test-factory-${id.replace(/[^a-z0-9]+/g, "-")}`;
        const started = docker(
          // As the compose file runs it: read-only, with a volume at APP_DATA_DIR (a new volume takes
          // the image directory's owner, the app user). rm -fv below removes that volume.
          "run", "-d", "--name", name, ...labels, "--read-only", "--tmpfs", "/tmp", "--mount", "type=volume,dst=/var/lib/app",
          "-e", "DATABASE_HOST=", "-e", `${variable}=sample_app:create_app()`, imageOf(id),
        );
        expect(started.status, started.stderr).toBe(0);
        try {
          await expectHealthy(name);
          // The one writable place, with the rest (the app's code too) read-only.
          const write = docker("exec", name, "sh", "-c", 'touch "$APP_DATA_DIR/probe" && ! touch /app/probe 2>/dev/null');
          expect(write.status, write.stderr).toBe(0);
          // The app's code was byte-compiled at build time (compile-bytecode): every module has a
          // checked-hash .pyc (flags 3, PEP 552) that matches its source, so the start imported
          // them compiled; and the read-only start wrote no .pyc, nor anything else, under /app.
          const pycs = docker("exec", name, "python", "-c", [
            "import importlib.util, pathlib",
            "bad = []",
            "sources = [p for p in pathlib.Path('/app').rglob('*.py') if not p.is_relative_to('/app/docker')]",
            "for source in sources:",
            "    cache = pathlib.Path(importlib.util.cache_from_source(str(source)))",
            "    header = cache.read_bytes()[:16] if cache.exists() else b''",
            "    if header[4:8] != (3).to_bytes(4, 'little') or header[8:16] != importlib.util.source_hash(source.read_bytes()):",
            "        bad.append(str(source))",
            "print(len(sources), 'sources; without a valid checked-hash .pyc:', bad)",
            "raise SystemExit(1 if bad or not sources else 0)",
          ].join("\n"));
          expect(pycs.status, pycs.stdout + pycs.stderr).toBe(0);
          const changed = docker("diff", name).stdout.split("\n").filter((line) => / \/app(\/|$)/.test(line));
          expect(changed).toEqual([]);
        } finally {
          docker("rm", "-fv", name);
        }
      },
    );

    it("slim-uwsgi/py3.13-pipenv: a request running past UWSGI_HARAKIRI has its worker killed and replaced long before it would end; the next request is served", async () => {
      const name = "dp-test-harakiri-slim-uwsgi";
      const started = docker("run", "-d", "--name", name, ...labels, "-e", "DATABASE_HOST=", "-e", "UWSGI_HARAKIRI=2", imageOf("slim-uwsgi/py3.13-pipenv"));
      expect(started.status, started.stderr).toBe(0);
      try {
        // From inside the container (port 8000 is not published): a 6 s request, then the health route.
        const probe = [
          "import time, urllib.request",
          "started = time.monotonic()",
          "try:",
          "    print('answered', urllib.request.urlopen('http://127.0.0.1:8000/slow?seconds=6', timeout=30).status)",
          "except Exception as error:",
          "    print('cut off after %.1f s: %s' % (time.monotonic() - started, type(error).__name__))",
          "print('then', urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=30).status)",
        ].join("\n");
        await expectHealthy(name);
        const answered = docker("exec", name, "python", "-c", probe);
        // uWSGI counts whole seconds and its master looks once a second: with HARAKIRI=2 the cut comes 1 to 3 s after the request began (seen: 1.8 s, 2.6 s).
        expect(answered.stdout, answered.stderr).toMatch(/^cut off after [1-5]\.\d s: RemoteDisconnected\nthen 200\n$/);
        expect(docker("logs", name).stderr).toMatch(/HARAKIRI \[core \d+\] 127\.0\.0\.1 - GET \/slow\?seconds=6/);
      } finally {
        docker("rm", "-fv", name);
      }
    });
  });

  it("shows progress for every cell it builds", () => {
    for (const id of built) expect(events).toContain(`${id}: building`);
  });
});
