import { createHash } from "node:crypto";
import type { TarEntry } from "../tar/tar-entries.ts";
import { readSavedImage } from "./read-saved-image.ts";

/** One file (or directory, link, device) of a layer, as its tar entry records it. */
export interface LayerFile {
  path: string;
  kind: TarEntry["kind"];
  linkTarget: string;
  mode: number;
  uid: number;
  gid: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  size: number;
  /** sha256 of the content, hex; empty for anything but a file. */
  sha256: string;
  /** PAX records other than times (extended attributes, say), sorted: `key=value`. */
  records: string[];
}

/** One layer of a saved image: the history entry that made it, and its files in the tar's order. */
export interface ListedLayer {
  /** The instruction that made the layer (its history entry's created_by), if the config says. */
  createdBy: string | undefined;
  files: LayerFile[];
}

/** What `docker save` holds of an image: its config (parsed) and its layers, bottom first. */
export interface SavedImageListing {
  config: Record<string, unknown>;
  layers: ListedLayer[];
}

/** PAX records that carry times, which LayerFile.mtime already says (or which no layer should differ by). */
const timeRecords = new Set(["mtime", "atime", "ctime"]);

/**
 * Lists every layer's files of `image` (read by readSavedImage) with their metadata and a hash of
 * their content, so two images can be compared file by file (see compareSavedImages).
 */
export async function listSavedImage(image: string): Promise<SavedImageListing> {
  const saved = await readSavedImage(image, { readLayer: listLayerFiles });
  return { config: saved.config, layers: saved.layers.map((layer) => ({ createdBy: layer.createdBy, files: layer.read })) };
}

/** A layer's files, in the tar's order: readSavedImage's readLayer for a listing. */
export async function listLayerFiles(entries: AsyncIterable<TarEntry>): Promise<LayerFile[]> {
  const files: LayerFile[] = [];
  for await (const entry of entries) files.push(await layerFileOf(entry));
  return files;
}

async function layerFileOf(entry: TarEntry): Promise<LayerFile> {
  const hash = createHash("sha256");
  for await (const chunk of entry.content) hash.update(chunk);
  return {
    path: entry.path.replace(/^\.?\//, ""),
    kind: entry.kind,
    linkTarget: entry.linkTarget,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    mtime: entry.mtime,
    size: entry.size,
    sha256: entry.kind === "file" ? hash.digest("hex") : "",
    records: Object.entries(entry.pax)
      .filter(([key]) => !timeRecords.has(key))
      .map(([key, value]) => `${key}=${value}`)
      .sort(),
  };
}
