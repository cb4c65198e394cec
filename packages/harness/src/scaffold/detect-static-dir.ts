import { readdir } from "node:fs/promises";
import { isDirectory } from "../files/is-directory.ts";
import { join, posix } from "node:path";
import { pathExists } from "../files/path-exists.ts";
import { appPythonFiles, notAppCode } from "./app-source-files.ts";

/**
 * The app's static folder, relative to its root: the folder a FastAPI or Starlette app mounts
 * (`StaticFiles(directory="assets")`, a literal path relative to the root, where the app runs);
 * else a Flask package's `static/` (a package being a folder with `__init__.py`), the package the
 * WSGI target imports first (`flaskr` for `flaskr:create_app()`), else the first other package at
 * the root that has one; else `static/` at the root; else null. Read from the files only, never by
 * running the app.
 */
export async function detectStaticDir(appDir: string, wsgiApp: string | null): Promise<string | null> {
  const mounted = await mountedStaticDir(appDir);
  if (mounted) return mounted;
  for (const pkg of [...wsgiPackages(wsgiApp), ...(await rootPackages(appDir))]) {
    if ((await isDirectory(join(appDir, ...pkg.split("/"), "static"))) && (await pathExists(join(appDir, ...pkg.split("/"), "__init__.py")))) return `${pkg}/static`;
  }
  return (await isDirectory(join(appDir, "static"))) ? "static" : null;
}

/** `StaticFiles(directory="...")` with a literal path: the first, in path order, that is a folder of the app. */
async function mountedStaticDir(appDir: string): Promise<string | null> {
  const mount = /\bStaticFiles\(\s*directory\s*=\s*(["'])([^"'\n]+)\1/g;
  for (const file of await appPythonFiles(appDir)) {
    for (const [, , directory] of file.source.matchAll(mount)) {
      const path = posix.normalize(directory!).replace(/\/+$/, "");
      if (path !== "." && !path.startsWith("/") && !path.startsWith("..") && (await isDirectory(join(appDir, ...path.split("/"))))) return path;
    }
  }
  return null;
}

/** The packages a WSGI target's module lies in, the innermost first: `a/b`, `a` for `a.b.wsgi:app`. */
function wsgiPackages(wsgiApp: string | null): string[] {
  const parts = wsgiApp?.split(":")[0]?.split(".") ?? [];
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("/"));
}

async function rootPackages(appDir: string): Promise<string[]> {
  const entries = await readdir(appDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && !notAppCode.has(entry.name) && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort();
}
