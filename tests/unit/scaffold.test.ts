import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { adaptTemplateFile } from "../../packages/harness/src/scaffold/adapt-template-file.ts";
import type { AppSettings } from "../../packages/harness/src/scaffold/app-settings.ts";
import { UnclosedMarkedBlockError } from "../../packages/harness/src/scaffold/remove-marked-blocks.ts";
import { defaultLayoutSettings } from "../../packages/harness/src/scaffold/app-settings.ts";
import { nextCommands } from "../../packages/harness/src/scaffold/next-commands.ts";
import { scaffoldApp, ScaffoldWouldOverwriteError } from "../../packages/harness/src/scaffold/scaffold-app.ts";
import { formatScaffoldRecord, InvalidScaffoldRecordError, NoScaffoldRecordError, readScaffoldRecord, scaffoldRecordFile, sha256 } from "../../packages/harness/src/scaffold/scaffold-record.ts";
import { loadTemplateSet, type TemplateSet } from "../../packages/harness/src/template-source/load-template-set.ts";
import { UnknownTemplateError } from "../../packages/harness/src/manifest/discover-templates.ts";
import { fixtureDotEnv, writeApp, writeTemplateCheckout } from "./fixtures/template-checkout.ts";
import { makeTempDir, validManifest } from "./fixtures/template-fixture.ts";
import type { TemplateManifest } from "../../packages/harness/src/manifest/schema.ts";

const settings = { dependencyStyle: "requirements" as const, wsgiApp: "wsgi:app", ...defaultLayoutSettings };

/** Every file under `dir` with its bytes and mtime, to prove what was and was not touched. */
async function snapshot(dir: string): Promise<Map<string, { bytes: string; mtimeMs: number }>> {
  const files = new Map<string, { bytes: string; mtimeMs: number }>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), { bytes: (await readFile(path)).toString("base64"), mtimeMs: (await stat(path)).mtimeMs });
  }
  return files;
}

describe("dockerize-python new: scaffoldApp", () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let checkout: string;
  let app: string;
  let set: TemplateSet;

  beforeEach(async () => {
    temp = await makeTempDir();
    checkout = await writeTemplateCheckout(join(temp.dir, "repo"));
    app = await writeApp(join(temp.dir, "app"));
    set = await loadTemplateSet({ name: "web", source: { kind: "checkout", path: checkout }, cwd: app });
  });
  afterEach(() => temp.remove());

  it("loads the template and the proxy it runs behind from a checkout, the one asked for first", () => {
    expect(set.templates.map((template) => `${template.name}@${template.version}`)).toEqual(["web@1.0.0", "edge@2.0.0"]);
  });

  it("takes a template package's folder as a checkout too (its siblings are the other templates)", async () => {
    const fromPackage = await loadTemplateSet({ name: "web", source: { kind: "checkout", path: join(checkout, "templates", "web") }, cwd: app });
    expect(fromPackage.templates.map((template) => template.name)).toEqual(["web", "edge"]);
  });

  it("names the nearest template for an unknown name", async () => {
    const error = await loadTemplateSet({ name: "wbe", source: { kind: "checkout", path: checkout }, cwd: app }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownTemplateError);
    expect((error as Error).message).toContain('Unknown template "wbe". Did you mean "web"?');
  });

  it("copies every template file and the READMEs beside their Dockerfiles, adapted, and records each file's sha256", async () => {
    const result = await scaffoldApp({ appDir: app, set, settings, force: false });
    expect(result.files.map((file) => file.path).sort()).toEqual([
      ".dockerignore",
      ".env.example",
      "compose.yaml",
      "docker/Dockerfile",
      "docker/README.md",
      "docker/edge/Caddyfile",
      "docker/edge/Dockerfile",
      "docker/edge/README.md",
      "docker/entrypoint.sh",
    ]);
    expect(result.files.every((file) => !file.replaced)).toBe(true);
    expect(await readFile(join(app, "docker", "README.md"), "utf8")).toBe("# web 1.0.0\n");
    expect((await stat(join(app, "docker", "entrypoint.sh"))).mode & 0o777).toBe(0o755);

    const dotEnv = await readFile(join(app, ".env.example"), "utf8");
    expect(dotEnv).toContain("\nWSGI_APP=wsgi:app\n");
    expect(dotEnv.trimEnd().endsWith("DEPENDENCY_STYLE=requirements")).toBe(true);
    expect(result.files.find((file) => file.path === ".env.example")?.changes).toEqual(["WSGI_APP=wsgi:app", "DEPENDENCY_STYLE=requirements"]);

    const record = await readScaffoldRecord(app);
    expect(record).toMatchObject({
      recordVersion: 1,
      template: "web",
      source: { kind: "checkout", path: checkout },
      templates: [
        { name: "web", package: "@dockerize-python/template-web", version: "1.0.0" },
        { name: "edge", package: "@dockerize-python/template-edge", version: "2.0.0" },
      ],
      settings,
    });
    expect(Object.keys(record.files).sort()).toEqual(result.files.map((file) => file.path).sort());
    for (const [path, copied] of Object.entries(record.files)) expect(copied.sha256, path).toBe(sha256(await readFile(join(app, path))));
    expect(record.files["docker/edge/README.md"]).toMatchObject({ template: "edge", from: "README.md" });
    expect(record.files["docker/Dockerfile"]).toMatchObject({ template: "web", from: "files/docker/Dockerfile" });
  });

  it("refuses when a template file exists: writes nothing, leaves it byte-identical and names it", async () => {
    const own = "FROM python:3.13-slim\n# my own Dockerfile\n";
    await writeApp(app, { "docker/Dockerfile": own, "compose.yaml": "services: {}\n" });
    const before = await snapshot(app);

    const error = await scaffoldApp({ appDir: app, set, settings, force: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScaffoldWouldOverwriteError);
    expect((error as ScaffoldWouldOverwriteError).existing).toEqual(["compose.yaml", "docker/Dockerfile"]);
    expect((error as Error).message).toMatch(/^Nothing was copied: these 2 files exist in .* and would be overwritten:\n {2}compose\.yaml\n {2}docker\/Dockerfile\n/);
    expect((error as Error).message).toContain("Fix: run again with --force");
    expect((error as Error).message).toContain("dockerize-python new web <dir>");
    expect(await snapshot(app)).toEqual(before);
    expect(await readFile(join(app, "docker", "Dockerfile"), "utf8")).toBe(own);
  });

  it("refuses when only the record exists (a template was copied before)", async () => {
    await writeFile(join(app, scaffoldRecordFile), "{}\n");
    const error = await scaffoldApp({ appDir: app, set, settings, force: false }).catch((e: unknown) => e);
    expect((error as ScaffoldWouldOverwriteError).existing).toEqual([scaffoldRecordFile]);
  });

  it("with force, replaces only the template's files: the app's own files are untouched and nothing is deleted", async () => {
    await writeApp(app, { "docker/Dockerfile": "FROM scratch\n", "docker/notes.txt": "mine\n", "static/site.css": "body{}\n", ".env": "SECRET=1\n" });
    const before = await snapshot(app);
    const result = await scaffoldApp({ appDir: app, set, settings, force: true });

    expect(result.files.filter((file) => file.replaced).map((file) => file.path)).toEqual(["docker/Dockerfile"]);
    const after = await snapshot(app);
    const templatePaths = new Set([...result.files.map((file) => file.path), scaffoldRecordFile]);
    for (const [path, file] of before) {
      expect(after.has(path), `${path} was deleted`).toBe(true);
      if (!templatePaths.has(path)) expect(after.get(path), `${path} was touched`).toEqual(file);
    }
    expect([...after.keys()].filter((path) => !before.has(path)).sort()).toEqual([...templatePaths].filter((path) => path !== "docker/Dockerfile").sort());
    expect(await readFile(join(app, "docker", "Dockerfile"), "utf8")).toContain("ARG DEPENDENCY_STYLE=auto");
  });

  it("refuses a folder where the template has a file, even with force", async () => {
    await mkdir(join(app, "compose.yaml"));
    await expect(scaffoldApp({ appDir: app, set, settings, force: true })).rejects.toThrow(/compose\.yaml is a folder, where web has a file/);
  });

  it("records every setting it adapted to, and reads a record written before the layout settings as what it was adapted to then", async () => {
    const layout = { dependencyStyle: "requirements" as const, wsgiApp: "flaskr:create_app()", staticDir: "flaskr/static", staticRoot: null, database: "none" as const, healthPath: "/health", writableDirs: ["instance"], writableFiles: [] };
    await scaffoldApp({ appDir: app, set, settings: layout, force: false });
    expect((await readScaffoldRecord(app)).settings).toEqual(layout);
    const record = JSON.parse(await readFile(join(app, scaffoldRecordFile), "utf8"));
    record.settings = { dependencyStyle: "requirements", wsgiApp: "wsgi:app" };
    await writeFile(join(app, scaffoldRecordFile), formatScaffoldRecord(record));
    expect((await readScaffoldRecord(app)).settings).toEqual({ dependencyStyle: "requirements", wsgiApp: "wsgi:app", ...defaultLayoutSettings });
    // A record written before writable files: none; and one whose files are not a list is refused.
    record.settings = { ...layout, writableFiles: undefined };
    await writeFile(join(app, scaffoldRecordFile), formatScaffoldRecord(record));
    expect((await readScaffoldRecord(app)).settings).toEqual(layout);
    record.settings = { ...layout, writableFiles: "db.sqlite3" };
    await writeFile(join(app, scaffoldRecordFile), formatScaffoldRecord(record));
    await expect(readScaffoldRecord(app)).rejects.toThrow(/settings\.writableFiles/);
  });

  it("says how to proceed when there is no record, or a broken one", async () => {
    await expect(readScaffoldRecord(app)).rejects.toBeInstanceOf(NoScaffoldRecordError);
    await writeFile(join(app, scaffoldRecordFile), JSON.stringify({ recordVersion: 1, template: "web" }));
    const error = await readScaffoldRecord(app).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidScaffoldRecordError);
    expect((error as Error).message).toContain("source: missing");
  });

  it("prints the two next commands from the manifest", () => {
    const web = set.templates[0]!;
    expect(nextCommands(web.manifest, [".env.example"])).toEqual(["cp .env.example .env && docker compose up --build", "dockerize-python verify"]);
    expect(nextCommands({ ...web.manifest, compose: "deploy/compose.prod.yaml" }, [])).toEqual(["docker compose -f deploy/compose.prod.yaml up --build", "dockerize-python verify"]);
    expect(nextCommands({ ...web.manifest, compose: undefined }, [])[0]).toBe("docker build -f docker/Dockerfile .");
  });
});

describe("adaptTemplateFile", () => {
  const manifest = { ...validManifest("web"), buildArgs: { DEPENDENCY_STYLE: { description: "x", role: "option", default: "auto" } } } as unknown as TemplateManifest;

  it("writes WSGI_APP and DEPENDENCY_STYLE into .env.example, and the same settings give the same bytes", () => {
    const first = adaptTemplateFile(".env.example", Buffer.from(fixtureDotEnv), { ...settings, dependencyStyle: "pyproject", wsgiApp: "mysite.wsgi:application" }, manifest);
    const text = first.content.toString();
    expect(text).toContain("\nWSGI_APP=mysite.wsgi:application\n");
    expect(text).toMatch(/\n\n# Where the app declares its dependencies[^\n]*\n(# [^\n]*\n)+DEPENDENCY_STYLE=pyproject\n$/);
    // Adapting the adapted file again changes nothing: the DEPENDENCY_STYLE line is replaced, not added twice.
    const again = adaptTemplateFile(".env.example", first.content, { ...settings, dependencyStyle: "pyproject", wsgiApp: "mysite.wsgi:application" }, manifest);
    expect(again.content.toString()).toBe(text);
  });

  it("quotes an app factory's arguments: single quotes in .env, JSON quotes in a Dockerfile", () => {
    const target = 'app:create_app("production")';
    const dotEnv = adaptTemplateFile(".env.example", Buffer.from("WSGI_APP=wsgi:app\n"), { ...settings, dependencyStyle: null, wsgiApp: target }, manifest);
    expect(dotEnv.content.toString()).toBe(`WSGI_APP='${target}'\n`);
    const child = adaptTemplateFile("docker/Dockerfile", Buffer.from("FROM base:1\nENV WSGI_APP=wsgi:app\nUSER 1:1\n"), { ...settings, dependencyStyle: null, wsgiApp: target }, manifest);
    expect(child.content.toString()).toBe('FROM base:1\nENV WSGI_APP="app:create_app(\\"production\\")"\nUSER 1:1\n');
  });

  it("leaves a multi-line ENV, other files and a template without DEPENDENCY_STYLE as they are", () => {
    const multiLine = Buffer.from("FROM base:1\nENV PATH=/x \\\n    WSGI_APP=wsgi:app\n");
    expect(adaptTemplateFile("docker/Dockerfile", multiLine, settings, manifest)).toEqual({ content: multiLine, changes: [] });
    const script = Buffer.from("#!/bin/sh\nWSGI_APP=wsgi:app\n");
    expect(adaptTemplateFile("docker/entrypoint.sh", script, settings, manifest).content).toBe(script);
    const noArg = { ...manifest, buildArgs: {} } as TemplateManifest;
    expect(adaptTemplateFile(".env.example", Buffer.from("WSGI_APP=wsgi:app\n"), settings, noArg).changes).toEqual(["WSGI_APP=wsgi:app"]);
  });
});

describe("adaptTemplateFile: the app's layout", () => {
  const manifest = validManifest("web") as unknown as TemplateManifest;
  const layout: AppSettings = { dependencyStyle: null, wsgiApp: null, staticDir: "flaskr/static", staticRoot: null, database: "none", healthPath: "/health", writableDirs: ["instance", "var/uploads"], writableFiles: [] };
  const dotEnv = [
    "WSGI_APP=wsgi:app",
    "# >>> postgresql: dockerize-python new removes this block for an app that does not use PostgreSQL",
    "DATABASE_HOST=db",
    "DATABASE_NAME=app",
    "# <<< postgresql",
    "# The health check's URL, inside the container.",
    "# HEALTHCHECK_URL=http://127.0.0.1:8000/healthz",
    "",
  ].join("\n");
  const compose = [
    "services:",
    "  app:",
    "    environment:",
    "      WORKERS: 2",
    "      # >>> postgresql: dockerize-python new removes this block for an app that does not use PostgreSQL",
    "      DATABASE_HOST: db",
    "      # <<< postgresql",
    "    depends_on:",
    "      proxy: {condition: service_started}",
    "  # >>> postgresql: the database",
    "  db:",
    "    image: postgres:17",
    "  # <<< postgresql",
    "volumes:",
    "  app-data:",
    "",
  ].join("\n");
  const appDockerfile = "FROM base:1\n# Each folder the app writes into becomes a link into APP_DATA_DIR.\nRUN link-writable-dirs\nUSER 1:1\n";
  const proxyDockerfile = "ARG CADDY_IMAGE=caddy:2\nFROM ${CADDY_IMAGE}\nARG STATIC_DIR=static\nCOPY ${STATIC_DIR}/ /srv/static/\n";
  const proxyIgnore = "*\n!docker/caddy/Caddyfile\n!static/\n";
  const rootIgnore = ".env\n.git\n";

  /** Adapts, then adapts the result again: the second pass must change no byte. */
  function adaptTwice(path: string, text: string, settings: AppSettings = layout) {
    const first = adaptTemplateFile(path, Buffer.from(text), settings, manifest);
    expect(adaptTemplateFile(path, first.content, settings, manifest).content.toString(), `${path} adapted again`).toBe(first.content.toString());
    return { text: first.content.toString(), changes: first.changes };
  }

  it("takes the PostgreSQL blocks, marker lines included, out of .env.example and the compose file for an app without a database", () => {
    const env = adaptTwice(".env.example", dotEnv);
    expect(env.text).toBe("WSGI_APP=wsgi:app\n# The health check's URL, inside the container.\nHEALTHCHECK_URL=http://127.0.0.1:8000/health\n");
    expect(env.changes).toEqual(["HEALTHCHECK_URL=http://127.0.0.1:8000/health", "1 database block removed"]);
    const composed = adaptTwice("compose.yaml", compose);
    expect(composed.text).toBe("services:\n  app:\n    environment:\n      WORKERS: 2\n    depends_on:\n      proxy: {condition: service_started}\nvolumes:\n  app-data:\n");
    expect(composed.changes).toEqual(["2 database blocks removed"]);
  });

  it("leaves them for an app with PostgreSQL, and the health check's default for an app without a health route", () => {
    const withDatabase = { ...layout, database: "postgresql" as const, healthPath: null };
    expect(adaptTemplateFile(".env.example", Buffer.from(dotEnv), withDatabase, manifest)).toEqual({ content: Buffer.from(dotEnv), changes: [] });
    expect(adaptTemplateFile("compose.yaml", Buffer.from(compose), withDatabase, manifest).changes).toEqual([]);
    // Only the template's compose file and .env.example carry the blocks.
    expect(adaptTemplateFile("docker/notes.yaml", Buffer.from(compose), layout, manifest).changes).toEqual([]);
  });

  it("throws on an unclosed block: a broken template", () => {
    expect(() => adaptTemplateFile("compose.yaml", Buffer.from("services:\n  # >>> postgresql: the database\n  db: {}\n"), layout, manifest)).toThrow(UnclosedMarkedBlockError);
  });

  it("names the writable folders on the app Dockerfile's link-writable-dirs line and in the root .dockerignore only", () => {
    const dockerfile = adaptTwice("docker/Dockerfile", appDockerfile);
    expect(dockerfile.text).toContain("\nRUN link-writable-dirs instance var/uploads\n");
    expect(dockerfile.changes).toEqual(["link-writable-dirs instance var/uploads"]);
    const ignore = adaptTwice(".dockerignore", rootIgnore);
    expect(ignore.text).toMatch(/^\.env\n\.git\n\n(# [^\n]*\n)+instance\nvar\/uploads\n$/);
    expect(ignore.text).toContain("a development database say");
    expect(ignore.changes).toEqual(["ignores instance var/uploads"]);
    // Other folders give another block in place of the first, never a second one.
    const other = adaptTemplateFile(".dockerignore", Buffer.from(ignore.text), { ...layout, writableDirs: ["var"] }, manifest).content.toString();
    expect(other).toMatch(/^\.env\n\.git\n\n(# [^\n]*\n)+var\n$/);
    const nothing = { ...layout, writableDirs: [] };
    expect(adaptTemplateFile("docker/Dockerfile", Buffer.from(appDockerfile), nothing, manifest).changes).toEqual([]);
    expect(adaptTemplateFile(".dockerignore", Buffer.from(rootIgnore), nothing, manifest).changes).toEqual([]);
  });

  it("links a writable file with --file after the folders, and leaves it and SQLite's files beside it out of the root .dockerignore", () => {
    const django = { ...layout, writableDirs: ["media"], writableFiles: ["db.sqlite3"] };
    const dockerfile = adaptTwice("docker/Dockerfile", appDockerfile, django);
    expect(dockerfile.text).toContain("\nRUN link-writable-dirs media --file db.sqlite3\n");
    expect(dockerfile.changes).toEqual(["link-writable-dirs media --file db.sqlite3"]);
    const ignore = adaptTwice(".dockerignore", rootIgnore, { ...django, writableDirs: [] });
    expect(ignore.text).toMatch(/^\.env\n\.git\n\n(# [^\n]*\n)+db\.sqlite3\ndb\.sqlite3-\*\n$/);
    expect(ignore.changes).toEqual(["ignores db.sqlite3 db.sqlite3-*"]);
  });

  it("writes the static folder into the proxy's Dockerfile and its own .dockerignore; static and none leave them", () => {
    const dockerfile = adaptTwice("docker/caddy/Dockerfile", proxyDockerfile);
    expect(dockerfile.text).toBe("ARG CADDY_IMAGE=caddy:2\nFROM ${CADDY_IMAGE}\nARG STATIC_DIR=flaskr/static\nCOPY ${STATIC_DIR}/ /srv/static/\n");
    expect(dockerfile.changes).toEqual(["STATIC_DIR=flaskr/static"]);
    const ignore = adaptTwice("docker/caddy/Dockerfile.dockerignore", proxyIgnore);
    expect(ignore.text).toBe("*\n!docker/caddy/Caddyfile\n!flaskr/static/\n");
    expect(ignore.changes).toEqual(["!flaskr/static/"]);
    for (const staticDir of ["static", null]) {
      expect(adaptTemplateFile("docker/caddy/Dockerfile", Buffer.from(proxyDockerfile), { ...layout, staticDir }, manifest).changes).toEqual([]);
      expect(adaptTemplateFile("docker/caddy/Dockerfile.dockerignore", Buffer.from(proxyIgnore), { ...layout, staticDir }, manifest).changes).toEqual([]);
    }
  });

  it("writes a Django app's STATIC_ROOT, under the image's /app, into the proxy's Dockerfile", () => {
    const collecting = `ARG STATIC_ROOT=""\n${proxyDockerfile}`;
    const dockerfile = adaptTwice("docker/caddy/Dockerfile", collecting, { ...layout, staticDir: "static", staticRoot: "staticfiles" });
    expect(dockerfile.text).toBe(`ARG STATIC_ROOT=/app/staticfiles\n${proxyDockerfile}`);
    expect(dockerfile.changes).toEqual(["STATIC_ROOT=/app/staticfiles"]);
    expect(adaptTemplateFile("docker/caddy/Dockerfile", Buffer.from(collecting), { ...layout, staticRoot: null }, manifest).changes).toEqual(["STATIC_DIR=flaskr/static"]);
  });
});
