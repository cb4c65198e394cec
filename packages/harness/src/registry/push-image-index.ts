import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { ExplainedError } from "../explained-error.ts";
import { lastLines } from "../process/run-process.ts";

/**
 * Pushes one image index (a multi-platform image) naming `manifests` (`repo@sha256:...`, each
 * already in the registry, one per platform) under every ref of `tags`, and resolves with the
 * index's digest as the registry serves it. `docker buildx imagetools create` writes only the index:
 * the images are not copied again.
 */
export async function pushImageIndex(tags: readonly string[], manifests: readonly string[]): Promise<string> {
  try {
    await runDocker(["buildx", "imagetools", "create", ...tags.flatMap((tag) => ["--tag", tag]), ...manifests]);
    const { stdout } = await runDocker(["buildx", "imagetools", "inspect", tags[0]!, "--format", "{{json .Manifest}}"]);
    const digest = (JSON.parse(stdout) as { digest?: string }).digest;
    if (!digest?.startsWith("sha256:")) throw new Error(`docker buildx imagetools inspect ${tags[0]} gave no digest: ${lastLines(stdout, 5)}`);
    return digest;
  } catch (error) {
    if (!(error instanceof DockerCommandError)) throw error;
    throw new ExplainedError(
      `Pushing the index of ${manifests.join(", ")} as ${tags.join(", ")} failed: ${lastLines(error.output.stderr, 3)}\n` +
        "Fix: check that the registry runs at that address and that you may push to it (`docker login <registry>`); buildx reaches a registry over plain HTTP only on localhost or when its buildkitd config says `insecure`.",
    );
  }
}
