import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { MatrixReport } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..", "..");
const cli = join(repo, "packages", "cli", "dist", "main.js");

/** Runs the built CLI in `cwd`, as a user would, and returns what it printed. */
function dockerizePython(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

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
 * `dockerize-python new` then `dockerize-python verify`, as a user runs them: in an empty temp
 * folder holding only a copy of the sample app, the real CLI copies a template from this checkout,
 * then verifies the app with the template's checks (hermetic mode, the py3.13 variant: the matrix
 * covers the others), building from the app's own copies of the files. And `new` on an app that
 * has a Dockerfile of its own refuses, then with --force replaces only the template's files.
 */
describe("dockerize-python new, then verify, on a copy of the sample app", () => {
  let work: string;

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} does not exist. Fix: build first (pnpm exec turbo run build, from the repository root).`);
    work = await mkdtemp(join(tmpdir(), "dp-h4b-new-verify-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const newApp = async (name: string) => {
    const app = join(work, name, "app");
    await cp(join(repo, "sample-app"), app, { recursive: true });
    return app;
  };
  const readReport = async (app: string) => JSON.parse(await readFile(join(app, ".dockerize-python", "reports", "matrix.json"), "utf8")) as MatrixReport;

  it.each(["slim-uwsgi", "onbuild"])("%s: new copies it from the checkout, adapted to the app", async (template) => {
    const app = await newApp(template);
    const copied = dockerizePython(join(app, ".."), "new", template, "app", "--from", repo);
    expect(copied.status, copied.stderr).toBe(0);
    expect(copied.stdout).toContain(`Copied ${template} `);
    expect(copied.stdout).toContain("  wrote    .env.example  (WSGI_APP=wsgi:app, DEPENDENCY_STYLE=requirements)\n");
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

  it("verify builds the app's own, edited copies, runs the checks that need no sample route on it, and skips with the reason those that do", async () => {
    const app = await newApp("own-app");
    expect(dockerizePython(join(app, ".."), "new", "slim-uwsgi", "app", "--from", repo).status).toBe(0);
    // A user's app: another greeting, and an edit to the copied Dockerfile that the image must show.
    const code = join(app, "sample_app", "__init__.py");
    await writeFile(code, (await readFile(code, "utf8")).replaceAll("Hello World From Docker!", "Hello from my own app"));
    const dockerfile = join(app, "docker", "Dockerfile");
    await writeFile(dockerfile, `${await readFile(dockerfile, "utf8")}LABEL org.example.edited-by-user="yes"\n`);

    const verified = dockerizePython(app, "verify", "--mode", "hermetic", "--variant", "py3.13");
    expect(verified.status, `${verified.stdout}\n${verified.stderr}`).toBe(0);
    const [cell] = (await readReport(app)).cells;
    const skipped = cell!.checks.filter((check) => check.status === "skip");
    expect(skipped.map((check) => check.name)).toEqual(expect.arrayContaining(["password-special-chars", "data-survives-restart"]));
    for (const check of skipped) expect(check.detail).toMatch(/this app has not the sample app's routes/);
    // No HEALTHCHECK_URL in its .env.example: GET / is asked, and any answer below 500 counts.
    for (const name of ["http-through-caddy", "compose-up", "read-only-rootfs", "arbitrary-uid"]) {
      const check = cell!.checks.find((candidate) => candidate.name === name);
      expect(check?.status, `${name}: ${check?.detail}`).toBe("pass");
      expect(check?.detail).toMatch(/GET \/ -> \d+ \(any answer below 500: the app serves\)/);
    }
    expect(cell!.checks.find((check) => check.name === "non-root")?.status).toBe("pass");
    expect(cell!.checks.find((check) => check.name === "deps-layer-cached")?.status).toBe("pass");
    const labels = spawnSync("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", cell!.image], { encoding: "utf8" });
    expect(labels.stdout).toContain('"org.example.edited-by-user":"yes"');
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
    expect(refused.stderr).toContain("dockerize-python: Nothing was copied: these 3 files exist");
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
