import { describe, expect, it } from "vitest";
import { compareSavedImages, judgeReproducible } from "../../packages/harness/src/checks/reproducible.ts";
import type { LayerFile, SavedImageListing } from "../../packages/harness/src/docker/saved-image-listing.ts";

const epoch = 1767225600;
const built = epoch + 86_400;

const file = (path: string, changes: Partial<LayerFile> = {}): LayerFile => ({
  path,
  kind: "file",
  linkTarget: "",
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: built,
  size: 3,
  sha256: "abc",
  records: [],
  ...changes,
});

const image = (files: LayerFile[], config: Record<string, unknown> = {}): SavedImageListing => ({
  config: { architecture: "amd64", rootfs: { type: "layers", diff_ids: [`sha256:${Math.random()}`] }, ...config },
  layers: [{ createdBy: "RUN /bin/sh -c apt-get install -y libpq5 # buildkit", files }],
});

describe("compareSavedImages", () => {
  it("takes mtimes later than SOURCE_DATE_EPOCH as equal (rewrite-timestamp clamps them) and the layer digests as the files' business", () => {
    const differences = compareSavedImages(image([file("etc", { kind: "directory", mtime: built }), file("etc/a")]), image([file("etc", { kind: "directory", mtime: built + 60 }), file("etc/a", { mtime: built + 61 })]), epoch);
    expect(differences).toEqual({ problems: [], clampedMtimes: 2, layers: 1, files: 2 });
    expect(judgeReproducible(differences, { epoch, ids: ["sha256:1111111111111111111", "sha256:2222222222222222222"], took: "builds 1 s and 1 s" })).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("differ only in 2 mtimes later than SOURCE_DATE_EPOCH"),
    });
  });

  it("names every other difference by layer, step and path: content, mtimes at or before the epoch, mode, owner, links, files of one build only, order", () => {
    const a = image([file("var/log/dpkg.log"), file("old", { mtime: epoch - 10 }), file("bin/x", { mode: 0o755 }), file("data", { uid: 10001 }), file("link", { kind: "link", linkTarget: "a" }), file("one"), file("p"), file("q")]);
    const b = image([
      file("var/log/dpkg.log", { sha256: "def" }),
      file("old", { mtime: epoch - 5 }),
      file("bin/x"),
      file("data"),
      file("link", { kind: "link", linkTarget: "b" }),
      file("q"),
      file("p"),
      file("two"),
    ]);
    const { problems } = compareSavedImages(a, b, epoch);
    const step = "layer 1 (RUN apt-get install -y libpq5)";
    expect(problems).toEqual([
      `${step}: /var/log/dpkg.log: content`,
      `${step}: /old: mtime ${epoch - 10} vs ${epoch - 5}`,
      `${step}: /bin/x: mode 755 vs 644`,
      `${step}: /data: owner 10001:0 vs 0:0`,
      `${step}: /link: link to a vs b`,
      `${step}: /one: only in the first build`,
      `${step}: /two: only in the second build`,
      `${step}: its files are in another order`,
    ]);
    const outcome = judgeReproducible({ problems, clampedMtimes: 0, layers: 1, files: 8 }, { epoch, ids: ["sha256:1", "sha256:2"], took: "" });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toContain("differ in 8 place(s)");
    expect(outcome.detail).toContain("Fix:");
  });

  it("fails configs that differ beyond their layer digests (a label holding the build's date), and a different count of layers", () => {
    const { problems } = compareSavedImages(image([], { config: { Labels: { created: "2026-12-06T10:00:00Z" } } }), image([], { config: { Labels: { created: "2026-12-06T10:01:00Z" } } }), epoch);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^the image configs differ beyond their layer digests: .*10:00:00Z.* vs .*10:01:00Z/);
    const twoLayers = image([]);
    twoLayers.layers.push({ createdBy: undefined, files: [] });
    expect(compareSavedImages(image([]), twoLayers, epoch).problems).toEqual(["the first image has 1 layers, the second 2"]);
  });
});
