import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defaultLayoutSettings, InvalidWsgiAppError } from "../../packages/harness/src/scaffold/app-settings.ts";
import {
  decideAppSettings,
  DependencyStyleNotFoundError,
  type Question,
  UnsupportedDependencyStyleError,
  WsgiAppNotFoundError,
} from "../../packages/harness/src/scaffold/decide-app-settings.ts";
import { detectDependencyStyles } from "../../packages/harness/src/scaffold/detect-dependency-styles.ts";
import { detectWsgiApps } from "../../packages/harness/src/scaffold/detect-wsgi-apps.ts";
import type { TemplateManifest } from "../../packages/harness/src/manifest/schema.ts";
import { NoDependencyFileError } from "../../packages/harness/src/staging/dependency-files.ts";
import { makeTempDir, validManifest } from "./fixtures/template-fixture.ts";
import { writeApp } from "./fixtures/template-checkout.ts";

const manifest = { ...validManifest("web"), dependencyStyles: ["requirements", "pipenv", "pyproject"] } as unknown as TemplateManifest;
const wsgi = { "wsgi.py": "from web import create_app\napp = create_app()\n" };
const project = "[build-system]\nrequires = ['setuptools']\n\n[project]\nname = 'web'\ndependencies = ['flask']\n";

describe("the app's dependency style and WSGI target", () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let n = 0;
  const app = (files: Record<string, string>) => writeApp(join(temp.dir, `app${n++}`), files);
  beforeEach(async () => {
    temp = await makeTempDir();
  });
  afterEach(() => temp.remove());

  it("detects each style from its files; a pyproject.toml without [project] and a Pipfile without its lock are not complete", async () => {
    expect(await detectDependencyStyles(await app({ "requirements.txt": "" }))).toEqual({ complete: ["requirements"], unlockedPipfile: false });
    expect(await detectDependencyStyles(await app({ Pipfile: "", "Pipfile.lock": "{}" }))).toEqual({ complete: ["pipenv"], unlockedPipfile: false });
    expect(await detectDependencyStyles(await app({ "pyproject.toml": project }))).toEqual({ complete: ["pyproject"], unlockedPipfile: false });
    expect(await detectDependencyStyles(await app({ "pyproject.toml": "[tool.ruff]\nline-length = 100\n", Pipfile: "" }))).toEqual({ complete: [], unlockedPipfile: true });
  });

  it("takes the one style an app has, and wsgi:app when wsgi.py defines app", async () => {
    const decided = await decideAppSettings({ appDir: await app({ "pyproject.toml": project, ...wsgi }), manifest });
    expect(decided).toEqual({ settings: { dependencyStyle: "pyproject", wsgiApp: "wsgi:app", ...defaultLayoutSettings }, notes: [] });
  });

  it("with several styles and no one to ask, takes the first in the templates' order and says so", async () => {
    const decided = await decideAppSettings({ appDir: await app({ "pyproject.toml": project, "requirements.txt": "", Pipfile: "", ...wsgi }), manifest });
    expect(decided.settings.dependencyStyle).toBe("requirements");
    expect(decided.notes).toEqual([
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
    expect(decided.settings).toEqual({ dependencyStyle: "pyproject", wsgiApp: "web:create_app()" });
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

  it("without wsgi.py and no one to ask, names what the code suggests and the flag to pass", async () => {
    const error = await decideAppSettings({ appDir: await app({ "requirements.txt": "", "app.py": "from flask import Flask\napp = Flask(__name__)\n" }), manifest }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WsgiAppNotFoundError);
    expect((error as Error).message).toContain("Its code suggests app:app.");
    expect((error as Error).message).toContain("Fix: pass --wsgi-app module:callable (e.g. --wsgi-app app:app)");
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

  it("a proxy template needs neither", async () => {
    const proxy = { ...manifest, kind: "proxy", dependencyStyles: undefined } as TemplateManifest;
    expect(await decideAppSettings({ appDir: await app({}), manifest: proxy })).toEqual({ settings: { dependencyStyle: null, wsgiApp: null }, notes: [] });
  });
});
