import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ImageFacts, inspectImage } from "../docker/inspect-image.ts";
import { runDocker } from "../docker/run-docker.ts";
import { lintDockerfile } from "../lint/dockerfile-rules.ts";
import { formatFinding } from "../lint/lint-finding.ts";
import { parseDockerfile } from "../lint/parse-dockerfile.ts";
import { noSecretFiles } from "../lint/rules/no-secret-files.ts";
import { noSecretNames } from "../lint/rules/no-secret-names.ts";
import { templateFileKinds } from "../lint/template-file-kinds.ts";
import { type Needle, writeProbeCredentials } from "../secrets/probe-credentials.ts";
import { searchSavedImage, type Sighting } from "../secrets/search-image.ts";
import { dockerfileDigest, readSecretFreeLayers, recordSecretFreeLayers, secretFreeLayersFile } from "../secrets/secret-free-layers.ts";
import { secretMounts } from "../secrets/secret-mounts.ts";
import { type Check, type CheckContext, type CheckOutcome, fail, pass } from "./check.ts";
import { type BuildStep, parseSteps } from "./deps-layer-cached.ts";

/**
 * The template's safe way to give a build credentials (BuildKit secret and ssh mounts) leaves no
 * trace of them. First, statically, no Dockerfile the cell builds takes a secret as ARG or ENV or
 * copies a credential file (the lint rules no-secret-names and no-secret-files). Then an image
 * built with a random marker in every secret the Dockerfile mounts (and a fresh ssh key for every
 * ssh mount), whose steps that mount them ran without the cache (a cached step never saw the
 * marker), is searched: the cell's own image when its build was given the marker and ran those
 * steps (a cold cache; see markedBuildSecrets), else the image built again so. The marker is looked
 * for in every file of every layer (`docker save`), the image config, its history, the build cache
 * records (`docker buildx du --verbose`) and the build log. An image that passes has its layers
 * recorded (secretFreeLayersFile): a later cell image made of recorded layers only (a warm cache
 * that gave back what a searched build made) is not built or searched again.
 */
export const noSecretsInImage: Check<
  Pick<CheckContext, "image" | "templateFiles" | "stageDir" | "rebuild" | "cellBuild" | "secretFiles" | "log"> & { facts: Pick<ImageFacts, "layers"> }
> = async (context) => {
  const dockerfileDir = context.templateFiles.dockerfile.split("/")[0]!;
  const dockerfiles = (await templateFileKinds(join(context.stageDir, dockerfileDir)).catch(() => ({ dockerfiles: [] }))).dockerfiles.map((file) => `${dockerfileDir}/${file}`);
  const findings = [];
  for (const file of new Set([context.templateFiles.dockerfile, ...dockerfiles])) {
    findings.push(...lintDockerfile(file, await readFile(join(context.stageDir, file), "utf8"), [noSecretNames, noSecretFiles]));
  }
  if (findings.length) return fail(`${findings.length} way(s) to bake a secret into an image:\n${findings.map(formatFinding).join("\n")}`);

  const dockerfileText = await readFile(join(context.stageDir, context.templateFiles.dockerfile), "utf8");
  const dockerfile = parseDockerfile(context.templateFiles.dockerfile, dockerfileText);
  const mounts = secretMounts(dockerfile);
  if (!mounts.secretIds.length && !mounts.sshIds.length) {
    return fail(
      `${context.templateFiles.dockerfile} mounts no BuildKit secret or ssh agent, so an app with private dependencies has no safe way to build and ends up baking its credentials into an ARG or a COPY. ` +
        "Fix: give the dependency install step RUN --mount=type=secret,id=netrc,target=/root/.netrc and --mount=type=ssh (both optional unless required=true)",
    );
  }

  const sent = [...mounts.secretIds.map((id) => `--secret id=${id}`), ...mounts.sshIds.map((id) => `--ssh ${id} (a new key)`)].join(", ");
  const recordFile = secretFreeLayersFile();
  const recordedFor = dockerfileDigest(dockerfileText);
  const proof = chooseSecretProof(
    { steps: parseSteps(context.cellBuild.log), marked: context.cellBuild.marked !== undefined },
    context.facts.layers,
    await readSecretFreeLayers(recordFile, recordedFor),
  );
  const marked = context.cellBuild.marked;

  if (proof.kind === "own-build" && marked) {
    context.log("searching the image's layers, config and history (its own build carried the marker)");
    const outcome = await searchBuilt(context.image, marked.needles, context.cellBuild.log, proof.mounting, `the cell's own build: ${sent} carried a random marker`);
    if (outcome.status === "pass") await recordSecretFreeLayers(recordFile, recordedFor, context.facts.layers);
    return outcome;
  }
  if (proof.kind === "recorded-layers" && marked) {
    // The layers were searched when first built (see secretFreeLayersFile); what this build alone
    // could have shown a secret in is its log, and the build cache records.
    context.log("searching the build log and cache records (every layer is one proven earlier)");
    const { cache, sightings } = await searchCacheAndLog(marked.needles, context.cellBuild.log);
    if (sightings.length) return leaked(sightings);
    return pass(
      `nothing built again: every one of the image's ${context.facts.layers.length} layers is, byte for byte (its diffID), a layer of an image built earlier on this machine ` +
        `from this same Dockerfile with ${sent} carrying a random marker, its mounting steps run uncached, and searched clean (recorded in ${recordFile}); ` +
        `${proof.mounting.filter((step) => step.cached).length} of its ${proof.mounting.length} mounting step(s) came from the cache; ` +
        `this build's marker not found in its build log or ${cacheRecords(cache)} build cache records`,
    );
  }

  const dir = await mkdtemp(join(tmpdir(), "dockerize-python-secret-probe-"));
  const tag = `${context.image}-secrets-probe`;
  try {
    const credentials = await writeProbeCredentials(dir, mounts.secretIds, mounts.sshIds, context.secretFiles);
    // Only the stages that mount the credentials run again; an unnamed one cannot be named to
    // --no-cache-filter, so then the whole build does.
    const stageNames = mounts.stages.map((stage) => stage.name);
    const named = stageNames.every((name) => name !== undefined);
    const why = proof.kind === "build-again" ? proof.why : "its build carried no marker";
    context.log(`building again with a marker in ${[...mounts.secretIds.map((id) => `secret ${id}`), ...mounts.sshIds.map((id) => `ssh ${id}`)].join(", ")} (${why})`);
    const built = await context.rebuild({
      tag,
      secretFiles: credentials.secretFiles,
      ssh: credentials.ssh,
      ...(named ? { noCacheStages: stageNames as string[] } : { noCache: true }),
    });
    const mounting = mountingSteps(parseSteps(built.log));
    if (!mounting.length) return fail("the build log shows no RUN step that mounts a secret or the ssh agent: nothing was proven");
    const cached = mounting.filter((step) => step.cached);
    if (cached.length) {
      return fail(`the build reused cached results of ${cached.map((step) => `[${step.stage}] ${step.instruction.slice(0, 80)}`).join("; ")}, which never saw the marker: nothing was proven`);
    }
    context.log("searching the image's layers, config and history");
    const outcome = await searchBuilt(tag, credentials.needles, built.log, mounting, `built again (${why}): ${sent} carried a random marker`);
    if (outcome.status === "pass") await recordSecretFreeLayers(recordFile, recordedFor, (await inspectImage(tag)).layers);
    return outcome;
  } finally {
    await runDocker(["rmi", tag]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
};

/** How the check proves the cell's image free of the build's secrets: see chooseSecretProof. */
export type SecretProof =
  /** The cell's own build carried the marker and ran every mounting step: its image is searched. */
  | { kind: "own-build"; mounting: BuildStep[] }
  /** Every layer of the image is one recorded as proven (see secretFreeLayersFile): nothing is built or searched again. */
  | { kind: "recorded-layers"; mounting: BuildStep[] }
  /** Neither: the mounting stages are built again, uncached, with a marker. */
  | { kind: "build-again"; why: string };

/**
 * Which proof the cell's image allows. A mounting step taken from the cache was run by some earlier
 * build with whatever secret that build had (BuildKit's cache key leaves out a secret's content),
 * so the marker this build carried proves nothing about it; unless every layer of the image, by its
 * content, is one already proven (`recorded`: the layers of images built from the same Dockerfile
 * whose search with a marker found nothing).
 */
export function chooseSecretProof(cellBuild: { steps: readonly BuildStep[]; marked: boolean }, layers: readonly string[], recorded: ReadonlySet<string>): SecretProof {
  if (!cellBuild.marked) return { kind: "build-again", why: "its build carried no marker" };
  const mounting = mountingSteps(cellBuild.steps);
  if (mounting.length && mounting.every((step) => !step.cached)) return { kind: "own-build", mounting };
  const unproven = layers.filter((layer) => !recorded.has(layer));
  if (layers.length && !unproven.length) return { kind: "recorded-layers", mounting };
  const cached = mounting.filter((step) => step.cached).length;
  const steps = mounting.length ? `its build took ${cached} of its ${mounting.length} mounting step(s) from the cache` : "its build log shows no step that mounts a secret or the ssh agent";
  return { kind: "build-again", why: `${steps}, and ${unproven.length} of its ${layers.length} layers are in no image proven earlier` };
}

/** The build's RUN steps that mount a secret or the ssh agent. */
function mountingSteps(steps: readonly BuildStep[]): BuildStep[] {
  return steps.filter((step) => step.instruction.startsWith("RUN") && /--mount=\S*type=(secret|ssh)/.test(step.instruction));
}

/**
 * Looks for the needles in every file of every layer of `image`, its config and history, the build
 * cache records and the build's log; fails naming each place one is found.
 */
async function searchBuilt(image: string, needles: readonly Needle[], log: string, mounting: readonly { stage: string }[], how: string): Promise<CheckOutcome> {
  const searched = await searchSavedImage(image, needles);
  const { cache, sightings: elsewhere } = await searchCacheAndLog(needles, log);
  const sightings: Sighting[] = [...searched.sightings, ...elsewhere];
  if (sightings.length) return leaked(sightings);
  return pass(
    `${how} into ${mounting.length} RUN step(s) that ran uncached (${mounting.map((step) => step.stage || "trigger").join(", ")}); ` +
      `not found in ${searched.layers} layers (${searched.files} files, ${(searched.bytes / 1e6).toFixed(0)} MB), the image config, its ${searched.historyEntries} history entries, ` +
      `${cacheRecords(cache)} build cache records or the build log`,
  );
}

/** The needles in the build cache records (`docker buildx du --verbose`, returned as `cache`) and in the build's log. */
async function searchCacheAndLog(needles: readonly Needle[], log: string): Promise<{ cache: string; sightings: Sighting[] }> {
  const cache = (await runDocker(["buildx", "du", "--verbose"])).stdout;
  return {
    cache,
    sightings: [...textSightings(cache, needles, "the build cache records (docker buildx du --verbose)"), ...textSightings(log, needles, "the build log")],
  };
}

function leaked(sightings: readonly Sighting[]): CheckOutcome {
  return fail(
    `found ${sightings.length} time(s):\n${sightings.map((s) => `${s.needle} in ${s.where}`).join("\n")}\n` +
      "Anyone with the image (or its build cache, or the CI log) can read it. Fix: read a credential only inside the RUN that mounts it " +
      "(--mount=type=secret / --mount=type=ssh) and never copy it to a file, print it, or pass it as ARG or ENV",
  );
}

/** How many records `docker buildx du --verbose` listed. */
function cacheRecords(du: string): number {
  return du.split("\n").filter((line) => line.startsWith("ID:")).length;
}

function textSightings(text: string, needles: readonly Needle[], where: string): Sighting[] {
  return needles.filter((needle) => text.includes(needle.bytes.toString())).map((needle) => ({ needle: needle.label, where }));
}
