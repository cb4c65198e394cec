import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertClientsUseRegistry, clientEnvironment, npmrcFor, RegistryLeakError } from "../../packages/release/src/registry-clients.ts";
import { assertPublishedLocally, NotPublishedLocallyError } from "../../packages/release/src/registry-storage.ts";
import { type LocalNpmRegistry, startVerdaccio } from "../../packages/release/src/start-verdaccio.ts";
import { makeTempDir } from "./fixtures/template-fixture.ts";

const bin = fileURLToPath(new URL("../../packages/release/dist/main.js", import.meta.url));
const runRelease = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

describe("dockerize-python-release: the command line", () => {
  it.each([
    { args: [], message: "only --dry-run is supported: a real release is `pnpm run version-packages`, a commit, then `pnpm run release`." },
    { args: ["--dry-run", "--bump", "huge"], message: '--bump must be one of patch, minor, major, not "huge".' },
    { args: ["--dry-run", "--mode", "fast"], message: '--mode must be one of auto, hermetic, online, not "fast".' },
    { args: ["--dry-run", "--fast"], message: "Unknown option '--fast'" },
  ])("$args exits 2 saying: $message", ({ args, message }) => {
    const result = runRelease(...args);
    expect(result.stderr).toContain(`dockerize-python-release: ${message}`);
    expect(result.stderr).toContain("Usage: dockerize-python-release --dry-run [options]");
    expect(result.status).toBe(2);
  });

  it("answers --help with its usage", () => {
    const result = runRelease("--help");
    expect(result.stdout).toMatch(/^Usage: dockerize-python-release --dry-run \[options\]/);
    expect(result.status).toBe(0);
  });
});

describe("the rehearsal's registry (Verdaccio, started for real: no Docker)", () => {
  it("listens on a port of 127.0.0.1 the OS gave it, creates a publisher, logs to its file, and stops", async () => {
    const temp = await makeTempDir();
    const registry = await startVerdaccio({ dir: temp.dir, localPackages: ["@dockerize-python/*"] });
    try {
      expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const whoami = await request(`${registry.url}-/whoami`, { headers: { authorization: `Bearer ${registry.token}` } });
      expect(await whoami.body.json()).toEqual({ username: "release-rehearsal" });
      // No uplink: a name that was not published here is not found, never fetched.
      const missing = await request(`${registry.url}@dockerize-python%2fharness`);
      await missing.body.dump();
      expect(missing.statusCode).toBe(404);
    } finally {
      await registry.stop();
    }
    expect(await readFile(registry.logFile, "utf8")).toContain(`{"listening":${new URL(registry.url).port}}`);
    await expect(request(`${registry.url}-/ping`)).rejects.toThrow();
    await temp.remove();
  });

  it("is stopped when it does not answer in time, and the error shows the end of its log", async () => {
    const temp = await makeTempDir();
    const attempt = startVerdaccio({ dir: temp.dir, localPackages: [], readyTimeoutMs: 1 });
    await expect(attempt).rejects.toThrow(/^Verdaccio did not answer within 0\.001 s: it has not said which port it listens on\n--- Verdaccio's log \(.*verdaccio\.log\) ---\n/);
    await temp.remove();
  });
});

describe("the rehearsal's registry clients", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dockerize-python-release-unit-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const registry = (port: number): LocalNpmRegistry => ({ url: `http://127.0.0.1:${port}/`, storageDir: join(dir, "storage"), token: "t0ken", logFile: join(dir, "verdaccio.log"), stop: async () => {} });

  it("name the local registry for every package and our scope, with a token only for it", () => {
    expect(npmrcFor(registry(4873))).toBe("registry=http://127.0.0.1:4873/\n@dockerize-python:registry=http://127.0.0.1:4873/\n//127.0.0.1:4873/:_authToken=t0ken\n");
  });

  it("run without the caller's npm settings, and npm and pnpm both confirm the local registry", async () => {
    process.env.npm_config_registry = "http://127.0.0.1:9/";
    try {
      const env = await clientEnvironment(registry(4873), join(dir, "npmrc"));
      expect(env.npm_config_registry).toBe("http://127.0.0.1:4873/");
      expect(env.pnpm_config_registry).toBe("http://127.0.0.1:4873/");
      expect(await assertClientsUseRegistry(dir, env, registry(4873))).toEqual([
        "npm registry = http://127.0.0.1:4873/",
        "npm @dockerize-python:registry = http://127.0.0.1:4873/",
        "pnpm registry = http://127.0.0.1:4873/",
        "pnpm @dockerize-python:registry = http://127.0.0.1:4873/",
      ]);
    } finally {
      delete process.env.npm_config_registry;
    }
  });

  it("stop the rehearsal when a project's .npmrc sends our scope elsewhere", async () => {
    const env = await clientEnvironment(registry(4873), join(dir, "npmrc"));
    await writeFile(join(dir, ".npmrc"), "@dockerize-python:registry=http://127.0.0.1:9/\n");
    const attempt = assertClientsUseRegistry(dir, env, registry(4873));
    await expect(attempt).rejects.toThrow(RegistryLeakError);
    await expect(attempt).rejects.toThrow("npm would use http://127.0.0.1:9/ for @dockerize-python:registry, not the rehearsal's local registry http://127.0.0.1:4873/");
  });
});

describe("the proof from the local registry's storage", () => {
  let dir: string;
  let registry: LocalNpmRegistry;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dockerize-python-storage-unit-"));
    registry = { url: "http://127.0.0.1:4873/", storageDir: join(dir, "storage"), token: "t", logFile: join(dir, "verdaccio.log"), stop: async () => {} };
    await writeFile(registry.logFile, `${JSON.stringify({ sub: "out", request: { method: "GET", url: "https://upstream.invalid/zod" } })}\n`);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A package as Verdaccio stores one published to it (an attachment, no uplink), or one it proxied. */
  async function store(name: string, version: string, how: "published" | "proxied", tarballBytes = Buffer.from(`${name}@${version}`)): Promise<void> {
    const folder = join(registry.storageDir, name);
    await mkdir(folder, { recursive: true });
    const file = `${name.split("/").pop()}-${version}.tgz`;
    const shasum = createHash("sha1").update(Buffer.from(`${name}@${version}`)).digest("hex");
    await writeFile(join(folder, file), tarballBytes);
    const metadata =
      how === "published"
        ? { versions: { [version]: { dist: { shasum } } }, _attachments: { [file]: { shasum, version } }, _uplinks: {}, _distfiles: {} }
        : { versions: { [version]: { dist: { shasum } } }, _attachments: {}, _uplinks: { upstream: { fetched: 1 } }, _distfiles: { [file]: { url: "x", sha: shasum } } };
    await writeFile(join(folder, "package.json"), JSON.stringify(metadata));
  }

  it("accepts packages published here, beside third-party ones fetched through the uplink", async () => {
    await store("dockerize-python", "0.2.0", "published");
    await store("@dockerize-python/harness", "0.2.0", "published");
    await store("zod", "4.6.7", "proxied");
    const published = await assertPublishedLocally(registry, [
      { name: "dockerize-python", version: "0.2.0" },
      { name: "@dockerize-python/harness", version: "0.2.0" },
    ]);
    expect(published.map((pkg) => `${pkg.name}@${pkg.version}`)).toEqual(["dockerize-python@0.2.0", "@dockerize-python/harness@0.2.0"]);
  });

  it("rejects a package that came through the uplink, one missing, a corrupt tarball and an extra publish", async () => {
    await store("dockerize-python", "0.2.0", "proxied");
    await store("@dockerize-python/harness", "0.2.0", "published", Buffer.from("not the published bytes"));
    await store("@dockerize-python/tests", "0.1.0", "published");
    const attempt = assertPublishedLocally(registry, [
      { name: "dockerize-python", version: "0.2.0" },
      { name: "@dockerize-python/harness", version: "0.2.0" },
      { name: "@dockerize-python/template-caddy", version: "0.2.0" },
    ]);
    await expect(attempt).rejects.toThrow(NotPublishedLocallyError);
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).toContain("dockerize-python: came through an uplink (upstream)");
    expect(message).toContain("dockerize-python@0.2.0: not published here");
    expect(message).toMatch(/@dockerize-python\/harness@0\.2\.0: the stored tarball's sha1 [0-9a-f]{40} is not the published/);
    expect(message).toContain("@dockerize-python/template-caddy: nothing stored");
    expect(message).toContain("@dockerize-python/tests: published here but not a public package of the workspace");
  });

  it("rejects a run in which the registry asked its uplink for one of our names", async () => {
    await store("dockerize-python", "0.2.0", "published");
    await writeFile(registry.logFile, `not json\n${JSON.stringify({ sub: "out", request: { method: "GET", url: "https://upstream.invalid/@dockerize-python%2fharness" } })}\n`);
    await expect(assertPublishedLocally(registry, [{ name: "dockerize-python", version: "0.2.0" }])).rejects.toThrow(
      "the registry asked its uplink for https://upstream.invalid/@dockerize-python%2fharness",
    );
  });
});
