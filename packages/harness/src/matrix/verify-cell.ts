import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CheckContext, CheckOutcome, StaticCheckContext } from "../checks/check.ts";
import { checks, isStaticCheck, stackCheckNames, staticChecks } from "../checks/registry.ts";
import { BuildFailedError, buildImage, type BuildImageRequest } from "../docker/build-image.ts";
import { type ImageFacts, inspectImage } from "../docker/inspect-image.ts";
import { DockerCommandError } from "../docker/run-docker.ts";
import type { BuildEnvironment } from "../sources/build-environment.ts";
import { buildProvenance, provenanceBuildArgs } from "../labels/build-provenance.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { CheckName } from "../manifest/schema.ts";
import type { CellReport, CheckResult } from "../report/report-types.ts";
import { composeProjectOnFirstUse } from "../stack/compose-project.ts";
import { type RunningStack, startStack } from "../stack/start-stack.ts";
import { keepOnlyDependencyStyle } from "../staging/dependency-files.ts";
import { lockPipfile } from "../staging/lock-pipfile.ts";
import { stageApp } from "../staging/stage-app.ts";
import type { Cell } from "./cell.ts";
import { composeEnvironment, proxyCell, resolvedBuildArgs, trustSecrets, usesGoModules } from "./cell-build-args.ts";
import { type CellToVerify, cellImageName, cellLogFile, type VerifyCellOptions } from "./cell-to-verify.ts";

/**
 * Stages the app with the template's files, builds the image, and runs every check the manifest
 * lists, in the registry's order. A check that throws fails with the error's message; nothing a
 * check does is left running afterwards.
 */
export async function verifyCell(cell: CellToVerify, options: VerifyCellOptions): Promise<CellReport> {
  const { template } = cell;
  const { environment } = options;
  const manifest = template.manifest;
  const image = cellImageName(cell);
  const skipReason = environment.unmetNeed(cell.variant.needs);
  // A skipped cell's base images were not prepared: it reports the official ones it would use.
  const resolve = (ref: string) => (skipReason ? ref : environment.imageFor(ref));
  const baseImages = Object.fromEntries(Object.entries(cell.baseImages).map(([arg, ref]) => [arg, resolve(ref)]));
  const report: CellReport = {
    id: cell.id,
    template: template.name,
    templateVersion: template.version,
    python: cell.python,
    variant: cell.variant.id,
    dependencyStyle: cell.dependencyStyle,
    image,
    baseImages,
    sources: environment.cellSources(Boolean(cell.dependencyStyle), usesGoModules(cell)),
    sizeBytes: null,
    sizeBudgetBytes: cell.sizeBudgetBytes,
    layers: null,
    addedLayers: null,
    addedBytes: null,
    user: null,
    buildSeconds: null,
    status: "fail",
    reason: null,
    checks: [],
  };
  const listed = (Object.keys(checks) as CheckName[]).filter((name) => cell.checks.includes(name));
  const staticContext: StaticCheckContext = {
    cellId: cell.id,
    kind: manifest.kind,
    templateFiles: { dir: template.filesDir, dockerfile: manifest.dockerfile, compose: manifest.compose, templatesDir: dirname(template.dir) },
    compose: manifest.compose ? { file: manifest.compose, env: composeEnvironment(cell, resolve, environment) } : undefined,
    caddyImage: caddyImageFor(cell, environment),
    log: options.step,
  };
  /** The cell ends before its image exists: the static checks still run, the others are skipped. */
  const endWithoutImage = async (status: "fail" | "skip", reason: string, skipped: string): Promise<CellReport> => {
    for (const name of listed) {
      report.checks.push(isStaticCheck(name) ? await runCheck(name, () => staticChecks[name](staticContext)) : { name, status: "skip", detail: `not run: ${skipped}` });
    }
    const failed = report.checks.some((check) => check.status === "fail");
    report.status = failed ? "fail" : status;
    report.reason = reason;
    return report;
  };
  if (skipReason) return endWithoutImage("skip", skipReason, skipReason);

  const stageDir = await stageApp(options.appDir, [template.filesDir, ...cell.companions.map((c) => c.filesDir)], cell.id);
  let stack: Promise<RunningStack> | undefined;
  const composeProject = staticContext.compose ? composeProjectOnFirstUse({ run: options.run, cellId: cell.id, stageDir, compose: staticContext.compose }) : undefined;
  try {
    if (cell.dependencyStyle) await keepOnlyDependencyStyle(stageDir, cell.dependencyStyle, options.appDir);
    if (cell.dependencyStyle === "pipenv") {
      options.step("locking the Pipfile against this run's package index");
      try {
        const logFile = cellLogFile(options.logDir, cell, "pipenv-lock");
        await lockPipfile(stageDir, pythonImageOf(cell, environment), environment.packageIndexFor(Object.values(cell.baseImages)), environment.caBundle, options.run, logFile);
      } catch (error) {
        if (!(error instanceof DockerCommandError || error instanceof BuildFailedError)) throw error;
        return endWithoutImage("fail", `pipenv lock failed before the build: ${error.message}`, "the Pipfile could not be locked");
      }
    }
    // When and from which commit: the images' OCI labels (the oci-labels check reads them back).
    const provenance = await buildProvenance(options.appDir);
    const buildArgs = { ...resolvedBuildArgs(cell, environment), ...provenanceBuildArgs(manifest, provenance) };
    const secretFiles = trustSecrets(environment);
    const buildRequest: BuildImageRequest = {
      context: stageDir,
      dockerfile: join(stageDir, manifest.dockerfile),
      tag: image,
      buildArgs,
      secretFiles,
      labels: templateLabels(template),
      logFile: cellLogFile(options.logDir, cell),
      signal: options.signal,
    };
    options.step("building");
    let built;
    try {
      built = await buildImage(buildRequest);
    } catch (error) {
      if (!(error instanceof BuildFailedError)) throw error;
      return endWithoutImage("fail", error.message, "the image did not build");
    }
    report.buildSeconds = round(built.seconds);
    const facts = await inspectImage(image);
    report.sizeBytes = facts.sizeBytes;
    report.user = facts.user;
    const base = await closestBase(facts, Object.values(baseImages));
    report.layers = facts.layers.length;
    report.addedLayers = base ? facts.layers.length - base.layers.length : null;
    report.addedBytes = base ? facts.sizeBytes - base.sizeBytes : null;

    let proxyImage: string | undefined;
    const needsProxy = listed.some((name) => stackCheckNames.has(name)) && manifest.kind === "app";
    if (needsProxy && cell.proxy) {
      options.step(`building the ${cell.proxy.name} proxy for this app`);
      proxyImage = `${image}-proxy`;
      const proxyBuilt = await buildImage({
        // Built from the app's staged copy: the proxy serves the app's static files itself.
        context: stageDir,
        dockerfile: join(stageDir, cell.proxy.manifest.dockerfile),
        tag: proxyImage,
        buildArgs: { ...resolvedBuildArgs(proxyCell(cell.proxy), environment), ...provenanceBuildArgs(cell.proxy.manifest, provenance) },
        secretFiles,
        labels: templateLabels(cell.proxy),
        logFile: cellLogFile(options.logDir, cell, "proxy"),
        signal: options.signal,
      }).catch((error: unknown) => {
        if (error instanceof BuildFailedError) return error;
        throw error;
      });
      if (proxyBuilt instanceof BuildFailedError) {
        return endWithoutImage("fail", `The ${cell.proxy.name} proxy for this app did not build. ${proxyBuilt.message}`, "the proxy image did not build");
      }
    }

    const context: CheckContext = {
      ...staticContext,
      // Built, a proxy cell has a caddy of its own to validate Caddyfiles with.
      caddyImage: staticContext.caddyImage ?? (manifest.kind === "proxy" ? image : undefined),
      template: { name: template.name, version: template.version },
      image,
      port: manifest.port,
      facts,
      expectedUser: manifest.user,
      sizeBudgetBytes: report.sizeBudgetBytes,
      stageDir,
      buildArgs,
      secretFiles,
      baseImageSource: environment.sources.baseImages.kind,
      dependencyStyle: cell.dependencyStyle,
      rebuild: (changes = {}) =>
        buildImage({
          ...buildRequest,
          ...changes,
          // Another tag is another image: its log goes beside the cell's, which stays the cell's own build.
          logFile: changes.tag ? cellLogFile(options.logDir, cell, changes.tag.split(":").pop()) : buildRequest.logFile,
        }),
      stack: () => {
        if (!manifest.stack || !cell.proxy || !proxyImage) {
          throw new Error(`${template.name} names no stack (database and proxy) to run its app in`);
        }
        stack ??= startStack({
          run: options.run,
          name: cell.id,
          databaseImage: environment.imageFor(manifest.stack.database),
          appImage: image,
          appPort: manifest.port,
          proxyImage,
          proxyPort: cell.proxy.manifest.port,
          proxyHostPort: options.proxyPort,
          appEnv: options.appEnv,
        });
        return stack;
      },
      composeProject: () => {
        if (!composeProject) throw new Error(`${template.name} names no compose file to bring up`);
        return composeProject.get();
      },
      expectedGreeting: options.expectedGreeting,
      run: options.run,
    };

    for (const name of listed) {
      // Between checks, not within one: a check always cleans up what it started.
      options.signal?.throwIfAborted();
      const skip = options.skipChecks?.[name];
      if (skip) {
        report.checks.push({ name, status: "skip", detail: skip });
        continue;
      }
      options.step(`check ${name}`);
      report.checks.push(await runCheck(name, () => checks[name](context)));
    }
    const failed = report.checks.filter((check) => check.status === "fail");
    report.status = failed.length ? "fail" : "pass";
    report.reason = failed.length ? `failed: ${failed.map((check) => check.name).join(", ")}` : null;
    return report;
  } finally {
    if (stack) await (await stack.catch(() => undefined))?.stop();
    await composeProject?.remove();
    await rm(stageDir, { recursive: true, force: true });
  }
}

/** Runs the check named `name`, timed; one that throws fails with the error's message. */
async function runCheck(name: CheckName, check: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const started = performance.now();
  try {
    const outcome = await check();
    return { name, ...outcome, detail: `${outcome.detail} (${round((performance.now() - started) / 1000)} s)` };
  } catch (error) {
    return { name, status: "fail", detail: error instanceof Error ? error.message : String(error) };
  }
}

/** The base image the final stage was built FROM: the one whose layers start the image's, longest first. */
async function closestBase(image: ImageFacts, bases: readonly string[]): Promise<ImageFacts | undefined> {
  const candidates = await Promise.all(bases.map((base) => inspectImage(base)));
  return candidates
    .filter((base) => base.layers.every((layer, index) => image.layers[index] === layer))
    .sort((a, b) => b.layers.length - a.layers.length)[0];
}

/** The cell's Python image (the one Pipfile.lock is made in): its python:* base image, resolved. */
function pythonImageOf(cell: Cell, environment: BuildEnvironment): string {
  const official = Object.values(cell.baseImages).find((ref) => ref.startsWith("python:"));
  if (!official) throw new Error(`${cell.id} uses the pipenv style but builds on no python:* image to lock its Pipfile in`);
  return environment.imageFor(official);
}

/**
 * An image with the `caddy` binary, for validating Caddyfiles without a build: the proxy template's
 * first variant's base image (for a proxy cell, its own template's), as this run resolves it.
 */
function caddyImageFor(cell: CellToVerify, environment: BuildEnvironment): string | undefined {
  const proxy = cell.proxy ?? (cell.template.manifest.kind === "proxy" ? cell.template : undefined);
  const official = proxy && Object.values(proxyCell(proxy).baseImages)[0];
  if (!official) return undefined;
  try {
    return environment.imageFor(official);
  } catch {
    // Not prepared in this run (all of the proxy's variants are skipped here): nothing to validate with.
    return undefined;
  }
}

function templateLabels(template: LoadedTemplate): Record<string, string> {
  return { "dockerize-python.template": template.name, "dockerize-python.template-version": template.version };
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;
