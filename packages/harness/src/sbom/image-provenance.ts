import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { runDocker } from "../docker/run-docker.ts";
import { ExplainedError } from "../explained-error.ts";
import { buildProvenance } from "../labels/build-provenance.ts";

/**
 * The provenance record the harness writes beside an image's SBOM: an in-toto Statement with an
 * SLSA v1 provenance predicate, shaped as BuildKit's own attestation is. BuildKit attests only into
 * an image store that can hold attestations (the containerd image store, or a docker-container
 * builder's OCI output); dockerd's classic image store and buildx's docker driver refuse
 * `--attest`, `--sbom` and `--provenance=mode=max`. So the record is assembled from what the engine
 * and the build leave: the image (its ID, labels, layers, creation time), the base image it was
 * built on (the local image whose layers begin it), the Dockerfile's digest, the commit, the
 * builder's versions and what `docker buildx build --metadata-file` wrote.
 */

/** How the record names the kind of build it describes (a URI, as SLSA asks; no host of anyone's). */
export const provenanceBuildType = "urn:dockerize-python:docker-buildx-build:v1";

export interface ImageProvenanceFacts {
  /** What the user called the image (a tag, or its ID). */
  image: string;
  /** The image's ID: the sha256 of its config. */
  id: string;
  repoDigests: string[];
  /** The image config's creation time (RFC 3339). */
  created: string;
  platform: string;
  labels: Record<string, string>;
  /** The local image whose layers the image's begin with (the final stage's FROM); undefined when none is in the engine. */
  base: { id: string; tags: string[]; repoDigests: string[] } | undefined;
  /** The Dockerfile it was built from, when given: its path and sha256. */
  dockerfile: { path: string; sha256: string } | undefined;
  /** The commit of the checkout holding the Dockerfile, else the image's revision label; undefined when neither says. */
  revision: string | undefined;
  builder: { docker: string; buildx: string };
  /** What `docker buildx build --metadata-file` wrote, when given. */
  buildMetadata: Record<string, unknown> | undefined;
  /** The SBOM written beside the record. */
  sbom: { file: string; sha256: string; tool: string } | undefined;
}

/** The in-toto Statement (pure). */
export function provenanceStatement(facts: ImageProvenanceFacts): Record<string, unknown> {
  const hex = (digest: string) => digest.replace(/^sha256:/, "");
  const source = facts.labels["org.opencontainers.image.source"];
  const buildRef = facts.buildMetadata?.["buildx.build.ref"];
  return {
    _type: "https://in-toto.io/Statement/v1",
    // The image config's creation time: BuildKit's, which a build whose steps all came from the cache keeps from an earlier build.
    subject: [{ name: facts.image, digest: { sha256: hex(facts.id) }, annotations: { created: facts.created } }, ...facts.repoDigests.map((reference) => ({ name: reference.split("@")[0], digest: { sha256: hex(reference.split("@")[1] ?? "") } }))],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {
      buildDefinition: {
        buildType: provenanceBuildType,
        externalParameters: {
          ...(facts.dockerfile ? { dockerfile: { path: facts.dockerfile.path, digest: { sha256: facts.dockerfile.sha256 } } } : {}),
          platform: facts.platform,
          labels: facts.labels,
        },
        internalParameters: facts.buildMetadata ? { buildxMetadata: facts.buildMetadata } : {},
        resolvedDependencies: [
          ...(facts.base
            ? [{ name: "base image", uri: `docker-image:${facts.base.tags[0] ?? facts.base.id}`, digest: { sha256: hex(facts.base.id) }, annotations: { repoDigests: facts.base.repoDigests, tags: facts.base.tags } }]
            : []),
          ...(facts.revision ? [{ name: "source", ...(source ? { uri: `git+${source}` } : {}), digest: { gitCommit: facts.revision } }] : []),
        ],
      },
      runDetails: {
        builder: { id: "urn:dockerize-python:docker-engine", version: facts.builder },
        metadata: {
          ...(typeof buildRef === "string" ? { invocationId: buildRef } : {}),
          // When the build began, as the build said (BUILD_DATE, in the created label); no record says when it ended.
          ...(facts.labels["org.opencontainers.image.created"] ? { startedOn: facts.labels["org.opencontainers.image.created"] } : {}),
        },
        byproducts: facts.sbom ? [{ name: "sbom", uri: facts.sbom.file, digest: { sha256: facts.sbom.sha256 }, mediaType: "application/spdx+json", annotations: { tool: facts.sbom.tool } }] : [],
      },
    },
  };
}

/** Gathers the facts from the engine and the files given. */
export async function imageProvenanceFacts(request: { image: string; dockerfile?: string; buildMetadataFile?: string; sbom?: ImageProvenanceFacts["sbom"] }): Promise<ImageProvenanceFacts> {
  const [inspected] = JSON.parse((await runDocker(["image", "inspect", request.image])).stdout) as InspectedImage[];
  if (!inspected) throw new Error(`docker image inspect ${request.image} returned nothing`);
  const labels = inspected.Config?.Labels ?? {};
  const dockerfile = request.dockerfile ? { path: request.dockerfile, sha256: sha256(await readFile(request.dockerfile)) } : undefined;
  const fromCheckout = request.dockerfile ? (await buildProvenance(dirname(request.dockerfile))).revision : "unknown";
  const labelled = labels["org.opencontainers.image.revision"];
  const [docker, buildx] = await Promise.all([
    runDocker(["version", "--format", "{{.Server.Version}}"]).then((output) => output.stdout.trim()),
    runDocker(["buildx", "version"]).then((output) => output.stdout.trim().split(/\s+/)[1] ?? output.stdout.trim()),
  ]);
  return {
    image: request.image,
    id: inspected.Id,
    repoDigests: inspected.RepoDigests ?? [],
    created: inspected.Created,
    platform: `${inspected.Os}/${inspected.Architecture}`,
    labels,
    base: await baseImageOf(inspected),
    dockerfile,
    revision: fromCheckout !== "unknown" ? fromCheckout : labelled && labelled !== "unknown" ? labelled : undefined,
    builder: { docker, buildx },
    buildMetadata: request.buildMetadataFile ? await readBuildMetadata(request.buildMetadataFile, request.image, inspected.Id) : undefined,
    sbom: request.sbom,
  };
}

/** What `docker buildx build --metadata-file` wrote, refused when it describes another image than `id`. */
async function readBuildMetadata(file: string, image: string, id: string): Promise<Record<string, unknown>> {
  const metadata = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  const built = metadata["containerimage.config.digest"];
  if (typeof built === "string" && built !== id) {
    throw new ExplainedError(
      `${file} describes the build of image ${built}, and ${image} is ${id}: its provenance would name another build.\n` +
        `Fix: give the --metadata-file that the build of ${image} wrote (docker buildx build --metadata-file FILE ...), or build it again with one.`,
    );
  }
  return metadata;
}

interface InspectedImage {
  Id: string;
  RepoTags?: string[];
  RepoDigests?: string[];
  Created: string;
  Os: string;
  Architecture: string;
  Config?: { Labels?: Record<string, string> | null };
  RootFS?: { Layers?: string[] };
}

/**
 * The base image: of the engine's images, the one with the most layers that are all the first
 * layers of `image` (fewer than all of them). The final stage's FROM, whatever build args named it.
 */
async function baseImageOf(image: InspectedImage): Promise<ImageProvenanceFacts["base"]> {
  const layers = image.RootFS?.Layers ?? [];
  const ids = (await runDocker(["image", "ls", "--quiet", "--no-trunc"])).stdout.split("\n").filter((id) => id && id !== image.Id);
  if (!ids.length) return undefined;
  const candidates = JSON.parse((await runDocker(["image", "inspect", ...new Set(ids)])).stdout) as InspectedImage[];
  let best: InspectedImage | undefined;
  for (const candidate of candidates) {
    const own = candidate.RootFS?.Layers ?? [];
    if (!own.length || own.length >= layers.length || !own.every((layer, index) => layers[index] === layer)) continue;
    if (!best || own.length > (best.RootFS?.Layers?.length ?? 0)) best = candidate;
  }
  return best ? { id: best.Id, tags: best.RepoTags ?? [], repoDigests: best.RepoDigests ?? [] } : undefined;
}

export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}
