import { readSavedImage } from "../docker/read-saved-image.ts";
import type { TarEntry } from "../tar/tar-entries.ts";
import type { Needle } from "./probe-credentials.ts";

/** Where a needle was found. */
export interface Sighting {
  needle: string;
  where: string;
}

export interface ImageSearch {
  layers: number;
  /** Files (and links and directories) read inside the layers. */
  files: number;
  /** Bytes of file content read inside the layers. */
  bytes: number;
  historyEntries: number;
  sightings: Sighting[];
}

/** Where needles were found in one layer, and how much of it was read. */
interface LayerSearch {
  files: number;
  bytes: number;
  hits: Array<{ file: string; needle: string }>;
}

/**
 * Looks for every needle in every file of every layer of `image` (its content, its path and a
 * link's target), in the image config and in each history entry, reading `docker save` once
 * (readSavedImage), so a sighting names the layer, the instruction that made it (from the history)
 * and the file.
 */
export async function searchSavedImage(image: string, needles: readonly Needle[]): Promise<ImageSearch> {
  /** The needles in each blob that is no layer (the config, manifest.json, ...). */
  const blobScanners = new Map<string, NeedleScanner>();
  const saved = await readSavedImage(image, {
    readLayer: (entries) => searchLayer(entries, needles),
    watchBlob: (blob) => {
      const scanner = new NeedleScanner(needles);
      blobScanners.set(blob, scanner);
      return (chunk) => scanner.feed(chunk);
    },
  });

  const { config } = saved;
  const history = config.history ?? [];
  const sightings: Sighting[] = [];
  saved.layers.forEach((layer, index) => {
    const made = layer.createdBy ? ` (${shorten(layer.createdBy)})` : "";
    for (const hit of layer.read.hits) sightings.push({ needle: hit.needle, where: `layer ${index + 1} of ${saved.layers.length}${made}: /${hit.file.replace(/^\.?\//, "")}` });
  });
  for (const tar of saved.otherTars) for (const hit of tar.read.hits) sightings.push({ needle: hit.needle, where: `${tar.blob}: ${hit.file} in the saved image` });
  for (const [blob, scanner] of blobScanners) {
    for (const label of scanner.found()) {
      if (blob !== saved.configBlob) {
        sightings.push({ needle: label, where: `${blob} in the saved image` });
        continue;
      }
      // Which part of the config: a history entry (an ARG's value in a RUN's record, say) or the rest.
      const needle = needles.find((n) => n.label === label)!.bytes.toString();
      history.forEach((entry, index) => {
        if (JSON.stringify(entry).includes(needle)) sightings.push({ needle: label, where: `history entry ${index + 1} of ${history.length} (${shorten(entry.created_by ?? "")})` });
      });
      const { history: _history, ...rest } = config;
      if (JSON.stringify(rest).includes(needle)) sightings.push({ needle: label, where: "the image config (Env, Labels, Cmd, ...)" });
    }
  }
  // A layer the manifest names twice (two identical steps) was read once.
  const searched = [...new Set([...saved.layers, ...saved.otherTars].map((tar) => tar.read))];
  return {
    layers: searched.length,
    files: searched.reduce((sum, layer) => sum + layer.files, 0),
    bytes: searched.reduce((sum, layer) => sum + layer.bytes, 0),
    historyEntries: history.length,
    sightings,
  };
}

/** The needles in a layer's files: each one's content, path, link target and PAX records. */
async function searchLayer(entries: AsyncIterable<TarEntry>, needles: readonly Needle[]): Promise<LayerSearch> {
  const searched: LayerSearch = { files: 0, bytes: 0, hits: [] };
  for await (const entry of entries) {
    searched.files += 1;
    // A PAX record (an extended attribute, say) is part of the file as much as its name.
    const records = Object.entries(entry.pax).map(([key, value]) => `${key}=${value}`);
    const nameScanner = new NeedleScanner(needles);
    nameScanner.feed(Buffer.from([entry.path, entry.linkTarget, ...records].join("\n")));
    const contentScanner = new NeedleScanner(needles);
    for await (const chunk of entry.content) {
      searched.bytes += chunk.length;
      contentScanner.feed(chunk);
    }
    for (const needle of new Set([...nameScanner.found(), ...contentScanner.found()])) searched.hits.push({ file: entry.path, needle });
  }
  return searched;
}

const shorten = (text: string) => (text.length > 120 ? `${text.slice(0, 117)}...` : text);

/** Finds needles in a stream of chunks, also one that spans two chunks. */
export class NeedleScanner {
  private readonly needles: readonly Needle[];
  private readonly seen = new Set<string>();
  private readonly overlap: number;
  private carry = Buffer.alloc(0);

  constructor(needles: readonly Needle[]) {
    this.needles = needles;
    this.overlap = Math.max(0, ...needles.map((needle) => needle.bytes.length - 1));
  }

  feed(chunk: Buffer): void {
    const window = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    for (const needle of this.needles) if (!this.seen.has(needle.label) && window.includes(needle.bytes)) this.seen.add(needle.label);
    // A copy: a slice would keep the whole chunk alive.
    this.carry = Buffer.from(window.subarray(Math.max(0, window.length - this.overlap)));
  }

  /** The labels of the needles seen so far. */
  found(): string[] {
    return [...this.seen];
  }
}
