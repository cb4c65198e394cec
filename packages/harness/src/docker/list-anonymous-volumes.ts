import { runDocker } from "./run-docker.ts";

/** The engine's anonymous volumes (an image's VOLUME with nothing mounted at it), by name. */
export async function listAnonymousVolumes(): Promise<string[]> {
  const { stdout } = await runDocker(["volume", "ls", "--quiet", "--filter", "label=com.docker.volume.anonymous"]);
  return stdout.split("\n").filter(Boolean);
}
