import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnknownTemplateError } from "../../packages/harness/src/manifest/discover-templates.ts";
import { loadTemplate } from "../../packages/harness/src/manifest/load-manifest.ts";
import { readScaffoldRecord } from "../../packages/harness/src/scaffold/scaffold-record.ts";
import { fetchTemplatePackage, TemplateFetchError, TemplateVersionNotFoundError } from "../../packages/harness/src/template-source/fetch-template-package.ts";
import { loadTemplateSet } from "../../packages/harness/src/template-source/load-template-set.ts";
import { configuredNpmRegistry } from "../../packages/harness/src/template-source/npm-registry.ts";
import { makeTempDir } from "./fixtures/template-fixture.ts";
import { layOutAsPackage, webFiles, writeApp, writeTemplateCheckout } from "./fixtures/template-checkout.ts";

const cli = fileURLToPath(new URL("../../packages/cli/dist/main.js", import.meta.url));

interface Published {
  name: string;
  version: string;
  tarball: Buffer;
}

/**
 * A tiny npm registry: the packument and tarball of each published package (as npm pack and npm
 * install read them) and the search endpoint (as npm search reads it); it logs every request.
 */
function startRegistry(published: readonly Published[], requests: string[]): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const url = decodeURIComponent(request.url ?? "");
    requests.push(url);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = (body: unknown, status = 200) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (url.startsWith("/-/v1/search")) {
      const names = [...new Set(published.map((p) => p.name))];
      return json({ objects: names.map((name) => ({ package: { name, version: "1.0.0", maintainers: [], keywords: [], date: "2026-01-01T00:00:00.000Z", links: {} } })), total: names.length });
    }
    const tarball = published.find((p) => url === `/tarballs/${p.name}-${p.version}.tgz`);
    if (tarball) return response.end(tarball.tarball);
    const versions = published.filter((p) => url === `/${p.name}`);
    if (!versions.length) return json({ error: "not found" }, 404);
    json({
      name: versions[0]!.name,
      "dist-tags": { latest: versions.at(-1)!.version },
      versions: Object.fromEntries(
        versions.map((p) => [
          p.version,
          {
            name: p.name,
            version: p.version,
            dist: {
              tarball: `${base}/tarballs/${p.name}-${p.version}.tgz`,
              integrity: `sha512-${createHash("sha512").update(p.tarball).digest("base64")}`,
              shasum: createHash("sha1").update(p.tarball).digest("hex"),
            },
          },
        ]),
      ),
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })));
}

/** The template folder packed as npm packs it (package/...), gzipped. */
async function pack(templateDir: string, work: string): Promise<Buffer> {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await layOutAsPackage(templateDir, work);
  const file = join(work, "package.tgz");
  const tar = spawnSync("tar", ["-czf", file, "-C", work, "package"]);
  expect(tar.status).toBe(0);
  return readFile(file);
}

describe("templates from an npm registry (a tiny one on 127.0.0.1)", { timeout: 30_000 }, () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let registry: { server: Server; url: string };
  let app: string;
  let cacheDir: string;
  const requests: string[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    temp = await makeTempDir();
    // npm's own cache and user config for this test only: nothing outside the temp folder is read or written.
    process.env.npm_config_cache = join(temp.dir, "npm-cache");
    process.env.npm_config_userconfig = join(temp.dir, "npmrc");
    await writeFile(process.env.npm_config_userconfig, "");
    const older = await writeTemplateCheckout(join(temp.dir, "v1"));
    const files = webFiles();
    files["docker/Dockerfile"] += "# 1.1.0\n";
    const newer = await writeTemplateCheckout(join(temp.dir, "v2"), "1.1.0", files);
    const prerelease = await writeTemplateCheckout(join(temp.dir, "rc"), "1.2.3-rc.1");
    const published: Published[] = [
      { name: "@dockerize-python/template-web", version: "1.0.0", tarball: await pack(join(older, "templates", "web"), join(temp.dir, "pack")) },
      // Before 1.1.0: the last one listed is the latest, and a prerelease never is.
      { name: "@dockerize-python/template-web", version: "1.2.3-rc.1", tarball: await pack(join(prerelease, "templates", "web"), join(temp.dir, "pack")) },
      { name: "@dockerize-python/template-web", version: "1.1.0", tarball: await pack(join(newer, "templates", "web"), join(temp.dir, "pack")) },
      { name: "@dockerize-python/template-edge", version: "2.0.0", tarball: await pack(join(older, "templates", "edge"), join(temp.dir, "pack")) },
    ];
    registry = await startRegistry(published, requests);
    app = await writeApp(join(temp.dir, "app"));
    cacheDir = join(temp.dir, "cache");
  });

  afterAll(async () => {
    process.env = savedEnv;
    registry?.server.close();
    await temp.remove();
  });

  it("takes the registry npm is configured with, the scope's own first", async () => {
    process.env.npm_config_registry = registry.url.slice(0, -1);
    try {
      expect(await configuredNpmRegistry(app)).toBe(registry.url);
      const scoped = join(temp.dir, "scoped");
      await mkdir(scoped);
      await writeFile(join(scoped, ".npmrc"), "@dockerize-python:registry=http://127.0.0.1:9/scoped\n");
      expect(await configuredNpmRegistry(scoped)).toBe("http://127.0.0.1:9/scoped/");
    } finally {
      delete process.env.npm_config_registry;
    }
  });

  it("fetches the latest version, then the same exact version from the cache without asking the registry", async () => {
    const dir = await fetchTemplatePackage({ name: "web", version: "latest", registry: registry.url, cwd: app, cacheDir });
    const template = await loadTemplate(dir);
    expect(template.version).toBe("1.1.0");
    expect(await readFile(join(template.filesDir, "docker", "Dockerfile"), "utf8")).toContain("# 1.1.0\n");
    expect(requests).toContain("/tarballs/@dockerize-python/template-web-1.1.0.tgz");

    const asked = requests.length;
    expect(await fetchTemplatePackage({ name: "web", version: "1.1.0", registry: registry.url, cwd: app, cacheDir })).toBe(dir);
    expect(requests.length).toBe(asked);
    expect((await loadTemplate(await fetchTemplatePackage({ name: "web", version: "1.0.0", registry: registry.url, cwd: app, cacheDir }))).version).toBe("1.0.0");
  });

  it("takes a prerelease as an exact version (the cache serves it again), and 01.0.0 as npm reads it, a range resolved by the registry", async () => {
    const rc = await fetchTemplatePackage({ name: "web", version: "1.2.3-rc.1", registry: registry.url, cwd: app, cacheDir });
    expect((await loadTemplate(rc)).version).toBe("1.2.3-rc.1");
    const asked = requests.length;
    expect(await fetchTemplatePackage({ name: "web", version: "1.2.3-rc.1", registry: registry.url, cwd: app, cacheDir })).toBe(rc);
    expect(requests.length).toBe(asked);

    // Not a version (npm refuses a leading zero in one), so never looked up in the cache as one: npm decides.
    const zero = await fetchTemplatePackage({ name: "web", version: "01.0.0", registry: registry.url, cwd: app, cacheDir });
    expect(requests.length).toBeGreaterThan(asked);
    expect((await loadTemplate(zero)).version).toBe("1.0.0");
  });

  it("names the nearest published template for an unknown name, and says when a version does not exist", async () => {
    const unknown = await fetchTemplatePackage({ name: "wbe", version: "latest", registry: registry.url, cwd: app, cacheDir }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UnknownTemplateError);
    expect((unknown as Error).message).toContain('Unknown template "wbe". Did you mean "web"?\nKnown templates: edge, web.');

    const version = await fetchTemplatePackage({ name: "web", version: "9.9.9", registry: registry.url, cwd: app, cacheDir }).catch((e: unknown) => e);
    expect(version).toBeInstanceOf(TemplateVersionNotFoundError);
    expect((version as Error).message).toContain(`The registry ${registry.url} has no version "9.9.9" of @dockerize-python/template-web.`);
  });

  it("says which registry did not answer", async () => {
    const closed = await startRegistry([], []);
    closed.server.close();
    // npm retries a refused connection for half a minute by default; once is enough here.
    process.env.npm_config_fetch_retries = "0";
    const error = await fetchTemplatePackage({ name: "web", version: "latest", registry: closed.url, cwd: app, cacheDir })
      .catch((e: unknown) => e)
      .finally(() => delete process.env.npm_config_fetch_retries);
    expect(error).toBeInstanceOf(TemplateFetchError);
    expect((error as Error).message).toContain(`Could not fetch @dockerize-python/template-web from the npm registry ${closed.url}`);
  });

  it("loads a template with the proxy it runs behind from the registry", async () => {
    const set = await loadTemplateSet({ name: "web", source: { kind: "registry", registry: registry.url }, versions: { web: "1.0.0" }, cwd: app, cacheDir });
    expect(set.templates.map((template) => `${template.name}@${template.version}`)).toEqual(["web@1.0.0", "edge@2.0.0"]);
  });

  describe("through the CLI", () => {
    // Not spawnSync: the registry answers from this very process, whose event loop must keep running.
    const run = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const env = { ...process.env, DOCKERIZE_PYTHON_CACHE: cacheDir, npm_config_registry: registry.url };
        execFile(process.execPath, [cli, ...args], { encoding: "utf8", env }, (error, stdout, stderr) => {
          resolve({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
        });
      });
    beforeAll(() => {
      if (!existsSync(cli)) throw new Error(`${cli} does not exist. Fix: build first (pnpm exec turbo run build, from the repository root).`);
    });

    it("new copies a version from npm's configured registry and records it; diff then shows what the newest changes", async () => {
      const target = await writeApp(join(temp.dir, "cli-app"));
      const copied = await run("new", "web", target, "--version", "1.0.0");
      expect(copied.stderr).toContain(`Fetching web 1.0.0 from the npm registry ${registry.url}`);
      expect(copied.status, copied.stderr).toBe(0);
      expect(copied.stdout).toContain(`Copied web 1.0.0 (with edge 2.0.0) from the npm registry ${registry.url} into ${target}:\n`);
      expect(copied.stdout).toContain("  wrote    .env.example  (WSGI_APP=wsgi:app, DEPENDENCY_STYLE=requirements)\n");
      expect(copied.stdout).toContain("\n\nFound in the app:\n  - No static folder found");
      expect(copied.stdout).toContain("\n  - No PostgreSQL driver among the app's dependencies: compose.yaml gets no db service");
      expect(copied.stdout).toMatch(/\nNext, in .*cli-app:\n {2}cp \.env\.example \.env && docker compose up --build\n {2}dockerize-python verify\n$/);
      expect((await readScaffoldRecord(target)).source).toEqual({ kind: "registry", registry: registry.url });

      const refused = await run("new", "web", target);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain("dockerize-python: Nothing was copied: these 10 files exist");

      const diff = await run("diff", target);
      expect(diff.status, diff.stderr).toBe(0);
      expect(diff.stdout).toContain("  web: copied 1.0.0, compared with 1.1.0\n");
      expect(diff.stdout).toContain("+# 1.1.0\n");
      expect((await run("diff", target, "--to", "1.0.0")).stdout).toContain("Your app's template files are the same as the version compared with");
    });

    it("new takes the layout flags, and refuses their wrong values naming the fix, writing nothing", async () => {
      const target = await writeApp(join(temp.dir, "flagged-app"), { "requirements.txt": "flask\n", "wsgi.py": "app = None\n", "assets/site.css": "" });
      const from = ["--from", join(temp.dir, "v1")];
      const refusals: Array<[string[], string]> = [
        [["--database", "mysql"], "Fix: pass --database postgresql to keep the db service, or --database none"],
        [["--static-dir", "../elsewhere"], "--static-dir ../elsewhere: it leads out of the app (..)"],
        [["--static-dir", "public"], "is not a folder.\nFix: pass the folder that holds the app's static files"],
        [["--health-path", "healthz"], "Fix: pass the app's route as it is served, starting with /"],
        [["--writable", "/var/data"], "--writable /var/data: it is absolute"],
        [["--app", "wsgi:app", "--wsgi-app", "other:app"], "--wsgi-app is --app's older name: give one."],
      ];
      for (const [flags, message] of refusals) {
        const refused = await run("new", "web", target, ...from, ...flags);
        // A usage error exits 2, a refusal 1.
        expect(refused.status, flags.join(" ")).toBe(flags[0] === "--app" ? 2 : 1);
        expect(refused.stderr).toContain(message);
      }
      expect(await readdir(target)).not.toContain(".dockerize-python.json");

      const flagged = ["--static-dir", "assets", "--database", "postgresql", "--health-path", "/up", "--writable", "var", "--writable", "instance"];
      const copied = await run("new", "web", target, ...from, ...flagged);
      expect(copied.status, copied.stderr).toBe(0);
      expect(copied.stdout).toContain("  - Health route: /up, as given with --health-path: the health check asks it.\n");
      expect((await readScaffoldRecord(target)).settings).toEqual({ dependencyStyle: "requirements", wsgiApp: "wsgi:app", staticDir: "assets", staticRoot: null, database: "postgresql", healthPath: "/up", writableDirs: ["instance", "var"], writableFiles: [] });
      const none = await run("new", "web", target, ...from, "--force", "--static-dir", "none", "--writable", "none", "--app", "wsgi:create_app()");
      expect(none.status, none.stderr).toBe(0);
      expect((await readScaffoldRecord(target)).settings).toMatchObject({ staticDir: null, writableDirs: [], wsgiApp: "wsgi:create_app()" });
      const older = await run("new", "web", target, ...from, "--force", "--wsgi-app", "wsgi:app");
      expect(older.status, older.stderr).toBe(0);
      expect((await readScaffoldRecord(target)).settings).toMatchObject({ wsgiApp: "wsgi:app" });
    });

    it("new names the nearest template, and refuses a folder with no dependency file", async () => {
      const typo = await run("new", "wbe", join(temp.dir, "app"), "--registry", registry.url);
      expect(typo.status).toBe(1);
      expect(typo.stderr).toContain('Did you mean "web"?');
      const empty = join(temp.dir, "empty");
      await mkdir(empty);
      const none = await run("new", "web", empty);
      expect(none.status).toBe(1);
      expect(none.stderr).toContain("has no dependency file");
      expect((await run("new", "web", join(temp.dir, "missing"))).stderr).toContain("is not a folder");
    });
  });
});
