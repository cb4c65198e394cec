import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { templateLabel } from "../checks/oci-labels.ts";
import { buildImage } from "../docker/build-image.ts";
import { inspectImage } from "../docker/inspect-image.ts";
import { assertDockerEngine } from "../docker/assert-docker-engine.ts";
import { runDocker } from "../docker/run-docker.ts";
import { triggerStageName } from "../eject/derive-ejected-dockerfile.ts";
import { ExplainedError } from "../explained-error.ts";
import { prepareBuildEnvironment } from "../sources/prepare-build-environment.ts";
import type { RequestedMode, Sources } from "../sources/sources.ts";
import { buildProvenance, provenanceBuildArgs } from "../labels/build-provenance.ts";
import { loadTemplate } from "../manifest/load-manifest.ts";
import { expandMatrix } from "../matrix/expand-matrix.ts";
import { resolvedBuildArgs, trustSecrets } from "../matrix/cell-build-args.ts";
import { pushImage } from "../registry/start-local-registry.ts";
import { baseImageTags } from "./base-image-tags.ts";

export interface PublishBaseImageOptions {
  /** The template folder (templates/onbuild): its manifest's variants are the Pythons published. */
  templateDir: string;
  /** `host:port` of the registry; images go to `<registry>/dockerize-python/<template>`. */
  registry: string;
  mode: RequestedMode;
  log(line: string): void;
}

/** One Python's base image, pushed under every tag its version gives it. */
export interface PublishedBaseImage {
  variant: string;
  python: string;
  /** Full references, `<registry>/dockerize-python/<template>:<tag>`, in baseImageTags' order. */
  refs: string[];
  /** The manifest digest the registry reported (the same for every tag). */
  digest: string;
  labels: Record<string, string>;
  sizeBytes: number;
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
 * variant of its manifest and pushes it as `<registry>/dockerize-python/<template>:<tag>` for each of
 * baseImageTags(python, the template package's version). Built as the matrix builds it: from the
 * sources this machine has (stand-ins and the local package index where nothing else answers), passed only as build args; with BUILD_DATE and
 * VCS_REF, so that its OCI labels say when and from which commit. An image whose version label is
 * not the package's is not pushed. Local tags are removed again: the registry holds the images.
 */
export async function publishBaseImage(options: PublishBaseImageOptions): Promise<PublishBaseImageResult> {
  const template = await loadTemplate(options.templateDir);
  const dockerfile = join(template.filesDir, template.manifest.dockerfile);
  const stage = triggerStageName(await readFile(dockerfile, "utf8"));
  if (!stage) throw new NotABaseImageTemplateError(template.name, template.manifest.dockerfile);
  await assertDockerEngine();

  // One cell per variant: the dependency style is the child's business, not the base's.
  const variants = expandMatrix([template]).filter((cell, index, cells) => cells.findIndex((other) => other.variant.id === cell.variant.id) === index);
  const environment = await prepareBuildEnvironment(options.mode, variants.map((cell) => ({ images: Object.values(cell.baseImages), needs: cell.variant.needs })), options.log);
  const provenance = await buildProvenance(options.templateDir);
  const repository = `${options.registry}/dockerize-python/${template.name}`;
  const images: PublishedBaseImage[] = [];
  try {
    for (const cell of variants) {
      const unmet = environment.unmetNeed(cell.variant.needs);
      if (unmet) {
        throw new ExplainedError(`${cell.id} cannot be built with this run's sources: ${unmet}.\nFix: publish from a machine that reaches what it needs (--mode online).`);
      }
      const python = cell.python ?? cell.variant.id;
      const refs = baseImageTags(python, template.version).map((tag) => `${repository}:${tag}`);
      options.log(`building ${cell.variant.id} (--target ${stage}) as ${refs[0]}`);
      await buildImage({
        context: template.filesDir,
        dockerfile,
        target: stage,
        tag: refs[0]!,
        buildArgs: { ...resolvedBuildArgs(cell, environment), ...provenanceBuildArgs(template.manifest, provenance) },
        secretFiles: trustSecrets(environment),
      });
      const facts = await inspectImage(refs[0]!);
      const labelled = facts.labels["org.opencontainers.image.version"];
      if (labelled !== template.version || facts.labels[templateLabel] !== template.name) {
        await runDocker(["rmi", refs[0]!]).catch(() => {});
        throw new ExplainedError(
          `The ${template.name} base image says version ${JSON.stringify(labelled)} and template ${JSON.stringify(facts.labels[templateLabel])}, but its package is ${template.name} ${template.version}; it was not pushed.\n` +
            "Fix: regenerate the template's files after a version bump (node templates/_shared/generate.ts, part of `pnpm run version-packages`).",
        );
      }
      let digest = "";
      try {
        for (const ref of refs) {
          options.log(`pushing ${ref}`);
          digest = await pushImage(refs[0]!, ref).catch((error: unknown) => {
            throw new PushFailedError(ref, error instanceof Error ? error.message : String(error));
          });
        }
      } finally {
        for (const ref of refs) await runDocker(["rmi", ref]).catch(() => {});
      }
      images.push({ variant: cell.variant.id, python, refs, digest, labels: facts.labels, sizeBytes: facts.sizeBytes });
    }
  } finally {
    await environment.close();
  }
  return { template: template.name, version: template.version, sources: environment.sources, images };
}
