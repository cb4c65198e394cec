import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sbomComplete } from "../../packages/harness/src/checks/sbom-complete.ts";
import { buildImage } from "../../packages/harness/src/docker/build-image.ts";
import { inspectImage } from "../../packages/harness/src/docker/inspect-image.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { runProcess } from "../../packages/harness/src/process/run-process.ts";
import { ensureSyft } from "../../packages/harness/src/sbom/syft.ts";
import { writeImageSbom } from "../../packages/harness/src/sbom/write-image-sbom.ts";
import { prepareBuildEnvironment } from "../../packages/harness/src/sources/prepare-build-environment.ts";
import { newRunIdentity, removeRunResources } from "../../packages/harness/src/stack/run-labels.ts";

/**
 * sbom-complete on two small fixture images (tests/e2e/fixtures/sbom-complete), called as the matrix
 * runner calls it: a venv image passes; the same venv with a distribution Python finds but no
 * scanner sees (its metadata in a zip on sys.path) fails, naming it. On the templates' own images
 * it runs in foreign-apps.test.ts (every check of slim-gunicorn, slim-uwsgi and onbuild, from PyPI).
 * syft is built here once (go install, minutes cold) into the harness cache, where every later
 * run, and the CLI's verify in foreign-apps.test.ts, finds it. The SBOM `dockerize-python sbom`
 * writes is read back by syft itself (as CycloneDX), beside its provenance record.
 */
const fixtureDir = resolve(import.meta.dirname, "fixtures", "sbom-complete");
const run = newRunIdentity();
const targets = ["venv", "zipped-distribution"] as const;
const tagOf = (target: string) => `dp-e2e-sbom-complete/${target}:${run.id}`;
const goModules = { kind: "proxy" as const, reason: "this machine's go command and its Go module proxy (go env GOPROXY)" };

beforeAll(async () => {
  const started = performance.now();
  await ensureSyft((line) => console.log(`[sbom-complete] ${line}`));
  console.log(`[sbom-complete] syft ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const environment = await prepareBuildEnvironment("hermetic", [{ images: ["python:3.13-slim-trixie"] }], () => {});
  const buildArgs = { PYTHON_IMAGE: environment.imageFor("python:3.13-slim-trixie") };
  for (const target of targets) await buildImage({ context: fixtureDir, dockerfile: join(fixtureDir, "Dockerfile"), target, tag: tagOf(target), buildArgs });
});

afterAll(async () => {
  await removeRunResources(run);
  for (const target of targets) await runDocker(["rmi", tagOf(target)]).catch(() => {});
});

function contextFor(target: string) {
  return { image: tagOf(target), cellId: `sbom-${target}`, run, goModules, log: (message: string) => console.log(`[sbom-complete ${target}] ${message}`) };
}

describe("sbom-complete", () => {
  it("passes an image whose every dpkg package and venv distribution is in its SBOM", async () => {
    const outcome = await sbomComplete(contextFor("venv"));
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toMatch(/the image has [1-9]\d+ dpkg packages and [1-9]\d* Python distributions of \/opt\/venv \(a venv\)/);
  });

  it("fails an image with a distribution the SBOM cannot see, naming it with its version, and the fix", async () => {
    const outcome = await sbomComplete(contextFor("zipped-distribution"));
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/^the SBOM misses 1 installed package\(s\): python hidden-dist 1\.0: missing;/);
    expect(outcome.detail).toContain("Fix:");
  });
});

describe("the SBOM and provenance dockerize-python sbom writes", () => {
  it("is SPDX JSON that syft reads back, with a provenance record of the image beside it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dp-e2e-sbom-"));
    try {
      const written = await writeImageSbom({ image: tagOf("venv"), output: join(dir, "venv.spdx.json"), dockerfile: join(fixtureDir, "Dockerfile") });
      expect(written.provenanceFile).toBe(join(dir, "venv.provenance.json"));
      expect(written.counts.deb).toBeGreaterThan(50);
      expect(written.counts.python).toBeGreaterThan(0);
      const { stdout } = await runProcess(await ensureSyft(), ["convert", written.sbomFile, "--output", "cyclonedx-json", "--quiet"], { env: { ...process.env, SYFT_CHECK_FOR_APP_UPDATE: "false" } });
      const components = (JSON.parse(stdout) as { components: Array<{ name: string; purl?: string }> }).components;
      expect(components.some((component) => component.purl?.startsWith("pkg:pypi/pip@"))).toBe(true);
      const statement = JSON.parse(await readFile(written.provenanceFile, "utf8"));
      expect(statement.subject[0].digest.sha256).toBe((await inspectImage(tagOf("venv"))).id.replace(/^sha256:/, ""));
      expect(statement.predicate.buildDefinition.resolvedDependencies[0]).toMatchObject({ name: "base image" });
      expect(statement.predicate.runDetails.byproducts[0]).toMatchObject({ name: "sbom", uri: "venv.spdx.json" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
