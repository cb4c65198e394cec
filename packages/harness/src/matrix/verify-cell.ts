import { rm } from "node:fs/promises";
import { isStaticCheck, stackCheckNames } from "../checks/registry.ts";
import { provenanceBuildArgs } from "../labels/build-provenance.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { CheckName } from "../manifest/schema.ts";
import type { CellReport } from "../report/report-types.ts";
import { composeProjectOnFirstUse } from "../stack/compose-project.ts";
import { buildCellImage, buildProxyImage, releaseRunImageNames } from "./build-cell-images.ts";
import { checkContext, staticCheckContext } from "./cell-check-context.ts";
import { imageDemands } from "./image-demands.ts";
import { newCellReport, recordChecks, recordEarlyEnd, recordImage } from "./cell-report.ts";
import { type CellStack, cellStackOnFirstUse } from "./cell-stack.ts";
import { type CellStopwatch, startCellStopwatch } from "./cell-stopwatch.ts";
import { type ResolveImage, trustSecrets } from "./cell-build-args.ts";
import { type MarkedBuildSecrets, markedBuildSecrets } from "./marked-build-secrets.ts";
import { CellEndedEarly, type CellToVerify, type VerifyCellOptions } from "./cell-to-verify.ts";
import { runTurns } from "./check-turns.ts";
import { listedChecks, runCellChecks, runStaticChecks } from "./run-cell-checks.ts";
import { noCheckSelected } from "./select-checks.ts";
import { lockStagedPipfile, stageCell } from "./stage-cell.ts";

/**
 * Verifies one cell: stages the app with the template's files, builds the image (and the proxy an
 * app's stack runs behind), runs every check the manifest lists in the registry's order (the stack
 * and the compose project start on first use), and cleans up: nothing a check does is left running.
 * A check that throws fails with the error's message. A cell the run cannot build (its needs unmet),
 * or whose base images, Pipfile or images cannot be made, runs only its static checks; one `--check` left no
 * check of its manifest's is a skip, built not at all, as is one whose every check but the static
 * ones the app cannot run (options.skipChecks). The report's `timing` says where the cell's
 * time went.
 */
export async function verifyCell(cell: CellToVerify, options: VerifyCellOptions): Promise<CellReport> {
  const stopwatch = startCellStopwatch();
  const report = await verifyCellSteps(cell, options, stopwatch);
  // Read after the steps' cleanup: the total includes removing the stack and the staged copy.
  return { ...report, timing: stopwatch.read() };
}

/** verifyCell's steps, timed by `stopwatch`. */
async function verifyCellSteps(cell: CellToVerify, options: VerifyCellOptions, stopwatch: CellStopwatch): Promise<CellReport> {
  const { environment } = options;
  const listed = listedChecks(cell);
  const unmet = environment.unmetNeed(cell.needs);
  // A skipped cell's base images were not prepared, nor an emulated one's that builds nothing (static
  // checks alone: image-demands.ts): it reports (and composes with) the official ones it would use.
  const prepared = !unmet && listed.length > 0 && !(cell.platform && listed.every(isStaticCheck));
  // An image the run could not make (its stand-in's build failed): the cell fails, named as theirs.
  const imageProblem = prepared ? imageDemands([cell]).flatMap((demand) => demand.images.map((ref) => environment.imageProblem(ref, demand.platform))).find(Boolean) : undefined;
  const resolve: ResolveImage = (ref, platform) => (prepared && !environment.imageProblem(ref, platform) ? environment.imageFor(ref, platform) : ref);
  const report = newCellReport(cell, resolve, environment);
  // `--check` left it none of its manifest's checks: a skip, never a pass that no check proved.
  if (!listed.length) return recordEarlyEnd(report, [], "skip", noCheckSelected(options.checksSelected));
  const staticContext = staticCheckContext(cell, resolve, options);
  if (unmet) return recordEarlyEnd(report, await runStaticChecks(listed, staticContext, unmet), "skip", unmet);
  if (imageProblem) return recordEarlyEnd(report, await runStaticChecks(listed, staticContext, "an image it needs could not be made"), "fail", imageProblem);
  // Only checks that read the template's files (`--check lint`), or that the app cannot run (it
  // lacks what they need: options.skipChecks): nothing to build.
  const appSkip = (name: CheckName) => options.skipChecks?.[name];
  if (listed.every((name) => appSkip(name) || isStaticCheck(name))) {
    const ran = await runStaticChecks(listed.filter((name) => !appSkip(name)), staticContext, "no image is built for static checks alone");
    return recordChecks(report, listed.map((name) => ran.find((result) => result.name === name) ?? { name, status: "skip", detail: appSkip(name)!, seconds: 0 }));
  }

  // Staging, the builds and the cleanup go side by side with other cells' work, never beside a check with a time bound (check-turns.ts).
  const stageDir = await runTurns.together(() => stopwatch.time("stageSeconds", () => stageCell(cell, options.appDir)));
  const { provenance } = options;
  // Compose builds with the cell's provenance too: the same build args as the cell's build, so its
  // build reuses the cell's layers (onbuild's `app` stage inherits them, see its Dockerfile).
  const compose = staticContext.compose && { ...staticContext.compose, env: { ...staticContext.compose.env, ...provenanceBuildArgs(cell.template.manifest, provenance) } };
  const composeProject = compose ? composeProjectOnFirstUse({ run: options.run, cellId: cell.id, stageDir, compose }) : undefined;
  let stack: CellStack | undefined;
  let marked: MarkedBuildSecrets | undefined;
  try {
    const { image, facts, proxyImage } = await runTurns.together(async () => {
      if (cell.dependencyStyle === "pipenv") await stopwatch.time("stageSeconds", () => lockStagedPipfile(cell, stageDir, options));
      marked = await markedBuildSecrets(cell, stageDir, trustSecrets(environment));
      const image = await buildCellImage(cell, stageDir, provenance, options, marked?.credentials);
      stopwatch.add("buildWaitSeconds", image.waitedSeconds);
      const facts = await recordImage(report, image);
      const proxy = proxyToBuild(cell, listed);
      const proxyImage = proxy && (await stopwatch.time("proxyBuildSeconds", () => buildProxyImage(cell, proxy, stageDir, provenance, options)));
      if (proxyImage) stopwatch.add("buildWaitSeconds", proxyImage.waitedSeconds);
      return { image, facts, proxyImage };
    });
    stack = cellStackOnFirstUse(cell, image.tag, proxyImage?.tag, options);
    const context = checkContext(cell, staticContext, { stageDir, image, facts, stack, composeProject }, options);
    return recordChecks(report, await stopwatch.time("checksSeconds", () => runCellChecks(listed, context, options)));
  } catch (error) {
    if (!(error instanceof CellEndedEarly)) throw error;
    return recordEarlyEnd(report, await runStaticChecks(listed, staticContext, error.notRun), "fail", error.message);
  } finally {
    const stackStarted = stack?.startSeconds();
    if (stackStarted != null) stopwatch.add("stackStartSeconds", stackStarted);
    await runTurns.together(async () => {
      await stack?.stop();
      await composeProject?.remove();
      await releaseRunImageNames(cell, options.run);
      await marked?.remove();
      await rm(stageDir, { recursive: true, force: true });
    });
  }
}

/** The proxy template an app cell's stack runs behind, when a listed check uses the stack: built only then. */
function proxyToBuild(cell: CellToVerify, listed: readonly CheckName[]): LoadedTemplate | undefined {
  const usesStack = cell.template.manifest.kind === "app" && listed.some((name) => stackCheckNames.has(name));
  return usesStack ? cell.proxy : undefined;
}
