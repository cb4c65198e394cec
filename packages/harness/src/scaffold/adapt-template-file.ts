import { posix } from "node:path";
import type { TemplateManifest } from "../manifest/schema.ts";
import type { AppSettings } from "./app-settings.ts";
import { removeMarkedBlocks } from "./remove-marked-blocks.ts";
import { appTargetVariables } from "./detect-wsgi-apps.ts";

/** A template file as written into an app, and the settings written into it. */
export interface AdaptedFile {
  content: Buffer;
  /** `NAME=value` for each setting written; empty when the file is copied as it is. */
  changes: string[];
}

/** The build arg the Python templates' installer reads the dependency style from (compose passes it from .env). */
const dependencyStyleArg = "DEPENDENCY_STYLE";
/** The name of the blocks (`# >>> postgresql` ... `# <<< postgresql`) that only an app with PostgreSQL keeps. */
const databaseBlocks = "postgresql";

/**
 * Writes the app's settings where a template reads them:
 * - `.env.example`: its `WSGI_APP=` (or `ASGI_APP=`) line, and `DEPENDENCY_STYLE=` (replaced, or added when the
 *   template declares that build arg): compose reads both from .env, the copy a user makes of it;
 *   its `HEALTHCHECK_URL=` line, uncommented, for a health route the app has;
 * - `.env.example` and the compose file: without their PostgreSQL blocks for an app without it;
 * - a Dockerfile's one-line `ENV WSGI_APP=...` (the onbuild child's), the target baked into its
 *   image; its `RUN link-writable-dirs` line, with the folders and files the app writes into; the proxy's
 *   `ARG STATIC_DIR=`, the folder it bakes in, and `ARG STATIC_ROOT=`, a Django app's collected files in its image;
 * - the root `.dockerignore`: the writable folders and files, whose contents on the developer's machine
 *   stay out of the image; a Dockerfile's own `.dockerignore`: the static folder let in.
 * Anything else is copied byte for byte. The same settings give the same bytes, and adapting an
 * adapted file changes nothing, so `diff` can adapt a newer version of the template the same way
 * and show only what the template changed.
 */
export function adaptTemplateFile(path: string, content: Buffer, settings: AppSettings, manifest: TemplateManifest): AdaptedFile {
  const name = posix.basename(path);
  const changes: string[] = [];
  let text = content.toString("utf8");
  if (name === ".env.example") text = adaptDotEnv(text, settings, manifest, changes);
  const isCompose = manifest.compose !== undefined && path === posix.normalize(manifest.compose);
  if ((name === ".env.example" || isCompose) && settings.database === "none") text = removeDatabaseBlocks(text, path, changes);
  const staticDir = bakedStaticDir(settings);
  if (path === ".dockerignore") {
    const ignored = writablePathsIgnored(settings);
    if (ignored.length) text = ignoreWritablePaths(text, ignored, changes);
  } else if (name.endsWith(".dockerignore")) {
    if (staticDir) text = replaceLine(text, /^!static\/$/m, `!${staticDir}/`, changes);
  } else if (name === "Dockerfile" || name.startsWith("Dockerfile.") || name.endsWith(".Dockerfile")) {
    text = adaptDockerfile(text, settings, changes);
  }
  return changes.length ? { content: Buffer.from(text, "utf8"), changes } : { content, changes };
}

function adaptDotEnv(text: string, settings: AppSettings, manifest: TemplateManifest, changes: string[]): string {
  if (settings.wsgiApp !== null) {
    for (const variable of Object.values(appTargetVariables)) text = replaceLine(text, new RegExp(`^${variable}=.*$`, "m"), `${variable}=${dotenvValue(settings.wsgiApp)}`, changes);
  }
  if (settings.dependencyStyle !== null && manifest.buildArgs[dependencyStyleArg]) {
    const line = `${dependencyStyleArg}=${settings.dependencyStyle}`;
    const existing = new RegExp(`^#?\\s*${dependencyStyleArg}=.*$`, "m");
    text = existing.test(text) ? replaceLine(text, existing, line, changes) : appendBlock(text, dependencyStyleComment, [line], changes);
  }
  // The app server's own port: the health check runs inside the app's container.
  if (settings.healthPath !== null) text = replaceLine(text, /^#?[ \t]*HEALTHCHECK_URL=.*$/m, `HEALTHCHECK_URL=http://127.0.0.1:${manifest.port}${settings.healthPath}`, changes);
  return text;
}

function adaptDockerfile(text: string, settings: AppSettings, changes: string[]): string {
  if (settings.wsgiApp !== null) {
    for (const variable of Object.values(appTargetVariables)) text = replaceLine(text, new RegExp(`^ENV ${variable}=\\S+[ \\t]*$`, "m"), `ENV ${variable}=${dockerfileValue(settings.wsgiApp)}`, changes);
  }
  const linked = [...settings.writableDirs, ...settings.writableFiles.flatMap((file) => ["--file", file])];
  if (linked.length) text = replaceLine(text, /^RUN link-writable-dirs\b.*$/m, `RUN link-writable-dirs ${linked.join(" ")}`, changes);
  const staticDir = bakedStaticDir(settings);
  if (staticDir) text = replaceLine(text, /^ARG STATIC_DIR=.*$/m, `ARG STATIC_DIR=${staticDir}`, changes);
  // Where the app's image holds what collectstatic gathered: the app lives at /app there.
  if (settings.staticRoot !== null) text = replaceLine(text, /^ARG STATIC_ROOT=.*$/m, `ARG STATIC_ROOT=/app/${settings.staticRoot}`, changes);
  return text;
}

/**
 * The static folder to write into the proxy's files; null for the templates' own `static` (their
 * default, left as it is) and for none (the proxy's Dockerfile tolerates a missing folder).
 */
function bakedStaticDir(settings: AppSettings): string | null {
  return settings.staticDir === "static" ? null : settings.staticDir;
}

function removeDatabaseBlocks(text: string, path: string, changes: string[]): string {
  const { text: without, removed } = removeMarkedBlocks(text, databaseBlocks, path);
  if (removed) changes.push(`${removed} database block${removed === 1 ? "" : "s"} removed`);
  return without;
}

const dependencyStyleComment = [
  "# Where the app declares its dependencies, for the image's build (compose passes it as a build",
  "# arg): requirements, pipenv, uv, poetry, pylock or pyproject. Written by `dockerize-python new`;",
  "# auto finds the one style when the app has only one (a pyproject.toml beside a lock is the lock's).",
];

const writablePathsComment = [
  "# What the app writes at run time (written by `dockerize-python new`): not baked into the image.",
  "# What these folders and files hold on the developer's machine, a development database say, does",
  "# not belong in it; in the container each is a link into APP_DATA_DIR.",
];

/** The writable folders, and each writable file with what SQLite keeps beside it (`db.sqlite3-journal`, `-wal`). */
function writablePathsIgnored(settings: AppSettings): string[] {
  return [...settings.writableDirs, ...settings.writableFiles.flatMap((file) => [file, `${file}-*`])];
}

/** The writable paths as the last block of a .dockerignore; the block replaced when it is there already. */
function ignoreWritablePaths(text: string, paths: readonly string[], changes: string[]): string {
  const existing = text.indexOf(`\n${writablePathsComment[0]}\n`);
  const before = existing === -1 ? text : text.slice(0, existing);
  return appendBlock(before.replace(/\n+$/, "\n"), writablePathsComment, paths, changes, `ignores ${paths.join(" ")}`);
}

function replaceLine(text: string, pattern: RegExp, line: string, changes: string[]): string {
  if (!pattern.test(text)) return text;
  changes.push(line.replace(/^(ENV|ARG|RUN) /, ""));
  return text.replace(pattern, line);
}

/** `text` and a blank line, `comment` and `lines`; `change` (the lines by default) said in `changes`. */
function appendBlock(text: string, comment: readonly string[], lines: readonly string[], changes: string[], change = lines.join(", ")): string {
  changes.push(change);
  return `${text.endsWith("\n") ? text : `${text}\n`}\n${[...comment, ...lines].join("\n")}\n`;
}

/** Plain when it is, single-quoted otherwise: compose takes a single-quoted value literally. */
function dotenvValue(value: string): string {
  return /^[\w.:()-]+$/.test(value) ? value : `'${value}'`;
}

/** Plain when it is, double-quoted otherwise (a factory's arguments), as Dockerfile ENV parses it. */
function dockerfileValue(value: string): string {
  return /^[\w.:()-]+$/.test(value) ? value : JSON.stringify(value);
}
