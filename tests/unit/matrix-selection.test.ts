import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AppKind,
  assertCellApps,
  type Cell,
  type CellReport,
  type CellSources,
  cellAppDir,
  describeMergedRuns,
  discoverTemplates,
  expandMatrix,
  type MatrixReport,
  mergeReports,
  NoAppForKindError,
  oneAppForEveryKind,
  type Sources,
} from "@dockerize-python/harness";
import { ExplainedError } from "../../packages/harness/src/explained-error.ts";
import type { VerifyCellOptions } from "../../packages/harness/src/matrix/cell-to-verify.ts";
import { runMatrix, selectCells, selectPlatforms } from "../../packages/harness/src/matrix/run-matrix.ts";
import { selectChecks } from "../../packages/harness/src/matrix/select-checks.ts";
import { verifyCell } from "../../packages/harness/src/matrix/verify-cell.ts";
import type { BuildEnvironment } from "../../packages/harness/src/sources/build-environment.ts";
import { makeTempDir, validManifest, writeTemplate } from "./fixtures/template-fixture.ts";
import { keepOnlyDependencyStyle, MissingDependencyFileError } from "../../packages/harness/src/staging/dependency-files.ts";

describe("selectCells", () => {
  const cells = [{ id: "slim-uwsgi/py3.11-requirements" }, { id: "slim-uwsgi/py3.13-pipenv" }, { id: "caddy/caddy2" }];

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

describe("selectPlatforms", () => {
  const template = { manifest: { platforms: ["linux/amd64", "linux/arm64"] } } as unknown as Cell["template"];
  const cells = [
    { id: "slim/py3.13-requirements", platform: undefined, template },
    { id: "slim/py3.13-requirements-arm64", platform: "linux/arm64" as const, template },
  ];

  it("keeps the cells of the platforms named (a cell without one is its manifest's first), every cell when none is", () => {
    expect(selectPlatforms(cells, ["linux/amd64"]).map((c) => c.id)).toEqual(["slim/py3.13-requirements"]);
    expect(selectPlatforms(cells, ["linux/arm64"]).map((c) => c.id)).toEqual(["slim/py3.13-requirements-arm64"]);
    expect(selectPlatforms(cells, [])).toHaveLength(2);
  });
});

describe("--check: the selected checks narrow each cell's", () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let cells: Cell[];
  beforeAll(async () => {
    temp = await makeTempDir();
    // An app (non-root, size-budget, http-through-caddy) behind a proxy that lists non-root only.
    await writeTemplate(temp.dir, "slim");
    const proxy = { ...validManifest("caddy"), kind: "proxy", appKinds: undefined, compose: undefined, stack: undefined, checks: ["non-root"] };
    await writeTemplate(temp.dir, "caddy", { manifest: proxy });
    cells = expandMatrix(await discoverTemplates(temp.dir));
  });
  afterAll(async () => temp.remove());

  it("keeps every check without a selection, and a selected check in the cells that list it", () => {
    expect(selectChecks(cells, undefined).map((cell) => [cell.id, cell.checks])).toEqual(cells.map((cell) => [cell.id, cell.checks]));
    expect(selectChecks(cells, ["non-root", "http-through-caddy"]).map((cell) => [cell.id, cell.checks])).toEqual([
      ["caddy/py3.13", ["non-root"]],
      ["caddy/py3.11", ["non-root"]],
      ["slim/py3.13", ["non-root", "http-through-caddy"]],
      ["slim/py3.11", ["non-root", "http-through-caddy"]],
    ]);
    // A check one template lists (as the e2e runs select onbuild-child beside others): the rest keep theirs, the proxy none.
    expect(selectChecks(cells, ["http-through-caddy"]).map((cell) => cell.checks.length)).toEqual([0, 0, 1, 1]);
  });

  it("refuses a selected check no selected cell lists, naming it, every template's list and the fix", () => {
    const refusal = () => selectChecks(cells, ["non-root", "reproducible", "lint"]);
    expect(refusal).toThrow(ExplainedError);
    expect(refusal).toThrow(
      '--check reproducible, --check lint: the checks "reproducible", "lint" are listed by no selected cell\'s manifest, so nothing would run them. The manifests\' checks:\n' +
        "  caddy: non-root\n  slim: non-root, size-budget, http-through-caddy\n" +
        'Fix: drop --check reproducible, --check lint (or select a template that lists it); to run a check a template does not list, add it to the "checks" of a copy of its template.json and run the matrix with --templates on the copy.',
    );
    // Listed only by a cell --cell left out: refused too.
    expect(() => selectChecks(selectCells(cells, ["caddy/*"]), ["http-through-caddy"])).toThrow(/"http-through-caddy" is listed by no selected cell's manifest[\s\S]*caddy: non-root\n/);
  });

  it("stops runMatrix before anything is looked at or built (the apps, the engine)", async () => {
    const run = runMatrix({ templatesDir: temp.dir, appDirs: {}, reportDir: join(temp.dir, "reports"), mode: "hermetic", checks: ["reproducible"] }, () => {});
    await expect(run).rejects.toThrow(/^--check reproducible: the check "reproducible" is listed by no selected cell's manifest/);
    await expect(readdir(temp.dir)).resolves.not.toContain("reports");
  });

  it("reports a cell left with no check as skip, saying which checks were selected, and builds nothing", async () => {
    const [proxyCell] = selectChecks(cells, ["http-through-caddy", "size-budget"]);
    expect(proxyCell!.checks).toEqual([]);
    const built: string[] = [];
    const environment = {
      unmetNeed: () => undefined,
      imageFor: (ref: string) => {
        built.push(ref);
        return `stand-in/${ref}`;
      },
      cellSources: () => ({ baseImages: "registry" }),
    } as unknown as BuildEnvironment;
    const options = { environment, appDir: temp.dir, logDir: join(temp.dir, "logs"), checksSelected: ["http-through-caddy", "size-budget"], step: (message: string) => built.push(message) } as unknown as VerifyCellOptions;
    const report = await verifyCell({ ...proxyCell!, companions: [], proxy: undefined }, options);
    expect(report).toMatchObject({
      id: "caddy/py3.13",
      status: "skip",
      reason: "none of the selected checks (http-through-caddy, size-budget) is listed by its manifest",
      checks: [],
      sizeBytes: null,
      buildSeconds: null,
      baseImages: { PYTHON_IMAGE: "python:3.13-slim-trixie" },
    });
    expect(built).toEqual([]);
  });

  it("reports a cell whose every check the app cannot run as skip, each with the app's reason, and builds nothing", async () => {
    const [, , appCell] = selectChecks(cells, ["http-through-caddy"]);
    expect([appCell!.id, appCell!.checks]).toEqual(["slim/py3.13", ["http-through-caddy"]]);
    const steps: string[] = [];
    const environment = {
      unmetNeed: () => undefined,
      imageFor: (ref: string) => `stand-in/${ref}`,
      imageProblem: () => undefined,
      packageIndexFor: () => undefined,
      cellSources: () => ({ baseImages: "stand-ins" }),
    } as unknown as BuildEnvironment;
    const options = {
      environment,
      appDir: temp.dir,
      logDir: join(temp.dir, "logs"),
      checksSelected: ["http-through-caddy"],
      skipChecks: { "http-through-caddy": "skipped: this check needs GET /, which this app does not have" },
      step: (message: string) => steps.push(message),
    } as unknown as VerifyCellOptions;
    const report = await verifyCell({ ...appCell!, companions: [], proxy: undefined }, options);
    expect(report).toMatchObject({
      id: "slim/py3.13",
      status: "skip",
      reason: "no check ran: http-through-caddy was skipped",
      checks: [{ name: "http-through-caddy", status: "skip", detail: "skipped: this check needs GET /, which this app does not have", seconds: 0 }],
      sizeBytes: null,
      buildSeconds: null,
    });
    // Nothing staged, built or checked.
    expect(steps).toEqual([]);
  });

  it("fails a cell whose base image the run could not make, with the reason, and builds nothing", async () => {
    const [, , appCell] = selectChecks(cells, ["non-root", "http-through-caddy"]);
    const steps: string[] = [];
    const problem = "python:3.13-slim-trixie (linux/arm64) could not be made, so no cell that needs it was built: the stand-in did not build";
    const environment = {
      unmetNeed: () => undefined,
      imageFor: (ref: string) => `stand-in/${ref}`,
      imageProblem: (ref: string) => (ref.startsWith("python:") ? problem : undefined),
      packageIndexFor: () => undefined,
      cellSources: () => ({ baseImages: "stand-ins" }),
    } as unknown as BuildEnvironment;
    const options = { environment, appDir: temp.dir, logDir: join(temp.dir, "logs"), checksSelected: ["non-root", "http-through-caddy"], step: (message: string) => steps.push(message) } as unknown as VerifyCellOptions;
    const report = await verifyCell({ ...appCell!, companions: [], proxy: undefined }, options);
    expect(report).toMatchObject({ id: "slim/py3.13", status: "fail", reason: problem, sizeBytes: null, buildSeconds: null, baseImages: { PYTHON_IMAGE: "python:3.13-slim-trixie" } });
    expect(report.checks.map((check) => [check.name, check.status, check.detail])).toEqual([
      ["non-root", "skip", "not run: an image it needs could not be made"],
      ["http-through-caddy", "skip", "not run: an image it needs could not be made"],
    ]);
    expect(steps).toEqual([]);
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

  it("keeps a lock with the pyproject.toml it was made from, pylock.toml alone, and no lock for the pyproject style", async () => {
    const every = ["requirements.txt", "Pipfile", "Pipfile.lock", "pyproject.toml", "uv.lock", "poetry.lock", "pylock.toml", "wsgi.py"];
    const kept = async (style: "uv" | "poetry" | "pylock" | "pyproject") => {
      const dir = await mkdtemp(join(tmpdir(), "dp-style-"));
      try {
        for (const file of every) await writeFile(join(dir, file), "");
        await keepOnlyDependencyStyle(dir, style, "/app");
        return (await readdir(dir)).sort();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    };
    expect(await kept("uv")).toEqual(["pyproject.toml", "uv.lock", "wsgi.py"]);
    expect(await kept("poetry")).toEqual(["poetry.lock", "pyproject.toml", "wsgi.py"]);
    expect(await kept("pylock")).toEqual(["pylock.toml", "wsgi.py"]);
    expect(await kept("pyproject")).toEqual(["pyproject.toml", "wsgi.py"]);
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
  /** Where this machine's runs get things: no registry answers, PyPI does not either, the Go module proxy does. */
  const standinSources: Sources = {
    baseImages: { kind: "stand-ins", reason: "auto: python:3.13-slim-trixie cannot be pulled (no route to registry)" },
    pythonPackages: { kind: "local-index", reason: "auto: pip in a container cannot reach pip's default index (PyPI) (timeout)" },
    goModules: { kind: "proxy", reason: "auto: the Go module proxy (GOPROXY) answered from a container" },
  };
  const pythonCellSources: CellSources = { baseImages: "stand-ins", pythonPackages: "local-index" };
  const cell = (id: string, status: CellReport["status"], sources: CellSources = pythonCellSources) => ({ id, status, template: id.split("/")[0], sources }) as CellReport;
  const report = (overrides: Partial<MatrixReport>): MatrixReport => ({
    requestedMode: "auto",
    sources: standinSources,
    startedAt: "2026-01-01T10:00:00.000Z",
    finishedAt: "2026-01-01T10:01:00.000Z",
    complete: true,
    engine: "26.1.5",
    localSources: { standins: [{ official: "python:3.13-slim-trixie", image: "s", reused: true }], packageIndexes: [] },
    cells: [],
    ...overrides,
  });

  it("joins the cells of every run, sorted, and spans their times", () => {
    const merged = mergeReports([
      report({ cells: [cell("slim-uwsgi/py3.13", "pass")], finishedAt: "2026-01-01T10:05:00.000Z" }),
      report({ cells: [cell("caddy/caddy2", "pass")], startedAt: "2026-01-01T09:59:00.000Z", localSources: { standins: [{ official: "python:3.13-slim-trixie", image: "s", reused: false }], packageIndexes: [] } }),
    ]);
    expect(merged.cells.map((c) => c.id)).toEqual(["caddy/caddy2", "slim-uwsgi/py3.13"]);
    expect(merged.startedAt).toBe("2026-01-01T09:59:00.000Z");
    expect(merged.finishedAt).toBe("2026-01-01T10:05:00.000Z");
    expect(merged.localSources?.standins).toEqual([{ official: "python:3.13-slim-trixie", image: "s", reused: false }]);
  });

  it("is incomplete when any run was", () => {
    expect(mergeReports([report({}), report({ complete: false })]).complete).toBe(false);
    expect(() => mergeReports([])).toThrow(/No reports to merge/);
  });

  it("refuses runs whose sources differ in any kind, naming the kind", () => {
    const registry = { ...standinSources, baseImages: { kind: "registry", reason: "--mode online" } } satisfies Sources;
    expect(() => mergeReports([report({}), report({ sources: registry })])).toThrow(/baseImages came from different sources \(stand-ins, registry\)/);
    const pypi = { ...standinSources, pythonPackages: { kind: "pypi", reason: "auto: pip in a container reached pip's default index (PyPI)" } } satisfies Sources;
    expect(() => mergeReports([report({}), report({ sources: pypi })])).toThrow(/pythonPackages came from different sources \(local-index, pypi\)/);
    // Each source's runs named, with when they ran and why they chose it, and how to make a cached one again.
    const cached = report({ cells: [cell("alpine/py3.13", "skip")], startedAt: "2026-01-01T06:50:00.000Z" });
    expect(() => mergeReports([cached, report({ cells: [cell("caddy/caddy2", "pass")], sources: pypi })])).toThrow(
      "  local-index: alpine, run of 2026-01-01T06:50:00.000Z (auto: pip in a container cannot reach pip's default index (PyPI) (timeout))\n  pypi: caddy, run of 2026-01-01T10:00:00.000Z (auto: pip in a container reached pip's default index (PyPI))\n" +
        "Fix: run every template on the same machine with the same --mode (hermetic forces every source local); a report turbo's cache restored from an earlier run is made again with `turbo run verify --force --filter=<its template's package>`.",
    );
    const noGo = { ...standinSources, goModules: { kind: "none", reason: "--mode hermetic" } } satisfies Sources;
    expect(() => mergeReports([report({}), report({}), report({ sources: noGo })])).toThrow(/goModules came from different sources \(proxy, none\)[\s\S]*Fix: /);
  });

  it("merges runs whose sources are the same in every kind, whatever the reasons, and one that stopped before deciding", () => {
    const forced: Sources = {
      baseImages: { kind: "stand-ins", reason: "--mode hermetic" },
      pythonPackages: { kind: "local-index", reason: "--mode hermetic" },
      goModules: { kind: "proxy", reason: "auto: the Go module proxy (GOPROXY) answered from a container" },
    };
    expect(mergeReports([report({}), report({ sources: forced }), report({ sources: null, complete: false })]).sources).toEqual(standinSources);
    expect(mergeReports([report({ sources: null }), report({ sources: forced })]).sources).toEqual(forced);
    expect(mergeReports([report({ sources: null }), report({ sources: null })]).sources).toBeNull();
  });

  it("has no local sources when no run used any", () => {
    const online: Sources = {
      baseImages: { kind: "registry", reason: "--mode online" },
      pythonPackages: { kind: "pypi", reason: "online: pip in a container reached pip's default index (PyPI)" },
      goModules: { kind: "proxy", reason: "online: the Go module proxy (GOPROXY) answered from a container" },
    };
    const merged = mergeReports([report({ sources: online, localSources: null }), report({ sources: online, localSources: null })]);
    expect(merged.localSources).toBeNull();
    expect(merged.sources).toEqual(online);
  });

  describe("of shards (matrix --shard I/N)", () => {
    const cellsByShard = [["alpine/py3.11", "caddy/caddy2"], [], ["slim-uwsgi/py3.13"]];
    const shard = (index: number, overrides: Partial<MatrixReport> = {}) =>
      report({ cells: cellsByShard[index - 1]!.map((id) => cell(id, "pass")), shard: { index, count: 3, cellsByShard }, ...overrides });

    it("gives the cells and statuses of one unsharded run when every shard is there, empty ones too", () => {
      const merged = mergeReports([shard(3), shard(1), shard(2)]);
      expect(merged.complete).toBe(true);
      expect(merged.incomplete).toBeUndefined();
      expect(merged.shard).toBeUndefined();
      expect(merged.cells.map((c) => [c.id, c.status])).toEqual([["alpine/py3.11", "pass"], ["caddy/caddy2", "pass"], ["slim-uwsgi/py3.13", "pass"]]);
    });

    it("is incomplete without a shard's report, naming the shard and the cells it held", () => {
      const merged = mergeReports([shard(2), shard(3)]);
      expect(merged.complete).toBe(false);
      expect(merged.incomplete).toEqual({ reason: "no report from shard 1/3 (it held alpine/py3.11, caddy/caddy2)", cellsNotFinished: ["alpine/py3.11", "caddy/caddy2"] });
      const emptyMissing = mergeReports([shard(1), shard(3, { complete: false, incomplete: { reason: "interrupted by Ctrl-C (SIGINT)", cellsNotFinished: ["slim-uwsgi/py3.13"] }, cells: [] })]);
      expect(emptyMissing.incomplete).toEqual({ reason: "interrupted by Ctrl-C (SIGINT); no report from shard 2/3 (it held no cells)", cellsNotFinished: ["slim-uwsgi/py3.13"] });
    });

    it("refuses a shard given twice, shards of different counts, different selections, and shards mixed with unsharded runs", () => {
      expect(() => mergeReports([shard(1), shard(2), shard(2), shard(3)])).toThrow(/Shard 2\/3 is given more than once[\s\S]*Fix: merge the reports of one sharded run/);
      const ofTwo = report({ shard: { index: 2, count: 2, cellsByShard: [["alpine/py3.11"], ["caddy/caddy2", "slim-uwsgi/py3.13"]] } });
      expect(() => mergeReports([shard(1), ofTwo, shard(3)])).toThrow(/shards of different counts \(\/3, \/2\)[\s\S]*Fix: /);
      const otherSelection = report({ shard: { index: 2, count: 3, cellsByShard: [["alpine/py3.11"], [], ["slim-uwsgi/py3.13"]] } });
      expect(() => mergeReports([shard(1), otherSelection])).toThrow(/different selections of cells[\s\S]*Fix: /);
      expect(() => mergeReports([shard(1), report({ cells: [cell("caddy/caddy2", "pass")] })])).toThrow(/1 of the reports are of unsharded runs and 1 of shards[\s\S]*Fix: /);
    });
  });

  it("says, per run, whether this job verified it (with its cells' sources and what it reused) or turbo restored it", () => {
    const cached = report({ cells: [cell("caddy/caddy2", "pass", { baseImages: "stand-ins" })] });
    const fresh = report({
      cells: [cell("slim-uwsgi/py3.13", "pass"), cell("slim-uwsgi/py3.11", "fail")],
      startedAt: "2026-01-01T11:00:00.500Z",
      finishedAt: "2026-01-01T11:02:00.000Z",
      localSources: {
        standins: [{ official: "python:3.13-slim-trixie", image: "s", reused: true }, { official: "postgres:17-trixie", image: "p", reused: false }],
        packageIndexes: [{ suite: "trixie", reused: true, packages: 40 }],
      },
    });
    const proxy = report({
      cells: [cell("caddy/caddy2", "pass", { baseImages: "stand-ins" }), cell("caddy/caddy2-plugins", "pass", { baseImages: "stand-ins", goModules: "proxy" })],
      startedAt: "2026-01-01T11:03:00.000Z",
      finishedAt: "2026-01-01T11:03:30.000Z",
    });
    expect(describeMergedRuns([cached, fresh, proxy], new Date("2026-01-01T11:00:00Z"))).toEqual([
      "caddy: unchanged since its run of 2026-01-01T10:00:00.000Z (1 min 00 s): turbo's cache hit restored that report; nothing was built or run again.",
      "slim-uwsgi: verified by this job (2 min 00 s); sources: base images: stand-ins (from Debian); Python packages: local index (from Debian); " +
        "stand-ins: 1 reused, 1 built; package indexes: 1 reused, 0 built.",
      "caddy: verified by this job (30.0 s); sources: base images: stand-ins (from Debian) | base images: stand-ins (from Debian); Go modules: Go module proxy; stand-ins: 1 reused, 0 built.",
    ]);

    const online = report({
      cells: [cell("onbuild/py3.13", "pass", { baseImages: "registry", pythonPackages: "configured-index" })],
      startedAt: "2026-01-01T11:03:00.000Z",
      finishedAt: "2026-01-01T11:03:30.000Z",
      localSources: null,
    });
    expect(describeMergedRuns([online], new Date("2026-01-01T11:00:00Z"))).toEqual([
      "onbuild: verified by this job (30.0 s); sources: base images: registry; Python packages: this machine's pip index.",
    ]);
  });
});

describe("the apps of a run's cells", () => {
  const cell = (id: string, appKind: AppKind | null) => ({ id, appKind, dependencyStyle: null }) as unknown as Cell;

  it("gives a cell its kind's app, and a proxy the first kind's the run has", () => {
    expect(cellAppDir(cell("a", "asgi"), { wsgi: "/w", asgi: "/a" })).toBe("/a");
    expect(cellAppDir(cell("caddy/caddy2", null), { asgi: "/a", django: "/d" })).toBe("/a");
    expect(cellAppDir(cell("a", "django"), { wsgi: "/w" })).toBeUndefined();
    expect(oneAppForEveryKind("/mine")).toEqual({ wsgi: "/mine", asgi: "/mine", django: "/mine" });
  });

  it("refuses, before anything is built, cells of a kind the run has no app for", async () => {
    const error = await assertCellApps([cell("slim-asgi/py3.13", "asgi"), cell("x/py3.11", "asgi")], { wsgi: "/w" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoAppForKindError);
    expect((error as Error).message).toContain("No app was given for the asgi app kind (cells slim-asgi/py3.13, x/py3.11)");
    expect((error as Error).message).toContain("Fix: give one with --app KIND=DIR (wsgi, asgi, django)");
  });
});
