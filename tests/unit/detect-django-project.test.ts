import { describe, expect, it } from "vitest";
import { detectDjangoProject } from "../../packages/harness/src/scaffold/detect-django-project.ts";
import { useTempApps } from "./fixtures/temp-apps.ts";

const manage = (settings: string) => `import os\n\ndef main():\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "${settings}")\n`;

describe("detectDjangoProject: a Django project, from manage.py and its settings' text", () => {
  const app = useTempApps();

  it("reads the settings module, WSGI_APPLICATION and STATIC_ROOT under BASE_DIR", async () => {
    const appDir = await app({
      "manage.py": manage("mysite.settings"),
      "mysite/__init__.py": "",
      "mysite/settings.py": 'BASE_DIR = Path(__file__).resolve().parent.parent\nWSGI_APPLICATION = "mysite.wsgi.application"\nSTATIC_ROOT = BASE_DIR / "var" / "static"\n',
      "mysite/wsgi.py": "application = get_wsgi_application()\n",
    });
    expect(await detectDjangoProject(appDir)).toEqual({ settingsModule: "mysite.settings", wsgiApp: "mysite.wsgi:application", staticRoot: "var/static", sqliteFile: null });
  });

  it("takes os.path.join(BASE_DIR, ...) and a settings package (config.settings.production)", async () => {
    const appDir = await app({
      "manage.py": manage("config.settings.production"),
      "config/settings/production.py": "STATIC_ROOT = os.path.join(BASE_DIR, 'staticfiles')\n",
    });
    expect(await detectDjangoProject(appDir)).toEqual({ settingsModule: "config.settings.production", wsgiApp: "config.wsgi:application", staticRoot: "staticfiles", sqliteFile: null });
  });

  it("has no STATIC_ROOT it cannot place under the project's root (an absolute path, an environment variable)", async () => {
    for (const value of ['"/var/www/static"', 'env("STATIC_ROOT")', 'BASE_DIR / ".." / "static"']) {
      const appDir = await app({ "manage.py": manage("site.settings"), "site/settings.py": `STATIC_ROOT = ${value}\n` });
      expect((await detectDjangoProject(appDir))?.staticRoot).toBeNull();
    }
  });

  it("reads the SQLite database the settings name under BASE_DIR, only with Django's SQLite backend", async () => {
    const withDatabases = async (databases: string) =>
      (await detectDjangoProject(await app({ "manage.py": manage("site.settings"), "site/settings.py": `BASE_DIR = Path(__file__).resolve().parent.parent\n${databases}\n` })))?.sqliteFile;
    expect(await withDatabases("DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.sqlite3',\n        'NAME': BASE_DIR / 'db.sqlite3',\n    }\n}")).toBe("db.sqlite3");
    expect(await withDatabases('DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE_DIR, "db.sqlite3")}}')).toBe("db.sqlite3");
    expect(await withDatabases('DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "var" / "site.db")}}  # "x"')).toBe("var/site.db");
    expect(await withDatabases('DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": BASE_DIR / "db.sqlite3"}}')).toBeNull();
    expect(await withDatabases('DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/var/lib/app/db.sqlite3"}}')).toBeNull();
    expect(await withDatabases('DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": env("SQLITE_PATH")}}')).toBeNull();
  });

  it("finds none in an app without manage.py, or whose manage.py names no settings module", async () => {
    expect(await detectDjangoProject(await app({ "wsgi.py": "app = Flask(__name__)\n" }))).toBeNull();
    expect(await detectDjangoProject(await app({ "manage.py": "import click\n" }))).toBeNull();
  });
});
