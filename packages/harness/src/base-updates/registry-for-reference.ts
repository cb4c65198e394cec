import { runDocker } from "../docker/run-docker.ts";
import { ExplainedError } from "../explained-error.ts";
import type { ImageReference } from "../manifest/image-reference.ts";

/**
 * Where to ask about an image reference, by the docker convention: a reference that names a
 * registry (`ghcr.io/org/app:1`) is asked there; an unqualified one (`python:3.13-slim-trixie`) is
 * asked at the default registry, where a one-part name lives under `library/`. The default registry
 * is never written here: it is `--registry` when given (a mirror of it, or a local test registry),
 * else the one the Docker engine pulls unqualified names from (`docker info`: IndexServerAddress).
 */
export interface RegistryRepository {
  /** The API's base URL: `https://host`, or `http://` for a loopback address (as Docker pushes and pulls). */
  baseUrl: string;
  /** The repository path in that registry (`library/python`). */
  repository: string;
}

/** No default registry could be found for unqualified names: says where it was looked for and the fix. */
const noDefaultRegistryFix = "pass --registry URL (the registry, or a mirror of it, that serves those names), or run where the Docker engine answers `docker info`";

export class NoDefaultRegistryError extends ExplainedError {
  /** Why there is none, and the fix, apart: `update` reports them per image. */
  readonly reason: string;
  readonly fix = noDefaultRegistryFix;

  constructor(cause: string) {
    const reason = `no registry is known for unqualified image names (python, caddy, postgres): ${cause}`;
    super(`No${reason.slice(2)}.\nFix: ${noDefaultRegistryFix}.`);
    this.reason = reason;
  }
}

/** `https://` unless the host is a loopback address, which Docker too reaches over plain HTTP. */
export function registryBaseUrl(hostOrUrl: string): string {
  if (/^https?:\/\//.test(hostOrUrl)) return new URL(hostOrUrl).origin;
  const host = hostOrUrl.replace(/\/+$/, "");
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host) ? `http://${host}` : `https://${host}`;
}

/** The registry unqualified names are pulled from: `given` (--registry), else the engine's index server. */
export async function defaultRegistryUrl(given: string | undefined): Promise<string> {
  if (given !== undefined) return registryBaseUrl(given);
  let address: string;
  try {
    address = (await runDocker(["info", "--format", "{{.IndexServerAddress}}"])).stdout.trim();
  } catch (error) {
    throw new NoDefaultRegistryError(`the Docker engine did not say which one it uses (${(error as Error).message.split("\n")[0]})`);
  }
  if (!/^https?:\/\//.test(address)) throw new NoDefaultRegistryError(`the Docker engine's IndexServerAddress is "${address}", not a URL`);
  return new URL(address).origin;
}

/** Where `ref` is asked about: its own registry, else `defaultUrl` with the `library/` namespace for a one-part name. */
export function registryRepositoryOf(ref: ImageReference, defaultUrl: string): RegistryRepository {
  if (ref.registry) return { baseUrl: registryBaseUrl(ref.registry), repository: ref.repository };
  return { baseUrl: defaultUrl, repository: ref.repository.includes("/") ? ref.repository : `library/${ref.repository}` };
}
