import { mkdir, readFile, rename } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { discoverTemplates, expandMatrix, type MatrixReport } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runProcessWithExitCode } from "../../packages/harness/src/process/run-process.ts";
import { assertCliBuilt, cliPath } from "../unit/fixtures/run-cli.ts";
import { makeTempDir } from "../unit/fixtures/template-fixture.ts";
import { ensureActionlint } from "./fixtures/actionlint.ts";

const repo = resolve(import.meta.dirname, "..", "..");
const workflowFile = join(repo, ".github/workflows/matrix.yml");

/** What of a GitHub Actions workflow these tests read. */
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Workflow {
  jobs: { shard: { strategy: { matrix: { shard: number[] } }; steps: Step[] }; merge: { needs: string; steps: Step[] } };
}

/**
 * Cheap here and still spread over the shards: the caddy cells (lint only: their images are built
 * once and then cached) and Alpine's (skipped where no registry answers, as on this machine).
 */
const narrowing = "--cell 'caddy/*' --cell 'alpine/*' --check lint";

/** A step's command as it runs here: the built CLI for `pnpm exec dockerize-python`, the shard's index for the matrix's. */
const asRunHere = (run: string, shard?: number) => run.replaceAll("pnpm exec dockerize-python", `node ${cliPath}`).replaceAll("${{ matrix.shard }}", String(shard));

const bash = (command: string, cwd: string) => runProcessWithExitCode("bash", ["-c", command], { cwd, timeoutMs: 5 * 60_000 });

describe("the generated CI workflow (.github/workflows/matrix.yml)", () => {
  let actionlint: string;
  beforeAll(async () => {
    assertCliBuilt();
    actionlint = await ensureActionlint();
  });

  it("passes actionlint", async () => {
    const result = await bash(`${actionlint} ${workflowFile}`, repo);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("actionlint fails a broken workflow: a runs-on of a matrix key that is not there, a needs of no job", async () => {
    const result = await bash(`${actionlint} ${join(import.meta.dirname, "fixtures/ci-workflow/broken-matrix.yml")}`, repo);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('property "os" is not defined in object type {shard: number}');
    expect(result.stdout).toContain('job "merge" needs job "shards" which does not exist in this workflow');
  });

  describe("its shard commands, run here, then its merge command", () => {
    let temp: Awaited<ReturnType<typeof makeTempDir>>;
    let merged: MatrixReport;
    let unsharded: MatrixReport;
    let shards: number[];

    beforeAll(async () => {
      temp = await makeTempDir();
      const workflow = parse(await readFile(workflowFile, "utf8")) as Workflow;
      shards = workflow.jobs.shard.strategy.matrix.shard;
      const matrixRun = workflow.jobs.shard.steps.find((step) => step.run?.includes("dockerize-python matrix"))!.run!;
      const upload = workflow.jobs.shard.steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"))!.with!;
      const download = workflow.jobs.merge.steps.find((step) => step.uses?.startsWith("actions/download-artifact@"))!.with!;
      const mergeRun = workflow.jobs.merge.steps.find((step) => step.run?.includes("dockerize-python merge-reports"))!.run!;
      // CI runs the online matrix; here no registry answers: hermetic, which probes nothing (auto
      // probed the registry, PyPI and the Go module proxy again in each shard: ~3.5 s of its 5).
      expect(matrixRun).toContain("--mode online");
      for (const shard of shards) {
        const run = await bash(`${asRunHere(matrixRun, shard).replace("--mode online", "--mode hermetic")} ${narrowing}`, temp.dir);
        expect(run.exitCode, run.stderr).toBe(0);
        // What upload-artifact keeps and download-artifact lays out: the artifact's files under <path>/<name>/.
        const artifact = join(temp.dir, download.path!, asRunHere(upload.name!, shard));
        await mkdir(dirname(artifact), { recursive: true });
        await rename(join(temp.dir, asRunHere(upload.path!, shard)), artifact);
      }
      const merge = await bash(asRunHere(mergeRun), temp.dir);
      expect(merge.exitCode, merge.stderr).toBe(0);
      merged = JSON.parse(await readFile(join(temp.dir, "reports/merged/matrix.json"), "utf8")) as MatrixReport;

      // The shards run linux/amd64's cells (the emulated ones are in no shard): so does the whole run.
      expect(matrixRun).toContain("--platform linux/amd64");
      const whole = await bash(`node ${cliPath} matrix --mode hermetic --platform linux/amd64 ${narrowing} --report-dir unsharded`, temp.dir);
      expect(whole.exitCode, whole.stderr).toBe(0);
      unsharded = JSON.parse(await readFile(join(temp.dir, "unsharded/matrix.json"), "utf8")) as MatrixReport;
    });
    afterAll(async () => temp?.remove());

    it("run shards 1..N of one N, the N of --shard", async () => {
      const workflow = await readFile(workflowFile, "utf8");
      expect(shards).toEqual(Array.from({ length: shards.length }, (_, at) => at + 1));
      expect(workflow).toContain(`--shard \${{ matrix.shard }}/${shards.length} `);
    });

    it("merge into the cells and statuses of one unsharded run, complete", async () => {
      const outcome = (report: MatrixReport) => report.cells.toSorted((a, b) => a.id.localeCompare(b.id)).map((cell) => ({ id: cell.id, status: cell.status, checks: cell.checks.map((check) => [check.name, check.status]) }));
      expect(merged.complete).toBe(true);
      // Every linux/amd64 caddy and Alpine cell the manifests make, each in one shard.
      const narrowed = expandMatrix(await discoverTemplates(join(repo, "templates")), ["caddy", "alpine"]).filter((cell) => !cell.platform);
      expect(unsharded.cells.map((cell) => cell.id).sort()).toEqual(narrowed.map((cell) => cell.id).sort());
      expect(outcome(merged)).toEqual(outcome(unsharded));
    });

    it("lint a cell they cannot build: caddy2-plugins (no Go module proxy in hermetic mode) skips, its Caddyfiles validated", () => {
      const plugins = merged.cells.find((cell) => cell.id === "caddy/caddy2-plugins")!;
      expect(plugins.status).toBe("skip");
      expect(plugins.reason).toContain("no Go module proxy");
      expect(plugins.checks.map((check) => [check.name, check.status])).toEqual([["lint", "pass"]]);
      expect(plugins.checks[0]!.detail).toMatch(/[1-9]\d* Caddyfile\(s\): no findings/);
    });
  });
});
