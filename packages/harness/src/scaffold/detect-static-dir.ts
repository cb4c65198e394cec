import { readdir } from "node:fs/promises";
import { isDirectory } from "../files/is-directory.ts";
import { join } from "node:path";
import { pathExists } from "../files/path-exists.ts";
import { notAppCode } from "./app-source-files.ts";

/**
 * The app's static folder, relative to its root: a Flask package's `static/` (a package being a
 * folder with `__init__.py`), the package the WSGI target imports first (`flaskr` for
 * `flaskr:create_app()`), else the first other package at the root that has one; else `static/`
 * at the root; else null. Read from the folders only, never by running the app.
 */
export async function detectStaticDir(appDir: string, wsgiApp: string | null): Promise<string | null> {
  for (const pkg of [...wsgiPackages(wsgiApp), ...(await rootPackages(appDir))]) {
    if ((await isDirectory(join(appDir, ...pkg.split("/"), "static"))) && (await pathExists(join(appDir, ...pkg.split("/"), "__init__.py")))) return `${pkg}/static`;
  }
  return (await isDirectory(join(appDir, "static"))) ? "static" : null;
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
