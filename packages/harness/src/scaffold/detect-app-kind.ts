import type { AppKind } from "../manifest/schema.ts";
import { appPythonFiles } from "./app-source-files.ts";

/**
 * The frameworks a kind is recognised by, as the module an app imports them from. Django is left
 * out: a Django app is served as WSGI or ASGI alike, so its imports refuse no template.
 */
const frameworks: ReadonlyArray<{ kind: AppKind; name: string; module: string }> = [
  { kind: "asgi", name: "FastAPI", module: "fastapi" },
  { kind: "asgi", name: "Starlette", module: "starlette" },
  { kind: "wsgi", name: "Flask", module: "flask" },
];

/** What an app's imports say of its kind: the kind, and the framework that says so. */
export interface DetectedAppKind {
  kind: AppKind;
  framework: string;
}

/**
 * The app's kind, from the frameworks its Python files import (`from fastapi import FastAPI`,
 * `import flask`); undefined when they import none of them, or frameworks of both kinds (a Flask
 * app mounted in a FastAPI one): then nothing is refused. Read from the source, never run.
 */
export async function detectAppKind(appDir: string): Promise<DetectedAppKind | undefined> {
  const sources = (await appPythonFiles(appDir)).map((file) => file.source);
  const found = frameworks.filter(({ module }) => sources.some((source) => new RegExp(`^\\s*(from|import)\\s+${module}\\b`, "m").test(source)));
  const kinds = new Set(found.map((framework) => framework.kind));
  const [first] = found;
  return kinds.size === 1 && first ? { kind: first.kind, framework: first.name } : undefined;
}
