import { PassThrough } from "node:stream";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkWsgiApp } from "@dockerize-python/harness";
import { defaultLayoutSettings } from "../../packages/harness/src/scaffold/app-settings.ts";
import { askOnTerminal } from "../../packages/cli/src/ask-on-terminal.ts";
import { sampleAppRoutesNeeded } from "../../packages/harness/src/checks/registry.ts";
import { scaffoldApp } from "../../packages/harness/src/scaffold/scaffold-app.ts";
import { NoScaffoldRecordError } from "../../packages/harness/src/scaffold/scaffold-record.ts";
import { loadTemplateSet } from "../../packages/harness/src/template-source/load-template-set.ts";
import { sampleAppProbe } from "../../packages/harness/src/matrix/run-matrix.ts";
import { stackDatabase, stackDatabaseEnvironment } from "../../packages/harness/src/stack/start-stack.ts";
import { type AppEnvFile, appEnvironment, readAppEnvFile } from "../../packages/harness/src/verify-app/app-environment.ts";
import { appProbe, InvalidHealthcheckUrlError } from "../../packages/harness/src/verify-app/choose-app-probe.ts";
import { dotenvValues } from "../../packages/harness/src/verify-app/dotenv-values.ts";
import { hasSampleAppRoutes, sampleRouteSkips } from "../../packages/harness/src/verify-app/sample-routes.ts";
import { MissingTemplateFileError, RecordedVersionUnavailableError, servedKindOf, verifyApp } from "../../packages/harness/src/verify-app/verify-app.ts";
import { makeTempDir } from "./fixtures/template-fixture.ts";
import { writeApp, writeTemplateCheckout } from "./fixtures/template-checkout.ts";

describe("dockerize-python verify, before anything is built", () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let checkout: string;
  let app: string;
  const verify = () => verifyApp({ appDir: app, reportDir: join(temp.dir, "reports"), mode: "hermetic" }, () => {});

  beforeEach(async () => {
    temp = await makeTempDir();
    checkout = await writeTemplateCheckout(join(temp.dir, "repo"));
    app = await writeApp(join(temp.dir, "app"));
  });
  afterEach(() => temp.remove());

  const copy = async () => {
    const set = await loadTemplateSet({ name: "web", source: { kind: "checkout", path: checkout }, cwd: app });
    await scaffoldApp({ appDir: app, set, settings: { dependencyStyle: "requirements", wsgiApp: "wsgi:app", ...defaultLayoutSettings }, force: false });
  };

  it("needs the record new writes", async () => {
    const error = await verify().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoScaffoldRecordError);
    expect((error as Error).message).toContain("Fix: run dockerize-python new <template> in the app first");
  });

  it("refuses a checkout that moved on to another version: its checks are not the copied version's", async () => {
    await copy();
    await rm(join(checkout, "templates"), { recursive: true });
    await writeTemplateCheckout(checkout, "1.1.0");
    const error = await verify().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordedVersionUnavailableError);
    expect((error as Error).message).toContain(`The app was copied from web 1.0.0, but the checkout ${checkout} has web 1.1.0`);
  });

  it("builds the app's own copies, so a Dockerfile removed from the app is an error, not a fresh copy", async () => {
    await copy();
    await rm(join(app, "docker", "Dockerfile"));
    const error = await verify().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingTemplateFileError);
    expect((error as Error).message).toContain("has no docker/Dockerfile, which web builds from");
  });

  it("tells an app with the sample app's routes from one without: source files only, environments ignored", async () => {
    expect(await hasSampleAppRoutes(app)).toBe(false);
    await writeApp(app, { ".venv/lib/site.py": 'print("Hello World From Docker!")\n', "README.md": "Hello World From Docker!\n" });
    expect(await hasSampleAppRoutes(app)).toBe(false);
    await writeApp(app, { "web/views.py": 'GREETING = "Hello World From Docker!"\n' });
    expect(await hasSampleAppRoutes(app)).toBe(true);
  });

  it("skips only the checks that need the sample app's own routes, each naming the route it needs", () => {
    const skips = sampleRouteSkips();
    expect(Object.keys(skips).sort()).toEqual(Object.keys(sampleAppRoutesNeeded).sort());
    expect(skips["password-special-chars"]).toMatch(/^skipped: this check needs a route that shows the database's version .*: the sample app's GET \/, answering "PostgreSQL <version>", /);
    expect(skips["data-survives-restart"]).toMatch(/^skipped: this check needs the sample app's POST \/visits \(adds a row to the database\) and GET \/visits \(counts the rows\), /);
    for (const reason of Object.values(skips)) expect(reason).toMatch(/which this app does not have \(none of its Python files answers the sample app's greeting\); the other checks ran on it$/);
  });
});

describe("dotenvValues", () => {
  it.each([
    ["WSGI_APP=wsgi:app\n", "wsgi:app"],
    ["WSGI_APP=wsgi:app   # the default\n", "wsgi:app"],
    ["export WSGI_APP='app:create_app(\"x\")'\n", 'app:create_app("x")'],
    ['WSGI_APP="a:b"\n', "a:b"],
    ["WSGI_APP=a:b\nWSGI_APP=c:d\n", "c:d"],
    ["# WSGI_APP=a:b\n", undefined],
  ])("reads %j as %j", (text, expected) => {
    expect(dotenvValues(text).get("WSGI_APP")).toBe(expected);
  });

  it("reads every variable of a file, comments and blank lines aside", () => {
    const text = "# PostgreSQL\nDATABASE_HOST=db\n\nDATABASE_PASSWORD='P@ss:w/rd %#?$x'\nexport FLASK_DEBUG=0 # off\n";
    expect(Object.fromEntries(dotenvValues(text))).toEqual({ DATABASE_HOST: "db", DATABASE_PASSWORD: "P@ss:w/rd %#?$x", FLASK_DEBUG: "0" });
  });
});

describe("how verify runs a user's app", () => {
  const envFile = (name: AppEnvFile["name"], values: Record<string, string>): AppEnvFile => ({ name, values: new Map(Object.entries(values)) });

  it("reads the app's .env, else its .env.example, as compose would after cp .env.example .env", async () => {
    const temp = await makeTempDir();
    try {
      expect(await readAppEnvFile(temp.dir)).toBeUndefined();
      await writeApp(temp.dir, { ".env.example": "WSGI_APP=example:app\n" });
      expect(await readAppEnvFile(temp.dir)).toEqual(envFile(".env.example", { WSGI_APP: "example:app" }));
      await writeApp(temp.dir, { ".env": "WSGI_APP=own:app\n" });
      expect(await readAppEnvFile(temp.dir)).toEqual(envFile(".env", { WSGI_APP: "own:app" }));
    } finally {
      await temp.remove();
    }
  });

  it("serves the app as its own kind, of those the template serves (one cell per variant, no -<kind> in its id)", async () => {
    const temp = await makeTempDir();
    try {
      const flask = join(temp.dir, "flask");
      await writeApp(flask, { "app.py": "from flask import Flask\napp = Flask(__name__)\n" });
      const django = join(temp.dir, "django");
      await writeApp(django, { "manage.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_conf.settings")\n', "site_conf/settings.py": "" });
      const unknown = join(temp.dir, "unknown");
      await writeApp(unknown, { "app.py": "def app(environ, start_response): ...\n" });
      expect(await servedKindOf(flask, ["wsgi", "django"])).toBe("wsgi");
      expect(await servedKindOf(django, ["wsgi", "django"])).toBe("django");
      // A Django project on a template that names no django kind is served as its main kind.
      expect(await servedKindOf(django, ["wsgi"])).toBe("wsgi");
      expect(await servedKindOf(unknown, ["asgi", "django"])).toBe("asgi");
      expect(await servedKindOf(unknown, undefined)).toBeUndefined();
    } finally {
      await temp.remove();
    }
  });

  it("gives the app every variable of its env file but the database's, which are the stack's", () => {
    const file = envFile(".env", { DATABASE_HOST: "db.example.com", DATABASE_PASSWORD: "theirs", FLASK_SECRET_KEY: "k", HEALTHCHECK_URL: "http://127.0.0.1:8000/health", WSGI_APP: "web:create_app()" });
    expect(appEnvironment(file, "wsgi:app")).toEqual({ FLASK_SECRET_KEY: "k", HEALTHCHECK_URL: "http://127.0.0.1:8000/health", WSGI_APP: "web:create_app()" });
    // As the stack's app container gets it: the stack's database first, the app's own after.
    const inStack = { ...stackDatabaseEnvironment, ...appEnvironment(file, "wsgi:app") };
    expect([inStack.DATABASE_HOST, inStack.DATABASE_PASSWORD]).toEqual(["db", stackDatabase.password]);
  });

  it("takes WSGI_APP from the env file, else the recorded one, else none", () => {
    expect(appEnvironment(envFile(".env", { FLASK_DEBUG: "0" }), "wsgi:app")).toEqual({ FLASK_DEBUG: "0", WSGI_APP: "wsgi:app" });
    expect(appEnvironment(undefined, "wsgi:app")).toEqual({ WSGI_APP: "wsgi:app" });
    expect(appEnvironment(undefined, null)).toEqual({});
  });

  it("probes what the user gave, else the sample app's greeting, else the health route of HEALTHCHECK_URL, else GET / (any answer below 500)", () => {
    const given = { path: "/status", text: "ok", showsDatabaseVersion: false };
    const withHealth = envFile(".env.example", { HEALTHCHECK_URL: "http://127.0.0.1:8000/health?full=1" });
    expect(appProbe({ given, hasSampleAppRoutes: true, envFile: withHealth })).toBe(given);
    expect(appProbe({ hasSampleAppRoutes: true, envFile: withHealth })).toBe(sampleAppProbe);
    expect(appProbe({ hasSampleAppRoutes: false, envFile: withHealth })).toEqual({ path: "/health?full=1", showsDatabaseVersion: false });
    expect(appProbe({ hasSampleAppRoutes: false, envFile: envFile(".env", { WSGI_APP: "wsgi:app" }) })).toEqual({ path: "/", showsDatabaseVersion: false });
    expect(appProbe({ hasSampleAppRoutes: false })).toEqual({ path: "/", showsDatabaseVersion: false });
  });

  it("refuses a HEALTHCHECK_URL that is no URL, naming the file and the fix", () => {
    const probe = () => appProbe({ hasSampleAppRoutes: false, envFile: envFile(".env", { HEALTHCHECK_URL: "/health" }) });
    expect(probe).toThrow(InvalidHealthcheckUrlError);
    expect(probe).toThrow(/^HEALTHCHECK_URL in \.env is "\/health", which is not a URL: .*\nFix: set it to the URL of the app's health route inside the container/);
  });
});

describe("askOnTerminal", () => {
  const terminal = () => {
    const input = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 }) as unknown as NodeJS.WriteStream;
    let shown = "";
    (output as unknown as PassThrough).on("data", (chunk: Buffer) => (shown += chunk.toString()));
    let typed = 0;
    /** Types a line once the prompt for it is shown, as a person would (readline drops lines typed ahead). */
    const type = async (line: string) => {
      typed += 1;
      while ((shown.match(/\[1\]: /g) ?? []).length < typed) await new Promise((resolve) => setTimeout(resolve, 5));
      (input as unknown as PassThrough).write(`${line}\n`);
    };
    return { input, output, shown: () => shown, type };
  };

  it("asks nothing when there is no terminal", () => {
    const input = new PassThrough() as unknown as NodeJS.ReadStream;
    expect(askOnTerminal(input, process.stderr)).toBeUndefined();
  });

  it("takes Enter as the default, a number as a choice, and asks again after a wrong answer", async () => {
    const t = terminal();
    const ask = askOnTerminal(t.input, t.output)!;
    const question = { message: "Which?", choices: ["requirements", "pyproject"], allowOther: false, check: (value: string) => value };
    const first = ask(question);
    await t.type("");
    expect(await first).toBe("requirements");
    const second = ask(question);
    await t.type("3");
    await t.type("2");
    expect(await second).toBe("pyproject");
    expect(t.shown()).toContain("Which?\n  1) requirements (default)\n  2) pyproject\n");
    expect(t.shown()).toContain("Answer with a number from 1 to 2.");
  });

  // checkWsgiApp from the built harness, as the CLI has it: its errors are the CLI's ExplainedError.
  it("takes a typed WSGI target when it is one, and says why when it is not", async () => {
    const t = terminal();
    const answer = askOnTerminal(t.input, t.output)!({ message: "What should the server serve?", choices: ["wsgi:app"], allowOther: true, check: checkWsgiApp });
    await t.type("app.py");
    await t.type("web:create_app()");
    expect(await answer).toBe("web:create_app()");
    expect(t.shown()).toContain('"app.py" is not a WSGI target');
  });
});
