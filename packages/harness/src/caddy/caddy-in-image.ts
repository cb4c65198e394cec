import { type DockerOutput, runDocker } from "../docker/run-docker.ts";
import { lastLines } from "../process/run-process.ts";

/**
 * Runs the image's `caddy` with `args` (no network) and returns what it printed; rejects with
 * DockerCommandError when caddy exits non-zero (its error is the last `Error:` line of stderr).
 */
export function caddyInImage(image: string, args: readonly string[]): Promise<DockerOutput> {
  return runDocker(["run", "--rm", "--network", "none", "--entrypoint", "caddy", image, ...args]);
}

/** Caddy's error line ("Error: ...: Caddyfile:12 - Error during parsing: ..."), not its whole log. */
export function caddyError(stderr: string): string {
  return stderr.split("\n").reverse().find((line) => line.startsWith("Error:")) ?? lastLines(stderr, 3);
}

/** `caddy list-modules --packages`: module ID -> Go package (empty when the binary does not say). */
export async function listModules(image: string): Promise<Map<string, string>> {
  const { stdout: output } = await caddyInImage(image, ["list-modules", "--packages"]);
  const modules = new Map<string, string>();
  for (const line of output.split("\n")) {
    // Module lines start in column 0; the footer ("  Standard modules: 98") is indented.
    const match = line.match(/^([a-z0-9_]+(?:\.[a-z0-9_]+)*)(?:\s+(\S+))?\s*$/);
    if (match) modules.set(match[1]!, match[2] ?? "");
  }
  return modules;
}
