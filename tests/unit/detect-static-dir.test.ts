import { describe, expect, it } from "vitest";
import { detectStaticDir } from "../../packages/harness/src/scaffold/detect-static-dir.ts";
import { useTempApps } from "./fixtures/temp-apps.ts";

describe("detectStaticDir: the app's static folder, from its folders", () => {
  const app = useTempApps();

  it("takes a Flask package's static/, the one the WSGI target imports first", async () => {
    const appDir = await app({
      "flaskr/__init__.py": "",
      "flaskr/static/style.css": "",
      "admin/__init__.py": "",
      "admin/static/admin.css": "",
      "static/root.css": "",
    });
    expect(await detectStaticDir(appDir, "flaskr:create_app()")).toBe("flaskr/static");
    expect(await detectStaticDir(appDir, "wsgi:app")).toBe("admin/static");
    expect(await detectStaticDir(appDir, null)).toBe("admin/static");
  });

  it("takes the innermost package of a dotted WSGI module", async () => {
    const appDir = await app({ "site/__init__.py": "", "site/web/__init__.py": "", "site/web/static/a.css": "", "site/static/b.css": "" });
    expect(await detectStaticDir(appDir, "site.web.wsgi:app")).toBe("site/web/static");
  });

  it("takes static/ at the root when no package has one; a folder without __init__.py is no package", async () => {
    expect(await detectStaticDir(await app({ "app.py": "", "static/site.css": "", "assets/static/x.css": "" }), "app:app")).toBe("static");
  });

  it("finds none in an app without a static folder, or with only a file named static", async () => {
    expect(await detectStaticDir(await app({ "app.py": "", "api/__init__.py": "" }), "app:app")).toBeNull();
    expect(await detectStaticDir(await app({ "app.py": "", static: "not a folder", "web/__init__.py": "", "web/static": "" }), "app:app")).toBeNull();
  });

  it("takes the folder a FastAPI or Starlette app mounts with StaticFiles(directory=...), when it is a folder of the app", async () => {
    const main = 'from fastapi.staticfiles import StaticFiles\napp.mount("/static", StaticFiles(directory="./assets/public/"), name="static")\n';
    expect(await detectStaticDir(await app({ "web/__init__.py": "", "web/main.py": main, "assets/public/a.css": "", "static/b.css": "" }), "web.main:app")).toBe("assets/public");
    // Not a literal folder of the app (a computed path, one outside it, one missing): the folders decide.
    const computed = "app.mount('/s', StaticFiles(directory=BASE / 'x'))\napp.mount('/t', StaticFiles(directory='../shared'))\napp.mount('/u', StaticFiles(directory='missing'))\n";
    expect(await detectStaticDir(await app({ "main.py": computed, "static/b.css": "" }), "main:app")).toBe("static");
  });

  it("skips environments and hidden folders (a package's static/ installed in .venv is not the app's)", async () => {
    expect(await detectStaticDir(await app({ "venv/__init__.py": "", "venv/static/x.css": "", ".hidden/__init__.py": "", ".hidden/static/y.css": "" }), null)).toBeNull();
  });
});
