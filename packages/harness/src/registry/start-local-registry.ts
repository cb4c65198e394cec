import { request } from "undici";
import { imageExists } from "../docker/inspect-image.ts";
import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { ensureStandin } from "../hermetic/standins.ts";
import { lastLines } from "../process/run-process.ts";
import { freePort } from "../stack/free-port.ts";
import { type RunIdentity, runResourceName } from "../stack/run-labels.ts";

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
 * Starts `image` as a registry on a free port of 127.0.0.1, labelled with the run (so that the
 * run's cleanup removes it too), and waits until `GET /v2/` answers 200.
 */
export async function startLocalRegistry(options: { run: RunIdentity; name: string; image: string; readyTimeoutMs?: number }): Promise<LocalRegistry> {
  const port = await freePort();
  const container = runResourceName(options.run, options.name);
  const labels = Object.entries(options.run.labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]);
  // The storage is the image's anonymous /var/lib/registry volume, removed with `rm -v`.
  await runDocker(["run", "-d", "--name", container, ...labels, "--publish", `127.0.0.1:${port}:5000`, options.image]);
  const stop = async () => {
    await runDocker(["rm", "-fv", container]).catch(() => {});
  };
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  let last = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const answer = await request(`http://${host}/v2/`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      await answer.body.dump();
      if (answer.statusCode === 200) return { host, container, image: options.image, stop };
      last = `GET /v2/ answered ${answer.statusCode}${answer.statusCode === 401 ? " (auth is on: the config must have no auth section)" : ""}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const logs = await runDocker(["logs", "--tail", "20", container]).then((out) => out.stdout + out.stderr, () => "(no logs)");
  await stop();
  throw new Error(`The registry ${container} (${options.image}) did not answer on ${host}: ${last}\n--- its log ---\n${lastLines(logs, 20)}`);
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
