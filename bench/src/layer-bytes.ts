import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { createGzip } from "node:zlib";
import { runDocker } from "@dockerize-python/harness";

/** The size of one layer: as the engine stores it (an uncompressed tar) and gzip-compressed, as a registry serves it. */
export interface LayerSize {
  bytes: number;
  gzipBytes: number;
}

/**
 * The sizes of the layers of `image` whose diff IDs are in `wanted` (all of them when absent). The
 * engine's API gives no per-layer size, so the image is saved (`docker save`, a tar holding each
 * layer as a tar of its own, listed in order in manifest.json) into a temp file and read there.
 * A registry stores gzip-compressed layers: each wanted layer is compressed (gzip's default level,
 * as `docker push` does) to count what a pull would transfer.
 */
export async function layerSizes(image: string, layerDiffIds: readonly string[], wanted?: ReadonlySet<string>): Promise<Map<string, LayerSize>> {
  const dir = await mkdtemp(join(tmpdir(), "dp-bench-save-"));
  const file = join(dir, "image.tar");
  try {
    await runDocker(["save", "--output", file, image]);
    const entries = await readTarEntries(file);
    const manifestEntry = entries.get("manifest.json");
    if (!manifestEntry) throw new Error(`docker save ${image} wrote no manifest.json`);
    const manifest = JSON.parse((await readRange(file, manifestEntry)).toString("utf8")) as Array<{ Layers: string[] }>;
    const layerPaths = manifest[0]?.Layers ?? [];
    if (layerPaths.length !== layerDiffIds.length) {
      throw new Error(`docker save ${image} lists ${layerPaths.length} layers; docker image inspect lists ${layerDiffIds.length}`);
    }
    const sizes = new Map<string, LayerSize>();
    for (const [index, diffId] of layerDiffIds.entries()) {
      if (wanted && !wanted.has(diffId)) continue;
      const entry = entries.get(layerPaths[index]!);
      if (!entry) throw new Error(`docker save ${image}: manifest.json names ${layerPaths[index]}, which the archive does not hold`);
      sizes.set(diffId, { bytes: entry.size, gzipBytes: await gzipSize(file, entry) });
    }
    return sizes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface TarEntry {
  offset: number;
  size: number;
}

/** The regular files of a tar archive by path: where each one's data starts, and its size. */
export async function readTarEntries(file: string): Promise<Map<string, TarEntry>> {
  const handle = await open(file);
  try {
    const { size: fileSize } = await handle.stat();
    const entries = new Map<string, TarEntry>();
    const header = Buffer.alloc(512);
    let offset = 0;
    let paxPath: string | undefined;
    while (offset + 512 <= fileSize) {
      await handle.read(header, 0, 512, offset);
      if (header.every((byte) => byte === 0)) break;
      const field = (start: number, length: number) => header.subarray(start, start + length).toString("utf8").replace(/\0.*$/s, "");
      const size = Number.parseInt(field(124, 12).trim() || "0", 8);
      const type = String.fromCharCode(header[156]!);
      const prefix = field(257, 6).startsWith("ustar") ? field(345, 155) : "";
      const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
      const dataOffset = offset + 512;
      if (type === "x") {
        // A PAX extended header: its records may hold the next entry's long path.
        const data = Buffer.alloc(size);
        await handle.read(data, 0, size, dataOffset);
        paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString("utf8"))?.[1];
      } else {
        if (type === "0" || type === "\0") entries.set(name, { offset: dataOffset, size });
        paxPath = undefined;
      }
      offset = dataOffset + Math.ceil(size / 512) * 512;
    }
    return entries;
  } finally {
    await handle.close();
  }
}

async function readRange(file: string, entry: TarEntry): Promise<Buffer> {
  const handle = await open(file);
  try {
    const data = Buffer.alloc(entry.size);
    await handle.read(data, 0, entry.size, entry.offset);
    return data;
  } finally {
    await handle.close();
  }
}

async function gzipSize(file: string, entry: TarEntry): Promise<number> {
  if (entry.size === 0) return 0;
  let bytes = 0;
  const count = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  await pipeline(createReadStream(file, { start: entry.offset, end: entry.offset + entry.size - 1 }), createGzip(), count);
  return bytes;
}
