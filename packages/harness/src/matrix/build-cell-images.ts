import { join } from "node:path";
import type { RebuildChanges } from "../checks/check.ts";
import { BuildFailedError, buildImage, type BuiltImage } from "../docker/build-image.ts";
import { runDocker } from "../docker/run-docker.ts";
import { type BuildProvenance, provenanceBuildArgs } from "../labels/build-provenance.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { ProbeCredentials } from "../secrets/probe-credentials.ts";
import type { RunIdentity } from "../stack/run-labels.ts";
import type { Cell } from "./cell.ts";
import { proxyCell, resolvedBuildArgs, trustSecrets } from "./cell-build-args.ts";
import { CellEndedEarly, type CellToVerify, cellImageName, cellLogFile, type VerifyCellOptions } from "./cell-to-verify.ts";

/** The cell's image, as built, and how a check builds it again. */
export interface BuiltCellImage {
  tag: string;
  seconds: number;
  /** How long it waited for other builds on the engine first. */
  waitedSeconds: number;
  /** What it was built with: the cell's build args as this run resolved them, and the build secrets. */
  buildArgs: Record<string, string>;
  secretFiles: Record<string, string>;
  /** The build's whole plain-progress log. */
  log: string;
  /** The throwaway credentials it was built with (see markedBuildSecrets); undefined: the run's own secrets only. */
  marked: ProbeCredentials | undefined;
  /**
   * Builds it again from the staged copy with the same request, plus `changes`; under another tag
   * its log goes beside the cell's, which stays the cell's own build.
   */
  rebuild(changes?: RebuildChanges): Promise<BuiltImage>;
}

/**
 * The name this run gives the cell's image beside its own (cellImageName): the checks use it, so
 * that another run building the same cell at the same time (two apps verified with one template)
 * cannot move it to its image under them. releaseRunImageNames takes it off at the cell's end.
 */
export function runImageName(cell: Cell, run: RunIdentity): string {
  return `${cellImageName(cell)}-run-${run.id}`;
}

/** Builds the cell's image from its staged copy (`building`). A failed build ends the cell (CellEndedEarly). */
export async function buildCellImage(cell: CellToVerify, stageDir: string, provenance: BuildProvenance, options: VerifyCellOptions, marked?: ProbeCredentials): Promise<BuiltCellImage> {
  const request = {
    ...buildRequest(cell, stageDir, cellImageName(cell), cellLogFile(options.logDir, cell), provenance, options),
    extraTags: [runImageName(cell, options.run)],
    ...(marked ? { secretFiles: marked.secretFiles, ssh: marked.ssh } : {}),
  };
  options.step("building");
  const built = await buildImage(request).catch(endCellOnBuildFailure((error) => error.message, "the image did not build"));
  return {
    tag: runImageName(cell, options.run),
    seconds: built.seconds,
    waitedSeconds: built.waitedSeconds,
    buildArgs: request.buildArgs,
    secretFiles: request.secretFiles,
    log: built.log,
    marked,
    // Under another tag, only that one: the cell's names stay on the image the checks examine.
    rebuild: (changes = {}) =>
      buildImage({ ...request, ...changes, ...(changes.tag ? { extraTags: [], logFile: cellLogFile(options.logDir, cell, changes.tag.split(":").pop()) } : {}) }),
  };
}

/**
 * Builds the app's proxy (its proxy template, as that template's first variant) as `<image>-proxy`,
 * from the app's staged copy: the proxy serves the app's static files itself (a Django app's from
 * the cell's image, which is built first). A failed build ends the cell (CellEndedEarly).
 */
export async function buildProxyImage(cell: CellToVerify, proxy: LoadedTemplate, stageDir: string, provenance: BuildProvenance, options: VerifyCellOptions): Promise<BuiltImage> {
  options.step(`building the ${proxy.name} proxy for this app`);
  const request = buildRequest(proxyCell(proxy), stageDir, `${cellImageName(cell)}-proxy`, cellLogFile(options.logDir, cell, "proxy"), provenance, options);
  // APP_IMAGE: the cell's image as this run built it, where a Django app's collected static files are (built before this).
  const buildArgs = { ...request.buildArgs, APP_IMAGE: runImageName(cell, options.run), ...options.proxyBuildArgs };
  const runTag = `${runImageName(cell, options.run)}-proxy`;
  const built = await buildImage({ ...request, buildArgs, extraTags: [runTag] }).catch(
    endCellOnBuildFailure((error) => `The ${proxy.name} proxy for this app did not build. ${error.message}`, "the proxy image did not build"),
  );
  return { ...built, tag: runTag };
}

/**
 * Takes this run's names (runImageName, and the proxy's) off the cell's images once its checks are
 * done; the image keeps its cell name unless another run's build has moved it since, and then,
 * named by nothing, it goes (it is no run's image). Never rejects: a name already gone is fine.
 */
export async function releaseRunImageNames(cell: Cell, run: RunIdentity): Promise<void> {
  for (const tag of [runImageName(cell, run), `${runImageName(cell, run)}-proxy`]) await runDocker(["image", "rm", tag]).catch(() => {});
}

/**
 * How a cell's images are built: for its platform, from the staged copy, with the run's build args and the machine's
 * CA bundle, the provenance the images' OCI labels carry (the oci-labels check reads them back), and
 * labels naming the template.
 */
function buildRequest(built: Cell, stageDir: string, tag: string, logFile: string, provenance: BuildProvenance, options: VerifyCellOptions) {
  const { template } = built;
  return {
    context: stageDir,
    dockerfile: join(stageDir, template.manifest.dockerfile),
    tag,
    buildArgs: { ...resolvedBuildArgs(built, options.environment), ...provenanceBuildArgs(template.manifest, provenance) },
    secretFiles: trustSecrets(options.environment),
    labels: { "dockerize-python.template": template.name, "dockerize-python.template-version": template.version },
    platform: built.platform,
    logFile,
    signal: options.signal,
  };
}

/** A build that failed ends the cell, failed with `reason`, its checks not run because of `notRun`; any other error goes on. */
function endCellOnBuildFailure(reason: (error: BuildFailedError) => string, notRun: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof BuildFailedError) throw new CellEndedEarly(reason(error), notRun);
    throw error;
  };
}
