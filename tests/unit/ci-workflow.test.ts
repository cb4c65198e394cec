import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { discoverTemplates, renderCiWorkflow, workspacePnpmVersion } from "@dockerize-python/harness";
import { assertCliBuilt, runCli } from "./fixtures/run-cli.ts";
import { makeTempDir } from "./fixtures/template-fixture.ts";

const repo = new URL("../..", import.meta.url).pathname;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(assertCliBuilt);
beforeEach(async () => (temp = await makeTempDir()));
afterEach(async () => temp.remove());

describe("dockerize-python ci-workflow", () => {
  it("is committed as the manifests give it", async () => {
    const committed = await readFile(join(repo, ".github/workflows/matrix.yml"), "utf8");
    expect(committed).toBe(renderCiWorkflow(await discoverTemplates(join(repo, "templates")), { pnpmVersion: await workspacePnpmVersion(repo) }));
  });

  it("changes with the manifests: templates fewer give fewer cells and shards", async () => {
    // Two fewer: the whole matrix (110 cells) is past the 20 shards' cap, and one fewer still is.
    const templates = await discoverTemplates(join(repo, "templates"));
    const fewer = renderCiWorkflow(templates.filter((template) => template.name !== "alpine" && template.name !== "slim-asgi"), { pnpmVersion: "12.21.0" });
    expect(fewer).toContain("# 56 cells in 14 parallel shard jobs");
    expect(fewer).toContain("shard: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]");
    expect(fewer).not.toContain("alpine/");
    expect(fewer).not.toContain("slim-asgi/");
  });

  it("keeps the emulated cells out of the shards: they run only the first platform's, and the header says how to run the others", async () => {
    const workflow = renderCiWorkflow(await discoverTemplates(join(repo, "templates")), { pnpmVersion: "12.21.0" });
    const shardLines = workflow.split("\n").filter((line) => line.startsWith("#   shard "));
    expect(shardLines.length).toBeGreaterThan(0);
    expect(shardLines.some((line) => line.includes("-arm64"))).toBe(false);
    expect(workflow).toContain("matrix --mode online --platform linux/amd64 --shard");
    expect(workflow).toMatch(/# The \d+ linux\/arm64 cells are in no shard: the arm64 job runs them natively on ubuntu-24\.04-arm \(matrix --platform linux\/arm64\)\./);
    // Their job: on GitHub's arm64 runner, every arm64 cell, its report kept.
    const job = workflow.split("\n  arm64:\n")[1]!;
    expect(job).toMatch(/^ {4}runs-on: ubuntu-24\.04-arm$/m);
    expect(job).toContain("- run: pnpm exec dockerize-python matrix --mode online --platform linux/arm64 --report-dir reports/arm64");
    expect(job).toContain("name: matrix-arm64");
  });

  it("--check exits 0 on the file it wrote, and 1 naming the fix once it differs or is missing", async () => {
    const file = join(temp.dir, "matrix.yml");
    expect(runCli(["ci-workflow", "--output", file]).status).toBe(0);
    expect(runCli(["ci-workflow", "--output", file, "--check"]).status).toBe(0);
    await writeFile(file, (await readFile(file, "utf8")).replace("shard: [1,", "shard: [0, 1,"));
    const differs = runCli(["ci-workflow", "--output", file, "--check"]);
    expect(differs.status).toBe(1);
    expect(differs.stderr).toContain(`${file} differs from what the manifests give`);
    expect(differs.stderr).toContain("Fix: run `pnpm exec dockerize-python ci-workflow` and commit .github/workflows/matrix.yml.");
    const missing = runCli(["ci-workflow", "--output", join(temp.dir, "none.yml"), "--check"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("none.yml does not exist.\nFix: ");
    // Four runs of the CLI: a second or more each on a busy machine.
  }, 30_000);
});
