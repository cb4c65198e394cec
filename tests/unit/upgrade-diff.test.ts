import { spawnSync } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scaffoldApp } from "../../packages/harness/src/scaffold/scaffold-app.ts";
import { defaultLayoutSettings } from "../../packages/harness/src/scaffold/app-settings.ts";
import { diffApp } from "../../packages/harness/src/upgrade/diff-app.ts";
import { renderAppDiff } from "../../packages/harness/src/upgrade/render-app-diff.ts";
import { unifiedDiff } from "../../packages/harness/src/upgrade/unified-diff.ts";
import { loadTemplateSet } from "../../packages/harness/src/template-source/load-template-set.ts";
import { makeTempDir } from "./fixtures/template-fixture.ts";
import { webFiles, writeApp, writeTemplateCheckout } from "./fixtures/template-checkout.ts";

describe("unifiedDiff", () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeEach(async () => {
    temp = await makeTempDir();
  });
  afterEach(() => temp.remove());

  /** What GNU diff -u prints for the same two texts. */
  async function gnuDiff(oldText: string, newText: string): Promise<string> {
    await writeFile(join(temp.dir, "old"), oldText);
    await writeFile(join(temp.dir, "new"), newText);
    return spawnSync("diff", ["-u", "--label", "a", "--label", "b", join(temp.dir, "old"), join(temp.dir, "new")], { encoding: "utf8" }).stdout;
  }

  /** Applies `diff` to `oldText` with patch(1) and returns the result. */
  async function applyPatch(oldText: string, diff: string): Promise<string> {
    const file = join(temp.dir, "target");
    await writeFile(file, oldText);
    const result = spawnSync("patch", ["--quiet", "--force", file], { input: diff, encoding: "utf8" });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    return readFile(file, "utf8");
  }

  const lines = (count: number, prefix = "line") => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}\n`).join("");

  it("is empty for equal texts", () => {
    expect(unifiedDiff("a\n", "a\n", "a", "b")).toBe("");
  });

  it.each([
    { name: "one line changed in the middle", old: lines(20), next: lines(20).replace("line 10\n", "line ten\n") },
    { name: "two changes six lines apart (one hunk, as diff joins them)", old: lines(30), next: lines(30).replace("line 5\n", "five\n").replace("line 12\n", "twelve\n") },
    { name: "two changes seven lines apart (two hunks)", old: lines(30), next: lines(30).replace("line 5\n", "five\n").replace("line 13\n", "thirteen\n") },
    { name: "lines added at the start and removed at the end", old: lines(10), next: `new 1\nnew 2\n${lines(8)}` },
    { name: "from nothing", old: "", next: lines(3) },
    { name: "to nothing", old: lines(3), next: "" },
    { name: "a final newline added", old: "a\nb", next: "a\nb\n" },
  ])("prints what diff -u prints: $name", async ({ old, next }) => {
    expect(unifiedDiff(old, next, "a", "b")).toBe(await gnuDiff(old, next));
  });

  it("turns the old text into the new one, by patch(1), on many edits", async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 25; round++) {
      const old = Array.from({ length: 5 + Math.floor(random() * 40) }, () => `${["FROM", "RUN", "COPY", "ENV", "#"][Math.floor(random() * 5)]} ${Math.floor(random() * 6)}\n`);
      const next = old.flatMap((line) => {
        const roll = random();
        if (roll < 0.15) return [];
        if (roll < 0.3) return [line, `ADDED ${Math.floor(random() * 3)}\n`];
        if (roll < 0.4) return [`CHANGED ${line}`];
        return [line];
      });
      const diff = unifiedDiff(old.join(""), next.join(""), "a", "b");
      expect(await applyPatch(old.join(""), diff), `round ${round}:\n${diff}`).toBe(next.join(""));
    }
  });

  it("diffs a 20,000-line file with a few changes far apart in small hunks, which patch(1) applies", async () => {
    // Changes near both ends leave ~19,800 lines between them: a table of old × new lines would be
    // ~392 million cells, where the diff used before gave up and replaced the whole file.
    const old = lines(20_000);
    const next = old.replace("line 100\n", "line one hundred\n").replace("line 10000\n", "").replace("line 19900\n", "line 19900\nadded\n");
    const diff = unifiedDiff(old, next, "a", "b");
    expect(diff.match(/^@@ /gm)).toHaveLength(3);
    expect(diff.split("\n").length).toBeLessThan(40);
    expect(diff).toBe(await gnuDiff(old, next));
    expect(await applyPatch(old, diff)).toBe(next);
  });
});

describe("dockerize-python diff: diffApp", () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let checkout: string;
  let app: string;

  beforeEach(async () => {
    temp = await makeTempDir();
    checkout = await writeTemplateCheckout(join(temp.dir, "repo"));
    app = await writeApp(join(temp.dir, "app"), { "pyproject.toml": "[project]\nname = 'x'\n", "wsgi.py": "app = object()\n" });
    const set = await loadTemplateSet({ name: "web", source: { kind: "checkout", path: checkout }, cwd: app });
    await scaffoldApp({ appDir: app, set, settings: { dependencyStyle: "pyproject", wsgiApp: "wsgi:app", ...defaultLayoutSettings }, force: false });
  });
  afterEach(() => temp.remove());

  it("finds nothing to change right after new: the settings new wrote are applied to the compared version too", async () => {
    const appDiff = await diffApp({ appDir: app });
    expect(appDiff.files.every((file) => file.sinceCopy === "unchanged" && file.againstNewest === "same")).toBe(true);
    expect(renderAppDiff(appDiff)).toContain("Your app's template files are the same as the version compared with (9 files).");
  });

  it("says what the compared version was adapted to, from the record, before the files", async () => {
    const text = renderAppDiff(await diffApp({ appDir: app }));
    expect(text).toContain("(the same version)\nAdapted as recorded: WSGI_APP=wsgi:app, pyproject, static static, PostgreSQL, health /healthz (default), nothing writable\n");
    // A version whose files carry what the layout adapts: a PostgreSQL block, the writable folders' line.
    const files = webFiles();
    files["compose.yaml"] += "  # >>> postgresql: removed for an app without PostgreSQL\n  db:\n    image: postgres:17\n  # <<< postgresql\n";
    files["docker/Dockerfile"] += "RUN link-writable-dirs\n";
    await rm(join(checkout, "templates"), { recursive: true });
    await writeTemplateCheckout(checkout, "1.0.0", files);
    const flaskr = { dependencyStyle: "requirements" as const, wsgiApp: "flaskr:create_app()", staticDir: "flaskr/static", staticRoot: null, database: "none" as const, healthPath: null, writableDirs: ["instance"], writableFiles: [] };
    const set = await loadTemplateSet({ name: "web", source: { kind: "checkout", path: checkout }, cwd: app });
    await scaffoldApp({ appDir: app, set, settings: flaskr, force: true });
    const adapted = await diffApp({ appDir: app });
    expect(adapted.settings).toEqual(flaskr);
    expect(await readFile(join(app, "compose.yaml"), "utf8")).not.toContain("db:");
    expect(await readFile(join(app, "docker", "Dockerfile"), "utf8")).toContain("\nRUN link-writable-dirs instance\n");
    expect(adapted.files.every((file) => file.againstNewest === "same")).toBe(true);
    expect(renderAppDiff(adapted)).toContain(
      "Adapted as recorded: WSGI_APP=flaskr:create_app(), requirements, static flaskr/static, no database, health /healthz (default), writable instance\n",
    );
    // A Django project on SQLite: its database file linked, as recorded, in the compared version too.
    const django = { ...flaskr, wsgiApp: "mysite.wsgi:application", staticDir: "static", writableDirs: [], writableFiles: ["db.sqlite3"] };
    await scaffoldApp({ appDir: app, set, settings: django, force: true });
    const onSqlite = await diffApp({ appDir: app });
    expect(onSqlite.settings).toEqual(django);
    expect(await readFile(join(app, "docker", "Dockerfile"), "utf8")).toContain("\nRUN link-writable-dirs --file db.sqlite3\n");
    expect(onSqlite.files.every((file) => file.againstNewest === "same")).toBe(true);
    expect(renderAppDiff(onSqlite)).toContain("no database, health /healthz (default), writable db.sqlite3\n");
  });

  it("shows the template's changes in version N+1, the user's edits, and the files added and removed", async () => {
    // The user edits the compose file and deletes .dockerignore.
    await writeFile(join(app, "compose.yaml"), `${await readFile(join(app, "compose.yaml"), "utf8")}  # my edit\n`);
    await rm(join(app, ".dockerignore"));
    // Version 1.1.0 changes the Dockerfile, adds a script and drops the entrypoint.
    const files = webFiles();
    files["docker/Dockerfile"] = files["docker/Dockerfile"]!.replace("RUN pip install flask", "RUN pip install --no-cache-dir flask");
    files["docker/healthcheck.sh"] = "#!/bin/sh\nexit 0\n";
    delete files["docker/entrypoint.sh"];
    await rm(join(checkout, "templates"), { recursive: true });
    await writeTemplateCheckout(checkout, "1.1.0", files);

    const appDiff = await diffApp({ appDir: app });
    expect(appDiff.templates).toEqual([
      { name: "web", copied: "1.0.0", newest: "1.1.0" },
      { name: "edge", copied: "2.0.0", newest: "2.0.0" },
    ]);
    const byPath = Object.fromEntries(appDiff.files.map((file) => [file.path, file]));
    expect(byPath["docker/Dockerfile"]).toMatchObject({ sinceCopy: "unchanged", againstNewest: "differs" });
    expect(byPath["docker/Dockerfile"]!.diff).toContain("--- app/docker/Dockerfile\n+++ web@1.1.0/docker/Dockerfile\n");
    expect(byPath["docker/Dockerfile"]!.diff).toContain("\n-RUN pip install flask\n+RUN pip install --no-cache-dir flask\n");
    expect(byPath["compose.yaml"]).toMatchObject({ sinceCopy: "edited", againstNewest: "differs" });
    expect(byPath["compose.yaml"]!.diff).toContain("\n-  # my edit\n");
    expect(byPath[".dockerignore"]).toMatchObject({ sinceCopy: "deleted", againstNewest: "differs" });
    expect(byPath[".dockerignore"]!.diff).toMatch(/^--- \/dev\/null\n/);
    expect(byPath["docker/healthcheck.sh"]).toMatchObject({ sinceCopy: "not-copied", againstNewest: "added" });
    expect(byPath["docker/entrypoint.sh"]).toMatchObject({ sinceCopy: "unchanged", againstNewest: "removed", diff: "" });
    expect(byPath[".env.example"]).toMatchObject({ sinceCopy: "unchanged", againstNewest: "same" });
    // The README changed with the version (its heading names it).
    expect(byPath["docker/README.md"]).toMatchObject({ againstNewest: "differs" });

    const text = renderAppDiff(appDiff);
    expect(text).toContain(`Comparing with the checkout ${checkout}:\n  web: copied 1.0.0, compared with 1.1.0\n  edge: copied 2.0.0, compared with 2.0.0 (the same version)\n`);
    expect(text).toContain("Changed in your app since it was copied:\n  compose.yaml\n");
    expect(text).toContain("Deleted from your app since it was copied:\n  .dockerignore\n");
    expect(text).toContain("New in the version compared with (not in your app yet):\n  docker/healthcheck.sh\n");
    expect(text).toContain("No longer in the version compared with:\n  docker/entrypoint.sh (delete it if nothing of yours uses it)\n");
    expect(text).toContain("5 file(s) differ from the version compared with; 4 are the same.");
  });
});
