import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathExists } from "../files/path-exists.ts";

/** A Django project as its files describe it, read (never run). */
export interface DjangoProject {
  /** The settings module manage.py names (`mysite.settings`). */
  settingsModule: string;
  /** What a WSGI server serves: the settings' WSGI_APPLICATION as module:callable, else `<package>.wsgi:application`. */
  wsgiApp: string;
  /**
   * STATIC_ROOT, relative to the project's root (`staticfiles`), where collectstatic gathers the
   * static files; null when the settings set none, or not as a folder under BASE_DIR.
   */
  staticRoot: string | null;
  /**
   * The SQLite database file the settings name under BASE_DIR, relative to the project's root
   * (`db.sqlite3`, Django's default): null when they name none, or not as a file under BASE_DIR.
   */
  sqliteFile: string | null;
}

/**
 * The Django project in `appDir`: its root's manage.py and the settings module that names
 * (`os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)`); null for any other app. What the
 * settings say is read from their text: `WSGI_APPLICATION = "mysite.wsgi.application"`, and
 * `STATIC_ROOT = BASE_DIR / "staticfiles"` (or `os.path.join(BASE_DIR, "staticfiles")`), BASE_DIR
 * being the project's root as Django's startproject makes it, and the SQLite database that
 * startproject sets (`"ENGINE": "django.db.backends.sqlite3"`, `"NAME": BASE_DIR / "db.sqlite3"`).
 */
export async function detectDjangoProject(appDir: string): Promise<DjangoProject | null> {
  const manage = await readFile(join(appDir, "manage.py"), "utf8").catch(() => undefined);
  const settingsModule = manage?.match(/["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][\w.]*)["']/)?.[1];
  if (!settingsModule) return null;
  const settings = (await readModule(appDir, settingsModule)) ?? "";
  const projectPackage = settingsModule.split(".")[0]!;
  const wsgiSetting = settings.match(/^WSGI_APPLICATION\s*=\s*["']([A-Za-z_][\w.]*)\.([A-Za-z_]\w*)["']/m);
  return {
    settingsModule,
    wsgiApp: wsgiSetting ? `${wsgiSetting[1]}:${wsgiSetting[2]}` : `${projectPackage}.wsgi:application`,
    staticRoot: pathUnderBaseDir(settings.match(/^STATIC_ROOT\s*=\s*(.+)$/m)?.[1] ?? ""),
    sqliteFile: sqliteFileOf(settings),
  };
}

/** A module's source by its dotted name, as a file (`a/b.py`) or a package (`a/b/__init__.py`); undefined when neither exists. */
async function readModule(appDir: string, dotted: string): Promise<string | undefined> {
  const parts = dotted.split(".");
  for (const path of [join(appDir, ...parts) + ".py", join(appDir, ...parts, "__init__.py")]) {
    if (await pathExists(path)) return readFile(path, "utf8");
  }
  return undefined;
}

/**
 * The path under BASE_DIR a setting's value names: `BASE_DIR / "a" / "b"` (or `str(...)` of it) or
 * `os.path.join(BASE_DIR, "a", "b")` give `a/b`; null for any other value, and for one leading out (`..`).
 */
function pathUnderBaseDir(value: string): string | null {
  const parts = value.match(/^(?:str\()?BASE_DIR((?:\s*\/\s*["'][^"'\n]+["'])+)/)?.[1] ?? value.match(/^os\.path\.join\(\s*BASE_DIR\s*,([^)]*)\)/)?.[1] ?? "";
  const path = [...parts.matchAll(/["']([^"']+)["']/g)].map((match) => match[1]!).join("/").replace(/^\/+|\/+$/g, "");
  return path && !path.split("/").includes("..") ? path : null;
}

/** The first database NAME under BASE_DIR, in settings that use Django's SQLite backend. */
function sqliteFileOf(settings: string): string | null {
  if (!/["']django\.db\.backends\.sqlite3["']/.test(settings)) return null;
  for (const match of settings.matchAll(/["']NAME["']\s*:\s*(.+)$/gm)) {
    const file = pathUnderBaseDir(match[1]!);
    if (file) return file;
  }
  return null;
}
