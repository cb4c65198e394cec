import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type CheckName, discoverTemplates, type MatrixReport } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectImage } from "../../packages/harness/src/docker/inspect-image.ts";
import { assertCliBuilt, runCli } from "../unit/fixtures/run-cli.ts";
import { apiOnlyApp, flaskTutorialApp, type ForeignApp, sqliteNotesApp, writeForeignApp } from "./fixtures/foreign-apps.ts";

const repo = resolve(import.meta.dirname, "..", "..");
/** The repository's templates, their manifests validated as every run reads them. */
const templates = await discoverTemplates(join(repo, "templates"));

/** Runs the built CLI in `cwd`, as a user would; a verify builds and checks for minutes. */
function dockerizePython(cwd: string, ...args: string[]) {
  const result = runCli(args, {}, 20 * 60_000, cwd);
  return { ...result, output: `${result.stdout}\n${result.stderr}` };
}

/** The checks that need the sample app's own routes, and skip on these apps with the reason. */
const needSampleRoutes: CheckName[] = ["password-special-chars", "data-survives-restart", "db-restart-under-load"];
/** What the other templates prove on each app: the adapted compose project and the adapted stack, through Caddy. */
const adaptationChecks: CheckName[] = ["lint", "compose-up", "http-through-caddy"];

interface Case {
  app: ForeignApp;
  template: string;
  /** Every check the template lists when absent. */
  checks?: CheckName[];
  /** What verify is told to probe (else the app's health URL, else /). */
  probe?: { path: string; expect: string };
  /** Checks beyond needSampleRoutes that must skip on this app, with the reason's words. */
  alsoSkipped?: Partial<Record<CheckName, RegExp>>;
}

/**
 * Each app through its own set of templates: the notes app on slim-uwsgi and the API on onbuild with
 * every check (so every check runs on Python 3.13 here; the matrix covers 3.11 and 3.14 with the
 * sample apps; on onbuild all but the two onbuild.test.ts runs on 3.13), flaskr on slim-gunicorn with
 * the checks its adaptation decides (its factory served, its static folder, its writable instance
 * folder under a read-only root and any uid) and sbom-complete, the adaptations (compose
 * project, stack through Caddy) on others. slim-gunicorn and slim-uwsgi are generated from the same
 * fragments (templates/_shared): `new` adapts them alike, and they differ in the WSGI server only,
 * whose entrypoint onbuild shares with slim-uwsgi. So each app's adapted slim files run once, each
 * app meets both servers, and each slim template two apps: notes on slim-gunicorn (its files run on
 * slim-uwsgi, its app:app target is the sample's) and the API on slim-uwsgi (its files run on
 * slim-gunicorn, its target under uWSGI on onbuild) would repeat the others. Auto mode: packages
 * from PyPI where it answers, as a user's build gets them.
 */
const cases: Case[] = [
  // Gunicorn's runtime checks run on 3.13 in matrix-pypi.test.ts (Django) and every other on slim-uwsgi's notes below.
  { app: flaskTutorialApp, template: "slim-gunicorn", checks: [...adaptationChecks, "static-refresh", "read-only-rootfs", "arbitrary-uid", "sbom-complete"] },
  { app: flaskTutorialApp, template: "slim-uwsgi", checks: adaptationChecks },
  { app: flaskTutorialApp, template: "onbuild", checks: adaptationChecks },
  // sbom-complete once on 3.13 (flaskr on slim-gunicorn): the SBOM of these images differs only in the app's packages.
  { app: sqliteNotesApp, template: "slim-uwsgi", checks: everyCheckBut("slim-uwsgi", ["sbom-complete"]) },
  { app: sqliteNotesApp, template: "onbuild", checks: adaptationChecks },
  // Every check but the two onbuild.test.ts runs on onbuild's 3.13 cells (the child through a
  // registry, 25-60 s, and the code-only rebuild) and sbom-complete (matrix-pypi.test.ts, onbuild on
  // 3.11): the only place onbuild's runtime checks and its secrets' rebuild run in the tests.
  { app: apiOnlyApp, template: "onbuild", checks: everyCheckBut("onbuild", ["onbuild-child", "deps-layer-cached", "sbom-complete"]), probe: { path: "/api/items", expect: '"server_version"' }, alsoSkipped: { "static-refresh": /static/ } },
  { app: apiOnlyApp, template: "slim-gunicorn", checks: adaptationChecks },
];

/** The checks a template's manifest lists. */
function manifestChecks(template: string): CheckName[] {
  return [...templates.find((candidate) => candidate.name === template)!.manifest.checks];
}

/** Every check the template lists but `left`. */
function everyCheckBut(template: string, left: CheckName[]): CheckName[] {
  return manifestChecks(template).filter((name) => !left.includes(name));
}

/** What `new` must find in each app and say it chose. */
const found: Record<string, RegExp[]> = {
  flaskr: [/flaskr:create_app\(\)/, /flaskr\/static/, /instance/, /PostgreSQL/],
  notes: [/app:app/, /static/, /var/, /\/health\b/, /PostgreSQL/],
  inventory: [/service:application/],
};

describe("new + verify on apps we did not write (issue 12)", () => {
  let work: string;

  beforeAll(async () => {
    assertCliBuilt();
    work = await mkdtemp(join(tmpdir(), "dp-i12-foreign-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it.each(cases)("$app.name on $template: new adapts with no hand edit, verify passes", async ({ app, template, checks, probe, alsoSkipped = {} }) => {
    const dir = join(work, `${app.name}-${template}`);
    await writeForeignApp(app, dir);

    const copied = dockerizePython(dir, "new", template, "--from", repo);
    expect(copied.status, copied.output).toBe(0);
    for (const pattern of found[app.name]!) expect(copied.stdout).toMatch(pattern);

    // Two checks side by side (those with a time bound alone: check-turns.ts); the other verifies here run them in turn.
    const args = ["verify", "--variant", "py3.13", "--jobs", "2", ...(checks ?? []).flatMap((name) => ["--check", name])];
    if (probe) args.push("--probe", probe.path, "--expect", probe.expect);
    const verified = dockerizePython(dir, ...args);
    const report = JSON.parse(await readFile(join(dir, ".dockerize-python", "reports", "matrix.json"), "utf8")) as MatrixReport;
    const cells = report.cells.filter((cell) => cell.status !== "skip");
    expect(cells.map((cell) => cell.id)).toEqual([expect.stringMatching(new RegExp(`^${template}/py3\\.13-`))]);
    const [cell] = cells;
    const failures = cell!.checks.filter((check) => check.status === "fail").map((check) => `${check.name}: ${check.detail}`);
    expect(failures, verified.output).toEqual([]);
    expect(verified.status, verified.output).toBe(0);

    const ran = cell!.checks.filter((check) => check.status === "pass").map((check) => check.name);
    // compose builds from the cell's own layers: it passes the build args the cell's build did (an
    // unset PIP_INDEX_URL as none; the cell's BUILD_DATE, which onbuild's app stage inherits).
    const composeUp = cell!.checks.find((check) => check.name === "compose-up")?.detail ?? "";
    const [, cached, runs] = composeUp.match(/its build took (\d+) of (\d+) RUN steps from the cache/) ?? [];
    expect(Number(runs), composeUp).toBeGreaterThan(0);
    expect(cached, composeUp).toBe(runs);
    const skipped = Object.fromEntries(cell!.checks.filter((check) => check.status === "skip").map((check) => [check.name, check.detail]));
    // Those needing the sample's routes (or what the app lacks) skip, saying why; so does
    // sbom-complete where no Go module proxy serves syft; every other check passes.
    const selected = checks ?? manifestChecks(template);
    const noGoProxy: Partial<Record<CheckName, RegExp>> = report.sources?.goModules.kind === "none" ? { "sbom-complete": /is built from the Go module proxy, and this run has none/ } : {};
    const expectedSkips = Object.entries({ ...alsoSkipped, ...noGoProxy }).filter(([name]) => selected.includes(name as CheckName));
    const skipping = [...needSampleRoutes.filter((name) => selected.includes(name)), ...expectedSkips.map(([name]) => name)];
    for (const name of needSampleRoutes.filter((name) => skipping.includes(name))) expect(skipped[name], `${name} should skip on ${app.name}`).toMatch(/this check needs .*, which this app does not have/);
    for (const [name, reason] of expectedSkips) expect(skipped[name], name).toMatch(reason!);
    expect(Object.keys(skipped).sort()).toEqual(skipping.sort());
    expect(ran.sort()).toEqual(selected.filter((name) => !skipping.includes(name)).sort());
  });

  it("alpine: new adapts the files; verify lints them and skips the build, saying why, where no Alpine image can be had", async () => {
    const dir = join(work, "flaskr-alpine");
    await writeForeignApp(flaskTutorialApp, dir);
    const copied = dockerizePython(dir, "new", "alpine", "--from", repo);
    expect(copied.status, copied.output).toBe(0);
    expect(await readFile(join(dir, "docker", "Dockerfile"), "utf8")).toMatch(/^RUN link-writable-dirs instance$/m);
    const verified = dockerizePython(dir, "verify", "--variant", "py3.13");
    expect(verified.status, verified.output).toBe(0);
    const report = JSON.parse(await readFile(join(dir, ".dockerize-python", "reports", "matrix.json"), "utf8")) as MatrixReport;
    const [cell] = report.cells;
    // Here no registry answers: the cell is skipped with its reason. Where one does, it is built and checked.
    if (cell!.status === "skip") {
      expect(cell!.reason ?? "").toMatch(/Alpine/);
      expect(cell!.checks.find((check) => check.name === "lint")?.status).toBe("pass");
    } else {
      expect(cell!.status).toBe("pass");
    }
  });

  it("verify builds the user's own, edited copies of the template's files", async () => {
    const dir = join(work, "edited");
    await writeForeignApp(sqliteNotesApp, dir);
    // The template notes ran every check on above: only the edited layer is built anew.
    expect(dockerizePython(dir, "new", "slim-uwsgi", "--from", repo).status).toBe(0);
    const dockerfile = join(dir, "docker", "Dockerfile");
    await writeFile(dockerfile, `${await readFile(dockerfile, "utf8")}LABEL org.example.edited-by-user="yes"\n`);
    const verified = dockerizePython(dir, "verify", "--variant", "py3.13", "--check", "oci-labels");
    expect(verified.status, verified.output).toBe(0);
    const report = JSON.parse(await readFile(join(dir, ".dockerize-python", "reports", "matrix.json"), "utf8")) as MatrixReport;
    const cell = report.cells.find((candidate) => candidate.status === "pass")!;
    expect((await inspectImage(cell.image)).labels["org.example.edited-by-user"]).toBe("yes");
  });
});
