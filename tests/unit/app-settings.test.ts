import { resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { AsgiFactoryArgumentsError, InvalidWsgiAppError } from "../../packages/harness/src/scaffold/app-settings.ts";
import {
  AppKindMismatchError,
  decideAppSettings,
  DependencyStyleNotFoundError,
  type Question,
  UnsupportedDependencyStyleError,
  WsgiAppNotFoundError,
} from "../../packages/harness/src/scaffold/decide-app-settings.ts";
import { StaticDirNotFoundError } from "../../packages/harness/src/scaffold/decide-layout-settings.ts";
import { checkDatabase, InvalidAppDirError, InvalidDatabaseError, InvalidHealthPathError } from "../../packages/harness/src/scaffold/layout-flag-values.ts";
import { detectDependencyStyles } from "../../packages/harness/src/scaffold/detect-dependency-styles.ts";
import { detectAppKind } from "../../packages/harness/src/scaffold/detect-app-kind.ts";
import { detectWsgiApps } from "../../packages/harness/src/scaffold/detect-wsgi-apps.ts";
import type { TemplateManifest } from "../../packages/harness/src/manifest/schema.ts";
import { NoDependencyFileError } from "../../packages/harness/src/staging/dependency-files.ts";
import { validManifest } from "./fixtures/template-fixture.ts";
import { useTempApps } from "./fixtures/temp-apps.ts";

const manifest = { ...validManifest("web"), dependencyStyles: ["requirements", "pipenv", "pyproject"] } as unknown as TemplateManifest;
const djangoSampleApp = resolve(import.meta.dirname, "..", "..", "sample-apps", "django");
const wsgi = { "wsgi.py": "from web import create_app\napp = create_app()\n" };
const project = "[build-system]\nrequires = ['setuptools']\n\n[project]\nname = 'web'\ndependencies = ['flask']\n";

describe("the app's dependency style and WSGI target", () => {
  const app = useTempApps();

  it("detects each style from its files; a pyproject.toml without [project] and a Pipfile without its lock are not complete", async () => {
    const none = { unlockedPipfile: false, pyprojectBesideLock: false };
    expect(await detectDependencyStyles(await app({ "requirements.txt": "" }))).toEqual({ ...none, complete: ["requirements"] });
    expect(await detectDependencyStyles(await app({ Pipfile: "", "Pipfile.lock": "{}" }))).toEqual({ ...none, complete: ["pipenv"] });
    expect(await detectDependencyStyles(await app({ "pyproject.toml": project }))).toEqual({ ...none, complete: ["pyproject"] });
    expect(await detectDependencyStyles(await app({ "pyproject.toml": "[tool.ruff]\nline-length = 100\n", Pipfile: "" }))).toEqual({ ...none, complete: [], unlockedPipfile: true });
  });

  it("finds the lock in use: a pyproject.toml beside uv.lock, poetry.lock or pylock.toml is that lock's project, not a style of its own", async () => {
    const besideLock = { unlockedPipfile: false, pyprojectBesideLock: true };
    expect(await detectDependencyStyles(await app({ "pyproject.toml": project, "uv.lock": "" }))).toEqual({ ...besideLock, complete: ["uv"] });
    expect(await detectDependencyStyles(await app({ "pyproject.toml": project, "poetry.lock": "" }))).toEqual({ ...besideLock, complete: ["poetry"] });
    expect(await detectDependencyStyles(await app({ "pyproject.toml": project, "pylock.toml": "" }))).toEqual({ ...besideLock, complete: ["pylock"] });
    expect(await detectDependencyStyles(await app({ "pylock.toml": "" }))).toEqual({ unlockedPipfile: false, pyprojectBesideLock: false, complete: ["pylock"] });
    // A uv.lock alone cannot be checked against its project: not complete.
    expect((await detectDependencyStyles(await app({ "uv.lock": "" }))).complete).toEqual([]);
  });

  it("takes the one lock an app has without asking; asks only between several", async () => {
    const ask = vi.fn(async (question: Question) => (question.allowOther ? "wsgi:app" : question.choices[1]!));
    const all = { ...manifest, dependencyStyles: ["requirements", "pipenv", "pyproject", "uv", "poetry", "pylock"] } as TemplateManifest;
    const uvApp = await decideAppSettings({ appDir: await app({ "pyproject.toml": project, "uv.lock": "", ...wsgi }), manifest: all, ask });
    expect(uvApp.settings.dependencyStyle).toBe("uv");
    expect(ask.mock.calls.map(([question]) => question.choices)).toEqual([["wsgi:app"]]);
    ask.mockClear();
    const both = await decideAppSettings({ appDir: await app({ "pyproject.toml": project, "uv.lock": "", "poetry.lock": "", ...wsgi }), manifest: all, ask });
    expect(ask.mock.calls[0]![0].choices).toEqual(["uv", "poetry"]);
    expect(both.settings.dependencyStyle).toBe("poetry");
  });

  it("installs pyproject.toml beside a lock only when asked, saying it is not reproducible; a lock missing is named with its fix", async () => {
    const all = { ...manifest, dependencyStyles: ["requirements", "pipenv", "pyproject", "uv", "poetry", "pylock"] } as TemplateManifest;
    const asked = await decideAppSettings({ appDir: await app({ "pyproject.toml": project, "uv.lock": "", ...wsgi }), manifest: all, dependencyStyle: "pyproject" });
    expect(asked.settings.dependencyStyle).toBe("pyproject");
    expect(asked.notes[0]).toContain("not reproducible");
    const missing = await decideAppSettings({ appDir: await app({ "pyproject.toml": project, ...wsgi }), manifest: all, dependencyStyle: "poetry" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DependencyStyleNotFoundError);
    expect((missing as Error).message).toContain("has no poetry.lock beside a pyproject.toml (run `poetry lock` and commit it)");
  });

  it("takes the one style an app has, and wsgi:app when wsgi.py defines app", async () => {
    const decided = await decideAppSettings({ appDir: await app({ "pyproject.toml": project, ...wsgi }), manifest });
    expect(decided.settings).toMatchObject({ dependencyStyle: "pyproject", wsgiApp: "wsgi:app" });
    expect(decided.notes.filter((note) => /dependenc(y|ies) in|WSGI|Serving/.test(note))).toEqual([]);
  });

  it("with several styles and no one to ask, takes the first in the templates' order and says so", async () => {
    const decided = await decideAppSettings({ appDir: await app({ "pyproject.toml": project, "requirements.txt": "", Pipfile: "", ...wsgi }), manifest });
    expect(decided.settings.dependencyStyle).toBe("requirements");
    expect(decided.notes.slice(0, 1)).toEqual([
      "The app declares its dependencies in several ways: requirements (requirements.txt), pyproject (pyproject.toml). Using requirements; pass --dependency-style to choose another.",
    ]);
  });

  it("asks on a terminal: the styles the app has, and the WSGI targets its code suggests", async () => {
    const appDir = await app({ "pyproject.toml": project, "requirements.txt": "", ...wsgi, "web/__init__.py": "def create_app():\n    return None\n" });
    const asked: Question[] = [];
    const ask = vi.fn(async (question: Question) => {
      asked.push(question);
      return question.allowOther ? question.check("web:create_app()") : "pyproject";
    });
    const decided = await decideAppSettings({ appDir, manifest, ask });
    expect(decided.settings).toMatchObject({ dependencyStyle: "pyproject", wsgiApp: "web:create_app()" });
    expect(asked.map((question) => question.choices)).toEqual([["requirements", "pyproject"], ["wsgi:app", "web:create_app()"]]);
    expect(() => asked[1]!.check("not a target")).toThrow(InvalidWsgiAppError);
  });

  it("takes a Pipfile without its lock as pipenv only when nothing else is there, with a note to lock it", async () => {
    const decided = await decideAppSettings({ appDir: await app({ Pipfile: "[packages]\n", ...wsgi }), manifest });
    expect(decided.settings.dependencyStyle).toBe("pipenv");
    expect(decided.notes[0]).toContain("run `pipenv lock` before building");
  });

  it("errs clearly: no dependency file, a style the app lacks or the template does not support", async () => {
    await expect(decideAppSettings({ appDir: await app(wsgi), manifest })).rejects.toBeInstanceOf(NoDependencyFileError);
    const requirementsOnly = await app({ "requirements.txt": "", ...wsgi });
    const missing = await decideAppSettings({ appDir: requirementsOnly, manifest, dependencyStyle: "pyproject" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DependencyStyleNotFoundError);
    expect((missing as Error).message).toContain("has no pyproject.toml with a [project] table");
    const onlyRequirements = { ...manifest, dependencyStyles: ["requirements"] } as TemplateManifest;
    await expect(decideAppSettings({ appDir: requirementsOnly, manifest: onlyRequirements, dependencyStyle: "pipenv" })).rejects.toBeInstanceOf(UnsupportedDependencyStyleError);
  });

  it("without wsgi.py and no one to ask, serves the one target the code suggests, and says so", async () => {
    const decided = await decideAppSettings({ appDir: await app({ "requirements.txt": "", "app.py": "from flask import Flask\napp = Flask(__name__)\n" }), manifest });
    expect(decided.settings.wsgiApp).toBe("app:app");
    expect(decided.notes).toContain("Serving app:app, the one WSGI target the code suggests (there is no wsgi.py defining app); pass --app to choose another.");
  });

  it("without wsgi.py, no one to ask and several targets or none, names what the code suggests and the flag to pass", async () => {
    const several = { "requirements.txt": "", "app.py": "app = Flask(__name__)\n", "web/__init__.py": "def create_app():\n    pass\n" };
    const error = await decideAppSettings({ appDir: await app(several), manifest }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WsgiAppNotFoundError);
    expect((error as Error).message).toContain("Its code suggests app:app, web:create_app().");
    expect((error as Error).message).toContain("Fix: pass --app module:callable (e.g. --app app:app)");
    await expect(decideAppSettings({ appDir: await app({ "requirements.txt": "" }), manifest })).rejects.toThrow(/Its code suggests none/);
    const flagged = await decideAppSettings({ appDir: await app({ "requirements.txt": "" }), manifest, wsgiApp: "app:app" });
    expect(flagged.settings.wsgiApp).toBe("app:app");
    await expect(decideAppSettings({ appDir: await app({ "requirements.txt": "" }), manifest, wsgiApp: "app.py" })).rejects.toBeInstanceOf(InvalidWsgiAppError);
  });

  it("suggests WSGI targets from Flask, Django and app-factory layouts, the convention first", async () => {
    const appDir = await app({
      "main.py": "from web import application  # noqa\n",
      "wsgi.py": "import os\nfrom web import create_app\n\napp = create_app()\n",
      "mysite/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
      "web/__init__.py": "def create_app(config=None):\n    return None\n",
      "other.py": "appendix = 1\nif app == 2:\n    pass\n",
      ".venv/lib/wsgi.py": "app = 1\n",
    });
    expect(await detectWsgiApps(appDir)).toEqual(["wsgi:app", "main:application", "mysite.wsgi:application", "web:create_app()"]);
  });

  it("a proxy template needs neither, only the static folder; the rest of the layout stays as older records mean it", async () => {
    const proxy = { ...manifest, name: "caddy", kind: "proxy", dependencyStyles: undefined, stack: undefined } as TemplateManifest;
    const appDir = await app({ "app.py": "app = Flask(__name__)\n", "static/site.css": "", "requirements.txt": "flask\n" });
    expect(await decideAppSettings({ appDir, manifest: proxy })).toEqual({
      settings: { dependencyStyle: null, wsgiApp: null, staticDir: "static", staticRoot: null, database: "postgresql", healthPath: null, writableDirs: [], writableFiles: [] },
      notes: ["Static files: static (caddy serves them at /static/)."],
    });
  });
});

describe("ASGI apps: FastAPI and Starlette, on a template that serves them", () => {
  const app = useTempApps();
  const asgiManifest = { ...manifest, appKinds: ["asgi"] } as TemplateManifest;
  const fastapi = { "requirements.txt": "fastapi\n", "asgi.py": "from web import create_app\napp = create_app()\n", "web/__init__.py": "from fastapi import FastAPI\n\ndef create_app():\n    return FastAPI()\n" };

  it("knows an app's kind from the framework it imports; none, or frameworks of both kinds, say nothing", async () => {
    expect(await detectAppKind(await app(fastapi))).toEqual({ kind: "asgi", framework: "FastAPI" });
    expect(await detectAppKind(await app({ "main.py": "from starlette.applications import Starlette\napp = Starlette()\n" }))).toEqual({ kind: "asgi", framework: "Starlette" });
    expect(await detectAppKind(await app({ "app.py": "import flask\napp = flask.Flask(__name__)\n" }))).toEqual({ kind: "wsgi", framework: "Flask" });
    expect(await detectAppKind(await app({ "app.py": "from flask import Flask\n", "api.py": "from fastapi import FastAPI\n" }))).toBeUndefined();
    expect(await detectAppKind(await app({ "app.py": "# from fastapi import FastAPI (not yet)\nimport os\n" }))).toBeUndefined();
  });

  it("serves asgi:app on an ASGI template, and suggests FastAPI's layouts and factories, the convention first", async () => {
    const decided = await decideAppSettings({ appDir: await app(fastapi), manifest: asgiManifest });
    expect(decided.settings.wsgiApp).toBe("asgi:app");
    const layouts = await app({ "app/__init__.py": "", "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n", "web/__init__.py": "def create_app():\n    pass\n", "asgi.py": "app = 1\n" });
    expect(await detectWsgiApps(layouts, "asgi")).toEqual(["asgi:app", "app.main:app", "web:create_app()"]);
    const tutorial = await decideAppSettings({ appDir: await app({ "requirements.txt": "fastapi\n", "app/__init__.py": "", "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n" }), manifest: asgiManifest });
    expect(tutorial.settings.wsgiApp).toBe("app.main:app");
    expect(tutorial.notes).toContain("Serving app.main:app, the one ASGI target the code suggests (there is no asgi.py defining app); pass --app to choose another.");
  });

  it("refuses an app factory with arguments on an ASGI template (the servers call it with none), naming the fix", async () => {
    const error = await decideAppSettings({ appDir: await app(fastapi), manifest: asgiManifest, wsgiApp: 'web:create_app("prod")' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AsgiFactoryArgumentsError);
    expect((error as Error).message).toContain("Fix: call it in a module of your app (asgi.py: app = create_app(...))");
    expect((await decideAppSettings({ appDir: await app(fastapi), manifest: asgiManifest, wsgiApp: "web:create_app()" })).settings.wsgiApp).toBe("web:create_app()");
  });

  it("refuses a FastAPI app on a WSGI template and a Flask app on the ASGI one, naming the fix", async () => {
    const onWsgi = await decideAppSettings({ appDir: await app(fastapi), manifest: { ...manifest, appKinds: ["wsgi"] } as TemplateManifest }).catch((e: unknown) => e);
    expect(onWsgi).toBeInstanceOf(AppKindMismatchError);
    expect((onWsgi as Error).message).toMatch(/imports FastAPI, whose apps speak ASGI, and the web template serves WSGI apps/);
    expect((onWsgi as Error).message).toContain('Fix: run dockerize-python new with a template that serves ASGI apps (its template.json lists "asgi" in appKinds).');
    const flask = { "requirements.txt": "flask\n", "app.py": "from flask import Flask\napp = Flask(__name__)\n" };
    await expect(decideAppSettings({ appDir: await app(flask), manifest: asgiManifest })).rejects.toThrow(/imports Flask, whose apps speak WSGI, and the web template serves ASGI apps/);
  });
});

describe("the app's layout: static folder, database, health route, writable folders", () => {
  const app = useTempApps();

  /** Flask's tutorial (flaskr): an app factory in a package, its static/ and instance folder. */
  const flaskTutorial = {
    "requirements.txt": "flask\n",
    "flaskr/__init__.py": [
      "import os",
      "from flask import Flask",
      "",
      "def create_app(test_config=None):",
      "    app = Flask(__name__, instance_relative_config=True)",
      "    app.config.from_mapping(DATABASE=os.path.join(app.instance_path, 'flaskr.sqlite'))",
      "    os.makedirs(app.instance_path, exist_ok=True)",
      "    return app",
      "",
    ].join("\n"),
    "flaskr/static/style.css": "body {}\n",
    "flaskr/templates/base.html": "<html></html>\n",
  };
  /** One module at the root, static/ beside it, a SQLite file in a folder it makes. */
  const singleModule = {
    "requirements.txt": "flask\n",
    "app.py": [
      "import os, sqlite3",
      "from flask import Flask",
      "",
      "app = Flask(__name__)",
      'os.makedirs("var", exist_ok=True)',
      'db = sqlite3.connect("var/app.db")',
      "",
      '@app.route("/")',
      "def index():",
      '    return "hello"',
      "",
    ].join("\n"),
    "static/site.css": "body {}\n",
  };
  /** A JSON API in a pyproject.toml project with psycopg, its routes under /api, no static files. */
  const apiProject = {
    "pyproject.toml": '[project]\nname = "api"\ndependencies = ["flask>=3", "psycopg[binary]>=3.2"]\n',
    "wsgi.py": "from api import create_app\napp = create_app()\n",
    "api/__init__.py": 'from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n\n    @app.get("/api/health")\n    def health():\n        return {"ok": True}\n\n    return app\n',
  };

  it("the Flask tutorial: its package's static/, no database, the default health check, the instance folder", async () => {
    const decided = await decideAppSettings({ appDir: await app(flaskTutorial), manifest });
    expect(decided.settings).toEqual({ dependencyStyle: "requirements", wsgiApp: "flaskr:create_app()", staticDir: "flaskr/static", staticRoot: null, database: "none", healthPath: null, writableDirs: ["instance"], writableFiles: [] });
    expect(decided.notes).toEqual([
      "Serving flaskr:create_app(), the one WSGI target the code suggests (there is no wsgi.py defining app); pass --app to choose another.",
      "Static files: flaskr/static (caddy serves them at /static/).",
      "No PostgreSQL driver among the app's dependencies: compose.yaml gets no db service and the entrypoint does not wait for a database (pass --database postgresql to keep them).",
      "No health route found (/healthz, /health, /livez, /ping, /status): the health check asks /healthz and counts any answer below 500 as healthy (the server is up and the app loaded); add a cheap route and pass --health-path for a stronger check.",
      "The app writes into instance/ at run time: the image makes it a link into APP_DATA_DIR (a volume in compose.yaml), so the code stays read-only.",
    ]);
  });

  it("a single module: static/ at the root, no database, the folder it makes", async () => {
    const decided = await decideAppSettings({ appDir: await app(singleModule), manifest });
    expect(decided.settings).toEqual({ dependencyStyle: "requirements", wsgiApp: "app:app", staticDir: "static", staticRoot: null, database: "none", healthPath: null, writableDirs: ["var"], writableFiles: [] });
  });

  it("an API project: PostgreSQL from psycopg[binary], no static files, no health route (/api/health is not one), nothing writable", async () => {
    const decided = await decideAppSettings({ appDir: await app(apiProject), manifest });
    expect(decided.settings).toEqual({ dependencyStyle: "pyproject", wsgiApp: "wsgi:app", staticDir: null, staticRoot: null, database: "postgresql", healthPath: null, writableDirs: [], writableFiles: [] });
    expect(decided.notes).toContain("PostgreSQL driver psycopg in pyproject.toml: compose.yaml runs a db service and the entrypoint waits for the database (pass --database none to take them out).");
    expect(decided.notes).toContain("No static folder found (a package's static/, or static/ at the root): caddy serves no static files; pass --static-dir DIR to name one.");
  });

  it("the Django sample app: its project's WSGI application without asking, static/ collected into STATIC_ROOT, PostgreSQL, /healthz", async () => {
    const decided = await decideAppSettings({ appDir: djangoSampleApp, manifest });
    expect(decided.settings).toEqual({ dependencyStyle: "requirements", wsgiApp: "sample_site.wsgi:application", staticDir: "static", staticRoot: "staticfiles", database: "postgresql", healthPath: "/healthz", writableDirs: [], writableFiles: [] });
    expect(decided.notes).toContain("Serving sample_site.wsgi:application, the WSGI application of the Django project (settings sample_site.settings); pass --app to choose another.");
    expect(decided.notes).toContain("Django: collectstatic gathers the static files into staticfiles in the app's image at its build; the proxy copies them from there.");
    // Its settings fall back to SQLite without DATABASE_HOST, which compose sets: nothing linked.
    expect(decided.notes).toContain(
      "The Django settings sample_site.settings name a SQLite database too (db.sqlite3): not linked, as the app uses PostgreSQL; if it runs on SQLite, pass --database none to make it a link into APP_DATA_DIR.",
    );
  });

  it("takes a health route from the app's code, not from an environment or its tests", async () => {
    const appDir = await app({
      ...singleModule,
      "ops/routes.py": '@bp.get("/health")\ndef health():\n    return "ok"\n',
      ".venv/lib/site.py": '@app.route("/healthz")\n',
      "tests/test_app.py": '@app.route("/healthz")\n',
    });
    const decided = await decideAppSettings({ appDir, manifest });
    expect(decided.settings.healthPath).toBe("/health");
    expect(decided.notes).toContain("Health route: /health (in ops/routes.py): the health check asks it.");
  });

  it("flags win over what was found, each with its note", async () => {
    const appDir = await app({ ...flaskTutorial, "assets/img/logo.png": "" });
    const decided = await decideAppSettings({ appDir, manifest, staticDir: "./assets/", database: "postgresql", healthPath: "/up", writableDirs: ["var/uploads", "instance", "var/uploads"] });
    expect(decided.settings).toMatchObject({ staticDir: "assets", database: "postgresql", healthPath: "/up", writableDirs: ["instance", "var/uploads"] });
    expect(decided.notes.slice(1)).toEqual([
      "Static files: assets, as given with --static-dir (caddy serves them at /static/).",
      "Database: postgresql, as given with --database: compose.yaml runs a db service and the entrypoint waits for the database.",
      "Health route: /up, as given with --health-path: the health check asks it.",
      "The app writes into instance/, var/uploads/ at run time, as given with --writable: the image makes each a link into APP_DATA_DIR (a volume in compose.yaml), so the code stays read-only.",
    ]);
    const none = await decideAppSettings({ appDir, manifest, staticDir: null, database: "none", writableDirs: [] });
    expect(none.settings).toMatchObject({ staticDir: null, database: "none", writableDirs: [] });
  });

  it("refuses flag values that are not folders inside the app or a path, naming the fix", async () => {
    const appDir = await app(flaskTutorial);
    const refused = async (flags: Parameters<typeof decideAppSettings>[0]) => (await decideAppSettings({ ...flags, appDir, manifest }).catch((e: unknown) => e)) as Error;
    for (const [staticDir, problem] of [["/srv/static", "absolute"], ["../shared/static", "leads out of the app"], ["my static", "only letters"], ["./", "the app's root itself"]] as const) {
      const error = await refused({ appDir, manifest, staticDir });
      expect(error).toBeInstanceOf(InvalidAppDirError);
      expect(error.message).toContain(problem);
      expect(error.message).toContain("Fix: pass --static-dir with a folder relative to the app's root");
    }
    const writable = await refused({ appDir, manifest, writableDirs: ["instance", "var/../../etc"] });
    expect(writable).toBeInstanceOf(InvalidAppDirError);
    expect(writable.message).toMatch(/^--writable var\/\.\.\/\.\.\/etc: it leads out of the app \(\.\.\)\.\nFix: pass --writable /);
    const missing = await refused({ appDir, manifest, staticDir: "public" });
    expect(missing).toBeInstanceOf(StaticDirNotFoundError);
    expect(missing.message).toContain("or --static-dir none for an app without any");
    for (const healthPath of ["healthz", "/health check", "http://x/healthz"]) {
      const error = await refused({ appDir, manifest, healthPath });
      expect(error).toBeInstanceOf(InvalidHealthPathError);
      expect(error.message).toContain("Fix: pass the app's route as it is served, starting with /");
    }
    expect(checkDatabase("none")).toBe("none");
    expect(() => checkDatabase("mysql")).toThrow(InvalidDatabaseError);
    expect(() => checkDatabase("mysql")).toThrow(/Fix: pass --database postgresql to keep the db service, or --database none/);
  });
});

describe("the app's layout: a Django project's SQLite database", () => {
  const app = useTempApps();

  /** What django-admin startproject mysite writes (Django 5.2), and an app beside it. */
  const startproject = (databases: string, requirements = "Django>=5.2,<6\n") => ({
    "requirements.txt": requirements,
    "manage.py": 'import os\n\ndef main():\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
    "mysite/__init__.py": "",
    "mysite/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
    "mysite/settings.py": [
      "from pathlib import Path",
      "",
      "BASE_DIR = Path(__file__).resolve().parent.parent",
      "ROOT_URLCONF = 'mysite.urls'",
      "WSGI_APPLICATION = 'mysite.wsgi.application'",
      databases,
      "STATIC_URL = 'static/'",
      "",
    ].join("\n"),
  });
  const sqlite = "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.sqlite3',\n        'NAME': BASE_DIR / 'db.sqlite3',\n    }\n}";
  const postgresql = "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n        'NAME': os.environ['DATABASE_NAME'],\n        'HOST': os.environ['DATABASE_HOST'],\n    }\n}";
  const linkedNote =
    "Django's SQLite database db.sqlite3 (in the Django settings mysite.settings): the image makes it a link into APP_DATA_DIR (a volume in compose.yaml), where SQLite writes it and its journal, so the code stays read-only. " +
    "A new volume has no database: migrate makes it (a prestart.sh running python manage.py migrate, or PRESTART_CMD).";

  it("links Django's default SQLite file as a file, its folder (the code) staying read-only", async () => {
    const decided = await decideAppSettings({ appDir: await app(startproject(sqlite)), manifest });
    expect(decided.settings).toMatchObject({ wsgiApp: "mysite.wsgi:application", database: "none", writableDirs: [], writableFiles: ["db.sqlite3"] });
    expect(decided.notes).toContain(linkedNote);
    // The note that no folder is written says nothing wrong: a file is.
    expect(decided.notes.some((note) => note.includes("the code stays read-only; pass --writable DIR"))).toBe(false);
  });

  it("links nothing for a project on PostgreSQL, whose settings name no SQLite file", async () => {
    const decided = await decideAppSettings({ appDir: await app(startproject(postgresql, "Django>=5.2,<6\npsycopg[binary]>=3.2\n")), manifest });
    expect(decided.settings).toMatchObject({ database: "postgresql", writableDirs: [], writableFiles: [] });
    expect(decided.notes.filter((note) => note.includes("SQLite"))).toEqual([]);
  });

  it("respects --database and --writable: PostgreSQL links nothing, --writable none neither (naming the fix), --writable db.sqlite3 links the file", async () => {
    const appDir = await app(startproject(sqlite));
    const onPostgresql = await decideAppSettings({ appDir, manifest, database: "postgresql" });
    expect(onPostgresql.settings).toMatchObject({ database: "postgresql", writableFiles: [] });
    expect(onPostgresql.notes).toContain(
      "The Django settings mysite.settings name a SQLite database too (db.sqlite3): not linked, as the app uses PostgreSQL; if it runs on SQLite, pass --database none to make it a link into APP_DATA_DIR.",
    );
    const readOnly = await decideAppSettings({ appDir, manifest, writableDirs: [] });
    expect(readOnly.settings).toMatchObject({ database: "none", writableDirs: [], writableFiles: [] });
    expect(readOnly.notes).toContain(
      "Django's SQLite database db.sqlite3 (in the Django settings mysite.settings) would lie in the image's read-only code: pass --writable db.sqlite3 beside the other --writable paths to make it a link into APP_DATA_DIR.",
    );
    const given = await decideAppSettings({ appDir, manifest, database: "postgresql", writableDirs: ["./db.sqlite3", "media"] });
    expect(given.settings).toMatchObject({ writableDirs: ["media"], writableFiles: ["db.sqlite3"] });
    expect(given.notes).toContain(linkedNote.replace("mysite.settings)", "mysite.settings), as given with --writable"));
  });

  it("links a SQLite file in a folder of its own, and leaves one inside a writable folder to that folder's link", async () => {
    const inVar = startproject(sqlite.replace("BASE_DIR / 'db.sqlite3'", "os.path.join(BASE_DIR, 'var', 'site.db')"));
    expect((await decideAppSettings({ appDir: await app(inVar), manifest })).settings).toMatchObject({ writableDirs: [], writableFiles: ["var/site.db"] });
    const made = { ...inVar, "mysite/apps.py": 'os.makedirs("var", exist_ok=True)\n' };
    expect((await decideAppSettings({ appDir: await app(made), manifest })).settings).toMatchObject({ writableDirs: ["var"], writableFiles: [] });
  });

  it("links nothing it cannot place under the project (an absolute NAME, one from the environment, a settings module that is missing)", async () => {
    for (const name of ["'/srv/data/db.sqlite3'", "os.environ['SQLITE_PATH']", "BASE_DIR / '..' / 'db.sqlite3'", "BASE_DIR / 'my db.sqlite3'"]) {
      const decided = await decideAppSettings({ appDir: await app(startproject(sqlite.replace("BASE_DIR / 'db.sqlite3'", name))), manifest });
      expect(decided.settings.writableFiles, name).toEqual([]);
      expect(decided.notes.find((note) => note.startsWith("No PostgreSQL, and the Django settings mysite.settings name no SQLite file under BASE_DIR")), name).toContain(
        "point NAME into APP_DATA_DIR (/var/lib/app, a volume in compose.yaml).",
      );
    }
    const { "mysite/settings.py": _settings, ...noSettings } = startproject(sqlite);
    expect((await decideAppSettings({ appDir: await app(noSettings), manifest })).settings.writableFiles).toEqual([]);
  });
});
