import { startDocker } from "../docker/run-docker.ts";
import { openEntryContent, tarEntries } from "../tar/tar-entries.ts";
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

/** Blobs of `docker save` above this size are layers, never JSON to keep and read back. */
const largestMetadata = 8 * 1024 * 1024;

/**
 * Streams `docker save <image>` and looks for every needle in every file of every layer (its content,
 * its path and a link's target), in the image config and in each history entry. Layers are read as
 * the tars they are (gzip-compressed too, as an engine with the containerd image store saves them),
 * so a sighting names the layer, the instruction that made it (from the history) and the file.
 */
export async function searchSavedImage(image: string, needles: readonly Needle[]): Promise<ImageSearch> {
  const save = startDocker(["save", image], { streamStdout: true });

  /** Sightings per blob of the saved image (its path inside the tar), with the file inside a layer. */
  const found: Array<{ blob: string; file: string | undefined; needle: string }> = [];
  const kept = new Map<string, Buffer>();
  const layerBlobs = new Set<string>();
  let files = 0;
  let bytes = 0;
  let readToEnd = false;
  try {
    // The reader takes the output to its end, the padding after the archive's end blocks included.
    for await (const blob of tarEntries(save.stdout!)) {
      if (blob.kind !== "file") continue;
      const content = await openEntryContent(blob.content);
      if (content.isTar) {
        layerBlobs.add(blob.path);
        for await (const entry of tarEntries(content.bytes)) {
          files += 1;
          // A PAX record (an extended attribute, say) is part of the file as much as its name.
          const records = Object.entries(entry.pax).map(([key, value]) => `${key}=${value}`);
          const scanner = new NeedleScanner(needles);
          scanner.feed(Buffer.from([entry.path, entry.linkTarget, ...records].join("\n")));
          const nameHits = scanner.found();
          const contentScanner = new NeedleScanner(needles);
          for await (const chunk of entry.content) {
            bytes += chunk.length;
            contentScanner.feed(chunk);
          }
          for (const needle of new Set([...nameHits, ...contentScanner.found()])) found.push({ blob: blob.path, file: entry.path, needle });
        }
      } else {
        const scanner = new NeedleScanner(needles);
        const small: Buffer[] = [];
        for await (const chunk of content.bytes) {
          scanner.feed(chunk);
          if (blob.size <= largestMetadata) small.push(chunk);
        }
        if (blob.size <= largestMetadata) kept.set(blob.path, Buffer.concat(small));
        for (const needle of scanner.found()) found.push({ blob: blob.path, file: undefined, needle });
      }
    }
    readToEnd = true;
  } finally {
    // Stopped by an error: docker save would otherwise block on a pipe nobody reads.
    if (!readToEnd) await save.stop();
  }
  // DockerCommandError (with docker's stderr) when it failed.
  await save.finished;

  const layout = savedLayout(kept);
  const config = layout.config ? parseJson<ImageConfig>(kept.get(layout.config)) : undefined;
  const history = config?.history ?? [];
  const layerHistory = history.filter((entry) => !entry.empty_layer);
  const sightings: Sighting[] = [];
  for (const hit of found) {
    const layerIndex = layout.layers.indexOf(hit.blob);
    if (layerIndex >= 0) {
      const made = layerHistory[layerIndex]?.created_by;
      sightings.push({
        needle: hit.needle,
        where: `layer ${layerIndex + 1} of ${layout.layers.length}${made ? ` (${shorten(made)})` : ""}: /${hit.file!.replace(/^\.?\//, "")}`,
      });
    } else if (hit.blob === layout.config && config) {
      // Which part of the config: a history entry (an ARG's value in a RUN's record, say) or the rest.
      const needle = needles.find((n) => n.label === hit.needle)!.bytes.toString();
      history.forEach((entry, index) => {
        if (JSON.stringify(entry).includes(needle)) sightings.push({ needle: hit.needle, where: `history entry ${index + 1} of ${history.length} (${shorten(entry.created_by ?? "")})` });
      });
      const { history: _history, ...rest } = config;
      if (JSON.stringify(rest).includes(needle)) sightings.push({ needle: hit.needle, where: "the image config (Env, Labels, Cmd, ...)" });
    } else {
      sightings.push({ needle: hit.needle, where: `${hit.blob}${hit.file ? `: ${hit.file}` : ""} in the saved image` });
    }
  }
  return { layers: layerBlobs.size, files, bytes, historyEntries: history.length, sightings };
}

interface ImageConfig {
  history?: Array<{ created_by?: string; empty_layer?: boolean }>;
  [key: string]: unknown;
}

/** manifest.json of `docker save`: which blob is the config and which are the layers, in order. */
function savedLayout(kept: ReadonlyMap<string, Buffer>): { config: string | undefined; layers: string[] } {
  const manifest = parseJson<Array<{ Config?: string; Layers?: string[] }>>(kept.get("manifest.json"))?.[0];
  return { config: manifest?.Config, layers: manifest?.Layers ?? [] };
}

function parseJson<T>(bytes: Buffer | undefined): T | undefined {
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch {
    return undefined;
  }
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
