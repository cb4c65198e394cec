import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deriveEjectedDockerfile,
  formatImageReference,
  imageReferenceProblem,
  InvalidImageReferenceError,
  lintDockerfile,
  loadTemplate,
  ManifestError,
  parseImageReference,
  renderMarkdown,
  standinCannotHonourDigest,
  withoutDigest,
} from "@dockerize-python/harness";
import { parseChild } from "../../packages/harness/src/eject/eject-onbuild.ts";
import { chooseStandin } from "../../packages/harness/src/hermetic/standins.ts";
import { makeTempDir, validManifest, writeTemplate } from "./fixtures/template-fixture.ts";

const digest = `sha256:${"ab12".repeat(16)}`;

describe("image references", () => {
  it("take apart a reference pinned by digest, and put it back together", () => {
    expect(parseImageReference(`python:3.13-slim-trixie@${digest}`)).toEqual({ registry: undefined, repository: "python", tag: "3.13-slim-trixie", digest });
    expect(parseImageReference("127.0.0.1:5000/dockerize-python/onbuild:3.13")).toEqual({ registry: "127.0.0.1:5000", repository: "dockerize-python/onbuild", tag: "3.13", digest: undefined });
    expect(parseImageReference("bitnami/postgresql:17")).toMatchObject({ registry: undefined, repository: "bitnami/postgresql" });
    for (const ref of [`caddy:2.10@${digest}`, "ghcr.io/org/app:1.2", "localhost/app:1"]) expect(formatImageReference(parseImageReference(ref))).toBe(ref);
    expect(withoutDigest(`python:3.13-alpine3.24@${digest}`)).toBe("python:3.13-alpine3.24");
  });

  it("refuse a malformed digest, saying what is wrong and the fix", () => {
    expect(imageReferenceProblem("python:3.13-slim-trixie@sha256:abc")).toBe(
      '"python:3.13-slim-trixie@sha256:abc": the digest has 3 characters after sha256:; it needs exactly 64 lower-case hexadecimal digits. Fix: copy the digest whole, e.g. from `dockerize-python update` or `docker buildx imagetools inspect <name:tag>` (the Digest line)',
    );
    expect(imageReferenceProblem(`python:3.13@${digest.toUpperCase().replace("SHA256", "sha256")}`)).toContain("not all lower-case hexadecimal digits");
    expect(imageReferenceProblem(`python:3.13@md5:${"a".repeat(32)}`)).toContain("is not a sha256 digest");
    expect(imageReferenceProblem(`python:3.13@${digest}@${digest}`)).toContain('more than one "@"');
    expect(imageReferenceProblem(`python@${digest}`)).toContain("names no tag: write name:tag@sha256:");
    expect(imageReferenceProblem("python")).toContain("has no tag, which means latest");
    expect(imageReferenceProblem(`python:latest@${digest}`)).toBe("the tag must be pinned, not latest");
    expect(imageReferenceProblem("Python:3.13")).toContain("is not a repository name");
    expect(() => parseImageReference("python:3.13@sha256:1", "--image")).toThrow(InvalidImageReferenceError);
    expect(() => parseImageReference("python:3.13@sha256:1", "--image")).toThrow(/^--image names the image reference "python:3.13@sha256:1", which is not valid/);
  });
});

describe("manifests with pinned base images", () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => (temp = await makeTempDir()));
  afterEach(async () => temp.remove());

  type Manifest = { variants: Array<Record<string, unknown>>; buildArgs: Record<string, Record<string, unknown>>; stack: Record<string, unknown> };

  it("accept a digest on a variant's base image, a base image's default and the stack's database", async () => {
    const manifest = validManifest("slim") as Manifest;
    manifest.variants[0] = { ...manifest.variants[0], baseImages: { PYTHON_IMAGE: `python:3.13-slim-trixie@${digest}` } };
    manifest.buildArgs.PYTHON_IMAGE!.default = `python:3.13-slim-trixie@${digest}`;
    manifest.stack.database = `postgres:17-trixie@${digest}`;
    const template = await loadTemplate(await writeTemplate(temp.dir, "slim", { manifest }));
    expect(template.manifest.variants[0]?.baseImages.PYTHON_IMAGE).toBe(`python:3.13-slim-trixie@${digest}`);
  });

  it("refuse a broken digest in each of those fields, naming the field and the fix", async () => {
    const manifest = validManifest("slim") as Manifest;
    manifest.variants[0] = { ...manifest.variants[0], baseImages: { PYTHON_IMAGE: "python:3.13-slim-trixie@sha256:12345" } };
    manifest.buildArgs.PYTHON_IMAGE!.default = "python:3.13-slim-trixie@sha256";
    manifest.stack.database = `postgres@${digest}`;
    const error = await loadTemplate(await writeTemplate(temp.dir, "slim", { manifest })).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ManifestError);
    const problems = (error as ManifestError).problems.map((problem) => `${problem.path}: ${problem.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^stack\.database: "postgres@sha256:[0-9a-f]{64}" is pinned by digest but names no tag: write name:tag@/),
      expect.stringMatching(/^variants\[0\]\.baseImages\.PYTHON_IMAGE: ".*": the digest has 5 characters after sha256:; it needs exactly 64 .* Fix: copy the digest whole/),
      expect.stringMatching(/^buildArgs\.PYTHON_IMAGE\.default: ".*": "sha256" is not a sha256 digest \(it must start with sha256:\)\. Fix: copy the digest whole/),
    ]);
  });
});

describe("a pinned reference where no registry serves", () => {
  it("maps to the stand-in of its name and tag", () => {
    expect(chooseStandin(`python:3.13-slim-trixie@${digest}`)?.spec).toEqual(chooseStandin("python:3.13-slim-trixie")?.spec);
    expect(chooseStandin(`postgres:17-trixie@${digest}`)?.spec.recipe).toBe("postgres");
  });

  it("is reported with the reason its digest was not honoured", () => {
    const reason = standinCannotHonourDigest("python:3.13-slim-trixie");
    const report = {
      requestedMode: "hermetic",
      sources: null,
      startedAt: "2026-12-01T00:00:00Z",
      finishedAt: "2026-12-01T00:01:00Z",
      complete: true,
      engine: "26.1.5",
      localSources: { standins: [{ official: `python:3.13-slim-trixie@${digest}`, image: "dockerize-python-standin-python:3.13.5-trixie-x", reused: true, digestNotHonoured: reason }], packageIndexes: [] },
      cells: [],
    } as Parameters<typeof renderMarkdown>[0];
    expect(renderMarkdown(report)).toContain(`\`python:3.13-slim-trixie@${digest}\` → \`dockerize-python-standin-python:3.13.5-trixie-x\` (reused; digest not honoured: ${reason})`);
  });
});

describe("the pinned-base-image lint rule", () => {
  const lint = (from: string) => lintDockerfile("Dockerfile", `ARG PYTHON_IMAGE=${from}\nFROM \${PYTHON_IMAGE}\nUSER 10001:10001\nCMD ["python", "app.py"]\n`).filter((finding) => finding.rule === "pinned-base-image");

  it("passes a whole digest, with or without a tag", () => {
    expect(lint(`python:3.13-slim-trixie@${digest}`)).toEqual([]);
    expect(lint(`python@${digest}`)).toEqual([]);
  });

  it("fails a digest cut short, with the fix", () => {
    const [finding] = lint("python:3.13-slim-trixie@sha256:abc");
    expect(finding?.message).toContain("the digest has 3 characters after sha256:");
    expect(finding?.fix).toContain("copy the digest whole");
  });
});

describe("eject with pinned references", () => {
  it("reads the Python of a child pinned by digest, and writes a pinned base image into the ejected Dockerfile", async () => {
    expect(parseChild(`FROM 127.0.0.1:5000/dockerize-python/onbuild:3.13-1@${digest}\nENV WSGI_APP=app:app\n`)).toEqual({ python: "3.13", instructions: "ENV WSGI_APP=app:app" });
    const base = await readFile(resolve(import.meta.dirname, "..", "..", "templates", "onbuild", "files", "docker", "onbuild", "Dockerfile"), "utf8");
    const ejected = deriveEjectedDockerfile({ baseDockerfile: base, source: "t", pythonImage: `python:3.13-slim-trixie@${digest}` });
    expect(ejected).toContain(`ARG PYTHON_IMAGE=python:3.13-slim-trixie@${digest}\n`);
  });
});
