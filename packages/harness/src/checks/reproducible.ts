import { inspectImage } from "../docker/inspect-image.ts";
import { runDocker } from "../docker/run-docker.ts";
import { type LayerFile, listSavedImage, type SavedImageListing } from "../docker/saved-image-listing.ts";
import { provenanceArgs } from "../labels/build-provenance.ts";
import { type Check, type CheckContext, type CheckOutcome, fail, pass } from "./check.ts";

/**
 * The SOURCE_DATE_EPOCH both builds get unless the cell's own build args name one: 2026-01-01T00:00:00Z.
 * Any fixed time before the builds does; a later one would leave the files' build-time mtimes below it.
 */
export const defaultSourceDateEpoch = 1767225600;

/**
 * Two builds of the cell from a clean cache (`--no-cache`), both with the same SOURCE_DATE_EPOCH
 * (and BUILD_DATE, the created label, from it), give the same image.
 *
 * Same image ID: pass. Otherwise both images are saved and compared layer by layer, file by file,
 * as BuildKit's `rewrite-timestamp=true` exporter option would leave them: every mtime later than
 * SOURCE_DATE_EPOCH clamped to it. dockerd's own image exporter (the classic image store, Docker
 * 26's default) ignores that option, so there a RUN or COPY step's new directories and files keep
 * the time of the build and the IDs can never match; the check then passes when nothing else
 * differs (content, mode, owner, link, extended attributes, order, the config but its layer
 * digests), and says so. Anything else that differs fails, named by layer, instruction and path.
 */
export const reproducible: Check<Pick<CheckContext, "image" | "buildArgs" | "rebuild" | "log">> = async (context) => {
  const epoch = Number(context.buildArgs.SOURCE_DATE_EPOCH ?? defaultSourceDateEpoch);
  const buildArgs: Record<string, string> = { ...context.buildArgs, SOURCE_DATE_EPOCH: String(epoch) };
  if (provenanceArgs.created in context.buildArgs) buildArgs[provenanceArgs.created] = new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const tags = [1, 2].map((n) => `${context.image}-reproducible-${n}`);
  try {
    const seconds: number[] = [];
    for (const [index, tag] of tags.entries()) {
      context.log(`build ${index + 1} of 2 from a clean cache (--no-cache, SOURCE_DATE_EPOCH=${epoch})`);
      seconds.push((await context.rebuild({ tag, buildArgs, noCache: true })).seconds);
    }
    const took = `builds ${seconds.map((s) => `${s.toFixed(0)} s`).join(" and ")}`;
    const [first, second] = await Promise.all(tags.map(async (tag) => (await inspectImage(tag)).id));
    if (first === second) return pass(`two --no-cache builds with SOURCE_DATE_EPOCH=${epoch} gave the same image ID, ${first}; ${took}`);
    context.log("the image IDs differ: comparing the two images file by file");
    const differences = compareSavedImages(await listSavedImage(tags[0]!), await listSavedImage(tags[1]!), epoch);
    return judgeReproducible(differences, { epoch, ids: [first!, second!], took });
  } finally {
    for (const tag of tags) await runDocker(["rmi", tag]).catch(() => {});
  }
};

/** How two saved images of the same build differ, as `rewrite-timestamp=true` would leave them. */
export interface ImageDifferences {
  /** Every difference but clamped times: `layer 3 (RUN apt-get ...): /var/log/dpkg.log: content`. */
  problems: string[];
  /** Files whose mtimes differ only above SOURCE_DATE_EPOCH (what rewrite-timestamp clamps). */
  clampedMtimes: number;
  layers: number;
  files: number;
}

/** Compares `a` and `b` layer by layer, file by file, with every mtime later than `epoch` taken as `epoch`. */
export function compareSavedImages(a: SavedImageListing, b: SavedImageListing, epoch: number): ImageDifferences {
  const problems: string[] = [];
  let clampedMtimes = 0;
  let files = 0;
  if (a.layers.length !== b.layers.length) problems.push(`the first image has ${a.layers.length} layers, the second ${b.layers.length}`);
  const clamp = (mtime: number) => Math.min(mtime, epoch);
  a.layers.slice(0, b.layers.length).forEach((layerA, index) => {
    const layerB = b.layers[index]!;
    const where = `layer ${index + 1} (${shorten(layerA.createdBy ?? "unknown step")})`;
    const inB = new Map(layerB.files.map((file) => [file.path, file]));
    const inA = new Set(layerA.files.map((file) => file.path));
    files += layerA.files.length;
    for (const fileA of layerA.files) {
      const fileB = inB.get(fileA.path);
      if (!fileB) {
        problems.push(`${where}: /${fileA.path}: only in the first build`);
        continue;
      }
      const differs = fileDifferences(fileA, fileB);
      if (clamp(fileA.mtime) !== clamp(fileB.mtime)) differs.push(`mtime ${fileA.mtime} vs ${fileB.mtime}`);
      else if (fileA.mtime !== fileB.mtime) clampedMtimes += 1;
      if (differs.length) problems.push(`${where}: /${fileA.path}: ${differs.join(", ")}`);
    }
    for (const fileB of layerB.files) if (!inA.has(fileB.path)) problems.push(`${where}: /${fileB.path}: only in the second build`);
    const order = (files: readonly LayerFile[]) => files.map((file) => file.path).filter((path) => inB.has(path) && inA.has(path));
    if (order(layerA.files).join("\n") !== order(layerB.files).join("\n")) problems.push(`${where}: its files are in another order`);
  });
  const configA = JSON.stringify(withoutLayerDigests(a.config));
  const configB = JSON.stringify(withoutLayerDigests(b.config));
  if (configA !== configB) problems.push(`the image configs differ beyond their layer digests: ${firstDifference(configA, configB)}`);
  return { problems, clampedMtimes, layers: a.layers.length, files };
}

/** The check's verdict on the differences of two builds whose image IDs differ. */
export function judgeReproducible(differences: ImageDifferences, facts: { epoch: number; ids: readonly [string, string]; took: string }): CheckOutcome {
  const { problems } = differences;
  if (problems.length) {
    const shown = problems.slice(0, 12).join("; ");
    return fail(
      `two --no-cache builds with SOURCE_DATE_EPOCH=${facts.epoch} differ in ${problems.length} place(s): ${shown}${problems.length > 12 ? `; and ${problems.length - 12} more` : ""}. ` +
        "Fix: the step that made that layer writes what changes from build to build: a date, a log (apt's, dpkg's), a cache (ldconfig's aux-cache), " +
        ".pyc files stamped with the time of the install (compile them with --invalidation-mode checked-hash), a random name or order; " +
        `remove it in the same step or derive it from SOURCE_DATE_EPOCH; ${facts.took}`,
    );
  }
  return pass(
    `two --no-cache builds with SOURCE_DATE_EPOCH=${facts.epoch}: their ${differences.layers} layers hold the same ${differences.files} files (content, mode, owner, links, order) and their configs match; ` +
      `the image IDs (${facts.ids[0].slice(0, 19)}, ${facts.ids[1].slice(0, 19)}) differ only in ${differences.clampedMtimes} mtimes later than SOURCE_DATE_EPOCH, ` +
      `which BuildKit's rewrite-timestamp=true clamps and this engine's image exporter (the classic image store) does not; ${facts.took}`,
  );
}

function fileDifferences(a: LayerFile, b: LayerFile): string[] {
  const differs: string[] = [];
  if (a.kind !== b.kind) differs.push(`a ${a.kind} vs a ${b.kind}`);
  if (a.sha256 !== b.sha256 || a.size !== b.size) differs.push("content");
  if (a.linkTarget !== b.linkTarget) differs.push(`link to ${a.linkTarget} vs ${b.linkTarget}`);
  if (a.mode !== b.mode) differs.push(`mode ${a.mode.toString(8)} vs ${b.mode.toString(8)}`);
  if (a.uid !== b.uid || a.gid !== b.gid) differs.push(`owner ${a.uid}:${a.gid} vs ${b.uid}:${b.gid}`);
  if (a.records.join("\n") !== b.records.join("\n")) differs.push("extended attributes (PAX records)");
  return differs;
}

/** The config without rootfs.diff_ids: a layer's digest covers its mtimes, which the files compare clamped. */
function withoutLayerDigests(config: Record<string, unknown>): Record<string, unknown> {
  const { rootfs, ...rest } = config as { rootfs?: Record<string, unknown> };
  const { diff_ids: _diffIds, ...rootfsRest } = rootfs ?? {};
  return { ...rest, rootfs: rootfsRest };
}

function firstDifference(a: string, b: string): string {
  let at = 0;
  while (at < a.length && a[at] === b[at]) at += 1;
  const from = Math.max(0, at - 40);
  return `${JSON.stringify(a.slice(from, at + 40))} vs ${JSON.stringify(b.slice(from, at + 40))}`;
}

const shorten = (text: string) => {
  // BuildKit records a RUN as `RUN /bin/sh -c <command> # buildkit`.
  const plain = text.replace(/^\/bin\/sh -c #\(nop\)\s*/, "").replace(/^RUN \/bin\/sh -c /, "RUN ").replace(/ # buildkit$/, "").replace(/\s+/g, " ");
  return plain.length > 80 ? `${plain.slice(0, 77)}...` : plain;
};
