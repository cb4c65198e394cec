import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extractPackageTarball, TarballExtractError } from "../../packages/harness/src/template-source/extract-tarball.ts";
import { type PackedEntry, packTar } from "./fixtures/tar-fixture.ts";

describe("extractPackageTarball", () => {
  let scratch: string;
  let target: string;
  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), "dockerize-python-extract-"));
    target = join(scratch, "out", "unpacked");
    await mkdir(target, { recursive: true });
  });
  afterEach(() => rm(scratch, { recursive: true, force: true }));

  /** A gzipped tarball of `entries`, written as npm pack would name it. */
  async function tarball(entries: readonly PackedEntry[]): Promise<string> {
    const file = join(scratch, "package.tgz");
    await writeFile(file, gzipSync(await packTar(entries)));
    return file;
  }

  it("lays the package out without its top folder, folders made as needed, permission bits kept", async () => {
    const longPath = `files/${"deep/".repeat(20)}${"n".repeat(110)}.txt`;
    const file = await tarball([
      { header: { name: "package/package.json", mode: 0o644 }, content: "{}\n" },
      { header: { name: "package/files/docker/docker-entrypoint.sh", mode: 0o755 }, content: "#!/bin/sh\n" },
      { header: { name: `package/${longPath}`, mode: 0o600 }, content: "long\n" },
      { header: { name: "package/files/empty", type: "directory" } },
    ]);
    await extractPackageTarball(file, target);
    expect((await readdir(target)).sort()).toEqual(["files", "package.json"]);
    expect(await readFile(join(target, "package.json"), "utf8")).toBe("{}\n");
    expect((await stat(join(target, "files/docker/docker-entrypoint.sh"))).mode & 0o777).toBe(0o755);
    expect((await stat(join(target, "package.json"))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(target, longPath), "utf8")).toBe("long\n");
    expect((await stat(join(target, longPath))).mode & 0o777).toBe(0o600);
    expect((await stat(join(target, "files/empty"))).isDirectory()).toBe(true);
  });

  it.each(["package/../../escaped", "package/files/../../../escaped", "../escaped", "/tmp/escaped"])("refuses an entry whose path could leave the folder: %s", async (name) => {
    const file = await tarball([
      { header: { name: "package/package.json" }, content: "{}\n" },
      { header: { name }, content: "outside\n" },
    ]);
    const error = await extractPackageTarball(file, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TarballExtractError);
    expect((error as Error).message).toContain(`its entry "${name}" would be written outside the folder`);
    expect(await readdir(join(scratch, "out"))).toEqual(["unpacked"]);
    expect(await readdir(scratch)).toEqual(["out", "package.tgz"]);
  });

  it("refuses a link, through which a later entry could be written anywhere", async () => {
    const file = await tarball([
      { header: { name: "package/files", type: "symlink", linkname: "/etc" } },
      { header: { name: "package/files/passwd" }, content: "x\n" },
    ]);
    await expect(extractPackageTarball(file, target)).rejects.toThrow(/its entry "package\/files" is a link, which an npm package never holds/);
    expect(await readdir(target)).toEqual([]);
  });

  it("says what is wrong with a file that is not a whole package tarball", async () => {
    const whole = gzipSync(await packTar([{ header: { name: "package/big" }, content: Buffer.alloc(100_000, 1) }]));
    const cut = join(scratch, "cut.tgz");
    await writeFile(cut, whole.subarray(0, whole.length - 40));
    await expect(extractPackageTarball(cut, target)).rejects.toThrow(TarballExtractError);
    const text = join(scratch, "notes.txt");
    await writeFile(text, "not a tarball\n");
    await expect(extractPackageTarball(text, target)).rejects.toThrow(/Could not unpack .*notes\.txt: the tar archive cannot be read/);
    await expect(extractPackageTarball(join(scratch, "missing.tgz"), target)).rejects.toThrow(/Could not unpack .*missing\.tgz: ENOENT/);
  });
});
