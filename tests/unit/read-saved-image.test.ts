import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readSavedImageArchive } from "../../packages/harness/src/docker/read-saved-image.ts";
import { listLayerFiles } from "../../packages/harness/src/docker/saved-image-listing.ts";
import { inPieces, type PackedEntry, packTar } from "./fixtures/tar-fixture.ts";

const config = {
  architecture: "amd64",
  config: { Env: ["PATH=/usr/bin"] },
  history: [
    { created_by: "ADD rootfs.tar /" },
    { created_by: "ENV PATH=/usr/bin", empty_layer: true },
    { created_by: "RUN /bin/sh -c echo hi > /app/hi # buildkit" },
  ],
  rootfs: { type: "layers", diff_ids: ["sha256:1", "sha256:2"] },
};

const baseLayer = () =>
  packTar([
    { header: { name: "etc/", type: "directory", mode: 0o755, mtime: new Date(1_000_000_000) } },
    { header: { name: "etc/passwd", mode: 0o644, uid: 0, gid: 0, mtime: new Date(1_000_000_000), pax: { "SCHILY.xattr.user.x": "1", mtime: "1000000.5" } }, content: "root:x:0:0\n" },
  ]);
const appLayer = () =>
  packTar([
    { header: { name: "app/hi", mode: 0o600, uid: 10001, gid: 10001, mtime: new Date(2_000_000_000) }, content: "hi\n" },
    { header: { name: "app/link", type: "symlink", linkname: "hi", mtime: new Date(2_000_000_000) } },
  ]);

/** An archive laid out as `docker save` writes one (the OCI layout of Docker 25 and later), manifest.json last. */
async function savedArchive(changes: { manifest?: unknown; gzipApp?: boolean; extra?: PackedEntry[] } = {}): Promise<Buffer> {
  const app = await appLayer();
  return packTar([
    { header: { name: "blobs/sha256/base" }, content: await baseLayer() },
    { header: { name: "blobs/sha256/app" }, content: changes.gzipApp ? gzipSync(app) : app },
    { header: { name: "blobs/sha256/config" }, content: JSON.stringify(config) },
    ...(changes.extra ?? []),
    { header: { name: "oci-layout" }, content: '{"imageLayoutVersion":"1.0.0"}' },
    ...(changes.manifest === undefined ? [] : [{ header: { name: "manifest.json" }, content: JSON.stringify(changes.manifest) }]),
  ]);
}

const manifest = [{ Config: "blobs/sha256/config", RepoTags: ["dp-dedupe-test:1"], Layers: ["blobs/sha256/base", "blobs/sha256/app"] }];

describe("readSavedImageArchive", () => {
  it("gives the config, each layer with the step that made it (history's empty layers passed over) and what readLayer read, gzipped layers too", async () => {
    for (const gzipApp of [false, true]) {
      const saved = await readSavedImageArchive(inPieces(await savedArchive({ manifest, gzipApp }), 700), { readLayer: listLayerFiles }, "test archive");
      expect(saved.configBlob).toBe("blobs/sha256/config");
      expect(saved.config).toEqual(config);
      expect(saved.otherTars).toEqual([]);
      expect(saved.layers.map((layer) => [layer.blob, layer.createdBy])).toEqual([
        ["blobs/sha256/base", "ADD rootfs.tar /"],
        ["blobs/sha256/app", "RUN /bin/sh -c echo hi > /app/hi # buildkit"],
      ]);
      const [base, app] = saved.layers.map((layer) => layer.read);
      expect(base).toEqual([
        { path: "etc/", kind: "directory", linkTarget: "", mode: 0o755, uid: 0, gid: 0, mtime: 1_000_000, size: 0, sha256: "", records: [] },
        // The PAX mtime is LayerFile.mtime's business, never a record (tar-stream's pack adds the path).
        { path: "etc/passwd", kind: "file", linkTarget: "", mode: 0o644, uid: 0, gid: 0, mtime: 1_000_000, size: 11, sha256: createHash("sha256").update("root:x:0:0\n").digest("hex"), records: ["SCHILY.xattr.user.x=1", "path=etc/passwd"] },
      ]);
      expect(app!.map((file) => [file.path, file.kind, file.linkTarget, file.uid, file.mtime])).toEqual([
        ["app/hi", "file", "", 10001, 2_000_000],
        ["app/link", "link", "hi", 0, 2_000_000],
      ]);
    }
  });

  it("hands every chunk of each blob that is no tar to watchBlob, large ones too, and reads a layer a link stands for", async () => {
    const big = Buffer.alloc(9 * 1024 * 1024, "x");
    const archive = await savedArchive({
      manifest: [{ ...manifest[0], Layers: ["blobs/sha256/base", "blobs/sha256/app", "blobs/sha256/again"] }],
      extra: [
        { header: { name: "blobs/sha256/again", type: "symlink", linkname: "app" } },
        { header: { name: "blobs/sha256/big" }, content: big },
      ],
    });
    const watched = new Map<string, number>();
    const saved = await readSavedImageArchive(
      inPieces(archive, 64 * 1024),
      {
        readLayer: async (entries) => {
          const paths: string[] = [];
          for await (const entry of entries) paths.push(entry.path);
          return paths;
        },
        watchBlob: (blob) => (chunk) => watched.set(blob, (watched.get(blob) ?? 0) + chunk.length),
      },
      "test archive",
    );
    expect(Object.fromEntries(watched)).toEqual({ "blobs/sha256/config": JSON.stringify(config).length, "blobs/sha256/big": big.length, "oci-layout": 30, "manifest.json": expect.any(Number) });
    expect(saved.layers.map((layer) => layer.read)).toEqual([["etc/", "etc/passwd"], ["app/hi", "app/link"], ["app/hi", "app/link"]]);
  });

  it("names a tar the manifest lists as no layer among otherTars, read all the same", async () => {
    const saved = await readSavedImageArchive(inPieces(await savedArchive({ manifest: [{ ...manifest[0], Layers: ["blobs/sha256/base"] }] }), 4096), { readLayer: listLayerFiles }, "test archive");
    expect(saved.layers.map((layer) => layer.blob)).toEqual(["blobs/sha256/base"]);
    expect(saved.otherTars.map((tar) => [tar.blob, tar.read.length])).toEqual([["blobs/sha256/app", 2]]);
  });

  it("fails clearly on a tar without manifest.json, naming what the tar holds", async () => {
    const reading = readSavedImageArchive(inPieces(await savedArchive(), 4096), { readLayer: listLayerFiles }, "docker save dp-dedupe-test:1");
    await expect(reading).rejects.toThrow(
      "docker save dp-dedupe-test:1 is no image saved by docker save: it holds no manifest.json (it holds blobs/sha256/base, blobs/sha256/app, blobs/sha256/config, oci-layout); docker save writes a manifest.json naming the image's config and layers",
    );
  });

  it("fails clearly on a manifest.json naming no config, or a layer the archive does not hold", async () => {
    await expect(readSavedImageArchive(inPieces(await savedArchive({ manifest: [{ Layers: [] }] }), 4096), { readLayer: listLayerFiles }, "an archive")).rejects.toThrow(
      "it holds a manifest.json naming no config or no layers",
    );
    const missing = [{ ...manifest[0], Layers: ["blobs/sha256/base", "blobs/sha256/gone"] }];
    await expect(readSavedImageArchive(inPieces(await savedArchive({ manifest: missing }), 4096), { readLayer: listLayerFiles }, "an archive")).rejects.toThrow(
      "an archive: manifest.json names blobs/sha256/gone as layer 2, which it does not hold (cut short?)",
    );
  });
});
