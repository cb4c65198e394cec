import { posix } from "node:path";
import { openEntryContent, type TarEntry, tarEntries } from "../tar/tar-entries.ts";
import { startDocker } from "./run-docker.ts";

/** One entry of an image config's history: the instruction, and whether it made no layer. */
export interface HistoryEntry {
  created_by?: string;
  empty_layer?: boolean;
  [key: string]: unknown;
}

/** An image's config, parsed; its history is what names the step that made each layer. */
export interface ImageConfig {
  history?: HistoryEntry[];
  [key: string]: unknown;
}

/** One layer of a saved image, with what the caller's `readLayer` made of its entries. */
export interface SavedLayer<Read> {
  /** The layer's path inside the saved archive (`<id>/layer.tar`, `blobs/sha256/<digest>`). */
  blob: string;
  /** The instruction that made the layer (its history entry's created_by), if the config says. */
  createdBy: string | undefined;
  read: Read;
}

/** What `docker save` holds of an image, as manifest.json lays it out. */
export interface SavedImage<Read> {
  /** The config's path inside the saved archive. */
  configBlob: string;
  config: ImageConfig;
  /** The layers manifest.json names, bottom first. */
  layers: SavedLayer<Read>[];
  /** Tars in the archive that manifest.json names as no layer, read all the same (docker save writes none). */
  otherTars: Array<{ blob: string; read: Read }>;
}

/** What a caller reads of each blob as the archive streams by, once. */
export interface SavedImageReaders<Read> {
  /** Reads a layer's entries in the tar's order; an entry's content left unread is skipped. */
  readLayer(entries: AsyncIterable<TarEntry>): Promise<Read>;
  /** A sink for every chunk of a blob that is no tar (manifest.json, the config, ...), if the caller wants them. */
  watchBlob?(blob: string): (chunk: Buffer) => void;
}

/** Blobs of `docker save` above this size are layers, never JSON to keep and parse. */
const largestMetadata = 8 * 1024 * 1024;

/**
 * Streams `docker save <image>` and reads it once: each layer's entries by `readers.readLayer`
 * (layers are tars, gzip-compressed too with the containerd image store), each other blob by
 * `readers.watchBlob`; then manifest.json says which blob is the config and which are the layers,
 * in order, and the config's history which step made each.
 */
export async function readSavedImage<Read>(image: string, readers: SavedImageReaders<Read>): Promise<SavedImage<Read>> {
  const save = startDocker(["save", image], { streamStdout: true });
  const blobs = await readBlobs(save.stdout!, readers).catch(async (error: unknown) => {
    // docker save would otherwise block on a pipe nobody reads.
    await save.stop();
    throw error;
  });
  // DockerCommandError (with docker's stderr) when it failed: a better cause than a missing manifest.
  await save.finished;
  return layOut(blobs, `docker save ${image}`);
}

/** readSavedImage's reading of an archive `docker save` wrote (`origin` names it in an error). */
export async function readSavedImageArchive<Read>(archive: AsyncIterable<Buffer>, readers: SavedImageReaders<Read>, origin: string): Promise<SavedImage<Read>> {
  return layOut(await readBlobs(archive, readers), origin);
}

interface ReadBlobs<Read> {
  tars: Map<string, Read>;
  /** Blobs small enough to be metadata, kept to parse. */
  kept: Map<string, Buffer>;
  /** A blob that is a link to another (older engines save a layer two images share so): its target. */
  links: Map<string, string>;
  paths: string[];
}

async function readBlobs<Read>(archive: AsyncIterable<Buffer>, readers: SavedImageReaders<Read>): Promise<ReadBlobs<Read>> {
  const read: ReadBlobs<Read> = { tars: new Map(), kept: new Map(), links: new Map(), paths: [] };
  // The reader takes the archive to its end, the padding after its end blocks included.
  for await (const blob of tarEntries(archive)) {
    // `<id>/layer.tar -> ../<other id>/layer.tar`: a target relative to the link's folder.
    if (blob.kind === "link") read.links.set(blob.path, posix.join(posix.dirname(blob.path), blob.linkTarget));
    if (blob.kind !== "file") continue;
    read.paths.push(blob.path);
    const content = await openEntryContent(blob.content);
    if (content.isTar) {
      read.tars.set(blob.path, await readers.readLayer(tarEntries(content.bytes)));
      continue;
    }
    const watch = readers.watchBlob?.(blob.path);
    const small: Buffer[] = [];
    for await (const chunk of content.bytes) {
      watch?.(chunk);
      if (blob.size <= largestMetadata) small.push(chunk);
    }
    if (blob.size <= largestMetadata) read.kept.set(blob.path, Buffer.concat(small));
  }
  return read;
}

function layOut<Read>(read: ReadBlobs<Read>, origin: string): SavedImage<Read> {
  const manifest = parseJson<Array<{ Config?: string; Layers?: string[] }>>(read.kept.get("manifest.json"))?.[0];
  const config = manifest?.Config ? parseJson<ImageConfig>(read.kept.get(manifest.Config)) : undefined;
  if (!manifest?.Config || !manifest.Layers || !config) {
    const what = !read.kept.has("manifest.json") ? "no manifest.json" : !manifest?.Config || !manifest.Layers ? "a manifest.json naming no config or no layers" : `no readable config (${manifest.Config})`;
    const held = read.paths.length ? `${read.paths.slice(0, 6).join(", ")}${read.paths.length > 6 ? `, and ${read.paths.length - 6} more` : ""}` : "nothing";
    throw new Error(`${origin} is no image saved by docker save: it holds ${what} (it holds ${held}); docker save writes a manifest.json naming the image's config and layers`);
  }
  const layerHistory = (config.history ?? []).filter((entry) => !entry.empty_layer);
  const layers = manifest.Layers;
  return {
    configBlob: manifest.Config,
    config,
    layers: layers.map((blob, index) => {
      const tar = read.links.get(blob) ?? blob;
      if (!read.tars.has(tar)) {
        const why = read.paths.includes(tar) ? "which is no tar, plain or gzip-compressed" : "which it does not hold (cut short?)";
        throw new Error(`${origin}: manifest.json names ${blob} as layer ${index + 1}, ${why}`);
      }
      return { blob, createdBy: layerHistory[index]?.created_by, read: read.tars.get(tar)! };
    }),
    otherTars: [...read.tars].filter(([blob]) => !layers.some((layer) => (read.links.get(layer) ?? layer) === blob)).map(([blob, tarRead]) => ({ blob, read: tarRead })),
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
