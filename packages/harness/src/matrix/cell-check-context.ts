import { dirname } from "node:path";
import type { CheckContext, StaticCheckContext } from "../checks/check.ts";
import type { ImageFacts } from "../docker/inspect-image.ts";
import type { BuildEnvironment } from "../sources/build-environment.ts";
import type { ComposeProject } from "../stack/compose-project.ts";
import type { BuiltCellImage } from "./build-cell-images.ts";
import { composeEnvironment, proxyCell, type ResolveImage } from "./cell-build-args.ts";
import type { CellStack } from "./cell-stack.ts";
import type { CellToVerify, VerifyCellOptions } from "./cell-to-verify.ts";

/**
 * The part of the cell's check context that needs no image: the template's files as shipped, the
 * environment its compose file runs with, a caddy to validate Caddyfiles with. `resolve` names the
 * base images as the run uses them (the official ones, for a cell it skips).
 */
export function staticCheckContext(cell: CellToVerify, resolve: ResolveImage, options: VerifyCellOptions): StaticCheckContext {
  const { template } = cell;
  const { manifest } = template;
  return {
    cellId: cell.id,
    kind: manifest.kind,
    templateFiles: { dir: template.filesDir, dockerfile: manifest.dockerfile, compose: manifest.compose, templatesDir: dirname(template.dir) },
    compose: manifest.compose ? { file: manifest.compose, env: { ...composeEnvironment(cell, resolve, options.environment), ...appComposeEnvironment(options) } } : undefined,
    caddyImage: caddyImageFor(cell, options.environment),
    log: options.step,
  };
}

/** What compose interpolates from the app's adaptation (see VerifyCellOptions): its WSGI_APP, its proxy's build args. */
function appComposeEnvironment(options: VerifyCellOptions): Record<string, string> {
  const wsgiApp = options.appEnv?.WSGI_APP;
  return { ...(wsgiApp ? { WSGI_APP: wsgiApp } : {}), ...options.proxyBuildArgs };
}

/** What the checks of a built cell use, beside its static context. */
export interface BuiltCell {
  /** The staged copy the image was built from. */
  stageDir: string;
  image: BuiltCellImage;
  facts: ImageFacts;
  stack: CellStack;
  /** The template's compose project, brought up on first use; none when the template has no compose file. */
  composeProject: { get(): Promise<ComposeProject> } | undefined;
}

/** The whole context every check of a built cell is given (each reads the part its type names). */
export function checkContext(cell: CellToVerify, staticContext: StaticCheckContext, built: BuiltCell, options: VerifyCellOptions): CheckContext {
  const { template } = cell;
  const { manifest } = template;
  return {
    ...staticContext,
    // Built, a proxy cell has a caddy of its own to validate Caddyfiles with.
    caddyImage: staticContext.caddyImage ?? (manifest.kind === "proxy" ? built.image.tag : undefined),
    template: { name: template.name, version: template.version },
    image: built.image.tag,
    platform: cell.platform,
    port: manifest.port,
    facts: built.facts,
    expectedUser: manifest.user,
    sizeBudgetBytes: cell.sizeBudgetBytes,
    stageDir: built.stageDir,
    stepsAfterCode: manifest.stepsAfterCode,
    buildArgs: built.image.buildArgs,
    secretFiles: built.image.secretFiles,
    baseImageSource: options.environment.sources.baseImages.kind,
    goModules: options.environment.sources.goModules,
    dependencyStyle: cell.dependencyStyle,
    variantId: cell.variant.id,
    rebuild: built.image.rebuild,
    cellBuild: { log: built.image.log, marked: built.image.marked },
    stack: () => built.stack.get(),
    composeProject: () => {
      if (!built.composeProject) throw new Error(`${template.name} names no compose file to bring up`);
      return built.composeProject.get();
    },
    probe: options.probe,
    staticDir: options.staticDir,
    run: options.run,
  };
}

/**
 * An image with the `caddy` binary, for validating Caddyfiles without a build: the proxy template's
 * first variant's base image (for a proxy cell, its own template's), as this run resolves it.
 */
function caddyImageFor(cell: CellToVerify, environment: BuildEnvironment): string | undefined {
  const official = caddyImageToLintWith(cell);
  if (!official) return undefined;
  try {
    return environment.imageFor(official);
  } catch {
    // Not prepared in this run (no cell lints and none builds with it): nothing to validate with.
    return undefined;
  }
}

/**
 * The official name of the image lint validates the cell's Caddyfiles with (see caddyImageFor), or
 * undefined when the cell has no proxy. The run prepares it for every cell that lints, even one it
 * cannot build (a plugins variant with no Go module proxy still ships Caddyfiles to validate).
 */
export function caddyImageToLintWith(cell: CellToVerify): string | undefined {
  const proxy = cell.proxy ?? (cell.template.manifest.kind === "proxy" ? cell.template : undefined);
  return proxy && Object.values(proxyCell(proxy).baseImages)[0];
}
