import { posix } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { type AppDatabase, appDatabases } from "./app-settings.ts";

/**
 * What is wrong with `value` as a folder of the app (`flaskr/static`, `instance`), or null when it
 * is one: relative to the app's root, inside it, and only characters that need no quoting where
 * the templates write it (a Dockerfile's ARG and RUN lines, a .dockerignore).
 */
export function appRelativeDirProblem(value: string): string | null {
  if (!/^[A-Za-z0-9_./-]+$/.test(value)) return "it may hold only letters, digits and _ . / -";
  if (value.startsWith("/")) return "it is absolute; give it relative to the app's root";
  if (value.split("/").includes("..")) return "it leads out of the app (..)";
  if (normalizedAppDir(value) === ".") return "it is the app's root itself";
  return null;
}

/** `./var/uploads/` as `var/uploads`: the form recorded and written into the files. */
export function normalizedAppDir(value: string): string {
  return posix.normalize(value).replace(/\/+$/, "");
}

/** A folder given with a flag (--static-dir, --writable) that is not a folder inside the app. */
export class InvalidAppDirError extends ExplainedError {
  constructor(flag: string, value: string, problem: string) {
    super(`${flag} ${value}: ${problem}.\nFix: pass ${flag} with a folder relative to the app's root, inside it (e.g. ${flag} ${flag === "--static-dir" ? "flaskr/static" : "instance"}).`);
  }
}

/** A health route given with --health-path that is not a path. */
export class InvalidHealthPathError extends ExplainedError {
  constructor(value: string) {
    super(`--health-path ${value}: not a URL path the health check can ask.\nFix: pass the app's route as it is served, starting with / (e.g. --health-path /healthz).`);
  }
}

/** A database given with --database that the templates do not know. */
export class InvalidDatabaseError extends ExplainedError {
  constructor(value: string) {
    super(`--database ${value}: the templates run ${appDatabases.join(" or ")}.\nFix: pass --database postgresql to keep the db service, or --database none to take it out.`);
  }
}

/** `value` normalized, when it is a folder inside the app; an InvalidAppDirError naming `flag` otherwise. */
export function checkAppDir(flag: string, value: string): string {
  const problem = appRelativeDirProblem(value);
  if (problem) throw new InvalidAppDirError(flag, value, problem);
  return normalizedAppDir(value);
}

/** `value` when it is a path a URL can carry (`/health`, `/api/healthz`); an InvalidHealthPathError otherwise. */
export function checkHealthPath(value: string): string {
  if (!/^\/[A-Za-z0-9_.~\/-]*$/.test(value)) throw new InvalidHealthPathError(value);
  return value;
}

/** `value` when it is a database the templates know; an InvalidDatabaseError otherwise. */
export function checkDatabase(value: string): AppDatabase {
  const database = appDatabases.find((known) => known === value);
  if (!database) throw new InvalidDatabaseError(value);
  return database;
}
