import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import type { Mode } from "../report/report-types.ts";

export type RequestedMode = Mode | "auto";

export interface ModeChoice {
  mode: Mode;
  reason: string;
}

/**
 * auto: online when the official base image can be pulled and pip inside it reaches its default
 * index (whatever that is on this machine: nothing here names it); hermetic otherwise.
 */
export async function chooseMode(requested: RequestedMode, probeImage: string, log: (line: string) => void = () => {}): Promise<ModeChoice> {
  if (requested !== "auto") return { mode: requested, reason: `--mode ${requested}` };
  log(`probing: can ${probeImage} be pulled, and does pip reach its index?`);
  const pulled = await attempt(["pull", "--quiet", probeImage], 90_000);
  if (pulled !== true) return { mode: "hermetic", reason: `auto: ${probeImage} cannot be pulled (${pulled})` };
  const pip = await attempt(
    ["run", "--rm", probeImage, "python", "-m", "pip", "download", "--no-deps", "--quiet", "--dest", "/tmp/probe", "pip"],
    90_000,
  );
  if (pip !== true) return { mode: "hermetic", reason: `auto: pip in ${probeImage} cannot reach its package index (${pip})` };
  return { mode: "online", reason: `auto: ${probeImage} pulled and pip reached its package index` };
}

/** true, or the first line of why the docker command failed. */
async function attempt(args: string[], timeoutMs: number): Promise<true | string> {
  try {
    await runDocker(args, { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch (error) {
    if (error instanceof DockerCommandError) {
      return (error.output.stderr.trim().split("\n").pop() ?? `exit ${error.exitCode}`).slice(0, 200);
    }
    if (error instanceof Error && error.name === "AbortError") return `no answer within ${timeoutMs / 1000} s`;
    throw error;
  }
}
