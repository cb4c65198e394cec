import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertCliBuilt, runCli } from "../unit/fixtures/run-cli.ts";

const repo = resolve(import.meta.dirname, "..", "..");

/** Runs the built CLI in `cwd`, as a user would. */
const dockerizePython = (cwd: string, ...args: string[]) => runCli(args, {}, 60_000, cwd);

/** Every file under `dir` with its bytes and mtime. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), `${(await readFile(path)).toString("base64")} ${(await stat(path)).mtimeMs}`);
  }
  return files;
}

/**
 * `dockerize-python new`, as a user runs it: in an empty temp
 * folder holding only a copy of the sample app, the real CLI copies a template from this checkout,
 * adapted to the app. And `new` on an app that has a Dockerfile of its own refuses, then with
 * --force replaces only the template's files. `verify` on apps that are not the sample app, building
 * the user's own edited copies, is foreign-apps.test.ts's.
 */
describe("dockerize-python new on a copy of the sample app", () => {
  let work: string;

  beforeAll(async () => {
    assertCliBuilt();
    work = await mkdtemp(join(tmpdir(), "dp-h4b-new-verify-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const newApp = async (name: string) => {
    const app = join(work, name, "app");
    await cp(join(repo, "sample-apps", "flask"), app, { recursive: true });
    return app;
  };

  it.each(["slim-uwsgi", "onbuild"])("%s: new copies it from the checkout, adapted to the app", async (template) => {
    const app = await newApp(template);
    const copied = dockerizePython(join(app, ".."), "new", template, "app", "--from", repo);
    expect(copied.status, copied.stderr).toBe(0);
    expect(copied.stdout).toContain(`Copied ${template} `);
    expect(copied.stdout).toContain("  wrote    .env.example  (WSGI_APP=wsgi:app, DEPENDENCY_STYLE=requirements, HEALTHCHECK_URL=http://127.0.0.1:8000/healthz)\n");
    expect(copied.stdout).toContain("Next, in app:\n  cp .env.example .env && docker compose up --build\n  dockerize-python verify\n");
    const record = JSON.parse(await readFile(join(app, ".dockerize-python.json"), "utf8"));
    expect(record).toMatchObject({ template, source: { kind: "checkout", path: repo }, settings: { dependencyStyle: "requirements", wsgiApp: "wsgi:app" } });
    // The README beside the Dockerfile the manifest builds (docker/onbuild/ for the onbuild base).
    const readme = template === "onbuild" ? "docker/onbuild/README.md" : "docker/README.md";
    expect(Object.keys(record.files)).toEqual(expect.arrayContaining(["docker/Dockerfile", "compose.yaml", "docker/caddy/Caddyfile", "docker/caddy/README.md", readme]));
    if (template === "onbuild") expect(await readFile(join(app, "docker", "Dockerfile"), "utf8")).toMatch(/^ENV WSGI_APP=wsgi:app$/m);

    // `verify` on a fresh copy of each is proven once, from the published packages, in
    // release-rehearsal.test.ts (the same command on the same files; CI's time is spent once).
  });

  it("new refuses an app with a Dockerfile of its own and leaves it byte-identical; with --force it replaces only the template's files", async () => {
    const app = await newApp("has-dockerfile");
    const own = "FROM python:3.13-slim\nCOPY . /app\n";
    await writeFile(join(app, "Dockerfile"), own);
    await cp(join(repo, "templates", "slim-uwsgi", "files", "docker"), join(app, "docker"), { recursive: true });
    await writeFile(join(app, "docker", "Dockerfile"), own);
    const before = await snapshot(app);

    const refused = dockerizePython(app, "new", "slim-uwsgi", "--from", repo);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe("");
    // Every file of the template's docker/ folder is there now (a copy, as an app that had them).
    const copiedFiles = (await readdir(join(app, "docker"))).length;
    expect(refused.stderr).toContain(`dockerize-python: Nothing was copied: these ${copiedFiles} files exist`);
    expect(refused.stderr).toMatch(/\n {2}docker\/Dockerfile\n/);
    expect(refused.stderr).toContain("Fix: run again with --force");
    expect(await snapshot(app)).toEqual(before);

    const forced = dockerizePython(app, "new", "slim-uwsgi", "--from", repo, "--force");
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("  replaced docker/Dockerfile\n");
    const after = await snapshot(app);
    const record = JSON.parse(await readFile(join(app, ".dockerize-python.json"), "utf8")) as { files: Record<string, unknown> };
    const templateFiles = new Set([...Object.keys(record.files), ".dockerize-python.json"]);
    for (const [path, file] of before) {
      expect(after.has(path), `${path} was deleted`).toBe(true);
      if (!templateFiles.has(path)) expect(after.get(path), `${path} was changed`).toBe(file);
    }
    // The app's own root Dockerfile is no template file: untouched.
    expect(await readFile(join(app, "Dockerfile"), "utf8")).toBe(own);
    expect(await readFile(join(app, "docker", "Dockerfile"), "utf8")).not.toBe(own);
  });
});
