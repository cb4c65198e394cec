import { ExplainedError } from "../explained-error.ts";
import { DockerCommandError, runDocker } from "./run-docker.ts";

/** Where the Docker engine is: the endpoint the docker CLI would use, and where that came from. */
export interface DockerEndpoint {
  /** unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host ... */
  host: string;
  /** As a person names the setting: "DOCKER_HOST", or `the docker context "<name>"`. */
  from: string;
}

/**
 * The engine the docker CLI talks to: DOCKER_HOST when it is set (the CLI prefers it to any
 * context), else the endpoint of the current context (DOCKER_CONTEXT, else `docker context use`'s).
 */
export async function resolveDockerEndpoint(env: NodeJS.ProcessEnv = process.env): Promise<DockerEndpoint> {
  if (env.DOCKER_HOST) return { host: env.DOCKER_HOST, from: "DOCKER_HOST" };
  try {
    const { stdout } = await runDocker(["context", "inspect", "--format", "{{json .}}"], { env });
    return endpointOfContext(stdout);
  } catch (error) {
    if (!(error instanceof DockerCommandError)) throw error;
    const context = env.DOCKER_CONTEXT ? `"${env.DOCKER_CONTEXT}" (from DOCKER_CONTEXT)` : "the current docker context";
    throw new ExplainedError(
      `Cannot read the endpoint of ${context}: ${error.output.stderr.trim()}\nFix: name a context that exists (\`docker context ls\`), or set DOCKER_HOST to the engine's address.`,
    );
  }
}

/**
 * The Docker endpoint out of `docker context inspect --format '{{json .}}'`. A context with TLS
 * material is refused: the endpoint is handed on as DOCKER_HOST, which carries no certificates.
 */
export function endpointOfContext(json: string): DockerEndpoint {
  const context = JSON.parse(json) as { Name: string; Endpoints?: { docker?: { Host?: string } }; TLSMaterial?: { docker?: readonly string[] } };
  const host = context.Endpoints?.docker?.Host;
  if (!host) throw new ExplainedError(`The docker context "${context.Name}" has no Docker endpoint.\nFix: give it one (docker context update ${context.Name} --docker host=...), or set DOCKER_HOST.`);
  if (context.TLSMaterial?.docker?.length) {
    throw new ExplainedError(
      `The docker context "${context.Name}" connects with TLS, which the harness cannot hand to testcontainers from a context.\n` +
        `Fix: set DOCKER_HOST=${host}, DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to a folder with its ca.pem, cert.pem and key.pem instead.`,
    );
  }
  return { host, from: `the docker context "${context.Name}"` };
}

/**
 * Refuses an engine whose published ports this machine cannot reach the way the harness reaches
 * them, before anything starts: every container it checks publishes on the engine's 127.0.0.1, and
 * the local package index is served on the engine's bridge, both on the engine's own machine. A
 * unix socket (or npipe) is an engine on this machine; tcp:// only on a loopback address; ssh://
 * never (testcontainers cannot use it at all and would silently fall back to the default socket).
 */
export function assertEngineOnThisMachine(endpoint: DockerEndpoint): void {
  const url = URL.canParse(endpoint.host) ? new URL(endpoint.host) : undefined;
  if (url && (url.protocol === "unix:" || url.protocol === "npipe:")) return;
  const hostname = url?.hostname.replace(/^\[|\]$/g, "");
  if (url?.protocol === "tcp:" && hostname && (hostname === "localhost" || hostname === "::1" || /^127\./.test(hostname))) return;
  throw new ExplainedError(
    `The Docker engine at ${endpoint.host} (from ${endpoint.from}) is not on this machine: the harness reaches the containers it checks ` +
      "on ports the engine publishes on its own 127.0.0.1, and serves builds from this machine, neither of which another machine's engine can use" +
      `${url?.protocol === "ssh:" ? " (and testcontainers, which starts the stacks, cannot connect over ssh://)" : ""}.\n` +
      "Fix: run dockerize-python on the machine that runs the engine (over ssh, say), with DOCKER_HOST unset or pointing at its unix socket.",
  );
}
