import { join } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { isDirectory } from "../files/is-directory.ts";
import type { TemplateManifest } from "../manifest/schema.ts";
import { type AppSourceFile, appPythonFiles } from "./app-source-files.ts";
import { type AppDatabase, type AppSettings, defaultHealthPath, defaultLayoutSettings } from "./app-settings.ts";
import { detectHealthRoute, healthRoutes } from "./detect-health-route.ts";
import { detectPostgresqlDriver } from "./detect-postgresql-driver.ts";
import { type DjangoProject, detectDjangoProject } from "./detect-django-project.ts";
import { detectStaticDir } from "./detect-static-dir.ts";
import { decideWritablePaths } from "./decide-writable-paths.ts";
import { checkAppDir, checkHealthPath } from "./layout-flag-values.ts";

export type LayoutSettings = Pick<AppSettings, "staticDir" | "staticRoot" | "database" | "healthPath" | "writableDirs" | "writableFiles">;

/** The layout given with flags, each replacing what would be found. */
export interface LayoutFlags {
  /** --static-dir: a folder inside the app, or null (--static-dir none). */
  staticDir?: string | null;
  database?: AppDatabase;
  healthPath?: string;
  /** --writable, every one given (an empty list: none); a Django project's SQLite file among them is linked as a file. */
  writableDirs?: string[];
}

/** --static-dir names a folder the app does not have. */
export class StaticDirNotFoundError extends ExplainedError {
  constructor(appDir: string, staticDir: string) {
    super(`--static-dir ${staticDir}: ${join(appDir, staticDir)} is not a folder.\nFix: pass the folder that holds the app's static files, relative to its root, or --static-dir none for an app without any.`);
  }
}

/**
 * Decides the app's layout, a flag winning over what its files show, with a note for each decision
 * saying what was found and what follows in the files copied. A proxy needs only the static folder
 * (it bakes it in); the rest stays as older records mean it.
 */
export async function decideLayoutSettings(appDir: string, manifest: TemplateManifest, wsgiApp: string | null, flags: LayoutFlags, notes: string[]): Promise<LayoutSettings> {
  const staticDir = await decideStaticDir(appDir, manifest, wsgiApp, flags, notes);
  const django = await detectDjangoProject(appDir);
  const staticRoot = decideStaticRoot(django, staticDir, notes);
  if (manifest.kind !== "app") return { ...defaultLayoutSettings, staticDir, staticRoot };
  const files = await appPythonFiles(appDir);
  const database = await decideDatabase(appDir, flags, notes);
  return {
    staticDir,
    staticRoot,
    database,
    healthPath: decideHealthPath(files, flags, notes),
    ...decideWritablePaths(files, django, database, flags, notes),
  };
}

async function decideStaticDir(appDir: string, manifest: TemplateManifest, wsgiApp: string | null, flags: LayoutFlags, notes: string[]): Promise<string | null> {
  const proxy = manifest.kind === "proxy" ? manifest.name : manifest.stack?.proxy;
  const served = proxy ? `${proxy} serves them at /static/` : "no proxy of this template serves them";
  if (flags.staticDir === null) {
    notes.push(`No static files, as given with --static-dir none${proxy ? `: ${proxy} serves none` : ""}.`);
    return null;
  }
  if (flags.staticDir !== undefined) {
    const staticDir = checkAppDir("--static-dir", flags.staticDir);
    if (!(await isDirectory(join(appDir, staticDir)))) throw new StaticDirNotFoundError(appDir, staticDir);
    notes.push(`Static files: ${staticDir}, as given with --static-dir (${served}).`);
    return staticDir;
  }
  const staticDir = await detectStaticDir(appDir, wsgiApp);
  notes.push(
    staticDir
      ? `Static files: ${staticDir} (${served}).`
      : `No static folder found (a package's static/, or static/ at the root)${proxy ? `: ${proxy} serves no static files` : ""}; pass --static-dir DIR to name one.`,
  );
  return staticDir;
}

/**
 * A Django project's STATIC_ROOT (see AppSettings.staticRoot) when it has static files to serve;
 * null for any other app, and for a Django project whose STATIC_ROOT its settings do not place
 * under its root (the proxy then bakes in staticDir, without the admin's files).
 */
function decideStaticRoot(django: DjangoProject | null, staticDir: string | null, notes: string[]): string | null {
  if (!django || staticDir === null) return null;
  if (!django.staticRoot) {
    notes.push(`The Django settings ${django.settingsModule} set no STATIC_ROOT under the project's root (BASE_DIR / "staticfiles"): the proxy serves ${staticDir} as it is, without collectstatic's other files (the admin's); set one and run new again.`);
    return null;
  }
  notes.push(`Django: collectstatic gathers the static files into ${django.staticRoot} in the app's image at its build; the proxy copies them from there.`);
  return django.staticRoot;
}

async function decideDatabase(appDir: string, flags: LayoutFlags, notes: string[]): Promise<AppDatabase> {
  const kept = "compose.yaml runs a db service and the entrypoint waits for the database";
  const removed = "compose.yaml gets no db service and the entrypoint does not wait for a database";
  if (flags.database) {
    notes.push(`Database: ${flags.database}, as given with --database: ${flags.database === "postgresql" ? kept : removed}.`);
    return flags.database;
  }
  const found = await detectPostgresqlDriver(appDir);
  if (found) {
    notes.push(`PostgreSQL driver ${found.driver} in ${found.file}: ${kept} (pass --database none to take them out).`);
    return "postgresql";
  }
  notes.push(`No PostgreSQL driver among the app's dependencies: ${removed} (pass --database postgresql to keep them).`);
  return "none";
}

function decideHealthPath(files: readonly AppSourceFile[], flags: LayoutFlags, notes: string[]): string | null {
  if (flags.healthPath !== undefined) {
    const healthPath = checkHealthPath(flags.healthPath);
    notes.push(`Health route: ${healthPath}, as given with --health-path: the health check asks it.`);
    return healthPath;
  }
  const found = detectHealthRoute(files);
  if (found) {
    notes.push(`Health route: ${found.path} (in ${found.file}): the health check asks it.`);
    return found.path;
  }
  notes.push(
    `No health route found (${healthRoutes.join(", ")}): the health check asks ${defaultHealthPath} and counts any answer below 500 as healthy ` +
      "(the server is up and the app loaded); add a cheap route and pass --health-path for a stronger check.",
  );
  return null;
}
