import { spawn } from "node:child_process";
import { ExplainedError } from "../explained-error.ts";

/** A package tarball could not be unpacked. */
export class TarballExtractError extends ExplainedError {
  constructor(tarball: string, detail: string) {
    super(`Could not unpack ${tarball}: ${detail.trim() || "tar failed"}.\nFix: make sure tar (with gzip) is installed and the file is an npm package tarball (npm pack makes one).`);
  }
}

/**
 * Unpacks an npm package tarball into `dir`, without its top folder (`package/`), as npm lays a
 * package out. GNU tar refuses absolute paths and `..` in member names, so nothing lands outside.
 */
export function extractPackageTarball(tarball: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("tar", ["-xzf", tarball, "-C", dir, "--strip-components=1", "--no-same-owner"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", (error) => reject(new TarballExtractError(tarball, error.message)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new TarballExtractError(tarball, stderr))));
  });
}
