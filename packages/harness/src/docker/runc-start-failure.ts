import { DockerCommandError } from "./run-docker.ts";

/**
 * runc's own failure to start a container, which a loaded machine meets now and then (seen with
 * Debian's docker.io 26.1.5, in a build step and in `docker run`: "unable to start container
 * process: waiting for init preliminary setup: read init-p: connection reset by peer"), as against
 * the container's command failing (an entrypoint that cannot be executed is the image's fault and
 * is not matched). Its words, or undefined. A second attempt starts the container.
 */
export function runcFailedToStart(output: string): string | undefined {
  return /unable to start container process: [^\n]*?((?:read|write) init-p: [a-z ]+)/.exec(output)?.[1];
}

/**
 * `start()`, and once more when it rejects because runc failed to start its container (a docker
 * command's stderr says so); any other rejection, or a second runc failure, is the caller's.
 */
export async function onceMoreIfRuncFailedToStart<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof DockerCommandError && runcFailedToStart(error.output.stderr)) return start();
    throw error;
  }
}
