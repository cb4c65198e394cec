import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectImage } from "../../packages/harness/src/docker/inspect-image.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { type PublishBaseImageResult, publishBaseImage } from "../../packages/harness/src/publish/publish-base-image.ts";
import { ensureRegistryImage, type LocalRegistry, startLocalRegistry } from "../../packages/harness/src/registry/start-local-registry.ts";
import { type RunIdentity, removeRunResources, runLabelKey } from "../../packages/harness/src/stack/run-labels.ts";

/**
 * `publish-image onbuild --platform linux/amd64,linux/arm64 --python 3.13`, in hermetic mode (arm64
 * stand-ins from debootstrap, uWSGI compiled under emulation from the local index's sdist), against
 * a real registry on 127.0.0.1: every tag names one index of both platforms, and each platform is
 * pulled back from it and runs as its own architecture.
 */
const repo = resolve(import.meta.dirname, "..", "..");
const id = `a64p-${randomBytes(3).toString("hex")}`;
const run: RunIdentity = { id, labels: { [runLabelKey]: id }, composeProjects: new Set() };
const indexMediaType = "application/vnd.oci.image.index.v1+json";
const listMediaType = "application/vnd.docker.distribution.manifest.list.v2+json";

interface ImageIndex {
  mediaType: string;
  manifests: Array<{ digest: string; platform: { os: string; architecture: string } }>;
}

let registry: LocalRegistry;
let published: PublishBaseImageResult;
const pulled: string[] = [];

beforeAll(async () => {
  registry = await startLocalRegistry({ run, name: "platforms-registry", image: await ensureRegistryImage(true) });
  published = await publishBaseImage({
    templateDir: join(repo, "templates", "onbuild"),
    registry: registry.host,
    mode: "hermetic",
    platforms: ["linux/amd64", "linux/arm64"],
    pythons: ["3.13"],
    log: (line) => process.stderr.write(`[publish] ${line}\n`),
  });
});

afterAll(async () => {
  for (const ref of pulled) await runDocker(["rmi", ref]).catch(() => {});
  await registry?.stop();
  await removeRunResources(run);
});

async function manifestOf(tag: string): Promise<{ digest: string; body: ImageIndex }> {
  const answer = await request(`http://${registry.host}/v2/dockerize-python/onbuild/manifests/${tag}`, { headers: { accept: `${indexMediaType}, ${listMediaType}` } });
  expect(answer.statusCode, tag).toBe(200);
  return { digest: String(answer.headers["docker-content-digest"]), body: (await answer.body.json()) as ImageIndex };
}

describe("publish-image onbuild for linux/amd64 and linux/arm64", () => {
  it("pushes each platform under its own tag, then one index of both under every tag", async () => {
    expect(published.images.map((image) => image.python)).toEqual(["3.13"]);
    const [image] = published.images;
    expect(image!.platforms.map((built) => built.platform)).toEqual(["linux/amd64", "linux/arm64"]);
    expect(image!.platforms.map((built) => built.ref)).toEqual(["amd64", "arm64"].map((arch) => `${registry.host}/dockerize-python/onbuild:3.13-${published.version}-${arch}`));
    expect(new Set(image!.platforms.map((built) => built.digest)).size).toBe(2);
    for (const ref of image!.refs) {
      const { digest, body } = await manifestOf(ref.split(":").pop()!);
      expect(digest, ref).toBe(image!.digest);
      expect([indexMediaType, listMediaType], ref).toContain(body.mediaType);
      expect(body.manifests.map((entry) => `${entry.platform.os}/${entry.platform.architecture} ${entry.digest}`).sort(), ref).toEqual(
        image!.platforms.map((built) => `${built.platform} ${built.digest}`).sort(),
      );
    }
  });

  it("gives each platform back from the index: pulled by platform, it is that architecture's image and runs as it", async () => {
    const [image] = published.images;
    const ref = image!.refs[0]!;
    for (const [platform, architecture, machine] of [["linux/amd64", "amd64", "x86_64"], ["linux/arm64", "arm64", "aarch64"]] as const) {
      const local = `dp-${id}-pulled:${architecture}`;
      await runDocker(["pull", "--quiet", "--platform", platform, ref]);
      await runDocker(["tag", ref, local]);
      pulled.push(ref, local);
      const facts = await inspectImage(local);
      expect(facts.platform, platform).toBe(platform);
      // The very image that was built for that platform: its config, so its ID. (Its RepoDigests are
      // not compared: dockerd's classic store records the pull's digest for the first platform pulled only.)
      expect(facts.id, platform).toBe(image!.platforms.find((built) => built.platform === platform)!.imageId);
      expect(facts.labels["org.opencontainers.image.version"], platform).toBe(published.version);
      const { stdout } = await runDocker(["run", "--rm", "--platform", platform, "--entrypoint", "python", local, "-c", "import platform; print(platform.machine())"]);
      expect(stdout.trim(), platform).toBe(machine);
    }
  });
});
