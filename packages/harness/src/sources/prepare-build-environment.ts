import { engineOwnPlatform } from "../docker/engine-platforms.ts";
import { imageExists, inspectImage } from "../docker/inspect-image.ts";
import { DockerCommandError, DockerEngineUnavailableError, runDocker } from "../docker/run-docker.ts";
import { ExplainedError } from "../explained-error.ts";
import type { DebianSuite } from "../hermetic/debian-rootfs.ts";
import { ensurePackageIndex, type PackageIndex, servePackageIndexes } from "../hermetic/package-index.ts";
import { ensureStandin, type GoModuleSource, type StandinSources, standinFor } from "../hermetic/standins.ts";
import { type Platform, platformTagSuffix } from "../docker/platform.ts";
import { digestOf, parseImageReference } from "../manifest/image-reference.ts";
import type { VariantNeeds } from "../manifest/schema.ts";
import { ProcessFailedError } from "../process/run-process.ts";
import type { StandinUse } from "../report/report-types.ts";
import type { BuildEnvironment } from "./build-environment.ts";
import { detectBaseImageSource, detectPackageSources } from "./detect-sources.ts";
import { type MachineConfig, readMachineConfig } from "./machine-config.ts";
import { sourceLabels, type RequestedMode, type Sources } from "./sources.ts";

/**
 * What a cell (or any build) needs: the official images it builds FROM or runs, for which platform
 * (undefined: the engine's own), and what its variant needs beyond them.
 */
export interface ImageDemand {
  images: readonly string[];
  platform?: Platform;
  needs?: VariantNeeds;
}

/** The Python image probes run in when no demand names one: the newest Python the templates use. */
const fallbackProbePython = "python:3.13-slim-trixie";

/**
 * Decides each source (see sources.ts) and makes it ready: every image the demands name, pulled
 * from the registry or replaced by its stand-in (built, or reused when its recipe is unchanged),
 * and the local package index served when it is the Python packages' source. Demands whose needs
 * this run's sources cannot meet are left out (their cells are skipped with the reason); an image
 * that cannot be made is said by imageProblem (its cells fail with the reason).
 */
export async function prepareBuildEnvironment(requested: RequestedMode, demands: readonly ImageDemand[], log: (line: string) => void): Promise<BuildEnvironment> {
  const machine = await readMachineConfig();
  for (const note of machine.notes) log(`this machine: ${note}`);
  const pythonRefs = demands.flatMap((demand) => demand.images).filter((ref) => ref.startsWith("python:"));
  const probeOfficial = pythonRefs[0] ?? fallbackProbePython;
  const baseImages = await detectBaseImageSource(requested, probeOfficial, log);
  log(`base images: ${sourceLabels[baseImages.kind]} (${baseImages.reason})`);

  // By official reference and platform (see resolvedKey): one reference can be wanted for two platforms.
  // The engine's own platform asked for by name is no platform at all: the images every run uses.
  const ownPlatform = demands.some((demand) => demand.platform) ? await engineOwnPlatform() : undefined;
  const other = (platform: Platform | undefined) => (platform === ownPlatform ? undefined : platform);
  const resolved = new Map<string, StandinUse>();
  // Decided once the Go module proxy has been probed: stand-ins compiled from Go (Caddy) need it.
  let standinSources: StandinSources = {};
  // `platform` is another than the engine's own (see other), or undefined.
  const resolve = async (official: string, platform?: Platform) => {
    const key = resolvedKey(official, platform);
    if (resolved.has(key)) return resolved.get(key)!.image;
    if (baseImages.kind === "registry") {
      resolved.set(key, { official, image: await pull(official, platform, log), reused: true });
    } else {
      const ensured = await ensureStandin(official, log, standinSources, platform);
      const digestNotHonoured = digestOf(official) && standinCannotHonourDigest(ensured.official);
      log(`${official}${platform ? ` (${platform})` : ""} -> ${ensured.image} (${ensured.reused ? "reused" : "built"})${digestNotHonoured ? `; digest not honoured: ${digestNotHonoured}` : ""}`);
      resolved.set(key, { official, image: ensured.image, reused: ensured.reused, ...(digestNotHonoured ? { digestNotHonoured } : {}) });
    }
    return resolved.get(key)!.image;
  };

  const goNeeded = demands.some((demand) => demand.needs?.goModuleProxy);
  // The package probes run in a Python image this run can have: with stand-ins, one that has a
  // stand-in (an Alpine run's own image has none, and its cells are skipped anyway).
  const probePython = baseImages.kind === "registry" ? probeOfficial : (pythonRefs.find((ref) => standinFor(ref)) ?? fallbackProbePython);
  const packages = await detectPackageSources(requested, machine, await resolve(probePython), goNeeded, log);
  const sources: Sources = { baseImages, ...packages };
  log(`Python packages: ${sourceLabels[sources.pythonPackages.kind]} (${sources.pythonPackages.reason})`);
  log(`Go modules: ${sourceLabels[sources.goModules.kind]} (${sources.goModules.reason})`);
  const goModules = sources.goModules.kind === "proxy" ? goModuleSourceOf(machine) : undefined;
  if (goModules) standinSources = { goModules };

  const unmetNeed = (needs: VariantNeeds | undefined): string | undefined => {
    if (needs?.imageRegistry && baseImages.kind !== "registry") return `${needs.imageRegistry}; base images come from ${sourceLabels[baseImages.kind]} here (${baseImages.reason})`;
    if (needs?.goModuleProxy && sources.goModules.kind !== "proxy") return `${needs.goModuleProxy}; no Go module proxy serves here (${sources.goModules.reason})`;
    if (needs?.pypiFiles && sources.pythonPackages.kind === "local-index") {
      return `${needs.pypiFiles}; Python packages come from the ${sourceLabels["local-index"]} here (${sources.pythonPackages.reason})`;
    }
    return undefined;
  };
  // The engine's own platform named is no platform from here on (other).
  const buildable = demands.filter((demand) => !unmetNeed(demand.needs)).map((demand) => ({ ...demand, platform: other(demand.platform) }));
  // An image that could not be made (a stand-in whose build failed, a tag the registry does not
  // have) fails the cells that need it (imageProblem), not the whole run before any cell.
  const problems = new Map<string, string>();
  for (const { official, platform } of imagesToResolve(buildable)) {
    await resolve(official, platform).catch((error: unknown) => {
      // An engine that does not answer is no image's problem: the run cannot go on.
      if (error instanceof DockerEngineUnavailableError || !(error instanceof ExplainedError || error instanceof ProcessFailedError)) throw error;
      const problem = `${official}${platform ? ` (${platform})` : ""} could not be made, so no cell that needs it was built: ${error.message}`;
      log(`${problem.split("\n")[0]}`);
      problems.set(resolvedKey(official, platform), problem);
    });
  }

  const indexes: PackageIndex[] = [];
  if (sources.pythonPackages.kind === "local-index") {
    const suites = new Set<DebianSuite>();
    // The index serves this machine's wheels: for the engine's own platform only (another's cells need PyPI's files).
    for (const official of buildable.filter((demand) => !demand.platform).flatMap((demand) => demand.images)) {
      const spec = standinFor(official);
      if (spec?.recipe === "python") suites.add(spec.suite);
    }
    for (const suite of suites) {
      const index = await ensurePackageIndex(suite, log);
      log(`package index for ${suite}: ${index.packages} files (${index.reused ? "reused" : "built"}) in ${index.dir}`);
      indexes.push(index);
    }
  }
  const server = indexes.length ? await servePackageIndexes(indexes) : undefined;
  const pythonSuite = (refs: readonly string[]): DebianSuite | undefined =>
    refs.map((ref) => standinFor(ref)).find((spec) => spec?.recipe === "python")?.suite;

  const standins: StandinUse[] = baseImages.kind === "stand-ins" ? [...resolved.values()] : [];
  return {
    requestedMode: requested,
    sources,
    imageFor(official, platform) {
      const found = resolved.get(resolvedKey(official, other(platform)));
      if (!found) throw new Error(`this run prepared no image for ${official}${platform ? ` on ${platform}` : ""}; it was not among the images the run declared`);
      return found.image;
    },
    imageProblem: (official, platform) => problems.get(resolvedKey(official, other(platform))),
    packageIndexFor(baseImageRefs) {
      if (sources.pythonPackages.kind === "configured-index") return { url: machine.pipIndexUrl! };
      const suite = pythonSuite(baseImageRefs);
      return sources.pythonPackages.kind === "local-index" && suite && server ? { url: server.urlFor(suite), trustedHost: server.trustedHost } : undefined;
    },
    goProxy: goModules,
    caBundle: machine.caBundle,
    unmetNeed,
    cellSources: (usesPython, usesGo) => ({
      baseImages: baseImages.kind,
      ...(usesPython ? { pythonPackages: sources.pythonPackages.kind } : {}),
      ...(usesGo ? { goModules: sources.goModules.kind } : {}),
    }),
    summary:
      standins.length || indexes.length
        ? { standins, packageIndexes: indexes.map((index) => ({ suite: index.suite, reused: index.reused, packages: index.packages })) }
        : null,
    close: async () => server?.close(),
  };
}

/** The key of an official reference wanted for a platform (undefined: the engine's own) in the resolved images. */
function resolvedKey(official: string, platform: Platform | undefined): string {
  return `${official}${platform ? ` ${platform}` : ""}`;
}

/** Every image the demands name, once per platform: another platform's first, then the engine's own. */
export function imagesToResolve(demands: readonly ImageDemand[]): Array<{ official: string; platform?: Platform }> {
  const wanted = new Map<string, { official: string; platform?: Platform }>();
  for (const demand of demands) {
    for (const official of demand.images) wanted.set(resolvedKey(official, demand.platform), { official, ...(demand.platform ? { platform: demand.platform } : {}) });
  }
  return [...wanted.values()].sort((a, b) => Number(!a.platform) - Number(!b.platform) || resolvedKey(a.official, a.platform).localeCompare(resolvedKey(b.official, b.platform)));
}

/**
 * Pulls `image` for `platform` (the engine's own when undefined) and says what the run builds on.
 * Another platform's pull moves the official tag to that platform's image (the engine's image store
 * holds one image per tag), so it is tagged `<name>:<tag>-<arch>` under dockerize-python-pulled/,
 * which the run builds on, and the official tag given back to the image it named before (none: untagged).
 */
async function pull(image: string, platform: Platform | undefined, log: (line: string) => void): Promise<string> {
  log(`pulling ${image}${platform ? ` for ${platform}` : ""}`);
  try {
    const before = platform && (await imageExists(image)) ? (await inspectImage(image)).id : undefined;
    await runDocker(["pull", "--quiet", ...(platform ? ["--platform", platform] : []), image]);
    if (!platform) return image;
    const local = pulledPlatformTag(image, platform);
    await runDocker(["tag", image, local]);
    await runDocker(before ? ["tag", before, image] : ["image", "rm", image]);
    return local;
  } catch (error) {
    if (!(error instanceof DockerCommandError)) throw error;
    throw new ExplainedError(`Could not pull ${image}${platform ? ` for ${platform}` : ""}: ${error.output.stderr.trim().split("\n").pop()}\nFix: check this machine's access to the registry, or run with --mode hermetic.`);
  }
}

/** The local tag of an official image pulled for another platform: `dockerize-python-pulled/<name>:<tag>-<arch>`. */
export function pulledPlatformTag(official: string, platform: Platform): string {
  const { registry, repository, tag } = parseImageReference(official);
  const name = [registry?.toLowerCase().replaceAll(":", "-"), repository].filter(Boolean).join("/").replaceAll("/", "-");
  return `dockerize-python-pulled/${name}:${tag}${platformTagSuffix(platform)}`;
}

/** Why a stand-in for a reference pinned by digest is not that image: said in the log and the report, never silently. */
export function standinCannotHonourDigest(tagged: string): string {
  return `no registry serves the official image here, so the stand-in for ${tagged} (built from Debian packages) is used; a digest names the official image's content, which no stand-in has (run where a registry answers to build on the pinned image)`;
}

/** This machine's Go module proxy, as the stand-ins compiled from Go (Caddy, its builder) are built with it. */
export function goModuleSourceOf(machine: MachineConfig): GoModuleSource | undefined {
  if (!machine.goProxy) return undefined;
  return { goproxy: machine.goProxy, ...(machine.goSumDb ? { gosumdb: machine.goSumDb } : {}), ...(machine.caBundle ? { caBundle: machine.caBundle } : {}) };
}
