import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadTemplate, ManifestError } from "@dockerize-python/harness";
import { makeTempDir, validDockerfile, validManifest, writeTemplate } from "./fixtures/template-fixture.ts";

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => (temp = await makeTempDir()));
afterEach(async () => temp.remove());

/** The ManifestError loadTemplate throws for the template in `dir`. */
async function manifestError(dir: string): Promise<ManifestError> {
  const error = await loadTemplate(dir).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ManifestError);
  return error as ManifestError;
}

const problemLines = (error: ManifestError) => error.problems.map((problem) => `${problem.path}: ${problem.message}`);

describe("loadTemplate", () => {
  it("loads a valid template with its package version, folders and defaults applied", async () => {
    const dir = await writeTemplate(temp.dir, "slim");
    const template = await loadTemplate(dir);
    expect(template).toMatchObject({ name: "slim", version: "1.2.3", dir, filesDir: join(dir, "files") });
    expect(template.manifest.variants[0]?.buildArgs).toEqual({});
    expect(template.manifest.companions).toEqual([]);
  });

  it("lists every schema problem with its JSON path, naming the file and the fix", async () => {
    const manifest = validManifest("slim") as { variants: Array<Record<string, unknown>>; [key: string]: unknown };
    manifest.port = "8000";
    manifest.colour = "blue";
    manifest.user = { uid: 0, gid: 0 };
    manifest.variants[1] = { ...manifest.variants[1], sizeBudgetMB: "260" };
    manifest.variants[0] = { ...manifest.variants[0], baseImages: { PYTHON_IMAGE: "python:latest" } };
    delete manifest.description;
    const dir = await writeTemplate(temp.dir, "slim", { manifest });

    const error = await manifestError(dir);
    expect(problemLines(error)).toEqual(
      expect.arrayContaining([
        "port: expected number, got string",
        "colour: unknown field (the schema does not allow it)",
        "user.uid: the runtime user must not be root (uid 0)",
        "variants[1].sizeBudgetMB: expected number, got string",
        "variants[0].baseImages.PYTHON_IMAGE: the tag must be pinned, not latest",
        "description: missing (expected string)",
      ]),
    );
    expect(error.problems).toHaveLength(6);
    expect(error.message).toContain(`${join(dir, "template.json")} is not a valid template (6 problems)`);
    expect(error.message).toContain("  - variants[1].sizeBudgetMB: expected number, got string");
    expect(error.message).toContain("Fix:");
  });

  it("reports the schema's cross-field rules (undeclared args, duplicate variants, missing stack)", async () => {
    const manifest = validManifest("slim") as { variants: Array<Record<string, unknown>>; [key: string]: unknown };
    manifest.variants[1] = { ...manifest.variants[1], id: "py3.13", buildArgs: { NOT_DECLARED: "x" } };
    delete manifest.stack;
    const dir = await writeTemplate(temp.dir, "slim", { manifest });

    expect(problemLines(await manifestError(dir))).toEqual(
      expect.arrayContaining([
        'variants[1].id: duplicate variant id "py3.13"',
        'variants[1].buildArgs.NOT_DECLARED: "NOT_DECLARED" is not declared in buildArgs',
        "stack: an app template names the database image and proxy template it is verified with",
        'checks: check "http-through-caddy" needs a stack',
      ]),
    );
  });

  it("takes platforms, the first linux/amd64 (the default), each once, and extra size budgets only for listed ones", async () => {
    const dir = await writeTemplate(temp.dir, "slim", { manifest: { ...validManifest("slim"), platforms: ["linux/amd64", "linux/arm64"], platformSizeBudgetExtraMB: { "linux/arm64": 25 } } });
    expect((await loadTemplate(dir)).manifest).toMatchObject({ platforms: ["linux/amd64", "linux/arm64"], platformSizeBudgetExtraMB: { "linux/arm64": 25 } });
    const plain = await writeTemplate(temp.dir, "slim", { manifest: validManifest("slim") });
    expect((await loadTemplate(plain)).manifest).toMatchObject({ platforms: ["linux/amd64"], platformSizeBudgetExtraMB: {} });

    const wrong = await writeTemplate(temp.dir, "slim", {
      manifest: { ...validManifest("slim"), platforms: ["linux/arm64", "linux/arm64"], platformSizeBudgetExtraMB: { "linux/amd64": 5 } },
    });
    expect(problemLines(await manifestError(wrong))).toEqual(
      expect.arrayContaining([
        `platforms[0]: the first platform is the one the whole matrix runs on, this project's machines' own: "linux/amd64"`,
        "platforms: each platform once",
        `platformSizeBudgetExtraMB["linux/amd64"]: "linux/amd64" is not among the template's platforms`,
      ]),
    );
    const unknown = await writeTemplate(temp.dir, "slim", { manifest: { ...validManifest("slim"), platforms: ["linux/amd64", "linux/riscv64"] } });
    expect(problemLines(await manifestError(unknown)).some((line) => line.startsWith("platforms[1]:"))).toBe(true);
  });

  it("holds buildPlatform to the Dockerfile: set exactly for an image a stage builds FROM --platform=$BUILDPLATFORM", async () => {
    const crossing = `ARG PYTHON_IMAGE=python:3.13-slim-trixie\nFROM --platform=\${BUILDPLATFORM} \${PYTHON_IMAGE} AS build\nARG PIP_INDEX_URL WORKERS=2\n`;
    const unmarked = await writeTemplate(temp.dir, "slim", { files: { "docker/Dockerfile": crossing, "compose.yaml": "services: {}\n" } });
    expect(problemLines(await manifestError(unmarked))).toEqual([expect.stringMatching(/^buildArgs\.PYTHON_IMAGE\.buildPlatform: .* builds a stage FROM --platform=\$BUILDPLATFORM \$\{PYTHON_IMAGE\}.*set "buildPlatform": true$/)]);
    const manifest = validManifest("slim") as { buildArgs: Record<string, Record<string, unknown>> };
    manifest.buildArgs.PYTHON_IMAGE = { ...manifest.buildArgs.PYTHON_IMAGE, buildPlatform: true };
    const marked = await writeTemplate(temp.dir, "slim", { manifest, files: { "docker/Dockerfile": crossing, "compose.yaml": "services: {}\n" } });
    expect((await loadTemplate(marked)).manifest.buildArgs.PYTHON_IMAGE?.buildPlatform).toBe(true);
    const markedOnly = await writeTemplate(temp.dir, "slim", { manifest });
    expect(problemLines(await manifestError(markedOnly))).toEqual([expect.stringMatching(/^buildArgs\.PYTHON_IMAGE\.buildPlatform: .* has no "FROM --platform=\$\{BUILDPLATFORM\} \$\{PYTHON_IMAGE\}"/)]);
  });

  it("explains a build arg name that is not UPPER_SNAKE_CASE", async () => {
    const manifest = validManifest("slim") as { buildArgs: Record<string, unknown> };
    manifest.buildArgs["pip-index"] = { description: "lower case", role: "option" };
    const dir = await writeTemplate(temp.dir, "slim", { manifest });
    expect(problemLines(await manifestError(dir))).toContain('buildArgs["pip-index"]: invalid key: build args are UPPER_SNAKE_CASE');
  });

  it("accepts what a variant needs beyond the stand-ins, and the Go build-arg roles", async () => {
    const manifest = validManifest("slim") as { variants: Array<Record<string, unknown>>; buildArgs: Record<string, unknown> };
    manifest.variants[0] = { ...manifest.variants[0], needs: { imageRegistry: "no stand-in for this image" } };
    manifest.variants[1] = { ...manifest.variants[1], needs: { imageRegistry: "no stand-in", goModuleProxy: "compiles Go modules" } };
    manifest.buildArgs.GOPROXY = { description: "The Go module proxy.", role: "go-proxy" };
    manifest.buildArgs.GOSUMDB = { description: "The Go checksum database.", role: "go-checksum-db" };
    const dockerfile = validDockerfile.replace("ARG PIP_INDEX_URL WORKERS=2", "ARG PIP_INDEX_URL WORKERS=2 GOPROXY GOSUMDB");
    const dir = await writeTemplate(temp.dir, "slim", { manifest, files: { "docker/Dockerfile": dockerfile, "compose.yaml": "" } });

    const template = await loadTemplate(dir);
    expect(template.manifest.variants.map((variant) => variant.needs)).toEqual([
      { imageRegistry: "no stand-in for this image" },
      { imageRegistry: "no stand-in", goModuleProxy: "compiles Go modules" },
    ]);
    expect(template.manifest.buildArgs.GOPROXY?.role).toBe("go-proxy");
  });

  it("refuses a need it does not know, an empty reason, and the old hermeticSkip", async () => {
    const manifest = validManifest("slim") as { variants: Array<Record<string, unknown>> };
    manifest.variants[0] = { ...manifest.variants[0], needs: { imageRegistry: "no stand-in", internet: "downloads things" } };
    manifest.variants[1] = { ...manifest.variants[1], needs: { goModuleProxy: "" }, hermeticSkip: "no Alpine packages here" };
    const dir = await writeTemplate(temp.dir, "slim", { manifest });

    expect(problemLines(await manifestError(dir))).toEqual([
      "variants[0].needs.internet: unknown field (the schema does not allow it)",
      "variants[1].needs.goModuleProxy: Too small: expected string to have >=1 characters",
      "variants[1].hermeticSkip: unknown field (the schema does not allow it)",
    ]);
  });

  it("flags a build arg the Dockerfile does not declare with ARG", async () => {
    const dockerfile = validDockerfile.replace("ARG PIP_INDEX_URL WORKERS=2", "ARG WORKERS=2\nENV PIP_INDEX_URL=x");
    const dir = await writeTemplate(temp.dir, "slim", { files: { "docker/Dockerfile": dockerfile, "compose.yaml": "" } });

    const error = await manifestError(dir);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.path).toBe("buildArgs.PIP_INDEX_URL");
    expect(error.problems[0]?.message).toContain('files/docker/Dockerfile has no "ARG PIP_INDEX_URL"');
    expect(error.problems[0]?.message).toContain("remove it from buildArgs");
  });

  it("flags a missing Dockerfile and compose file", async () => {
    const dir = await writeTemplate(temp.dir, "slim", { files: {} });
    expect(problemLines(await manifestError(dir))).toEqual([
      'compose: files/compose.yaml does not exist; add it or correct "compose"',
      'dockerfile: files/docker/Dockerfile does not exist; add it or correct "dockerfile"',
    ]);
  });

  it("flags a name that differs from the folder, and a package that is not the template's", async () => {
    const dir = await writeTemplate(temp.dir, "slim", { manifest: validManifest("fat"), packageJson: { name: "slim", version: "one" } });
    const error = await manifestError(dir);
    expect(problemLines(error)).toEqual([
      'name: "fat" differs from the template\'s directory name "slim"; make them the same',
      'name: expected "@dockerize-python/template-slim", got "slim"',
      'version: "one" is not a semver version; expected one such as "1.0.0" or "1.2.3-rc.1"',
    ]);
    expect(error.message).toContain(`${join(dir, "package.json")} is not a valid template (2 problems)`);
  });

  it("takes the package version as npm does: a prerelease is a version, a leading zero is refused with the fix", async () => {
    const prerelease = await writeTemplate(temp.dir, "slim", { packageJson: { name: "@dockerize-python/template-slim", version: "1.2.3-rc.1" } });
    expect((await loadTemplate(prerelease)).version).toBe("1.2.3-rc.1");

    const zero = await writeTemplate(join(temp.dir, "zero"), "slim", { packageJson: { name: "@dockerize-python/template-slim", version: "01.0.0" } });
    const error = await manifestError(zero);
    expect(problemLines(error)).toEqual(['version: "01.0.0" is not a semver version as npm writes it (a number in it has a leading zero, which npm refuses); write "1.0.0"']);
    expect(error.message).toContain("Fix: correct each field named above.");
  });

  it("refuses a version npm would rewrite, or with build metadata no image tag can carry", async () => {
    for (const [version, problem] of [
      ["v1.0.0", '"v1.0.0" is not a semver version as npm writes it (npm writes a version without a "v", "=" or spaces); write "1.0.0"'],
      ["1.0.0+build.5", '"1.0.0+build.5" has build metadata ("+build.5"), which npm ignores and an image tag cannot carry; write "1.0.0"'],
      ["1.0", '"1.0" is not a semver version; expected one such as "1.0.0" or "1.2.3-rc.1"'],
    ]) {
      const dir = await writeTemplate(join(temp.dir, version!), "slim", { packageJson: { name: "@dockerize-python/template-slim", version } });
      expect(problemLines(await manifestError(dir))).toEqual([`version: ${problem}`]);
    }
  });

  it("reports invalid JSON and a missing package.json together", async () => {
    const dir = await writeTemplate(temp.dir, "slim", { manifestText: "{ not json", packageJson: null });
    const error = await manifestError(dir);
    expect(error.problems.map((problem) => [problem.file, problem.message.split(":")[0]])).toEqual([
      [join(dir, "template.json"), "not valid JSON"],
      [join(dir, "package.json"), "the file does not exist"],
    ]);
  });
});
