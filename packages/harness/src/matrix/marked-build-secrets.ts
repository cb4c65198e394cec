import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDockerfile } from "../lint/parse-dockerfile.ts";
import { type ProbeCredentials, writeProbeCredentials } from "../secrets/probe-credentials.ts";
import { secretMounts } from "../secrets/secret-mounts.ts";
import type { Cell } from "./cell.ts";

/** Throwaway credentials for the cell's own build, and where they are kept until the cell ends. */
export interface MarkedBuildSecrets {
  credentials: ProbeCredentials;
  /** Removes the credentials' files. */
  remove(): Promise<void>;
}

/**
 * For a cell whose checks include no-secrets-in-image and whose Dockerfile mounts secrets or an ssh
 * agent: throwaway credentials carrying a random marker for every one of them (the run's real
 * secrets, the CA bundle, kept with the marker appended), for the cell's own build. When that build
 * runs its mounting steps (a cold cache), no-secrets-in-image searches the very image the cell
 * ships instead of building it again; when they come from the cache, it builds again, unless the
 * image is made only of layers it proved clean before (see secretFreeLayersFile).
 * Undefined when the cell's Dockerfile mounts nothing or the check is not listed.
 */
export async function markedBuildSecrets(cell: Cell, stageDir: string, given: Readonly<Record<string, string>>): Promise<MarkedBuildSecrets | undefined> {
  if (!cell.checks.includes("no-secrets-in-image")) return undefined;
  const file = cell.template.manifest.dockerfile;
  const mounts = secretMounts(parseDockerfile(file, await readFile(join(stageDir, file), "utf8")));
  if (!mounts.secretIds.length && !mounts.sshIds.length) return undefined;
  const dir = await mkdtemp(join(tmpdir(), "dockerize-python-marked-build-"));
  return {
    credentials: await writeProbeCredentials(dir, mounts.secretIds, mounts.sshIds, given),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
