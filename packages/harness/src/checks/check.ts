import type { Platform } from "../docker/platform.ts";
import type { BuildImageRequest, BuiltImage } from "../docker/build-image.ts";
import type { ImageFacts } from "../docker/inspect-image.ts";
import type { DependencyStyle } from "../manifest/schema.ts";
import type { Status } from "../report/report-types.ts";
import type { BaseImageSource, GoModuleSource, SourceChoice } from "../sources/sources.ts";
import type { AppProbe } from "../stack/app-probe.ts";
import type { ComposeProject } from "../stack/compose-project.ts";
import type { ProbeCredentials } from "../secrets/probe-credentials.ts";
import type { RunIdentity } from "../stack/run-labels.ts";
import type { RunningStack } from "../stack/start-stack.ts";

/**
 * Everything a check may look at or use for one cell. Built once per cell by the matrix runner,
 * which passes it whole; each check's type names the part it reads (see Check).
 */
export interface CheckContext {
  cellId: string;
  /** The template the cell builds, and its package's version (what the image's labels must say). */
  template: { name: string; version: string };
  kind: "app" | "proxy";
  image: string;
  /** The platform the image was built for when it is not the engine's own (emulated): containers of it run with --platform. */
  platform?: Platform;
  /** The port the image's server listens on (the manifest's `port`). */
  port: number;
  facts: ImageFacts;
  expectedUser: { uid: number; gid: number };
  sizeBudgetBytes: number;
  /** Commands of RUN steps the Dockerfile runs after the code by design (the manifest's stepsAfterCode). */
  stepsAfterCode: readonly string[];
  /** The app with the template's files laid over it; the image was built from here. */
  stageDir: string;
  /**
   * Builds the cell's image again from `stageDir`, with the same arguments, plus `changes`: another
   * tag (its build log then goes beside the cell's), BuildKit secrets and ssh keys, stages to run
   * again without the cache.
   */
  rebuild(changes?: RebuildChanges): Promise<BuiltImage>;
  /**
   * The cell's own build: its log, and the throwaway credentials (a random marker in every secret
   * and ssh mount) it was given when no-secrets-in-image is among the cell's checks: when its
   * mounting steps ran (not from the cache), that check searches the image itself, no rebuild (and
   * none either when every layer of the image is one it proved clean before: secretFreeLayersFile).
   */
  cellBuild: { log: string; marked: ProbeCredentials | undefined };
  /** The cell's stack (database, app, proxy), started on first use and shared by the checks. */
  stack(): Promise<RunningStack>;
  /**
   * The template's compose project (`compose`, in `stageDir`), brought up with `up --build` on first
   * use and shared by the compose checks; removed with its volumes when the cell ends. Rejects with
   * ComposeUpFailedError when it does not come up.
   */
  composeProject(): Promise<ComposeProject>;
  /** The template's compose file inside `stageDir`, and the environment it is run with. */
  compose: { file: string; env: Record<string, string> } | undefined;
  /** How a check knows the app serves: what it asks and what answer counts (the sample app's: its greeting at `/`). */
  probe: AppProbe;
  /**
   * The app's static folder, relative to `stageDir` (`static`, `flaskr/static`), whose files the
   * proxy serves at /static/; null when the app has none.
   */
  staticDir: string | null;
  run: RunIdentity;
  log(message: string): void;
  /** The template's own files as shipped (not the staged copy): what static checks (`lint`) read. */
  templateFiles: TemplateFiles;
  /** The cell's build args as this run resolved them (base images, package index, options). */
  buildArgs: Record<string, string>;
  /**
   * The BuildKit secrets the cell's build was given (this machine's CA bundle as `ca_bundle`): a
   * check that builds gives them too, so its build reaches the same package sources.
   */
  secretFiles: Record<string, string>;
  /** Where this run's base images come from: a registry, or stand-ins made here. */
  baseImageSource: BaseImageSource;
  /** Where this run's Go modules come from, and why: the tools a check builds with go (syft, for sbom-complete) need the proxy. */
  goModules: SourceChoice<GoModuleSource>;
  /**
   * The cell's dependency style, for a template that declares several: `stageDir` then holds only
   * that style's files (and, for pipenv, a Pipfile.lock made against this run's index). Null otherwise.
   */
  dependencyStyle: DependencyStyle | null;
  /** The cell's variant (its manifest id, py3.13): what the onbuild base is tagged by. */
  variantId: string;
  /**
   * An image with a `caddy` binary, to validate Caddyfiles without building anything: the proxy
   * template's base image as this run resolved it (the stand-in in hermetic mode). A built proxy
   * cell falls back to its own image (a StaticCheckContext, with no image, has no such fallback).
   */
  caddyImage?: string;
}

/** A template's files as shipped, and where its manifest points inside them. */
export interface TemplateFiles {
  /** `templates/<name>/files`. */
  dir: string;
  /** The manifest's Dockerfile and compose file, as paths inside `dir`. */
  dockerfile: string;
  compose?: string;
  /** The folder holding every template (`templates/`): checks over all the project ships read it. */
  templatesDir: string;
}

/**
 * The part of the context that exists before any image: no image, no stack. A runner builds this
 * for a cell it cannot build (its needs unmet, or its build failed) and still runs the static checks.
 */
export type StaticCheckContext = Pick<CheckContext, "cellId" | "kind" | "compose" | "log" | "caddyImage" | "templateFiles">;

/**
 * What a check may change when it builds the cell's image again. `buildArgs` replaces the cell's
 * whole set: spread `CheckContext.buildArgs` into it to change one.
 */
export type RebuildChanges = Partial<Pick<BuildImageRequest, "tag" | "buildArgs" | "secretFiles" | "ssh" | "noCache" | "noCacheStages">>;

export interface CheckOutcome {
  status: Status;
  detail: string;
}

/**
 * A check, typed by the part of the context it reads (`Check<Pick<CheckContext, "facts" | ...>>`):
 * a test builds exactly that part, and the runner's whole CheckContext satisfies every check.
 */
export type Check<Needs = CheckContext> = (context: Needs) => Promise<CheckOutcome>;

export const pass = (detail: string): CheckOutcome => ({ status: "pass", detail });
export const fail = (detail: string): CheckOutcome => ({ status: "fail", detail });
/** The check cannot apply to this cell (the app lacks what it needs); the detail says why. Never a pass. */
export const skip = (detail: string): CheckOutcome => ({ status: "skip", detail });
