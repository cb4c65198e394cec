import type { AppDatabase, AppSettings } from "./app-settings.ts";
import type { AppSourceFile } from "./app-source-files.ts";
import type { DjangoProject } from "./detect-django-project.ts";
import { detectWritableDirs } from "./detect-writable-dirs.ts";
import { appRelativeDirProblem, checkAppDir } from "./layout-flag-values.ts";

export type WritablePaths = Pick<AppSettings, "writableDirs" | "writableFiles">;

/**
 * What the app writes into its own tree, each made a link into APP_DATA_DIR: the folders it makes
 * (detectWritableDirs), and a Django project's SQLite database when the app runs on it (no
 * PostgreSQL), a file whose folder stays read-only. --writable replaces both: a path given that is
 * the settings' SQLite file is linked as that file, every other as a folder. A file inside a
 * writable folder is writable already and left out. A note says what was decided.
 */
export function decideWritablePaths(files: readonly AppSourceFile[], django: DjangoProject | null, database: AppDatabase, flags: { writableDirs?: string[] }, notes: string[]): WritablePaths {
  const sqliteFile = django?.sqliteFile && appRelativeDirProblem(django.sqliteFile) === null ? django.sqliteFile : null;
  const given = flags.writableDirs !== undefined;
  const paths = given ? [...new Set(flags.writableDirs!.map((path) => checkAppDir("--writable", path)))].sort() : detectWritableDirs(files);
  const writableDirs = paths.filter((path) => path !== sqliteFile);
  const linked = sqliteFile !== null && (given ? paths.includes(sqliteFile) : database === "none");
  const writableFiles = linked && !writableDirs.some((dir) => sqliteFile.startsWith(`${dir}/`)) ? [sqliteFile] : [];
  const how = given ? ", as given with --writable" : "";

  if (writableDirs.length) {
    const list = writableDirs.map((dir) => `${dir}/`).join(", ");
    notes.push(`The app writes into ${list} at run time${how}: the image makes ${writableDirs.length === 1 ? "it a link" : "each a link"} into APP_DATA_DIR (a volume in compose.yaml), so the code stays read-only.`);
  } else if (!writableFiles.length) {
    notes.push(given ? "No writable folders, as given with --writable none: the code stays read-only." : "The app makes no folder of its own tree at start (no instance folder, no os.makedirs of a relative path): the code stays read-only; pass --writable DIR for one it writes into.");
  }
  if (!django) return { writableDirs, writableFiles };
  const settings = `the Django settings ${django.settingsModule}`;
  if (!sqliteFile) {
    if (database === "none") {
      notes.push(
        `No PostgreSQL, and ${settings} name no SQLite file under BASE_DIR that new can read (only "NAME": BASE_DIR / "db.sqlite3" or os.path.join(BASE_DIR, ...) with the sqlite3 engine): ` +
          "if its database is a file under the project, it would lie in the image's read-only code; name it so (new links it), or point NAME into APP_DATA_DIR (/var/lib/app, a volume in compose.yaml).",
      );
    }
    return { writableDirs, writableFiles };
  }
  if (writableFiles.length) {
    notes.push(
      `Django's SQLite database ${sqliteFile} (in ${settings})${how}: the image makes it a link into APP_DATA_DIR (a volume in compose.yaml), where SQLite writes it and its journal, so the code stays read-only. ` +
        `A new volume has no database: migrate makes it (a prestart.sh running python manage.py migrate, or PRESTART_CMD).`,
    );
  } else if (!linked && database === "none") {
    notes.push(`Django's SQLite database ${sqliteFile} (in ${settings}) would lie in the image's read-only code: pass --writable ${sqliteFile} beside the other --writable paths to make it a link into APP_DATA_DIR.`);
  } else if (!linked) {
    notes.push(`${settings[0]!.toUpperCase()}${settings.slice(1)} name a SQLite database too (${sqliteFile}): not linked, as the app uses PostgreSQL; if it runs on SQLite, pass --database none to make it a link into APP_DATA_DIR.`);
  }
  return { writableDirs, writableFiles };
}
