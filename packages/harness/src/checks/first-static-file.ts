import { readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * The first file under the app's static folder (`staticDir`, inside `stageDir`) in name order, as a
 * path relative to that folder: what the proxy serves at /static/<it>. Hidden files (a .gitkeep)
 * are passed over: a .dockerignore may keep them out of the proxy's image. Undefined when the
 * folder is missing or holds no file.
 */
export async function firstStaticFile(stageDir: string, staticDir: string): Promise<string | undefined> {
  const dir = join(stageDir, staticDir);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .filter((path) => !path.split("/").some((segment) => segment.startsWith(".")))
    .sort()[0];
}

/** The URL path the proxy serves `file` (relative to the static folder) at. */
export const staticUrlPath = (file: string): string => `/static/${file.split("/").map(encodeURIComponent).join("/")}`;
