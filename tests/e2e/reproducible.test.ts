import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RebuildChanges } from "../../packages/harness/src/checks/check.ts";
import { reproducible } from "../../packages/harness/src/checks/reproducible.ts";
import { buildImage } from "../../packages/harness/src/docker/build-image.ts";
import { imageExists } from "../../packages/harness/src/docker/inspect-image.ts";
import { prepareBuildEnvironment } from "../../packages/harness/src/sources/prepare-build-environment.ts";

/**
 * The reproducible check on two small fixture images (tests/e2e/fixtures/reproducible), called as
 * the matrix runner calls it: one whose two builds differ only in build-time mtimes passes (this
 * engine's classic image store cannot clamp them, so the IDs differ and the check compares the
 * files), one that writes the date fails, naming the file. A template cell's own two builds take
 * minutes from a clean cache: `dockerize-python matrix --cell <cell> --check reproducible` runs them.
 */
const fixtureDir = resolve(import.meta.dirname, "fixtures", "reproducible");
let pythonImage: string;

beforeAll(async () => {
  const environment = await prepareBuildEnvironment("hermetic", [{ images: ["python:3.13-slim-trixie"] }], () => {});
  pythonImage = environment.imageFor("python:3.13-slim-trixie");
});

/** The check's context for one target of the fixture Dockerfile; its builds under the check's own tags. */
function contextFor(target: string) {
  const image = `dp-e2e-reproducible/${target}:latest`;
  const buildArgs = { PYTHON_IMAGE: pythonImage };
  const log = (message: string) => console.log(`[reproducible ${target}] ${message}`);
  const rebuild = (changes: RebuildChanges = {}) => buildImage({ context: fixtureDir, dockerfile: join(fixtureDir, "Dockerfile"), target, tag: image, buildArgs, ...changes });
  return { image, buildArgs, rebuild, log };
}

afterAll(async () => {
  // The check removes its own two images; this proves it.
  for (const target of ["stable", "writes-date"]) {
    for (const n of [1, 2]) expect(await imageExists(`dp-e2e-reproducible/${target}:latest-reproducible-${n}`)).toBe(false);
  }
});

describe("reproducible", () => {
  it("passes two builds that differ only in mtimes later than SOURCE_DATE_EPOCH", async () => {
    const outcome = await reproducible(contextFor("stable"));
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toMatch(/the image IDs .* differ only in [1-9]\d* mtimes later than SOURCE_DATE_EPOCH/);
  });

  it("fails a Dockerfile that writes the date, naming the file and the step", async () => {
    const outcome = await reproducible(contextFor("writes-date"));
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/layer \d+ \(RUN date \+%s%N > \/srv\/app\/built-at\): \/srv\/app\/built-at: content/);
    expect(outcome.detail).toContain("Fix:");
  });
});
