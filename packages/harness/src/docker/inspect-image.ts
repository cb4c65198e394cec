import { DockerCommandError, runDocker } from "./run-docker.ts";

/** What the harness reads from a built image. */
export interface ImageFacts {
  id: string;
  /** Its tags and registry digests (`name@sha256:...`), as the engine has them. */
  repoTags: string[];
  repoDigests: string[];
  /** The image config's creation time (RFC 3339). */
  created: string;
  /** `os/architecture`. */
  platform: string;
  sizeBytes: number;
  /** The configured USER, "" when none (root). */
  user: string;
  layers: string[];
  labels: Record<string, string>;
  env: string[];
  healthcheck: string[] | undefined;
}

export async function imageExists(image: string): Promise<boolean> {
  try {
    await runDocker(["image", "inspect", "--format", "{{.Id}}", image]);
    return true;
  } catch (error) {
    if (error instanceof DockerCommandError) return false;
    throw error;
  }
}

export async function inspectImage(image: string): Promise<ImageFacts> {
  const [facts] = await inspectImages([image]);
  if (!facts) throw new Error(`docker image inspect ${image} returned nothing`);
  return facts;
}

/** The facts of several images, with one `docker image inspect`. */
export async function inspectImages(images: readonly string[]): Promise<ImageFacts[]> {
  if (!images.length) return [];
  const { stdout } = await runDocker(["image", "inspect", ...images]);
  const raws = JSON.parse(stdout) as Array<{
    Id: string;
    RepoTags?: string[] | null;
    RepoDigests?: string[] | null;
    Created: string;
    Os: string;
    Architecture: string;
    Size: number;
    Config: { User?: string; Labels?: Record<string, string> | null; Env?: string[]; Healthcheck?: { Test?: string[] } };
    RootFS: { Layers?: string[] };
  }>;
  return raws.map((raw) => ({
    id: raw.Id,
    repoTags: raw.RepoTags ?? [],
    repoDigests: raw.RepoDigests ?? [],
    created: raw.Created,
    platform: `${raw.Os}/${raw.Architecture}`,
    sizeBytes: raw.Size,
    user: raw.Config.User ?? "",
    layers: raw.RootFS.Layers ?? [],
    labels: raw.Config.Labels ?? {},
    env: raw.Config.Env ?? [],
    healthcheck: raw.Config.Healthcheck?.Test,
  }));
}

/**
 * The base image the image's final stage was built FROM, of `candidates`: the one whose layers are
 * the first of the image's, the most of them (pure).
 */
export function closestBase(image: Pick<ImageFacts, "layers">, candidates: readonly ImageFacts[]): ImageFacts | undefined {
  return candidates
    .filter((base) => base.layers.every((layer, index) => image.layers[index] === layer))
    .sort((a, b) => b.layers.length - a.layers.length)[0];
}

/** The value the image's ENV gives `name` (`APP_DATA_DIR`, say); undefined when it sets none. */
export function imageEnvValue(facts: Pick<ImageFacts, "env">, name: string): string | undefined {
  return facts.env.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);
}
