import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openEntryContent, type TarEntry, tarEntries, TarReadError } from "../../packages/harness/src/tar/tar-entries.ts";
import { inPieces, packTar } from "./fixtures/tar-fixture.ts";

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "dockerize-python-tar-entries-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A tar made by GNU tar in `format` from the files under `dir`. */
function gnuTarOf(dir: string, format: "posix" | "gnu" | "ustar"): Buffer {
  const made = spawnSync("tar", [`--format=${format}`, "-cf", "-", "-C", dir, "."], { maxBuffer: 64 * 1024 * 1024 });
  if (made.status !== 0) throw new Error(made.stderr.toString());
  return made.stdout;
}

async function textOf(content: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

type Read = { kind: string; text: string; link: string };

async function readAll(archive: AsyncIterable<Buffer>, read: (entry: TarEntry) => boolean = () => true): Promise<Map<string, Read>> {
  const entries = new Map<string, Read>();
  for await (const entry of tarEntries(archive)) {
    // Leaving an entry unread must not disturb the next one.
    const text = read(entry) ? await textOf(entry.content) : "";
    entries.set(entry.path.replace(/^\.\//, "").replace(/\/$/, ""), { kind: entry.kind, text, link: entry.linkTarget });
  }
  return entries;
}

describe("tarEntries", () => {
  // 140 characters: beyond the 100 of a ustar name field, split into folders ustar can put in its prefix.
  const longDir = Array.from({ length: 5 }, (_, index) => `a-rather-long-folder-name-${index}`).join("/");
  let dir: string;

  beforeAll(async () => {
    dir = join(scratch, "tree");
    await mkdir(join(dir, "root", ".ssh"), { recursive: true });
    await mkdir(join(dir, longDir), { recursive: true });
    await writeFile(join(dir, "root", ".netrc"), "machine x login y password z\n");
    await writeFile(join(dir, longDir, "file-with-a-long-path.txt"), "deep\n");
    await writeFile(join(dir, "big.bin"), Buffer.alloc(70_000, 7));
    await writeFile(join(dir, "empty"), "");
    await symlink("/root/.netrc", join(dir, "root", ".ssh", "link"));
  });

  it.each(["posix", "gnu", "ustar"] as const)("reads every path, content and link target of a GNU tar %s archive, in pieces of any size", async (format) => {
    expect(`${longDir}/file-with-a-long-path.txt`.length).toBeGreaterThan(100);
    const archive = gnuTarOf(dir, format);
    for (const size of [1, 7, 512, 4096, archive.length]) {
      const entries = await readAll(inPieces(archive, size), (entry) => entry.path !== "./big.bin" || size !== 7);
      expect(entries.get("root/.netrc")).toEqual({ kind: "file", text: "machine x login y password z\n", link: "" });
      expect(entries.get(`${longDir}/file-with-a-long-path.txt`)?.text).toBe("deep\n");
      expect(entries.get("root/.ssh/link")).toMatchObject({ kind: "link", link: "/root/.netrc" });
      expect(entries.get("empty")).toMatchObject({ kind: "file", text: "" });
      expect(entries.get("root/.ssh")?.kind).toBe("directory");
      if (size !== 7) expect(entries.get("big.bin")?.text.length).toBe(70_000);
    }
  });

  it("reads a GNU long name (GNU tar's gnu format), longer than a ustar header holds", async () => {
    const longName = `${"n".repeat(120)}.txt`;
    const named = join(scratch, "long-name-gnu");
    await mkdir(named);
    await writeFile(join(named, longName), "long\n");
    const archive = gnuTarOf(named, "gnu");
    // The GNU long-name record: type L, named ././@LongLink.
    expect(archive.includes("././@LongLink")).toBe(true);
    const entries = await readAll(inPieces(archive, 300));
    expect(entries.get(longName)?.text).toBe("long\n");
  });

  it("reads a PAX path, a long link target and PAX records (tar-stream's pack writes them)", async () => {
    const longName = `${"p".repeat(150)}.txt`;
    const longTarget = `/${"t".repeat(130)}`;
    const archive = await packTar([
      { header: { name: longName, pax: { "SCHILY.xattr.user.note": "kept" } }, content: "pax\n" },
      { header: { name: "link", type: "symlink", linkname: longTarget } },
    ]);
    const entries: TarEntry[] = [];
    for await (const entry of tarEntries(inPieces(archive, 100))) entries.push(entry);
    expect(entries.map((entry) => [entry.path, entry.kind, entry.linkTarget])).toEqual([
      [longName, "file", ""],
      ["link", "link", longTarget],
    ]);
    expect(entries[0]!.pax).toMatchObject({ path: longName, "SCHILY.xattr.user.note": "kept" });
  });

  it("gives an entry's size and mode from its header, before any content: a base-256 size past 8 GiB", async () => {
    // A header only: the 8 GiB of content are never made. The reader yields the entry on its header.
    const huge = 8 * 1024 ** 3 + 1;
    const packer = pack();
    packer.entry({ name: "huge.bin", size: huge, mode: 0o750 });
    const header: Buffer[] = [];
    for await (const chunk of packer as AsyncIterable<Buffer>) {
      header.push(chunk);
      if (Buffer.concat(header).length >= 512) break;
    }
    const block = Buffer.concat(header).subarray(0, 512);
    expect(block[124]! & 0x80).toBe(0x80);
    for await (const entry of tarEntries(inPieces(block, 512))) {
      expect(entry).toMatchObject({ path: "huge.bin", kind: "file", size: huge, mode: 0o750 });
      break;
    }
  });

  it("reads a gzip-compressed tar inside a tar (a layer of `docker save`), and tells other content from a tar", async () => {
    const layer = await packTar([
      { header: { name: "root/.netrc" }, content: "machine x\n" },
      { header: { name: `${"deep/".repeat(25)}file` }, content: "deep\n" },
    ]);
    const saved = await packTar([
      { header: { name: "blobs/sha256/plain" }, content: layer },
      { header: { name: "blobs/sha256/gzipped" }, content: gzipSync(layer) },
      { header: { name: "manifest.json" }, content: "[]" },
      { header: { name: "blobs/sha256/gzipped-json" }, content: gzipSync("{}") },
    ]);
    const found: Record<string, { isTar: boolean; gzipped: boolean; inside: string[] | string }> = {};
    for await (const blob of tarEntries(inPieces(saved, 1000))) {
      const content = await openEntryContent(blob.content);
      const inside: string[] = [];
      if (content.isTar) for await (const entry of tarEntries(content.bytes)) inside.push(`${entry.path}: ${await textOf(entry.content)}`);
      found[blob.path] = { isTar: content.isTar, gzipped: content.gzipped, inside: content.isTar ? inside : await textOf(content.bytes) };
    }
    const layerFiles = ["root/.netrc: machine x\n", `${"deep/".repeat(25)}file: deep\n`];
    expect(found).toEqual({
      "blobs/sha256/plain": { isTar: true, gzipped: false, inside: layerFiles },
      "blobs/sha256/gzipped": { isTar: true, gzipped: true, inside: layerFiles },
      "manifest.json": { isTar: false, gzipped: false, inside: "[]" },
      "blobs/sha256/gzipped-json": { isTar: false, gzipped: true, inside: "{}" },
    });
  });

  it("says an archive cut inside an entry or a header is cut short", async () => {
    const archive = await packTar([{ header: { name: "big.bin" }, content: Buffer.alloc(70_000, 7) }]);
    // big.bin's header, then its content from 512.
    await expect(readAll(inPieces(archive.subarray(0, 512 + 100), 100))).rejects.toThrow(TarReadError);
    await expect(readAll(inPieces(archive.subarray(0, 512 + 100), 100))).rejects.toThrow(/cut short/);
    await expect(readAll(inPieces(archive.subarray(0, 100), 100))).rejects.toThrow(/cut short/);
    // Unread, the cut shows when the reader skips the rest.
    await expect(readAll(inPieces(archive.subarray(0, 512 + 100), 100), () => false)).rejects.toThrow(/cut short/);
  });

  it("lets go of the source when the caller stops early", async () => {
    const archive = await packTar(Array.from({ length: 50 }, (_, index) => ({ header: { name: `f${index}` }, content: Buffer.alloc(40_000, index) })));
    let returned = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        yield* inPieces(archive, 4096);
      } finally {
        returned = true;
      }
    }
    for await (const entry of tarEntries(source())) {
      expect(entry.path).toBe("f0");
      break;
    }
    await vi.waitFor(() => expect(returned).toBe(true));
  });

  it("refuses what is not a tar, naming why", async () => {
    // Random content: compressed, it is still longer than a header block.
    const archive = gzipSync(await packTar([{ header: { name: "a" }, content: randomBytes(2000) }]));
    await expect(readAll(inPieces(archive, 100))).rejects.toThrow(/cannot be read \(.*gunzipped/);
  });
});
