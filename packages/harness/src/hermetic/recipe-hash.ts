import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/**
 * A short hash of every file under the recipe directories plus any extra inputs: the tag of a
 * stand-in or of a package index, so that an unchanged recipe is reused and a changed one rebuilt.
 */
export async function hashRecipe(directories: readonly string[], extra: readonly string[] = []): Promise<string> {
  const hash = createHash("sha256");
  for (const directory of directories) {
    for (const file of await listFiles(directory)) {
      hash.update(relative(directory, file)).update("\0").update(await readFile(file)).update("\0");
    }
  }
  for (const value of extra) hash.update(value).update("\0");
  return hash.digest("hex").slice(0, 12);
}

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
