import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { notAppCode } from "./app-source-files.ts";

/** The conventional WSGI target the templates default to: `app` in the app's root `wsgi.py`. */
export const conventionalWsgiApp = "wsgi:app";

/** Names a WSGI callable conventionally has (Flask's `app`, Django's and PEP 3333's `application`). */
const callableNames = ["app", "application"];
/** Names an app factory conventionally has (Flask's docs call it create_app). */
const factoryNames = ["create_app", "make_app"];

/**
 * The WSGI targets an app's code suggests, the conventional one first: module-level `app` or
 * `application` in the root's Python files and in `<package>/wsgi.py` (Django's layout), and app
 * factories (`create_app`, `make_app`) defined in a package's `__init__.py`. Only a suggestion, read
 * from the source without running it; a person confirms it or names another with --wsgi-app.
 */
export async function detectWsgiApps(appDir: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(appDir, { withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith(".py")).map((entry) => entry.name).sort();
  for (const file of files) {
    for (const name of await definedNames(join(appDir, file), callableNames)) found.push(`${file.slice(0, -3)}:${name}`);
  }
  for (const dir of packageDirs(entries)) {
    for (const name of await definedNames(join(appDir, dir, "wsgi.py"), callableNames)) found.push(`${dir}.wsgi:${name}`);
    for (const name of await definedNames(join(appDir, dir, "__init__.py"), factoryNames, true)) found.push(`${dir}:${name}()`);
  }
  return [...new Set(found)].sort((a, b) => Number(b === conventionalWsgiApp) - Number(a === conventionalWsgiApp));
}

function packageDirs(entries: readonly Dirent[]): string[] {
  return entries
    .filter((entry) => entry.isDirectory() && !notAppCode.has(entry.name) && /^[A-Za-z_]\w*$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Which of `names` the module defines at its top level: an assignment (`app = Flask(__name__)`),
 * a `def`, or an import (`from .main import app`, `import x as app`). Factories count only as a `def`.
 */
async function definedNames(file: string, names: readonly string[], functionsOnly = false): Promise<string[]> {
  const source = await readFile(file, "utf8").catch(() => undefined);
  if (source === undefined) return [];
  return names.filter((name) => {
    const defined = new RegExp(`^def ${name}\\s*\\(`, "m").test(source);
    if (functionsOnly) return defined;
    const assigned = new RegExp(`^${name}\\s*(:[^=\\n]+)?=(?!=)`, "m").test(source);
    const imported = new RegExp(`^(from\\s+\\S+\\s+)?import\\s+[^\\n#]*\\b(as\\s+)?${name}\\b\\s*(,|$|#)`, "m").test(source);
    return defined || assigned || imported;
  });
}
