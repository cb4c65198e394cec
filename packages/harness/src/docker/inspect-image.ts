import { DockerCommandError, runDocker } from "./run-docker.ts";

/** What the harness reads from a built image. */
export interface ImageFacts {
  id: string;
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
  const { stdout } = await runDocker(["image", "inspect", image]);
  const [raw] = JSON.parse(stdout) as Array<{
    Id: string;
    Size: number;
    Config: { User?: string; Labels?: Record<string, string> | null; Env?: string[]; Healthcheck?: { Test?: string[] } };
    RootFS: { Layers?: string[] };
  }>;
  if (!raw) throw new Error(`docker image inspect ${image} returned nothing`);
  return {
    id: raw.Id,
    sizeBytes: raw.Size,
    user: raw.Config.User ?? "",
    layers: raw.RootFS.Layers ?? [],
    labels: raw.Config.Labels ?? {},
    env: raw.Config.Env ?? [],
    healthcheck: raw.Config.Healthcheck?.Test,
  };
}

/** The value the image's ENV gives `name` (`APP_DATA_DIR`, say); undefined when it sets none. */
export function imageEnvValue(facts: Pick<ImageFacts, "env">, name: string): string | undefined {
  return facts.env.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);
}
