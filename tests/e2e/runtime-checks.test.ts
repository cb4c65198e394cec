import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arbitraryUid } from "../../packages/harness/src/checks/arbitrary-uid.ts";
import { capDropAll } from "../../packages/harness/src/checks/cap-drop-all.ts";
import type { Check, RebuildChanges } from "../../packages/harness/src/checks/check.ts";
import { composeUp } from "../../packages/harness/src/checks/compose-up.ts";
import { dbRestartUnderLoad } from "../../packages/harness/src/checks/db-restart-under-load.ts";
import { dbWait } from "../../packages/harness/src/checks/db-wait.ts";
import { depsLayerCached } from "../../packages/harness/src/checks/deps-layer-cached.ts";
import { httpThroughCaddy } from "../../packages/harness/src/checks/http-through-caddy.ts";
import { nonRoot } from "../../packages/harness/src/checks/non-root.ts";
import { onbuildChild } from "../../packages/harness/src/checks/onbuild-child.ts";
import { overrideCmd } from "../../packages/harness/src/checks/override-cmd.ts";
import { passwordSpecialChars } from "../../packages/harness/src/checks/password-special-chars.ts";
import { proxyUpstreamDown } from "../../packages/harness/src/checks/proxy-upstream-down.ts";
import { readOnlyRootfs } from "../../packages/harness/src/checks/read-only-rootfs.ts";
import { timedChecks } from "../../packages/harness/src/checks/registry.ts";
import { sigtermGraceful } from "../../packages/harness/src/checks/sigterm-graceful.ts";
import { buildImage } from "../../packages/harness/src/docker/build-image.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import type { BuildEnvironment } from "../../packages/harness/src/sources/build-environment.ts";
import { prepareBuildEnvironment } from "../../packages/harness/src/sources/prepare-build-environment.ts";
import { discoverTemplates } from "../../packages/harness/src/manifest/discover-templates.ts";
import type { CheckName } from "../../packages/harness/src/manifest/schema.ts";
import { runInLanes } from "../../packages/harness/src/matrix/run-in-lanes.ts";
import { sampleAppProbe } from "../../packages/harness/src/matrix/run-matrix.ts";
import { composeProjectOnFirstUse } from "../../packages/harness/src/stack/compose-project.ts";
import { removeRunResources, type RunIdentity, runLabelKey } from "../../packages/harness/src/stack/run-labels.ts";
import { type RunningStack, stackDatabase, startStack } from "../../packages/harness/src/stack/start-stack.ts";
import { type BuiltCell, buildCell, buildFixture, checkContextFor, fixturesDir, type RuntimeCheckContext } from "./fixtures/runtime-checks/check-context.ts";

/**
 * The runtime checks (signals, database outages, a database restarted under load, secrets,
 * read-only and arbitrary-uid runs, capabilities, a proxy whose upstream is down), called directly
 * as the matrix runner calls them:
 * they pass on the templates' real images (slim-uwsgi and slim-gunicorn on Python 3.13, the caddy
 * template), and each fails, saying why, on a fixture image broken on purpose in exactly the way the
 * check exists to catch (tests/e2e/fixtures/runtime-checks). Hermetic mode: stand-ins, local index.
 * Five more checks of a built cell are shown failing here because these images and this stack are
 * already up: non-root, http-through-caddy, compose-up (a compose file of these images, nothing
 * built), onbuild-child (a tiny base FROM the Python stand-in) and deps-layer-cached (a tiny app of
 * its own, tests/e2e/fixtures/deps-layer-cached).
 */

const repo = resolve(import.meta.dirname, "..", "..");
const appDir = join(repo, "sample-apps", "flask");
// The run's names (dp-h5a-<id>-...) and label, so that cleanup by label removes what a failed test left.
const id = `h5a-${randomBytes(3).toString("hex")}`;
const run: RunIdentity = { id, labels: { [runLabelKey]: id }, composeProjects: new Set() };
const tag = (what: string) => `dp-h5a-runtime-checks/${what}:${id}`;
/** The fixtures of the checks beyond the runtime ones are named dpf-...; their containers are the run's. */
const fixtureTag = (what: string) => `dpf-runtime-checks/${what}:${id}`;

let environment: BuildEnvironment;
let uwsgi: BuiltCell;
let gunicorn: BuiltCell;
let caddy: BuiltCell;
/** The caddy template built FROM a Caddy with the official image's file capability on its binary. */
let caddyOnCapabilityBase: BuiltCell;
let stack: Promise<RunningStack> | undefined;
const images: string[] = [];
const contexts: Record<string, RuntimeCheckContext> = {};
/** Copies the checks may change (deps-layer-cached appends to the app's code) and compose projects' folders. */
let scratch: string;

/** The one stack every app context runs beside: PostgreSQL, its network, the caddy template's image. */
const sharedStack = () =>
  (stack ??= startStack({
    run,
    name: "runtime-checks",
    databaseImage: environment.imageFor("postgres:17-trixie"),
    appImage: uwsgi.image,
    appPort: 8000,
    proxyImage: caddy.image,
    proxyPort: 8080,
  }));

/** A context for `image` as an app cell of slim-uwsgi (its port, the shared stack). */
const appContext = (name: string, image: string) => checkContextFor({ cellId: name, kind: "app", image, port: 8000, run, stack: sharedStack });
/** A context for `image` as the caddy template's proxy cell. */
const proxyContext = (name: string, image: string) => checkContextFor({ cellId: name, kind: "proxy", image, port: 8080, run });

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "dpf-runtime-checks-"));
  environment = await prepareBuildEnvironment("hermetic", [{ images: ["python:3.13-slim-trixie", "postgres:17-trixie", "caddy:2.10"] }], () => {});
  const templates = await discoverTemplates(join(repo, "templates"));
  // Each image is listed for removal as soon as it exists: a later failure must not leave it behind.
  caddy = await buildCell(templates, "caddy/caddy2", tag("caddy"), environment, appDir);
  images.push(caddy.image);
  uwsgi = await buildCell(templates, "slim-uwsgi/py3.13-requirements", tag("slim-uwsgi"), environment, appDir);
  images.push(uwsgi.image);
  gunicorn = await buildCell(templates, "slim-gunicorn/py3.13-requirements", tag("slim-gunicorn"), environment, appDir);
  images.push(gunicorn.image);

  const pythonImage = environment.imageFor("python:3.13-slim-trixie");
  const fromTemplates = { PYTHON_IMAGE: pythonImage, APP_IMAGE: uwsgi.image, CADDY_IMAGE: caddy.image, CADDY_BASE_IMAGE: environment.imageFor("caddy:2.10") };
  const fixtures: Array<[string, string, Record<string, string>]> = [
    ...["no-exec", "no-slow-route", "dsn-in-log", "password-in-argv", "always-waits", "writes-app-dir", "fixed-uid", "chowns-as-root"].map(
      (target): [string, string, Record<string, string>] => ["Dockerfile", target, { PYTHON_IMAGE: pythonImage }],
    ),
    ...["caddy-file-capability", "caddy-base-file-capability", "caddy-slow-502", "naive-database-url", "stale-connection", "unacknowledged-loss"].map((target): [string, string, Record<string, string>] => ["Dockerfile.from-templates", target, fromTemplates]),
  ];
  for (const [dockerfile, target, buildArgs] of fixtures) images.push(await buildFixture(dockerfile, target, tag(target), buildArgs));
  images.push(await buildFixture("Dockerfile.from-templates", "caddy-user-named-root", fixtureTag("caddy-user-named-root"), fromTemplates));
  caddyOnCapabilityBase = await buildCell(templates, "caddy/caddy2", tag("caddy-on-capability-base"), environment, appDir, { CADDY_IMAGE: tag("caddy-base-file-capability") });
  images.push(caddyOnCapabilityBase.image);

  contexts.uwsgi = await appContext("slim-uwsgi", uwsgi.image);
  contexts.gunicorn = await appContext("slim-gunicorn", gunicorn.image);
  contexts.caddy = await proxyContext("caddy", caddy.image);
  contexts.caddyOnCapabilityBase = await proxyContext("caddy-capability-base", caddyOnCapabilityBase.image);
  for (const target of ["no-exec", "no-slow-route", "dsn-in-log", "password-in-argv", "always-waits", "writes-app-dir", "fixed-uid", "chowns-as-root", "naive-database-url", "stale-connection", "unacknowledged-loss"]) {
    contexts[target] = await appContext(`fixture-${target}`, tag(target));
  }
  for (const target of ["caddy-file-capability", "caddy-slow-502"]) contexts[target] = await proxyContext(`fixture-${target}`, tag(target));
  contexts["caddy-user-named-root"] = await proxyContext("fixture-caddy-user-named-root", fixtureTag("caddy-user-named-root"));
});

afterAll(async () => {
  await (await stack?.catch(() => undefined))?.stop();
  await removeRunResources(run);
  for (const image of images) await runDocker(["rmi", "--force", image]).catch(() => {});
  for (const cell of [uwsgi, gunicorn, caddy, caddyOnCapabilityBase]) if (cell) await rm(cell.stageDir, { recursive: true, force: true });
  await environment?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const byName: Partial<Record<CheckName, Check<RuntimeCheckContext>>> = {
  "sigterm-graceful": sigtermGraceful,
  "db-wait": dbWait,
  "password-special-chars": passwordSpecialChars,
  "override-cmd": overrideCmd,
  "read-only-rootfs": readOnlyRootfs,
  "cap-drop-all": capDropAll,
  "arbitrary-uid": arbitraryUid,
  "proxy-upstream-down": proxyUpstreamDown,
  "db-restart-under-load": dbRestartUnderLoad,
};
/** Those whose verdict holds a time bound: they run alone here, as the CLI runs them by default. */
const timedOnes = (Object.keys(byName) as CheckName[]).filter((name) => timedChecks.has(name));

/** What a pass must also have measured, beyond its status. */
const passDetail: Partial<Record<CheckName, RegExp>> = {
  "sigterm-graceful": /the request completed \(200 after 2\.\d s\), the container exited [0-4]\.\d s after the stop began, with status 0/,
  "password-special-chars": /the password holds "@", ":", "\/", "%", "#", "\?", a space; .* GET \/ with it -> 200 with "PostgreSQL \d+\.\d+"/,
  "db-wait": /exited 1 after \d\.\d s, naming db-wait-absent .* served \(GET \/ -> 200\) \d+\.\d s after its database came up/,
  "override-cmd": /exited 0 within \d\.\d s, printing "override-cmd [0-9a-f]+"; no database wait, no prestart hook/,
  "cap-drop-all": /CapBnd 0x0000000000000000/,
  "proxy-upstream-down": /502 in \d+ ms, 502 in \d+ ms, 502 in \d+ ms; served again/,
  "db-restart-under-load": /PostgreSQL restarted .* error window \d+\.\d s .*; the app's container not restarted; \d+ writes acknowledged, all there \(GET \/visits: \d+\)$/,
};

describe("on the templates' own images, every runtime check passes", () => {
  const passes = async (context: RuntimeCheckContext, name: CheckName) => {
    const outcome = await byName[name]!(context);
    expect(outcome.status, outcome.detail).toBe("pass");
    if (passDetail[name]) expect(outcome.detail).toMatch(passDetail[name]);
  };

  it("uses a stack password holding every character the password check needs", () => {
    for (const character of ["@", ":", "/", "%", "#", "?", " "]) expect(stackDatabase.password).toContain(character);
  });

  // The checks with a time bound alone here; slim-uwsgi (uWSGI) runs the others side by side below.
  it.each(timedOnes)("slim-uwsgi (uWSGI): %s", (name) => passes(contexts.uwsgi!, name));

  it.each(["sigterm-graceful", "read-only-rootfs", "arbitrary-uid", "cap-drop-all"] as CheckName[])("slim-gunicorn (Gunicorn): %s", (name) =>
    passes(contexts.gunicorn!, name),
  );

  it.each(["cap-drop-all", "proxy-upstream-down"] as CheckName[])("caddy (the proxy cell): %s", (name) => passes(contexts.caddy!, name));

  it("caddy built FROM a Caddy whose binary has the official image's file capability: cap-drop-all", async () => {
    // The fixture base itself cannot run with --cap-drop ALL (see the failing case below); the template drops the capability.
    await passes(contexts.caddyOnCapabilityBase!, "cap-drop-all");
  });
});

describe("on images broken on purpose, each check fails and says why", () => {
  it("sigterm-graceful: an entrypoint without exec (SIGTERM never reaches the server)", async () => {
    const outcome = await sigtermGraceful(contexts["no-exec"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/the container took 1\d\.\d s to exit \(at most 5 s\)/);
    expect(outcome.detail).toMatch(/exited with 137 \(SIGKILLed after docker stop's 10 s: SIGTERM never reached the server/);
  });

  it("sigterm-graceful: an app without GET /slow is still stopped, and the detail says the request in flight was not measured", async () => {
    const outcome = await sigtermGraceful(contexts["no-slow-route"]!);
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toMatch(/docker stop: the container exited [0-4]\.\d s after the stop began, with status 0; a request in flight during the stop was not measured: the app has no GET \/slow\?seconds=N route \(404\)$/);
  });

  it("db-wait: an entrypoint that prints the connection URI with the password", async () => {
    const outcome = await dbWait(contexts["dsn-in-log"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/the database password appears in the log of \S+never/);
    // The report shows where, never the password itself.
    expect(outcome.detail).toContain("postgresql://app:<the password>@db-wait-absent");
    expect(outcome.detail).not.toContain(stackDatabase.password);
  });

  it("db-wait: a password passed on the server's command line (what ps shows)", async () => {
    const outcome = await dbWait(contexts["password-in-argv"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/a process's command line in \S+ \(while waiting\): ".*--password <the password>/);
  });

  it("password-special-chars: an app that formats its database URL as a string", async () => {
    const outcome = await passwordSpecialChars(contexts["naive-database-url"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/GET \/ with the password answered 503 without "PostgreSQL \d+|exited with code \d+ before serving/);
  });

  it("override-cmd: an entrypoint that waits for the database before any command", async () => {
    const outcome = await overrideCmd(contexts["always-waits"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/still ran after 10 s: the entrypoint held the command back/);
  });

  it("read-only-rootfs: an entrypoint that writes next to the code at start", async () => {
    const outcome = await readOnlyRootfs(contexts["writes-app-dir"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/--read-only --tmpfs \/tmp( --tmpfs \S+)?: \S+ exited with code [1-9]\d* before serving/);
    expect(outcome.detail).toMatch(/cannot create \/app\/started-at: Read-only file system/);
  });

  it("arbitrary-uid: an image whose data directory only its fixed uid can write", async () => {
    const outcome = await arbitraryUid(contexts["fixed-uid"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/as --user 1000770000:0: \S+ exited with code 1 before serving/);
    expect(outcome.detail).toMatch(/PermissionError: .*\/var\/lib\/app\/server\.pid/);
  });

  it("cap-drop-all: an app entrypoint that needs CAP_CHOWN", async () => {
    const outcome = await capDropAll(contexts["chowns-as-root"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/exited with code 1 before serving/);
    expect(outcome.detail).toMatch(/chown: changing ownership of '\/var\/lib\/app': Operation not permitted/);
  });

  it("cap-drop-all: a Caddy binary with the official image's file capability", async () => {
    const outcome = await capDropAll(contexts["caddy-file-capability"]!);
    expect(outcome.status).toBe("fail");
    // The runtime's refusal to exec the binary: as the engine's error, or as the container's only output.
    expect(outcome.detail).toMatch(/(could not start \S+ from|exited with code \d+ before serving)[\s\S]*exec \/usr\/bin\/caddy: operation not permitted/);
  });

  it("db-restart-under-load: an app that keeps one database connection for good (never reconnects)", async () => {
    const outcome = await dbRestartUnderLoad(contexts["stale-connection"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/the app did not answer every request with 2xx for 2 s within 10 s of PostgreSQL accepting connections again \(errors for \d+\.\d s, \d+ of \d+ requests failed; still failing: (POST|GET) \/visits at \d+\.\d s: 500/);
    expect(outcome.detail).toMatch(/Fix: check a pooled connection before use and reconnect \(SQLAlchemy: create_engine\(\.\.\., pool_pre_ping=True\)/);
  });

  it("db-restart-under-load: an app that answers 201 to a write that failed (acknowledged, never committed)", async () => {
    const outcome = await dbRestartUnderLoad(contexts["unacknowledged-loss"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/; the app served again, but .*GET \/visits counts (\d+) rows, but (\d+) writes were acknowledged .*It acknowledged writes it had not committed/);
  });

  it("proxy-upstream-down: a Caddy that retries a down upstream for 3 s", async () => {
    const outcome = await proxyUpstreamDown(contexts["caddy-slow-502"]!);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/with its upstream stopped, GET \/ through the proxy answered 502 in 3\d{3} ms/);
  });
});

/**
 * What `--jobs N` does to a cell's checks: they run side by side, but for those with a time bound
 * (timedChecks), which run alone (check-turns.ts): on this 2-core machine a build or eight containers
 * starting at once slowed uWSGI's shutdown past sigterm-graceful's 5 s (seen: 5.2 s on CI, 7.9 s
 * beside other builds). Here the timed checks run alone, above, and the others side by side.
 */
describe("side by side, two cells of 4 checks at a time, every check without a time bound gives the verdict it gives alone", () => {
  /** Each check without a time bound, on the image broken for it (above, each fails alone; the timed ones too). */
  const brokenFor: Array<[CheckName, string]> = [
    ["password-special-chars", "naive-database-url"],
    ["read-only-rootfs", "writes-app-dir"],
    ["arbitrary-uid", "fixed-uid"],
    ["cap-drop-all", "chowns-as-root"],
  ];

  it("every such runtime check on slim-uwsgi passes, measuring what it must, while each fails on its broken image, 4 at a time in each (runInLanes)", async () => {
    const names = (Object.keys(byName) as CheckName[]).filter((name) => !timedChecks.has(name));
    const [good, broken] = await Promise.all([
      runInLanes(names, 4, (name) => byName[name]!(contexts.uwsgi!)),
      runInLanes(
        brokenFor.map(([name]) => name),
        4,
        (name) => byName[name]!(contexts[brokenFor.find(([check]) => check === name)![1]]!),
      ),
    ]);
    expect(good.map((outcome, index) => `${names[index]} ${outcome.status}: ${outcome.detail.split("\n")[0]}`)).toEqual(names.map((name) => expect.stringMatching(new RegExp(`^${name} pass`))));
    good.forEach((outcome, index) => {
      const measured = passDetail[names[index]!];
      if (measured) expect(outcome.detail, names[index]).toMatch(measured);
    });
    expect(broken.map((outcome, index) => `${brokenFor[index]![0]} ${outcome.status}`)).toEqual(brokenFor.map(([name]) => `${name} fail`));
  });
});

describe("the other checks of a built cell, on these images and on fixtures broken for them", () => {
  const appUser = { uid: 10001, gid: 10001 };
  const caddyUser = { uid: 10002, gid: 10002 };

  it("non-root passes slim-uwsgi (id -u in the stack's app) and the caddy template (its image run alone)", async () => {
    for (const [context, expectedUser] of [[contexts.uwsgi!, appUser], [contexts.caddy!, caddyUser]] as const) {
      const outcome = await nonRoot({ ...context, expectedUser });
      expect(outcome.status, outcome.detail).toBe("pass");
      expect(outcome.detail).toBe(`configured user "${expectedUser.uid}:${expectedUser.gid}"; id -u in the running container is ${expectedUser.uid}`);
    }
  });

  it("non-root: an image whose USER is a name that its /etc/passwd gives uid 0", async () => {
    const outcome = await nonRoot({ ...contexts["caddy-user-named-root"]!, expectedUser: caddyUser });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toBe(`configured user "caddy-admin", but the running container's id -u is 0`);
  });

  it("non-root: an image whose uid is not the one its manifest promises", async () => {
    const outcome = await nonRoot({ ...contexts.caddy!, expectedUser: appUser });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toBe("the running container's id -u is 10002; the manifest promises 10001");
  });

  it("http-through-caddy passes on the app the images were built from", async () => {
    const outcome = await httpThroughCaddy({ stageDir: uwsgi.stageDir, staticDir: "static", stack: sharedStack, probe: sampleAppProbe });
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toMatch(/^GET \/ -> 200 with "Hello World From Docker!" and "PostgreSQL \d+(\.\d+)?"; GET \/static\/hello\.txt -> 200, 26 bytes identical to static\/hello\.txt$/);
  });

  it("http-through-caddy: the app's static file changed after the proxy image was built (Caddy serves the old one)", async () => {
    const app = join(scratch, "newer-static");
    await mkdir(join(app, "static"), { recursive: true });
    const newer = "Hello from a static file changed after the proxy image was built\n";
    await writeFile(join(app, "static", "hello.txt"), newer);
    const outcome = await httpThroughCaddy({ stageDir: app, staticDir: "static", stack: sharedStack, probe: sampleAppProbe });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/^GET \/ -> 200 with "Hello World From Docker!" and "PostgreSQL [\d.]+", but GET \/static\/hello\.txt answered 200 with 26 bytes; /);
    expect(outcome.detail.endsWith(`static/hello.txt has ${Buffer.byteLength(newer)}`), outcome.detail).toBe(true);
  });

  it("compose-up: a compose project whose app exits before it is healthy (its prestart hook fails)", async () => {
    const stageDir = join(scratch, "compose-app-exits");
    await mkdir(stageDir);
    await cp(join(fixturesDir, "compose-app-exits.yaml"), join(stageDir, "compose.yaml"));
    const compose = { file: "compose.yaml", env: { APP_IMAGE: uwsgi.image, CADDY_IMAGE: caddy.image } };
    const project = composeProjectOnFirstUse({ run, cellId: "fixture-compose-app-exits", stageDir, compose });
    try {
      const outcome = await composeUp({ compose, composeProject: project.get, probe: sampleAppProbe });
      expect(outcome.status).toBe("fail");
      expect(outcome.detail).toMatch(/^docker compose up did not bring the services up healthy:/);
      expect(outcome.detail).toMatch(/\ndependency failed to start: container dp-h5a-\S+-fixture-compose-app-exits-compose-app-1 exited \(3\)\n/);
      // The services' logs say why: the project is taken down only after they are read.
      expect(outcome.detail).toMatch(/--- service logs ---\n[^]*app-1 +\| prestart: the migrations failed/);
    } finally {
      await project.remove();
    }
  });

  it("onbuild-child: a base whose triggers copy the app but never install its dependencies", async () => {
    // The staged slim-uwsgi app (requirements style), with the broken base as docker/onbuild/Dockerfile.
    const stageDir = join(scratch, "onbuild-without-install");
    await cp(uwsgi.stageDir, stageDir, { recursive: true });
    await mkdir(join(stageDir, "docker", "onbuild"));
    await cp(join(fixturesDir, "onbuild-without-install.Dockerfile"), join(stageDir, "docker", "onbuild", "Dockerfile"));
    const outcome = await onbuildChild({
      cellId: "fixture-onbuild-without-install/py3.13-requirements",
      run,
      // The check names the base and the child after the cell's image; it removes both.
      image: fixtureTag("onbuild-without-install"),
      stageDir,
      buildArgs: { PYTHON_IMAGE: environment.imageFor("python:3.13-slim-trixie") },
      secretFiles: {},
      baseImageSource: "stand-ins",
      dependencyStyle: "requirements",
      variantId: "py3.13",
      expectedUser: appUser,
      stack: sharedStack,
      probe: sampleAppProbe,
      log: () => {},
    });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toBe("the child's triggers did not install the requirements style its staged app has (its build log says: nothing from install-dependencies)");
  });

  /** The deps-layer-cached fixture app in a folder of its own (the check changes its app.py), built once as `target`. */
  async function depsFixture(target: "deps-first" | "app-first") {
    const stageDir = join(scratch, `deps-${target}`);
    await cp(join(import.meta.dirname, "fixtures", "deps-layer-cached"), stageDir, { recursive: true });
    const request = { context: stageDir, target, tag: fixtureTag(`deps-${target}`), buildArgs: { PYTHON_IMAGE: environment.imageFor("python:3.13-slim-trixie") } };
    images.push(request.tag);
    await buildImage(request);
    return { stageDir, stepsAfterCode: [], rebuild: (changes: RebuildChanges = {}) => buildImage({ ...request, ...changes }) };
  }

  it("deps-layer-cached passes a Dockerfile that installs the dependency list before copying the code", async () => {
    const outcome = await depsLayerCached(await depsFixture("deps-first"));
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toMatch(/^after changing app\.py: all 1 RUN steps before the code cached, 1 COPY step\(s\) re-run; rebuild \d+\.\d s$/);
  });

  it("deps-layer-cached: a Dockerfile that copies the app before installing its dependencies", async () => {
    const outcome = await depsLayerCached(await depsFixture("app-first"));
    expect(outcome.status).toBe("fail");
    // The step, as the check names it (its first 80 characters).
    expect(outcome.detail).toMatch(/^a code-only change to app\.py re-ran: \[app-first\] RUN python -m pip install --no-cache-dir --no-index --requirement requiremen/);
  });
});
