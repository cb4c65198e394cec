import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** Folders that hold no app code: environments, caches, VCS data, the templates' files, tests. */
export const notAppCode = new Set([".git", ".venv", "venv", "env", "node_modules", "__pycache__", "docker", "static", "tests", "test"]);

/** One of the app's Python files, read (never run). */
export interface AppSourceFile {
  /** Relative to the app's root, with `/`. */
  path: string;
  source: string;
}

/**
 * The app's own Python files, sorted by path: every `.py` below its root, but none in a folder of
 * `notAppCode` or a hidden one (`.tox`, `.mypy_cache`), where an environment's packages would
 * suggest routes and folders the app does not have.
 */
export async function appPythonFiles(appDir: string): Promise<AppSourceFile[]> {
  const paths: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !notAppCode.has(entry.name) && !entry.name.startsWith(".")) await walk(path);
      else if (entry.isFile() && entry.name.endsWith(".py")) paths.push(relative(appDir, path).split(sep).join("/"));
    }
  };
  await walk(appDir);
  paths.sort();
  return Promise.all(paths.map(async (path) => ({ path, source: await readFile(join(appDir, ...path.split("/")), "utf8") })));
}
