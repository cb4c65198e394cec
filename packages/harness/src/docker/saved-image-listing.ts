import { createHash } from "node:crypto";
import { openEntryContent, type TarEntry, tarEntries } from "../tar/tar-entries.ts";
import { startDocker } from "./run-docker.ts";

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
export interface SavedLayer {
  /** The instruction that made the layer (its history entry's created_by), if the config says. */
  createdBy: string | undefined;
  files: LayerFile[];
}

/** What `docker save` holds of an image: its config (parsed) and its layers, bottom first. */
export interface SavedImageListing {
  config: Record<string, unknown>;
  layers: SavedLayer[];
}

/** Blobs of `docker save` above this size are layers, never JSON to keep and parse. */
const largestMetadata = 8 * 1024 * 1024;

/** PAX records that carry times, which LayerFile.mtime already says (or which no layer should differ by). */
const timeRecords = new Set(["mtime", "atime", "ctime"]);

/**
 * Streams `docker save <image>` and lists every layer's files with their metadata and a hash of
 * their content, so two images can be compared file by file (see compareSavedImages). Layers are
 * read as the tars they are, gzip-compressed too (an engine with the containerd image store).
 */
export async function listSavedImage(image: string): Promise<SavedImageListing> {
  const save = startDocker(["save", image], { streamStdout: true });
  const layerFiles = new Map<string, LayerFile[]>();
  const kept = new Map<string, Buffer>();
  let readToEnd = false;
  try {
    for await (const blob of tarEntries(save.stdout!)) {
      if (blob.kind !== "file") continue;
      const content = await openEntryContent(blob.content);
      if (content.isTar) {
        const files: LayerFile[] = [];
        for await (const entry of tarEntries(content.bytes)) files.push(await layerFileOf(entry));
        layerFiles.set(blob.path, files);
      } else if (blob.size <= largestMetadata) {
        const chunks: Buffer[] = [];
        for await (const chunk of content.bytes) chunks.push(chunk);
        kept.set(blob.path, Buffer.concat(chunks));
      }
    }
    readToEnd = true;
  } finally {
    // Stopped by an error: docker save would otherwise block on a pipe nobody reads.
    if (!readToEnd) await save.stop();
  }
  await save.finished;

  const manifest = parseJson<Array<{ Config?: string; Layers?: string[] }>>(kept.get("manifest.json"))?.[0];
  const config = manifest?.Config ? parseJson<Record<string, unknown>>(kept.get(manifest.Config)) : undefined;
  if (!manifest?.Layers || !config) throw new Error(`docker save ${image} wrote no manifest.json naming its config and layers`);
  const history = ((config.history ?? []) as Array<{ created_by?: string; empty_layer?: boolean }>).filter((entry) => !entry.empty_layer);
  return {
    config,
    layers: manifest.Layers.map((blob, index) => ({ createdBy: history[index]?.created_by, files: layerFiles.get(blob) ?? [] })),
  };
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

function parseJson<T>(bytes: Buffer | undefined): T | undefined {
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch {
    return undefined;
  }
}
