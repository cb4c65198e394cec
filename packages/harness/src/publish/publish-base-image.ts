import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { templateLabel } from "../checks/oci-labels.ts";
import { buildImage } from "../docker/build-image.ts";
import { inspectImage } from "../docker/inspect-image.ts";
import { assertDockerEngine } from "../docker/assert-docker-engine.ts";
import { assertEngineBuildsFor } from "../docker/engine-platforms.ts";
import { type Platform, platformTagSuffix } from "../docker/platform.ts";
import { runDocker } from "../docker/run-docker.ts";
import { triggerStageName } from "../eject/derive-ejected-dockerfile.ts";
import { ExplainedError } from "../explained-error.ts";
import { prepareBuildEnvironment } from "../sources/prepare-build-environment.ts";
import type { RequestedMode, Sources } from "../sources/sources.ts";
import { buildProvenance, provenanceBuildArgs } from "../labels/build-provenance.ts";
import { UnknownPythonError } from "../manifest/unknown-python-error.ts";
import { loadTemplate } from "../manifest/load-manifest.ts";
import type { Cell } from "../matrix/cell.ts";
import { expandMatrix } from "../matrix/expand-matrix.ts";
import { resolvedBuildArgs, trustSecrets } from "../matrix/cell-build-args.ts";
import { pushImageIndex } from "../registry/push-image-index.ts";
import { pushImage } from "../registry/start-local-registry.ts";
import { baseImageTags } from "./base-image-tags.ts";

export interface PublishBaseImageOptions {
  /** The template folder (templates/onbuild): its manifest's variants are the Pythons published. */
  templateDir: string;
  /** `host:port` of the registry; images go to `<registry>/dockerize-python/<template>`. */
  registry: string;
  mode: RequestedMode;
  /**
   * The platforms to build for. More than one: each tag names an index of them (one multi-platform
   * image), and each platform's image is pushed under `<python>-<version>-<arch>` too. Absent: the
   * engine's own platform, one image per tag.
   */
  platforms?: readonly Platform[];
  /** Only these Pythons of the manifest (`3.13`); all of them when absent. */
  pythons?: readonly string[];
  log(line: string): void;
}

/** One platform's image of a published base image. */
export interface PublishedPlatformImage {
  /** `linux/amd64`, as the image says. */
  platform: string;
  /** Where this platform's image alone was pushed: the first tag, or with several platforms `<python>-<version>-<arch>`. */
  ref: string;
  /** Its image manifest's digest. */
  digest: string;
  /** The image's ID (its config's digest): what pulling this platform gives back, from any of the tags. */
  imageId: string;
  sizeBytes: number;
}

/** One Python's base image, pushed under every tag its version gives it. */
export interface PublishedBaseImage {
  variant: string;
  python: string;
  /** Full references, `<registry>/dockerize-python/<template>:<tag>`, in baseImageTags' order. */
  refs: string[];
  /** The digest every tag names: the index's with several platforms, else the image manifest's. */
  digest: string;
  /** One per platform built, in the order asked for. */
  platforms: PublishedPlatformImage[];
  labels: Record<string, string>;
}

export interface PublishBaseImageResult {
  template: string;
  version: string;
  /** Where the base images and Python packages came from. */
  sources: Sources;
  images: PublishedBaseImage[];
}

/** The template has no ONBUILD base stage to publish. */
export class NotABaseImageTemplateError extends ExplainedError {
  constructor(template: string, dockerfile: string) {
    super(`The ${template} template's ${dockerfile} declares no ONBUILD triggers in a named stage, so it has no base image to publish.\nFix: publish-image publishes base images (the onbuild template's); other templates are copied into an app with \`dockerize-python new\`.`);
  }
}

/** The registry refused a push (or nothing answered). */
export class PushFailedError extends ExplainedError {
  constructor(ref: string, detail: string) {
    super(
      `Pushing ${ref} failed: ${detail.trim().split("\n").slice(-3).join(" ")}\n` +
        "Fix: check that the registry runs at that address and that you may push to it (`docker login <registry>`); Docker pushes over plain HTTP only to 127.0.0.0/8 and the daemon's insecure-registries.",
    );
  }
}

/**
 * Builds the template's base stage (the one that declares the ONBUILD triggers) once per Python
 * variant of its manifest (or those asked for) and platform, and pushes it as
 * `<registry>/dockerize-python/<template>:<tag>` for each of baseImageTags(python, the template
 * package's version): with several platforms, each platform's image under its own tag first, then
 * one index of them under every tag (`docker buildx imagetools create`, which copies nothing but
 * the index). Built as the matrix builds it: from the sources this machine has (stand-ins, of each
 * platform, and the local package index where nothing else answers), passed only as build args;
 * with BUILD_DATE and VCS_REF, so that its OCI labels say when and from which commit. An image whose
 * version label is not the package's is not pushed. Local tags are removed again: the registry
 * holds the images.
 */
export async function publishBaseImage(options: PublishBaseImageOptions): Promise<PublishBaseImageResult> {
  const template = await loadTemplate(options.templateDir);
  const dockerfile = join(template.filesDir, template.manifest.dockerfile);
  const stage = triggerStageName(await readFile(dockerfile, "utf8"));
  if (!stage) throw new NotABaseImageTemplateError(template.name, template.manifest.dockerfile);

  // One cell per variant: the dependency style is the child's business, not the base's.
  const everyVariant = expandMatrix([template]).filter((cell, index, cells) => cells.findIndex((other) => other.variant.id === cell.variant.id) === index);
  const pythonOf = (cell: Cell) => cell.python ?? cell.variant.id;
  const unknown = (options.pythons ?? []).filter((python) => !everyVariant.some((cell) => pythonOf(cell) === python));
  if (unknown.length) throw new UnknownPythonError(template.name, unknown, everyVariant.map(pythonOf));
  const variants = options.pythons ? everyVariant.filter((cell) => options.pythons!.includes(pythonOf(cell))) : everyVariant;
  const platforms: ReadonlyArray<Platform | undefined> = options.platforms?.length ? options.platforms : [undefined];

  await assertDockerEngine();
  if (options.platforms?.length) await assertEngineBuildsFor(options.platforms);
  const environment = await prepareBuildEnvironment(
    options.mode,
    variants.flatMap((cell) => platforms.map((platform) => ({ images: Object.values(cell.baseImages), needs: cell.variant.needs, ...(platform ? { platform } : {}) }))),
    options.log,
  );
  const provenance = await buildProvenance(options.templateDir);
  const repository = `${options.registry}/dockerize-python/${template.name}`;
  const images: PublishedBaseImage[] = [];
  try {
    for (const cell of variants) {
      const unmet = environment.unmetNeed(cell.variant.needs);
      if (unmet) {
        throw new ExplainedError(`${cell.id} cannot be built with this run's sources: ${unmet}.\nFix: publish from a machine that reaches what it needs (--mode online).`);
      }
      const python = pythonOf(cell);
      const refs = baseImageTags(python, template.version).map((tag) => `${repository}:${tag}`);
      const pushed: Array<PublishedPlatformImage & { labels: Record<string, string> }> = [];
      for (const platform of platforms) {
        const ref = platforms.length > 1 ? `${repository}:${python}-${template.version}${platformTagSuffix(platform)}` : refs[0]!;
        options.log(`building ${cell.variant.id}${platform ? ` for ${platform}` : ""} (--target ${stage}) as ${ref}`);
        await buildImage({
          context: template.filesDir,
          dockerfile,
          target: stage,
          tag: ref,
          ...(platform ? { platform } : {}),
          buildArgs: { ...resolvedBuildArgs(cell, environment, platform), ...provenanceBuildArgs(template.manifest, provenance) },
          secretFiles: trustSecrets(environment),
        });
        // One platform: this image is pushed under every tag. Several: under its own tag, then the index under every tag.
        const tags = platforms.length > 1 ? [ref] : refs;
        try {
          const facts = await inspectImage(ref);
          assertLabelledAsPackage(template.name, template.version, facts.labels);
          let digest = "";
          for (const tag of tags) {
            options.log(`pushing ${tag}`);
            digest = await pushOrExplain(ref, tag);
          }
          pushed.push({ platform: facts.platform, ref, digest, imageId: facts.id, sizeBytes: facts.sizeBytes, labels: facts.labels });
        } finally {
          for (const tag of tags) await runDocker(["rmi", tag]).catch(() => {});
        }
      }
      let digest = pushed[0]!.digest;
      if (pushed.length > 1) {
        options.log(`pushing one index of ${pushed.map((image) => image.platform).join(" and ")} as ${refs.join(", ")}`);
        digest = await pushImageIndex(refs, pushed.map((image) => `${repository}@${image.digest}`));
      }
      images.push({ variant: cell.variant.id, python, refs, digest, platforms: pushed.map(({ labels: _, ...image }) => image), labels: pushed[0]!.labels });
    }
  } finally {
    await environment.close();
  }
  return { template: template.name, version: template.version, sources: environment.sources, images };
}

/** Refuses an image whose labels say another template or version than the package being published. */
function assertLabelledAsPackage(template: string, version: string, labels: Record<string, string>): void {
  const labelled = labels["org.opencontainers.image.version"];
  if (labelled !== version || labels[templateLabel] !== template) {
    throw new ExplainedError(
      `The ${template} base image says version ${JSON.stringify(labelled)} and template ${JSON.stringify(labels[templateLabel])}, but its package is ${template} ${version}; it was not pushed.\n` +
        "Fix: regenerate the template's files after a version bump (node templates/_shared/generate.ts, part of `pnpm run version-packages`).",
    );
  }
}

async function pushOrExplain(image: string, ref: string): Promise<string> {
  return pushImage(image, ref).catch((error: unknown) => {
    throw new PushFailedError(ref, error instanceof Error ? error.message : String(error));
  });
}
