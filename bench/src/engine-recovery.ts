import { DockerCommandError, runDocker } from "@dockerize-python/harness";

/**
 * True when `error` came from the Docker engine going away mid-run (its daemon crashed or restarted:
 * on a shared machine another user's build can bring it down), so that the run can wait for it and
 * measure again instead of publishing a figure the restart distorted.
 */
export async function engineWentAway(error: unknown): Promise<boolean> {
  const text = error instanceof DockerCommandError ? `${error.output.stderr}${error.output.stdout}` : error instanceof Error ? error.message : String(error);
  if (/Cannot connect to the Docker daemon|error reading from server: EOF|connection reset by peer|failed to receive status/.test(text)) return true;
  return !(await engineAnswers());
}

async function engineAnswers(): Promise<boolean> {
  return runDocker(["info", "--format", "{{.ServerVersion}}"]).then(() => true, () => false);
}

/** Waits until the engine answers again; false when it did not within `timeoutMs`. */
export async function waitForEngine(timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await engineAnswers()) return true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return false;
}
