import { z } from "zod";
import { type Platform, platforms } from "../docker/platform.ts";
import { imageReferenceProblem, imageReferenceSchema } from "./image-reference.ts";

/**
 * The manifest every template ships as `template.json`: the single source of truth the harness,
 * the CLI, the README tables and CI read. A template is this data plus the files under `files/`
 * (copied into an app as they are laid out there); the harness knows nothing else about it.
 */

/** The checks the harness knows. A manifest lists the ones that apply to its template. */
export const checkNames = [
  "http-through-caddy",
  "non-root",
  "size-budget",
  "deps-layer-cached",
  "compose-up",
  "caddy-validate",
  "onbuild-child",
  "lint",
  "caddy-modules",
  "caddy-http",
  "oci-labels",
  "no-secrets-in-image",
  "data-survives-restart",
  "static-refresh",
  "sigterm-graceful",
  "db-wait",
  "password-special-chars",
  "override-cmd",
  "read-only-rootfs",
  "cap-drop-all",
  "arbitrary-uid",
  "proxy-upstream-down",
  "db-restart-under-load",
  "reproducible",
  "sbom-complete",
] as const;
export type CheckName = (typeof checkNames)[number];

/** The platform every manifest lists first, the one the whole matrix runs on: this project's machines' own. */
export const firstPlatform: Platform = "linux/amd64";

/**
 * The checks a cell of an emulated platform (every one of `platforms` after the first) runs, of those
 * its manifest lists: what a platform can change (the image builds, serves through Caddy, runs as its
 * user, fits its budget) and emulation's slowness bears (a build takes 8 to 16 minutes, the app
 * 110 to 120 s to its first answer). lint reads the files alone; the build is implicit.
 */
export const emulatedPlatformChecks: readonly CheckName[] = ["lint", "http-through-caddy", "non-root", "size-budget"];

const argName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, "build args are UPPER_SNAKE_CASE");
/**
 * An image reference with an explicit tag (templates never build FROM an implicit `latest`), optionally
 * pinned by digest: `python:3.13-slim-trixie@sha256:<64 hex>` (image-reference.ts).
 */
const imageRef = imageReferenceSchema;
/** A path inside the template's files/ folder. */
const filePath = z
  .string()
  .min(1)
  .refine((path) => !path.startsWith("/") && !path.split("/").includes(".."), "a relative path inside files/");

export const buildArgRoles = ["base-image", "package-index", "package-index-host", "go-proxy", "go-checksum-db", "option"] as const;

/**
 * How an app declares its Python dependencies: requirements.txt (pip), Pipfile + Pipfile.lock
 * (pipenv install --deploy), pyproject.toml (PEP 621, pip; no lock), uv.lock (uv sync --locked),
 * poetry.lock (poetry install) or pylock.toml (PEP 751, pip). A template that supports several is
 * verified with each: the matrix gets one cell per style.
 */
export const dependencyStyles = ["requirements", "pipenv", "pyproject", "uv", "poetry", "pylock"] as const;
export type DependencyStyle = (typeof dependencyStyles)[number];

/**
 * The kinds of app a template serves, each proven with a sample app of that kind: wsgi (a WSGI app,
 * sample-apps/flask), asgi (an ASGI app, sample-apps/fastapi), django (a Django project with its
 * lifecycle: collectstatic, migrations; sample-apps/django).
 */
export const appKinds = ["wsgi", "asgi", "django"] as const;
export type AppKind = (typeof appKinds)[number];

export const buildArgSchema = z.strictObject({
  description: z.string().min(1),
  /**
   * base-image: an image the Dockerfile builds FROM (hermetic mode substitutes a stand-in);
   * package-index / package-index-host: pip's index URL and the host pip may reach over plain HTTP
   * (set when the run's Python packages come from a configured or the local index);
   * go-proxy / go-checksum-db: GOPROXY and GOSUMDB (this machine's, when the Go module proxy
   * serves); option: anything else a user may set.
   */
  role: z.enum(buildArgRoles),
  default: z.string().optional(),
  /**
   * A base image a stage builds FROM --platform=$BUILDPLATFORM (a compiler that cross-compiles for
   * the image's platform): the build machine's own platform's image, whatever platform the cell is
   * built for, so an emulated cell compiles at native speed. The Dockerfile must say the same.
   */
  buildPlatform: z.boolean().optional(),
});

export const variantSchema = z.strictObject({
  /** Unique within the template; the cell id is `<template>/<variant id>`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  /** The Python version (major.minor) the variant runs; absent for images with no Python. */
  python: z.string().regex(/^3\.\d+$/).optional(),
  /** Values for the template's base-image build args. */
  baseImages: z.record(argName, imageRef),
  /** Values for other build args, for this variant only. */
  buildArgs: z.record(argName, z.string()).default({}),
  /** The largest uncompressed image size this variant may have, in MB (10^6 bytes). */
  sizeBudgetMB: z.number().positive(),
  /**
   * What this variant needs beyond the stand-ins and the local package index, each with why: a
   * container registry for its base images (no stand-in can replace an Alpine image), the Go module
   * proxy (plugins compiled into Caddy), PyPI's own files (PyPI or an index that mirrors it, not
   * the local index repacked from Debian's packages). Where a run's sources lack it, its cells are
   * reported as skip with that reason and the source's, never as pass. (A dependency style can need
   * PyPI's files too: see matrix/dependency-style-needs.ts.)
   */
  needs: z
    .strictObject({
      imageRegistry: z.string().min(1).optional(),
      goModuleProxy: z.string().min(1).optional(),
      pypiFiles: z.string().min(1).optional(),
    })
    .optional(),
});

export const templateManifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    description: z.string().min(1),
    /** app: a Python app image; proxy: a reverse proxy that fronts an app. */
    kind: z.enum(["app", "proxy"]),
    /** The Dockerfile, as a path inside files/ (and so inside the app once copied). */
    dockerfile: filePath,
    /** The compose file inside files/, when the template ships one. */
    compose: filePath.optional(),
    /** Templates whose files this one needs beside it in an app (its compose file builds them). */
    companions: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).default([]),
    /** The port the image's server listens on inside the container. */
    port: z.number().int().min(1).max(65535),
    /** The numeric user the image runs as; never 0. */
    user: z.strictObject({
      uid: z.number().int().positive("the runtime user must not be root (uid 0)"),
      gid: z.number().int().min(0),
    }),
    /** The other services an app needs to be verified: the database image and the proxy template. */
    stack: z
      .strictObject({
        database: imageRef,
        proxy: z.string().regex(/^[a-z][a-z0-9-]*$/),
      })
      .optional(),
    /** The dependency styles the template supports; absent for images with no Python (a proxy). */
    dependencyStyles: z.array(z.enum(dependencyStyles)).min(1).optional(),
    /**
     * The kinds of app the template serves; absent for images that serve none (a proxy). The matrix
     * is the cross product of variants, dependency styles and app kinds, pruned by one rule: each
     * variant gets one cell per dependency style, and the app kinds take turns over those cells
     * (the n-th style of the v-th variant, both counted from 0, serves kind (n + v) mod k), so that
     * every style is proven once per template and Python, every kind with every template that
     * serves it, and each kind with other styles on each Python. A variant with fewer styles than
     * kinds gets one more cell (its first style) for each kind left out. The first kind is the
     * template's main one: a cell id ends in `-<kind>` only when its kind is another
     * (`slim-gunicorn/py3.13-requirements-django`, `slim-gunicorn/py3.13-pipenv`).
     */
    appKinds: z.array(z.enum(appKinds)).min(1).optional(),
    /**
     * The platforms the template's images are built for. The first is the one the whole matrix runs
     * on: linux/amd64, this project's machines' own (built without --platform, so image and stand-in
     * names are as they always were). Each platform after it adds one cell per variant, built and run
     * under emulation: the variant's first dependency style serving the template's first app kind
     * (a Django cell's proxy copies static files from the app's image, which for an emulated app is
     * another platform's), its id that cell's with `-<arch>` after it
     * (`slim-gunicorn/py3.13-requirements-arm64`, `caddy/caddy2-arm64`), running the manifest's
     * checks that emulatedPlatformChecks names. Its base images are that platform's; the stack's
     * database and proxy stay the engine's own. A cell with Python needs PyPI's files there (the local
     * index holds this machine's wheels only): where a run has no such source it is a skip.
     */
    platforms: z.array(z.enum(platforms)).min(1).default([firstPlatform]),
    /**
     * MB added to every variant's sizeBudgetMB for a platform's images, which can be bigger than the
     * first platform's (an arm64 slim-gunicorn on Python 3.13: 242 MB against 221 on amd64).
     */
    platformSizeBudgetExtraMB: z.partialRecord(z.enum(platforms), z.number().nonnegative()).default({}),
    /** Every ARG the Dockerfile declares that a user may set. */
    buildArgs: z.record(argName, buildArgSchema),
    variants: z.array(variantSchema).min(1),
    checks: z.array(z.enum(checkNames)).min(1),
    /**
     * The commands of RUN steps the Dockerfile runs after the app's code is copied, so on every code
     * change, each cheap by design (the templates' link-writable-dirs): deps-layer-cached lets these
     * re-run after the code, and no other RUN step.
     */
    stepsAfterCode: z.array(z.string().regex(/^\S+$/, "one command name, without arguments")).default([]),
  })
  .superRefine((manifest, context) => {
    const seen = new Set<string>();
    for (const [arg, declared] of Object.entries(manifest.buildArgs)) {
      // A base image's default is an image reference like the variants' values, pinned or not.
      const problem = declared.role === "base-image" && declared.default !== undefined ? imageReferenceProblem(declared.default) : undefined;
      if (problem) context.addIssue({ code: "custom", path: ["buildArgs", arg, "default"], message: problem });
    }
    manifest.variants.forEach((variant, index) => {
      if (seen.has(variant.id)) {
        context.addIssue({ code: "custom", path: ["variants", index, "id"], message: `duplicate variant id "${variant.id}"` });
      }
      seen.add(variant.id);
      for (const arg of Object.keys(variant.baseImages)) {
        if (manifest.buildArgs[arg]?.role !== "base-image") {
          context.addIssue({
            code: "custom",
            path: ["variants", index, "baseImages", arg],
            message: `"${arg}" is not declared in buildArgs with role "base-image"`,
          });
        }
      }
      for (const arg of Object.keys(variant.buildArgs)) {
        if (!manifest.buildArgs[arg]) {
          context.addIssue({ code: "custom", path: ["variants", index, "buildArgs", arg], message: `"${arg}" is not declared in buildArgs` });
        }
      }
    });
    if (manifest.platforms[0] !== firstPlatform) {
      context.addIssue({ code: "custom", path: ["platforms", 0], message: `the first platform is the one the whole matrix runs on, this project's machines' own: "${firstPlatform}"` });
    }
    if (new Set(manifest.platforms).size !== manifest.platforms.length) {
      context.addIssue({ code: "custom", path: ["platforms"], message: "each platform once" });
    }
    for (const platform of Object.keys(manifest.platformSizeBudgetExtraMB)) {
      if (!(manifest.platforms as readonly string[]).includes(platform)) {
        context.addIssue({ code: "custom", path: ["platformSizeBudgetExtraMB", platform], message: `"${platform}" is not among the template's platforms` });
      }
    }
    if (manifest.kind === "app" && !manifest.appKinds) {
      context.addIssue({ code: "custom", path: ["appKinds"], message: 'an app template names the kinds of app it serves (appKinds: "wsgi", "asgi", "django")' });
    }
    if (manifest.kind === "proxy" && manifest.appKinds) {
      context.addIssue({ code: "custom", path: ["appKinds"], message: "a proxy template serves no app itself: leave appKinds out" });
    }
    if (new Set(manifest.appKinds).size !== (manifest.appKinds ?? []).length) {
      context.addIssue({ code: "custom", path: ["appKinds"], message: "each app kind once" });
    }
    if (manifest.kind === "app" && !manifest.stack) {
      context.addIssue({ code: "custom", path: ["stack"], message: "an app template names the database image and proxy template it is verified with" });
    }
    const composeChecks: CheckName[] = ["compose-up", "data-survives-restart", "static-refresh"];
    const needsStack: CheckName[] = ["http-through-caddy", ...composeChecks, "sigterm-graceful", "db-wait", "password-special-chars", "read-only-rootfs", "arbitrary-uid", "db-restart-under-load"];
    for (const check of needsStack) {
      if (manifest.checks.includes(check) && !manifest.stack) {
        context.addIssue({ code: "custom", path: ["checks"], message: `check "${check}" needs a stack` });
      }
    }
    for (const check of composeChecks.filter((name) => manifest.checks.includes(name) && !manifest.compose)) {
      context.addIssue({ code: "custom", path: ["checks"], message: `check "${check}" needs a compose file` });
    }
  });

export type TemplateManifest = z.infer<typeof templateManifestSchema>;
export type Variant = z.infer<typeof variantSchema>;
export type BuildArg = z.infer<typeof buildArgSchema>;
export type VariantNeeds = NonNullable<Variant["needs"]>;
