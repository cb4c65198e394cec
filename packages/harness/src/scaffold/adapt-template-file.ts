import { posix } from "node:path";
import type { TemplateManifest } from "../manifest/schema.ts";
import type { AppSettings } from "./app-settings.ts";

/** A template file as written into an app, and the settings written into it. */
export interface AdaptedFile {
  content: Buffer;
  /** `NAME=value` for each setting written; empty when the file is copied as it is. */
  changes: string[];
}

/** The build arg the Python templates' installer reads the dependency style from (compose passes it from .env). */
const dependencyStyleArg = "DEPENDENCY_STYLE";
/** The variable the Python templates' entrypoint reads the WSGI target from. */
const wsgiAppVariable = "WSGI_APP";

/**
 * Writes the app's settings where a template reads them:
 * - `.env.example`: its `WSGI_APP=` line, and `DEPENDENCY_STYLE=` (replaced, or added when the
 *   template declares that build arg): compose reads both from .env, the copy a user makes of it;
 * - a Dockerfile's one-line `ENV WSGI_APP=...` (the onbuild child's), the target baked into its image.
 * Anything else is copied byte for byte. The same settings give the same bytes, so `diff` can adapt
 * a newer version of the template the same way and show only what the template changed.
 */
export function adaptTemplateFile(path: string, content: Buffer, settings: AppSettings, manifest: TemplateManifest): AdaptedFile {
  const name = posix.basename(path);
  const changes: string[] = [];
  let text = content.toString("utf8");
  if (name === ".env.example") {
    if (settings.wsgiApp !== null) text = replaceLine(text, new RegExp(`^${wsgiAppVariable}=.*$`, "m"), `${wsgiAppVariable}=${dotenvValue(settings.wsgiApp)}`, changes);
    if (settings.dependencyStyle !== null && manifest.buildArgs[dependencyStyleArg]) {
      const line = `${dependencyStyleArg}=${settings.dependencyStyle}`;
      const existing = new RegExp(`^#?\\s*${dependencyStyleArg}=.*$`, "m");
      text = existing.test(text) ? replaceLine(text, existing, line, changes) : appendBlock(text, dependencyStyleComment, line, changes);
    }
  } else if (name === "Dockerfile" || name.startsWith("Dockerfile.") || name.endsWith(".Dockerfile")) {
    if (settings.wsgiApp !== null) text = replaceLine(text, new RegExp(`^ENV ${wsgiAppVariable}=\\S+[ \\t]*$`, "m"), `ENV ${wsgiAppVariable}=${dockerfileValue(settings.wsgiApp)}`, changes);
  }
  return changes.length ? { content: Buffer.from(text, "utf8"), changes } : { content, changes };
}

const dependencyStyleComment = [
  "# Where the app declares its dependencies, for the image's build (compose passes it as a build",
  "# arg): requirements, pipenv or pyproject. Written by `dockerize-python new`; auto finds the one",
  "# dependency file when the app has only one.",
];

function replaceLine(text: string, pattern: RegExp, line: string, changes: string[]): string {
  if (!pattern.test(text)) return text;
  changes.push(line.replace(/^ENV /, ""));
  return text.replace(pattern, line);
}

function appendBlock(text: string, comment: readonly string[], line: string, changes: string[]): string {
  changes.push(line);
  return `${text.endsWith("\n") ? text : `${text}\n`}\n${comment.join("\n")}\n${line}\n`;
}

/** Plain when it is, single-quoted otherwise: compose takes a single-quoted value literally. */
function dotenvValue(value: string): string {
  return /^[\w.:()-]+$/.test(value) ? value : `'${value}'`;
}

/** Plain when it is, double-quoted otherwise (a factory's arguments), as Dockerfile ENV parses it. */
function dockerfileValue(value: string): string {
  return /^[\w.:()-]+$/.test(value) ? value : JSON.stringify(value);
}
