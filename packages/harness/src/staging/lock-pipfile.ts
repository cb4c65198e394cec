import { fileURLToPath } from "node:url";
import { buildImage } from "../docker/build-image.ts";
import { runDocker } from "../docker/run-docker.ts";
import { caBundleRunArgs } from "../sources/machine-config.ts";
import { type RunIdentity, runLabelArgs } from "../stack/run-labels.ts";

const lockerRecipe = fileURLToPath(new URL("../../tools/pipenv-lock/", import.meta.url));

export interface PackageIndexArgs {
  url: string;
  /** For a plain-HTTP index (the local one): the host pip may trust. */
  trustedHost?: string;
}

/**
 * Writes Pipfile.lock next to the staged app's Pipfile by running `pipenv lock` in the cell's own
 * Python image, against the package index the build will use. A lock made against another index
 * cannot work: its hashes name other files (hermetic mode's index is made from Debian packages).
 */
export async function lockPipfile(
  stageDir: string,
  pythonImage: string,
  index: PackageIndexArgs | undefined,
  caBundle: string | undefined,
  run: RunIdentity,
  logFile: string,
): Promise<void> {
  const indexArgs: Record<string, string> = index ? { PIP_INDEX_URL: index.url, ...(index.trustedHost ? { PIP_TRUSTED_HOST: index.trustedHost } : {}) } : {};
  // One locker per Python image; BuildKit's cache makes every later build of it instant.
  const locker = `dockerize-python-pipenv-locker:${pythonImage.replace(/[^a-zA-Z0-9_.-]+/g, "-").slice(-100)}`;
  // This machine's CA bundle, for the install of pipenv (as a build secret) and for the lock (mounted).
  const trust = caBundle ? { ca_bundle: caBundle } : undefined;
  await buildImage({ context: lockerRecipe, tag: locker, buildArgs: { PYTHON_IMAGE: pythonImage, ...indexArgs }, secretFiles: trust, logFile });
  // PIPENV_PYPI_MIRROR replaces PyPI for a Pipfile that names no [[source]]; pip reads the other two.
  const indexEnv = index
    ? ["-e", `PIPENV_PYPI_MIRROR=${index.url}`, "-e", `PIP_INDEX_URL=${index.url}`, ...(index.trustedHost ? ["-e", `PIP_TRUSTED_HOST=${index.trustedHost}`] : [])]
    : [];
  await runDocker(["run", "--rm", ...runLabelArgs(run), ...indexEnv, ...caBundleRunArgs(caBundle), "--volume", `${stageDir}:/app`, locker]);
}
