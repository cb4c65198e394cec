import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { buildImage } from "../docker/build-image.ts";
import { imageExists } from "../docker/inspect-image.ts";
import { type Platform, platformTagSuffix } from "../docker/platform.ts";
import { type DebianSuite, debianSuites, type EnsuredImage, ensureDebianRootfs, hermeticRecipeDir } from "./debian-rootfs.ts";
import { hashRecipe } from "./recipe-hash.ts";
import { ExplainedError } from "../explained-error.ts";
import { buildsOnBuildPlatform } from "../manifest/dockerfile-args.ts";
import { taggedImageReferenceSchema, withoutDigest } from "../manifest/image-reference.ts";

/**
 * Stand-ins for the official images templates name, built from Debian packages because hermetic
 * mode can pull nothing. Which official image maps to which recipe is data: hermetic/standins.json.
 * A recipe may need more than Debian's mirror (Caddy built from source needs the Go module proxy):
 * an official image then has several entries, the first whose needs the machine meets is used.
 */

export const standinRecipes = ["python", "postgres", "caddy", "caddy-builder", "caddy-source", "registry"] as const;
export type StandinRecipe = (typeof standinRecipes)[number];

/** What a recipe may need beyond Debian's mirror; `go-modules`: the Go module proxy. */
export const standinNeeds = ["go-modules"] as const;
export type StandinNeed = (typeof standinNeeds)[number];

/** The Go module proxy as this machine's go command reaches it, for recipes that need `go-modules`. */
export interface GoModuleSource {
  /** `go env GOPROXY`. */
  goproxy: string;
  /** `go env GOSUMDB` and `go env GONOSUMDB`, passed only when set. */
  gosumdb?: string;
  gonosumdb?: string;
  /** The CA bundle that TLS to the proxy verifies with (SSL_CERT_FILE, or the system bundle), when there is one. */
  caBundle?: string;
}

/** What the machine offers beyond Debian's mirror; an absent source is one that does not answer. */
export interface StandinSources {
  goModules?: GoModuleSource;
}

/** The entry chosen for an official image, and what its build needs from the sources. */
export interface StandinChoice {
  spec: StandinSpec;
  /** Build args besides ROOTFS_IMAGE and the version (GOPROXY, GOSUMDB, GONOSUMDB). */
  buildArgs: Record<string, string>;
  /** BuildKit secrets, id -> file (ca_bundle). */
  secretFiles: Record<string, string>;
}

export interface StandinSpec {
  /** The official image reference a template names, exactly as written (`python:3.13-slim-trixie`). */
  official: string;
  /** The directory under hermetic/ that builds the stand-in. */
  recipe: StandinRecipe;
  /** The Debian suite it is built on. */
  suite: DebianSuite;
  /** The version the recipe installs and checks at build time; a major (`17`) means any 17.x. */
  version: string;
  /** How the stand-in differs from the official image, for people reading reports. */
  note: string;
  /** What the recipe needs beyond Debian's mirror; an entry is used only where all of it answers. */
  needs: StandinNeed[];
  /** Build args naming another official image, whose stand-in is built first and passed in. */
  buildFrom: Record<string, BuildFromImage>;
}

/** An official image whose stand-in a recipe builds FROM, passed in through a build arg. */
export interface BuildFromImage {
  official: string;
  /**
   * The recipe builds FROM it on the machine's own platform (`FROM --platform=$BUILDPLATFORM`), for
   * any target: its stand-in is the engine platform's (a compiler that cross-compiles), never built
   * under emulation. False: the target platform's, as the stand-in it is passed to.
   */
  buildPlatform: boolean;
}

/** Every image this module creates is named with this prefix, so none can pass for an official one. */
export const standinImagePrefix = "dockerize-python-standin-";

/** The label that says which official image a stand-in replaces. */
export const standinLabel = "dockerize-python.standin-for";

/** The build arg through which each recipe's Dockerfile receives the catalogue's version. */
const versionBuildArg: Record<StandinRecipe, string> = {
  python: "PYTHON_VERSION",
  postgres: "PG_MAJOR",
  caddy: "CADDY_VERSION",
  "caddy-builder": "CADDY_VERSION",
  "caddy-source": "CADDY_VERSION",
  registry: "REGISTRY_VERSION",
};

export const catalogueFile = join(hermeticRecipeDir, "standins.json");

const officialRef = taggedImageReferenceSchema;

const standinSpecSchema = z.strictObject({
  official: officialRef,
  recipe: z.enum(standinRecipes),
  suite: z.enum(debianSuites),
  version: z.string().regex(/^\d+(\.\d+){0,2}$/, "a version such as 3.13.5, 2.6.2 or 17"),
  note: z.string().min(1),
  needs: z.array(z.enum(standinNeeds)).default([]),
  buildFrom: z
    .record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, "a build arg name"), z.strictObject({ official: officialRef, buildPlatform: z.boolean().default(false) }))
    .default({}),
});

/** One entry per official image and set of needs: the same needs twice would leave one unused. */
const needsKey = (spec: { official: string; needs: readonly string[] }) => `${spec.official} ${[...spec.needs].sort().join(",")}`;

const catalogueSchema = z
  .strictObject({
    $comment: z.string().optional(),
    standins: z.array(standinSpecSchema).min(1),
  })
  .refine((catalogue) => new Set(catalogue.standins.map(needsKey)).size === catalogue.standins.length, {
    message: "each official image may appear only once with the same needs",
    path: ["standins"],
  })
  .refine((catalogue) => catalogue.standins.every((s) => Object.values(s.buildFrom).every((from) => catalogue.standins.some((o) => o.official === from.official))), {
    message: "buildFrom names an official image the catalogue has no entry for",
    path: ["standins"],
  });

/** Validates a stand-in catalogue; `source` names where it came from, for the error message. */
export function parseStandinCatalogue(json: unknown, source: string): StandinSpec[] {
  const result = catalogueSchema.safeParse(json);
  if (!result.success) {
    throw new Error(
      `The stand-in catalogue ${source} is invalid:\n${z.prettifyError(result.error)}\n` +
        "Fix: correct that file; each entry needs official, recipe, suite, version and note.",
    );
  }
  return result.data.standins;
}

let catalogue: StandinSpec[] | undefined;

/** The catalogue shipped with the harness, read and validated once. */
export function standinCatalogue(): readonly StandinSpec[] {
  if (!catalogue) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(catalogueFile, "utf8"));
    } catch (error) {
      throw new Error(`Cannot read the stand-in catalogue ${catalogueFile}: ${(error as Error).message}`);
    }
    const parsed = parseStandinCatalogue(json, catalogueFile);
    const mismatches = buildPlatformMismatches(parsed, (recipe) => readFileSync(join(hermeticRecipeDir, recipe, "Dockerfile"), "utf8"));
    if (mismatches.length) throw new Error(`The stand-in catalogue ${catalogueFile} and its recipes disagree:\n${mismatches.join("\n")}`);
    catalogue = parsed;
  }
  return catalogue;
}

/**
 * Where an entry's buildFrom and its recipe's Dockerfile disagree on the platform an image is built
 * FROM (`buildPlatform` against a `FROM --platform=$BUILDPLATFORM ${ARG}` stage), each with its fix:
 * a wrong promise would build the image for a platform the recipe does not use it on.
 */
export function buildPlatformMismatches(specs: readonly StandinSpec[], recipeDockerfile: (recipe: StandinRecipe) => string): string[] {
  const mismatches: string[] = [];
  for (const spec of specs) {
    for (const [arg, from] of Object.entries(spec.buildFrom)) {
      if (from.buildPlatform === buildsOnBuildPlatform(recipeDockerfile(spec.recipe), arg)) continue;
      mismatches.push(
        from.buildPlatform
          ? `${spec.official} (${spec.recipe}): buildFrom.${arg} says buildPlatform, but hermetic/${spec.recipe}/Dockerfile has no "FROM --platform=\${BUILDPLATFORM} \${${arg}}"; fix: build that stage on $BUILDPLATFORM, or remove "buildPlatform"`
          : `${spec.official} (${spec.recipe}): hermetic/${spec.recipe}/Dockerfile builds a stage FROM --platform=$BUILDPLATFORM \${${arg}}, so its stand-in must be the machine's own; fix: set "buildPlatform": true in buildFrom.${arg}`,
      );
    }
  }
  return mismatches;
}

/** The platform a buildFrom image's stand-in is built for, when the stand-in it feeds is built for `platform`. */
export function buildFromPlatform(from: BuildFromImage, platform: Platform | undefined): Platform | undefined {
  return from.buildPlatform ? undefined : platform;
}

/**
 * The entry for an official image on a machine with these sources: the first whose needs they all
 * meet (no sources: the entries that need nothing beyond Debian's mirror), with the build args and
 * secrets its build takes from them. Undefined when there is none. A reference pinned by digest
 * maps to the stand-in of its name and tag: the digest cannot be honoured (the caller says so).
 */
export function chooseStandin(official: string, sources: StandinSources = {}): StandinChoice | undefined {
  const met = (need: StandinNeed) => need === "go-modules" && sources.goModules !== undefined;
  const tagged = withoutDigest(official);
  const spec = standinCatalogue().find((entry) => entry.official === tagged && entry.needs.every(met));
  if (!spec) return undefined;
  const go = spec.needs.includes("go-modules") ? sources.goModules : undefined;
  if (!go) return { spec, buildArgs: {}, secretFiles: {} };
  return {
    spec,
    buildArgs: { GOPROXY: go.goproxy, ...(go.gosumdb ? { GOSUMDB: go.gosumdb } : {}), ...(go.gonosumdb ? { GONOSUMDB: go.gonosumdb } : {}) },
    secretFiles: go.caBundle ? { ca_bundle: go.caBundle } : {},
  };
}

/** The stand-in for an official image reference, or undefined when hermetic mode has none. */
export function standinFor(official: string, sources: StandinSources = {}): StandinSpec | undefined {
  return chooseStandin(official, sources)?.spec;
}

/** The error for an official image hermetic mode cannot replace: names the ones it can, and the fix. */
export class NoStandinError extends ExplainedError {
  readonly official: string;

  constructor(official: string, known: readonly string[]) {
    super(
      `Hermetic mode cannot stand in for ${official}: no image can be pulled here and no stand-in recipe ` +
        `builds a replacement for it. Known official images: ${known.join(", ")}.\n` +
        "Fix: run with --mode online where a registry can be reached, or add a recipe under " +
        "packages/harness/hermetic/ and an entry for it in hermetic/standins.json.",
    );
    this.official = official;
  }
}

/**
 * The local image name of a stand-in: its recipe, version, suite, the platform when one was named
 * (`-arm64`), and a hash of what built it (the recipe, the rootfs and the stand-ins its buildFrom
 * args name, each of the platform buildFromPlatform says; the rootfs is the platform's own, so the
 * hash differs by platform too).
 */
export async function standinImageName(spec: StandinSpec, rootfsImage: string, buildFromImages: readonly string[] = [], platform?: Platform): Promise<string> {
  const hash = await hashRecipe([join(hermeticRecipeDir, spec.recipe)], [rootfsImage, spec.suite, spec.version, ...buildFromImages]);
  return `${standinImagePrefix}${spec.recipe}:${spec.version}-${spec.suite}${platformTagSuffix(platform)}-${hash}`;
}

const inFlight = new Map<string, Promise<EnsuredImage & { official: string }>>();
const rootfsInFlight = new Map<string, Promise<EnsuredImage>>();

/** ensureDebianRootfs, shared by concurrent stand-ins of the same suite and platform (one debootstrap, not two). */
function sharedRootfs(suite: DebianSuite, log: (line: string) => void, platform: Platform | undefined): Promise<EnsuredImage> {
  const key = `${suite} ${platform ?? ""}`;
  let pending = rootfsInFlight.get(key);
  if (!pending) {
    pending = ensureDebianRootfs(suite, log, platform).finally(() => rootfsInFlight.delete(key));
    rootfsInFlight.set(key, pending);
  }
  return pending;
}

/**
 * The local stand-in for `official`, built from its recipe on a debootstrap rootfs, or reused when
 * an image from the same recipe, rootfs and suite exists already. `sources` decides which entry
 * (chooseStandin); without them, only recipes that need nothing but Debian's mirror. `platform`:
 * built for that platform (another architecture's under emulation: minutes, not seconds), the
 * engine's own when absent. Concurrent calls for the same image share one build.
 */
export function ensureStandin(
  official: string,
  log: (line: string) => void = () => {},
  sources: StandinSources = {},
  platform?: Platform,
): Promise<EnsuredImage & { official: string }> {
  const choice = chooseStandin(official, sources);
  if (!choice) return Promise.reject(new NoStandinError(official, [...new Set(standinCatalogue().map((s) => s.official))]));
  const key = `${choice.spec.official} ${choice.spec.recipe} ${platform ?? ""}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = buildStandin(choice, log, sources, platform).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function buildStandin(
  choice: StandinChoice,
  log: (line: string) => void,
  sources: StandinSources,
  platform: Platform | undefined,
): Promise<EnsuredImage & { official: string }> {
  const { spec } = choice;
  const rootfs = await sharedRootfs(spec.suite, log, platform);
  const buildFrom: Record<string, string> = {};
  for (const [arg, from] of Object.entries(spec.buildFrom)) buildFrom[arg] = (await ensureStandin(from.official, log, sources, buildFromPlatform(from, platform))).image;
  const image = await standinImageName(spec, rootfs.image, Object.values(buildFrom), platform);
  if (await imageExists(image)) return { image, reused: true, official: spec.official };

  const expected = spec.needs.includes("go-modules") || platform ? "minutes" : "usually under a minute";
  log(`building ${image} as the stand-in for ${spec.official} (Debian ${spec.suite}${platform ? `, ${platform}` : ""}; ${expected})`);
  const built = await buildImage({
    context: join(hermeticRecipeDir, spec.recipe),
    tag: image,
    platform,
    buildArgs: { ROOTFS_IMAGE: rootfs.image, [versionBuildArg[spec.recipe]]: spec.version, ...buildFrom, ...choice.buildArgs },
    secretFiles: choice.secretFiles,
    labels: { [standinLabel]: spec.official },
    logFile: join(tmpdir(), "dockerize-python", "standins", `${image.replace(/[/:]/g, "_")}.log`),
    // Only the step headers: enough to show progress without flooding the caller.
    onLine: (line) => {
      if (/^#\d+ \[/.test(line)) log(`${spec.recipe}: ${line.replace(/^#\d+ /, "").slice(0, 120)}`);
    },
  });
  log(`built ${image} in ${built.seconds.toFixed(1)} s`);
  return { image, reused: false, official: spec.official };
}
