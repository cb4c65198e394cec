import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppKind } from "../manifest/schema.ts";
import { notAppCode } from "./app-source-files.ts";

/** The conventional WSGI target the WSGI templates default to: `app` in the app's root `wsgi.py`. */
export const conventionalWsgiApp = "wsgi:app";

/** What a server takes: a WSGI or an ASGI target (a Django app is served as one of them). */
export type TargetKind = Extract<AppKind, "wsgi" | "asgi">;

/** What a server of each kind serves by default, and the package modules that conventionally hold the app. */
const conventions: Record<TargetKind, { target: string; packageModules: readonly string[] }> = {
  // Django's layout: <project>/wsgi.py.
  wsgi: { target: conventionalWsgiApp, packageModules: ["wsgi"] },
  // Django's <project>/asgi.py, and FastAPI's tutorial layout: app/main.py with app = FastAPI().
  asgi: { target: "asgi:app", packageModules: ["asgi", "main"] },
};

/** The variable a template's entrypoint reads the target from, by the kind of target its server takes. */
export const appTargetVariables: Record<TargetKind, string> = { wsgi: "WSGI_APP", asgi: "ASGI_APP" };

/** The kind of target a template's server takes: ASGI for one that serves ASGI apps and no WSGI ones. */
export function targetKindOf(appKinds: readonly AppKind[] | undefined): TargetKind {
  const served = appKinds ?? ["wsgi"];
  return served.includes("asgi") && !served.includes("wsgi") ? "asgi" : "wsgi";
}

/** The target a template of this kind serves when the app names none (wsgi:app, asgi:app). */
export function conventionalAppTarget(kind: TargetKind): string {
  return conventions[kind].target;
}

/** Names an app object conventionally has (Flask's and FastAPI's `app`, Django's and PEP 3333's `application`). */
const callableNames = ["app", "application"];
/** Names an app factory conventionally has (Flask's docs call it create_app). */
const factoryNames = ["create_app", "make_app"];

/**
 * The targets an app's code suggests for a server of this kind, the conventional one first:
 * module-level `app` or `application` in the root's Python files and in the packages' modules
 * that conventionally hold it (`<package>/wsgi.py`; for ASGI `<package>/asgi.py` and
 * `<package>/main.py`), and app factories (`create_app`, `make_app`) defined in a package's
 * `__init__.py`. Only a suggestion, read from the source without running it; a person confirms it
 * or names another with --app.
 */
export async function detectWsgiApps(appDir: string, kind: TargetKind = "wsgi"): Promise<string[]> {
  const { target: conventional, packageModules } = conventions[kind];
  const found: string[] = [];
  const entries = await readdir(appDir, { withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith(".py")).map((entry) => entry.name).sort();
  for (const file of files) {
    for (const name of await definedNames(join(appDir, file), callableNames)) found.push(`${file.slice(0, -3)}:${name}`);
  }
  for (const dir of packageDirs(entries)) {
    for (const module of packageModules) {
      for (const name of await definedNames(join(appDir, dir, `${module}.py`), callableNames)) found.push(`${dir}.${module}:${name}`);
    }
    for (const name of await definedNames(join(appDir, dir, "__init__.py"), factoryNames, true)) found.push(`${dir}:${name}()`);
  }
  return [...new Set(found)].sort((a, b) => Number(b === conventional) - Number(a === conventional));
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
