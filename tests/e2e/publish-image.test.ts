import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, type BuiltImage } from "../../packages/harness/src/docker/build-image.ts";
import { type ImageFacts, imageExists, inspectImage } from "../../packages/harness/src/docker/inspect-image.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import type { BuildEnvironment } from "../../packages/harness/src/sources/build-environment.ts";
import { prepareBuildEnvironment } from "../../packages/harness/src/sources/prepare-build-environment.ts";
import { loadTemplate } from "../../packages/harness/src/manifest/load-manifest.ts";
import { type PublishBaseImageResult, publishBaseImage } from "../../packages/harness/src/publish/publish-base-image.ts";
import { ensureRegistryImage, type LocalRegistry, startLocalRegistry } from "../../packages/harness/src/registry/start-local-registry.ts";
import { type RunIdentity, removeRunResources, runLabelKey } from "../../packages/harness/src/stack/run-labels.ts";
import { keepOnlyDependencyStyle } from "../../packages/harness/src/staging/dependency-files.ts";
import { stageApp } from "../../packages/harness/src/staging/stage-app.ts";

/**
 * `publish-image onbuild`, in hermetic mode, against a real registry (CNCF distribution's stand-in on
 * 127.0.0.1): the base image of every Python the manifest lists is pushed under its three version
 * tags, and a one-line child Dockerfile builds FROM each pushed tag, pulling it from the registry.
 */
const repo = resolve(import.meta.dirname, "..", "..");
const id = `h4a-${randomBytes(3).toString("hex")}`;
const run: RunIdentity = { id, labels: { [runLabelKey]: id }, composeProjects: new Set() };
const childTag = (ref: string) => `dp-${id}-child:${ref.split(":").pop()}`;

let work: string;
let registry: LocalRegistry;
let published: PublishBaseImageResult;
let leftLocally: string[];
let environment: BuildEnvironment | undefined;
/** The Pythons of the onbuild manifest, in its order: publish-image pushes one image each. */
let manifestPythons: string[];
const children = new Map<string, { built: BuiltImage; facts: ImageFacts }>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "dockerize-python-publish-image-"));
  registry = await startLocalRegistry({ run, name: "publish-registry", image: await ensureRegistryImage(true) });
  published = await publishBaseImage({ templateDir: join(repo, "templates", "onbuild"), registry: registry.host, mode: "hermetic", log: () => {} });
  const refs = published.images.flatMap((image) => image.refs);
  leftLocally = (await Promise.all(refs.map(async (ref) => ((await imageExists(ref)) ? ref : undefined)))).filter((ref): ref is string => ref !== undefined);

  // Children: the sample app (requirements style) with a one-line Dockerfile FROM each pushed tag;
  // the base's triggers install its dependencies from the hermetic package index.
  const template = await loadTemplate(join(repo, "templates", "onbuild"));
  const pythonImages = template.manifest.variants.map((variant) => variant.baseImages.PYTHON_IMAGE!);
  manifestPythons = template.manifest.variants.map((variant) => variant.python!);
  environment = await prepareBuildEnvironment("hermetic", [{ images: pythonImages }], () => {});
  const stageDir = await stageApp(join(repo, "sample-apps", "flask"), [template.filesDir], `${id}-publish-child`);
  await keepOnlyDependencyStyle(stageDir, "requirements", join(repo, "sample-apps", "flask"));
  await cp(stageDir, join(work, "app"), { recursive: true });
  await rm(stageDir, { recursive: true, force: true });
  for (const [index, image] of published.images.entries()) {
    const index_ = environment.packageIndexFor([pythonImages[index]!])!;
    for (const ref of image.refs) {
      const dockerfile = join(work, "app", "docker", `child-${ref.split(":").pop()}.Dockerfile`);
      await writeFile(dockerfile, `FROM ${ref}\nENV WSGI_APP=wsgi:app\n`);
      const built = await buildImage({ context: join(work, "app"), dockerfile, tag: childTag(ref), buildArgs: { PIP_INDEX_URL: index_.url, ...(index_.trustedHost ? { PIP_TRUSTED_HOST: index_.trustedHost } : {}) } });
      children.set(ref, { built, facts: await inspectImage(childTag(ref)) });
    }
  }
});

afterAll(async () => {
  for (const ref of children.keys()) await runDocker(["rmi", childTag(ref)]).catch(() => {});
  // The child builds pulled the base under each tag: those local copies are this test's too.
  for (const ref of published?.images.flatMap((image) => image.refs) ?? []) await runDocker(["rmi", ref]).catch(() => {});
  await environment?.close();
  await registry?.stop();
  await removeRunResources(run);
  await rm(work, { recursive: true, force: true });
});

describe("publish-image onbuild", () => {
  it("pushes every Python of the manifest under <python>, <python>-<version> and <python>-<major>", async () => {
    const { version } = JSON.parse(await readFile(join(repo, "templates", "onbuild", "package.json"), "utf8")) as { version: string };
    const major = version.split(".")[0];
    expect(published.version).toBe(version);
    expect(published.sources.baseImages.kind).toBe("stand-ins");
    expect(published.sources.pythonPackages.kind).toBe("local-index");
    expect(published.images.map((image) => image.python)).toEqual(manifestPythons);
    expect(manifestPythons.length).toBeGreaterThan(1);
    for (const image of published.images) {
      expect(image.refs).toEqual([`${image.python}`, `${image.python}-${version}`, `${image.python}-${major}`].map((tag) => `${registry.host}/dockerize-python/onbuild:${tag}`));
      expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    expect(published.images[0]!.digest).not.toBe(published.images[1]!.digest);

    // The registry's own list, and each tag's manifest digest as the registry serves it.
    const answer = await request(`http://${registry.host}/v2/dockerize-python/onbuild/tags/list`);
    const { tags } = (await answer.body.json()) as { tags: string[] };
    expect([...tags].sort()).toEqual(published.images.flatMap((image) => image.refs.map((ref) => ref.split(":").pop()!)).sort());
    for (const image of published.images) {
      for (const ref of image.refs) {
        const head = await request(`http://${registry.host}/v2/dockerize-python/onbuild/manifests/${ref.split(":").pop()}`, {
          method: "HEAD",
          headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
        });
        expect(head.headers["docker-content-digest"], ref).toBe(image.digest);
      }
    }
  });

  it("labels each image with the template, its version, the build's date and commit", () => {
    for (const image of published.images) {
      expect(image.labels["org.dockerize-python.template"]).toBe("onbuild");
      expect(image.labels["org.opencontainers.image.version"]).toBe(published.version);
      expect(image.labels["org.opencontainers.image.created"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(image.labels["org.opencontainers.image.revision"]).toMatch(/^([0-9a-f]{40}|unknown)$/);
      expect(image.labels["org.opencontainers.image.source"]).toMatch(/^https:\/\//);
      // The trigger contract is still stated beside them.
      expect(Object.keys(image.labels).some((key) => key.startsWith("org.dockerize-python.onbuild."))).toBe(true);
    }
  });

  it("leaves no local tag behind: the registry holds the images", () => {
    expect(leftLocally).toEqual([]);
  });

  it("builds a one-line child FROM each pushed tag, pulled from the registry by the digest it reported", () => {
    // Three tags per Python.
    expect(children.size).toBe(3 * manifestPythons.length);
    for (const image of published.images) {
      for (const ref of image.refs) {
        const child = children.get(ref)!;
        const pulled = child.built.log.match(new RegExp(`FROM ${ref.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}@(sha256:[0-9a-f]{64})`))?.[1];
        expect(pulled, ref).toBe(image.digest);
        // The triggers ran: the app's dependencies, the app user; the labels say which base it came from.
        expect(child.facts.user, ref).toBe("10001:10001");
        expect(child.facts.labels["org.opencontainers.image.version"], ref).toBe(published.version);
        expect(child.facts.env, ref).toContain("WSGI_APP=wsgi:app");
      }
    }
  });
});

describe("publish-image onbuild on a template whose files were not regenerated after a version bump", () => {
  it("refuses to push an image whose version label is not the package's, and says how to fix it", async () => {
    const templates = join(work, "stale-templates");
    await cp(join(repo, "templates", "onbuild"), join(templates, "onbuild"), { recursive: true });
    const packageFile = join(templates, "onbuild", "package.json");
    const pkg = JSON.parse(await readFile(packageFile, "utf8")) as { version: string };
    await writeFile(packageFile, JSON.stringify({ ...pkg, version: "99.0.0" }));
    const attempt = publishBaseImage({ templateDir: join(templates, "onbuild"), registry: registry.host, mode: "hermetic", log: () => {} });
    await expect(attempt).rejects.toThrow(`The onbuild base image says version "${pkg.version}" and template "onbuild", but its package is onbuild 99.0.0; it was not pushed.`);
    const answer = await request(`http://${registry.host}/v2/dockerize-python/onbuild/tags/list`);
    const { tags } = (await answer.body.json()) as { tags: string[] };
    expect(tags.filter((tag) => tag.includes("99"))).toEqual([]);
    // Nor did it move the moving tag: 3.11 is still the image published above.
    const head = await request(`http://${registry.host}/v2/dockerize-python/onbuild/manifests/3.11`, {
      method: "HEAD",
      headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
    });
    expect(head.headers["docker-content-digest"]).toBe(published.images[0]!.digest);
  });
});
