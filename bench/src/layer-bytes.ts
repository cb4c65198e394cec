import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { openEntryContent, runDocker, tarEntries } from "@dockerize-python/harness";

/** The size of one layer: as the engine stores it (an uncompressed tar) and gzip-compressed, as a registry serves it. */
export interface LayerSize {
  bytes: number;
  gzipBytes: number;
}

/**
 * The sizes of the layers of `image` whose diff IDs are in `wanted` (all of them when absent). The
 * engine's API gives no per-layer size, so the image is saved (`docker save`, a tar holding each
 * layer as a tar of its own, listed in order in manifest.json) into a temp file and read there.
 */
export async function layerSizes(image: string, layerDiffIds: readonly string[], wanted?: ReadonlySet<string>): Promise<Map<string, LayerSize>> {
  const dir = await mkdtemp(join(tmpdir(), "dp-bench-save-"));
  const file = join(dir, "image.tar");
  try {
    await runDocker(["save", "--output", file, image]);
    return await savedLayerSizes(() => createReadStream(file), layerDiffIds, wanted, `docker save ${image}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The same, from a saved image's archive, which `read` opens anew for each of two passes: the first
 * finds manifest.json (written after the layers) to know which blob is which layer, the second
 * measures the wanted ones. A registry stores gzip-compressed layers: each wanted layer is
 * compressed (gzip's default level, as `docker push` does) to count what a pull would transfer.
 * `what` names the archive in errors.
 */
export async function savedLayerSizes(
  read: () => AsyncIterable<Buffer>,
  layerDiffIds: readonly string[],
  wanted: ReadonlySet<string> | undefined,
  what: string,
): Promise<Map<string, LayerSize>> {
  const layerPaths = await manifestLayers(read(), what);
  if (layerPaths.length !== layerDiffIds.length) {
    throw new Error(`${what} lists ${layerPaths.length} layers; docker image inspect lists ${layerDiffIds.length}`);
  }
  const diffIdsByPath = new Map<string, string>();
  for (const [index, diffId] of layerDiffIds.entries()) if (!wanted || wanted.has(diffId)) diffIdsByPath.set(layerPaths[index]!, diffId);

  const measured = new Map<string, LayerSize>();
  for await (const entry of tarEntries(read())) {
    const diffId = diffIdsByPath.get(entry.path);
    if (diffId !== undefined && entry.kind === "file") measured.set(diffId, await measureLayer(entry.content));
  }
  const sizes = new Map<string, LayerSize>();
  for (const [path, diffId] of diffIdsByPath) {
    const size = measured.get(diffId);
    if (!size) throw new Error(`${what}: manifest.json names ${path}, which the archive does not hold`);
    sizes.set(diffId, size);
  }
  return sizes;
}

/** The layer blobs manifest.json lists, in order. */
async function manifestLayers(archive: AsyncIterable<Buffer>, what: string): Promise<string[]> {
  for await (const entry of tarEntries(archive)) {
    if (entry.path !== "manifest.json") continue;
    const chunks: Buffer[] = [];
    for await (const chunk of entry.content) chunks.push(chunk);
    const manifest = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Array<{ Layers?: string[] }>;
    return manifest[0]?.Layers ?? [];
  }
  throw new Error(`${what} wrote no manifest.json`);
}

/** A layer's uncompressed bytes (one the engine saved gzip-compressed is gunzipped first) and their gzip size. */
async function measureLayer(content: AsyncIterable<Buffer>): Promise<LayerSize> {
  const layer = await openEntryContent(content);
  let bytes = 0;
  let gzipBytes = 0;
  await pipeline(
    layer.bytes,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        yield chunk;
      }
    },
    createGzip(),
    async (compressed: AsyncIterable<Buffer>) => {
      for await (const chunk of compressed) gzipBytes += chunk.length;
    },
  );
  return { bytes, gzipBytes };
}
