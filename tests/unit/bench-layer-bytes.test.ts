import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { savedLayerSizes } from "../../bench/src/layer-bytes.ts";
import { inPieces, packTar } from "./fixtures/tar-fixture.ts";

describe("savedLayerSizes", () => {
  // Two layers as `docker save` writes them: blobs first, manifest.json after; one saved gzip-compressed
  // (the containerd image store), one under a path longer than a ustar name (a PAX path).
  const first = () => packTar([{ header: { name: "app/code.py" }, content: "print('first')\n".repeat(500) }]);
  const second = () => packTar([{ header: { name: "app/static/site.css" }, content: "body { margin: 0 }\n".repeat(800) }]);
  const longPath = `blobs/sha256/${"f".repeat(64)}/${"l".repeat(60)}`;

  async function savedImage(): Promise<Buffer> {
    return packTar([
      { header: { name: "blobs/sha256/aaa" }, content: gzipSync(await first()) },
      { header: { name: longPath }, content: await second() },
      { header: { name: "manifest.json" }, content: JSON.stringify([{ Config: "blobs/sha256/ccc", Layers: ["blobs/sha256/aaa", longPath] }]) },
    ]);
  }

  it("measures the wanted layers, uncompressed and gzip-compressed, found through manifest.json", async () => {
    const saved = await savedImage();
    const sizes = await savedLayerSizes(() => inPieces(saved, 4096), ["sha256:first", "sha256:second"], undefined, "the test image");
    const [firstLayer, secondLayer] = [await first(), await second()];
    expect(sizes.get("sha256:first")?.bytes).toBe(firstLayer.length);
    expect(sizes.get("sha256:second")?.bytes).toBe(secondLayer.length);
    for (const [diffId, layer] of [["sha256:first", firstLayer], ["sha256:second", secondLayer]] as const) {
      const { gzipBytes } = sizes.get(diffId)!;
      expect(gzipBytes).toBeGreaterThan(0);
      expect(gzipBytes).toBeLessThan(layer.length / 10);
    }

    const onlySecond = await savedLayerSizes(() => inPieces(saved, 4096), ["sha256:first", "sha256:second"], new Set(["sha256:second"]), "the test image");
    expect([...onlySecond.keys()]).toEqual(["sha256:second"]);
  });

  it("says when the archive and the image disagree", async () => {
    const saved = await savedImage();
    await expect(savedLayerSizes(() => inPieces(saved, 4096), ["sha256:only"], undefined, "the test image")).rejects.toThrow(
      "the test image lists 2 layers; docker image inspect lists 1",
    );
    const noManifest = await packTar([{ header: { name: "blobs/sha256/aaa" }, content: await first() }]);
    await expect(savedLayerSizes(() => inPieces(noManifest, 4096), [], undefined, "the test image")).rejects.toThrow("the test image wrote no manifest.json");
    const missing = await packTar([{ header: { name: "manifest.json" }, content: JSON.stringify([{ Layers: ["blobs/sha256/gone"] }]) }]);
    await expect(savedLayerSizes(() => inPieces(missing, 4096), ["sha256:gone"], undefined, "the test image")).rejects.toThrow(
      "the test image: manifest.json names blobs/sha256/gone, which the archive does not hold",
    );
  });
});
