import { createReadStream, createWriteStream } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ExplainedError } from "../explained-error.ts";
import { openEntryContent, tarEntries, TarReadError } from "../tar/tar-entries.ts";

/** A package tarball could not be unpacked. */
export class TarballExtractError extends ExplainedError {
  constructor(tarball: string, detail: string) {
    super(`Could not unpack ${tarball}: ${detail}.\nFix: make sure the file is an npm package tarball (npm pack makes one), whole and from a registry you trust.`);
  }
}

/**
 * Unpacks an npm package tarball (gzip-compressed) into `dir`, without its top folder (`package/`),
 * as npm lays a package out. Files keep their permission bits (rwx for owner, group and others).
 * An entry whose path could land outside `dir` (absolute, or with a `..` in it) is refused, and so
 * is a link: npm packs files and folders only, and a link would let a later entry be written
 * through it to anywhere.
 */
export async function extractPackageTarball(tarball: string, dir: string): Promise<void> {
  try {
    const archive = await openEntryContent(createReadStream(tarball));
    for await (const entry of tarEntries(archive.bytes)) {
      const parts = entry.path.split("/");
      if (entry.path.startsWith("/") || parts.includes("..")) {
        throw new TarballExtractError(tarball, `its entry ${JSON.stringify(entry.path)} would be written outside the folder it is unpacked into`);
      }
      // npm's top folder is `package/` (some registries' tarballs name it otherwise): its name goes.
      const inPackage = parts.slice(1).join("/");
      if (!inPackage) continue;
      const target = join(dir, inPackage);
      if (entry.kind === "directory") {
        await mkdir(target, { recursive: true });
      } else if (entry.kind === "file") {
        await mkdir(dirname(target), { recursive: true });
        await pipeline(Readable.from(entry.content), createWriteStream(target));
        // Set after writing: the mode createWriteStream takes is narrowed by the umask.
        await chmod(target, entry.mode & 0o777);
      } else {
        throw new TarballExtractError(tarball, `its entry ${JSON.stringify(entry.path)} is a ${entry.kind === "link" ? "link" : "special file"}, which an npm package never holds`);
      }
    }
  } catch (error) {
    if (error instanceof TarballExtractError) throw error;
    if (error instanceof TarReadError || isSystemError(error)) throw new TarballExtractError(tarball, error.message);
    throw error;
  }
}

/** An error of the file system or of zlib: the file is missing, unreadable, or not gzip. */
const isSystemError = (error: unknown): error is NodeJS.ErrnoException => error instanceof Error && "code" in error && typeof error.code === "string";
