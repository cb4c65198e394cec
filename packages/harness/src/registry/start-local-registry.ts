import { imageExists } from "../docker/inspect-image.ts";
import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { ensureStandin } from "../hermetic/standins.ts";
import { lastLines } from "../process/run-process.ts";
import { startCheckContainer } from "../stack/check-container.ts";
import { type RunIdentity, runResourceName } from "../stack/run-labels.ts";
import { waitUntilServing } from "../stack/wait-until-serving.ts";

/** The official image a local registry runs; hermetic mode stands in for it (hermetic/registry). */
export const registryImage = "registry:2";

/** A registry (CNCF distribution) in a container, published on 127.0.0.1 only. */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`: Docker and BuildKit push and pull over plain HTTP to 127.0.0.0/8 only. */
  host: string;
  container: string;
  image: string;
  /** Removes the container and its storage volume. */
  stop(): Promise<void>;
}

/**
 * The local image that runs a registry: the official registry:2 online (pulled when missing), its
 * Debian stand-in in hermetic mode (built, or reused when its recipe is unchanged).
 */
export async function ensureRegistryImage(hermetic: boolean, log: (line: string) => void = () => {}): Promise<string> {
  if (hermetic) return (await ensureStandin(registryImage, log)).image;
  if (!(await imageExists(registryImage))) {
    log(`pulling ${registryImage}`);
    await runDocker(["pull", "--quiet", registryImage]);
  }
  return registryImage;
}

/**
 * Starts `image` as a registry published on 127.0.0.1 at a port the engine picks (nothing can take
 * it between a choice and its use), labelled with the run (so that the run's cleanup removes it
 * too), and waits until `GET /v2/` answers 200. The storage is the image's anonymous
 * /var/lib/registry volume, removed with the container.
 */
export async function startLocalRegistry(options: { run: RunIdentity; name: string; image: string; readyTimeoutMs?: number }): Promise<LocalRegistry> {
  const container = await startCheckContainer({ run: options.run, name: runResourceName(options.run, options.name), image: options.image, publish: 5000 });
  try {
    await waitUntilServing({
      url: () => container.url && `${container.url}/v2/`,
      accept: (answer) => answer.status === 200,
      watch: [container],
      what: `the registry ${container.name} (${options.image}; GET /v2/ must answer 200: a 401 means its config has an auth section)`,
      timeoutMs: options.readyTimeoutMs ?? 20_000,
    });
  } catch (error) {
    await container.remove();
    throw error;
  }
  return { host: new URL(container.url!).host, container: container.name, image: options.image, stop: () => container.remove() };
}

/** Tags `image` as `ref`, pushes it, and resolves with the manifest digest the registry reported. */
export async function pushImage(image: string, ref: string): Promise<string> {
  await runDocker(["tag", image, ref]);
  try {
    const { stdout } = await runDocker(["push", ref]);
    const digest = stdout.match(/digest: (sha256:[0-9a-f]{64})/)?.[1];
    if (!digest) throw new Error(`docker push ${ref} reported no digest:\n${lastLines(stdout, 10)}`);
    return digest;
  } catch (error) {
    if (error instanceof DockerCommandError) throw new Error(`docker push ${ref} failed: ${lastLines(error.output.stderr + error.output.stdout, 10)}`);
    throw error;
  }
}
