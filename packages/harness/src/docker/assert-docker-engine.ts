import { lastLines } from "../process/run-process.ts";
import { assertEngineOnThisMachine, resolveDockerEndpoint } from "./docker-endpoint.ts";
import { DockerCommandError, DockerEngineUnavailableError, runDocker } from "./run-docker.ts";

/**
 * The first contact with the engine, before a command starts anything: finds the engine the docker
 * CLI would use (DOCKER_HOST, else the current docker context), refuses one on another machine,
 * checks that it answers, then makes it this process's DOCKER_HOST, so that every later docker
 * command and testcontainers (which reads DOCKER_HOST but not the docker CLI's contexts) use that
 * one engine. Resolves with the engine's version; rejects with DockerEngineUnavailableError, or an
 * ExplainedError for an engine the harness cannot use.
 */
export async function assertDockerEngine(): Promise<string> {
  const endpoint = await resolveDockerEndpoint();
  assertEngineOnThisMachine(endpoint);
  let version: string;
  try {
    version = (await runDocker(["version", "--format", "{{.Server.Version}}"])).stdout.trim();
  } catch (error) {
    if (error instanceof DockerEngineUnavailableError) throw error;
    const detail = error instanceof DockerCommandError ? lastLines(error.output.stderr, 3) : String(error);
    throw new DockerEngineUnavailableError(detail);
  }
  process.env.DOCKER_HOST = endpoint.host;
  return version;
}
