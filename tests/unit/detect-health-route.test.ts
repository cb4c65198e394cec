import { describe, expect, it } from "vitest";
import { detectHealthRoute } from "../../packages/harness/src/scaffold/detect-health-route.ts";

const file = (path: string, source: string) => ({ path, source });

describe("detectHealthRoute: the app's health route, from its route declarations", () => {
  it("finds decorators and add_url_rule, in either quotes", () => {
    expect(detectHealthRoute([file("app.py", '@app.route("/health")\ndef health():\n    return "ok"\n')])).toEqual({ path: "/health", file: "app.py" });
    expect(detectHealthRoute([file("web/ops.py", "@bp.get('/healthz')\ndef healthz():\n    return {}\n")])).toEqual({ path: "/healthz", file: "web/ops.py" });
    expect(detectHealthRoute([file("app.py", 'app.add_url_rule("/ping", view_func=ping)\n')])).toEqual({ path: "/ping", file: "app.py" });
    expect(detectHealthRoute([file("app.py", '    @router.api_route( "/status/", methods=["GET"])\n')])).toEqual({ path: "/status/", file: "app.py" });
  });

  it("finds a Django URL pattern, relative to the root", () => {
    const urls = 'urlpatterns = [\n    path("", views.hello),\n    path("healthz/", views.healthz),\n    path("admin/", admin.site.urls),\n]\n';
    expect(detectHealthRoute([file("mysite/urls.py", urls)])).toEqual({ path: "/healthz/", file: "mysite/urls.py" });
    expect(detectHealthRoute([file("mysite/urls.py", 'os.path.join(BASE_DIR, "health")\n')])).toBeNull();
  });

  it("prefers /healthz, /health, /livez, /ping, /status in that order, whatever the files' order", () => {
    const files = [file("a.py", '@app.get("/ping")\n'), file("b.py", '@app.get("/livez")\n@app.get("/health")\n')];
    expect(detectHealthRoute(files)).toEqual({ path: "/health", file: "b.py" });
  });

  it("finds none among other routes, longer paths, or a mention that is no route", () => {
    const files = [
      file("api.py", '@app.route("/api/health")\n@app.get("/healthcheck")\n@app.route("/")\n'),
      file("notes.py", 'HEALTH = "/healthz"\nrequests.get("/health")\n'),
    ];
    expect(detectHealthRoute(files)).toBeNull();
  });
});
