import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDocker } from "../docker/run-docker.ts";
import { lintDockerfile } from "../lint/dockerfile-rules.ts";
import { formatFinding } from "../lint/lint-finding.ts";
import { parseDockerfile } from "../lint/parse-dockerfile.ts";
import { noSecretFiles } from "../lint/rules/no-secret-files.ts";
import { noSecretNames } from "../lint/rules/no-secret-names.ts";
import { templateFileKinds } from "../lint/template-file-kinds.ts";
import { type Needle, writeProbeCredentials } from "../secrets/probe-credentials.ts";
import { searchSavedImage, type Sighting } from "../secrets/search-image.ts";
import { secretMounts } from "../secrets/secret-mounts.ts";
import { type Check, type CheckContext, type CheckOutcome, fail, pass } from "./check.ts";
import { parseSteps } from "./deps-layer-cached.ts";

/**
 * The template's safe way to give a build credentials (BuildKit secret and ssh mounts) leaves no
 * trace of them. First, statically, no Dockerfile the cell builds takes a secret as ARG or ENV or
 * copies a credential file (the lint rules no-secret-names and no-secret-files). Then an image
 * built with a random marker in every secret the Dockerfile mounts (and a fresh ssh key for every
 * ssh mount), whose steps that mount them ran without the cache (a cached step never saw the
 * marker), is searched: the cell's own image when its build was given the marker and ran those
 * steps (a cold cache; see markedBuildSecrets), else the image built again so. The marker is looked
 * for in every file of every layer (`docker save`), the image
 * config, its history, the build cache records (`docker buildx du --verbose`) and the build log.
 */
export const noSecretsInImage: Check<Pick<CheckContext, "image" | "templateFiles" | "stageDir" | "rebuild" | "cellBuild" | "secretFiles" | "log">> = async (context) => {
  const dockerfileDir = context.templateFiles.dockerfile.split("/")[0]!;
  const dockerfiles = (await templateFileKinds(join(context.stageDir, dockerfileDir)).catch(() => ({ dockerfiles: [] }))).dockerfiles.map((file) => `${dockerfileDir}/${file}`);
  const findings = [];
  for (const file of new Set([context.templateFiles.dockerfile, ...dockerfiles])) {
    findings.push(...lintDockerfile(file, await readFile(join(context.stageDir, file), "utf8"), [noSecretNames, noSecretFiles]));
  }
  if (findings.length) return fail(`${findings.length} way(s) to bake a secret into an image:\n${findings.map(formatFinding).join("\n")}`);

  const dockerfile = parseDockerfile(context.templateFiles.dockerfile, await readFile(join(context.stageDir, context.templateFiles.dockerfile), "utf8"));
  const mounts = secretMounts(dockerfile);
  if (!mounts.secretIds.length && !mounts.sshIds.length) {
    return fail(
      `${context.templateFiles.dockerfile} mounts no BuildKit secret or ssh agent, so an app with private dependencies has no safe way to build and ends up baking its credentials into an ARG or a COPY. ` +
        "Fix: give the dependency install step RUN --mount=type=secret,id=netrc,target=/root/.netrc and --mount=type=ssh (both optional unless required=true)",
    );
  }

  const mountingSteps = (log: string) => parseSteps(log).filter((step) => step.instruction.startsWith("RUN") && /--mount=\S*type=(secret|ssh)/.test(step.instruction));
  const sent = [...mounts.secretIds.map((id) => `--secret id=${id}`), ...mounts.sshIds.map((id) => `--ssh ${id} (a new key)`)].join(", ");

  // The cell's own build carried the marker (see markedBuildSecrets) and ran every mounting step: the image the cell ships is the proof.
  const own = context.cellBuild.marked && mountingSteps(context.cellBuild.log);
  if (context.cellBuild.marked && own?.length && own.every((step) => !step.cached)) {
    context.log("searching the image's layers, config and history (its own build carried the marker)");
    return searchBuilt(context.image, context.cellBuild.marked.needles, context.cellBuild.log, own, `the cell's own build: ${sent} carried a random marker`);
  }

  const dir = await mkdtemp(join(tmpdir(), "dockerize-python-secret-probe-"));
  const tag = `${context.image}-secrets-probe`;
  try {
    const credentials = await writeProbeCredentials(dir, mounts.secretIds, mounts.sshIds, context.secretFiles);
    // Only the stages that mount the credentials run again; an unnamed one cannot be named to
    // --no-cache-filter, so then the whole build does.
    const stageNames = mounts.stages.map((stage) => stage.name);
    const named = stageNames.every((name) => name !== undefined);
    context.log(`building again with a marker in ${[...mounts.secretIds.map((id) => `secret ${id}`), ...mounts.sshIds.map((id) => `ssh ${id}`)].join(", ")} (the cell's build took its mounting steps from the cache)`);
    const built = await context.rebuild({
      tag,
      secretFiles: credentials.secretFiles,
      ssh: credentials.ssh,
      ...(named ? { noCacheStages: stageNames as string[] } : { noCache: true }),
    });
    const mounting = mountingSteps(built.log);
    if (!mounting.length) return fail("the build log shows no RUN step that mounts a secret or the ssh agent: nothing was proven");
    const cached = mounting.filter((step) => step.cached);
    if (cached.length) {
      return fail(`the build reused cached results of ${cached.map((step) => `[${step.stage}] ${step.instruction.slice(0, 80)}`).join("; ")}, which never saw the marker: nothing was proven`);
    }
    context.log("searching the image's layers, config and history");
    return await searchBuilt(tag, credentials.needles, built.log, mounting, `built again: ${sent} carried a random marker`);
  } finally {
    await runDocker(["rmi", tag]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
};

/**
 * Looks for the needles in every file of every layer of `image`, its config and history, the build
 * cache records and the build's log; fails naming each place one is found.
 */
async function searchBuilt(image: string, needles: readonly Needle[], log: string, mounting: readonly { stage: string }[], how: string): Promise<CheckOutcome> {
  const searched = await searchSavedImage(image, needles);
  const cache = (await runDocker(["buildx", "du", "--verbose"])).stdout;
  const sightings: Sighting[] = [
    ...searched.sightings,
    ...textSightings(cache, needles, "the build cache records (docker buildx du --verbose)"),
    ...textSightings(log, needles, "the build log"),
  ];
  if (sightings.length) {
    return fail(
      `found ${sightings.length} time(s):\n${sightings.map((s) => `${s.needle} in ${s.where}`).join("\n")}\n` +
        "Anyone with the image (or its build cache, or the CI log) can read it. Fix: read a credential only inside the RUN that mounts it " +
        "(--mount=type=secret / --mount=type=ssh) and never copy it to a file, print it, or pass it as ARG or ENV",
    );
  }
  const records = cache.split("\n").filter((line) => line.startsWith("ID:")).length;
  return pass(
    `${how} into ${mounting.length} RUN step(s) that ran uncached (${mounting.map((step) => step.stage || "trigger").join(", ")}); ` +
      `not found in ${searched.layers} layers (${searched.files} files, ${(searched.bytes / 1e6).toFixed(0)} MB), the image config, its ${searched.historyEntries} history entries, ` +
      `${records} build cache records or the build log`,
  );
}

function textSightings(text: string, needles: readonly Needle[], where: string): Sighting[] {
  return needles.filter((needle) => text.includes(needle.bytes.toString())).map((needle) => ({ needle: needle.label, where }));
}
