import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeUp } from "../../packages/harness/src/checks/compose-up.ts";
import { httpThroughCaddy } from "../../packages/harness/src/checks/http-through-caddy.ts";
import type { ChecksReading } from "../../packages/harness/src/checks/registry.ts";
import type { AppProbe } from "../../packages/harness/src/stack/app-probe.ts";
import type { ComposeProject } from "../../packages/harness/src/stack/compose-project.ts";
import type { RunningStack } from "../../packages/harness/src/stack/start-stack.ts";
import { makeTempDir } from "./fixtures/template-fixture.ts";

/**
 * The checks that know the app serves by its probe, on a user's app: which ones read it (their
 * types say so), and the two whose probing part runs without Docker against a local server standing
 * in for Caddy in front of an app that has no /healthz route and one static file.
 */

// TypeScript holds these to exactly the checks whose Check<Pick<CheckContext, ...>> names the member.
const readProbe: Record<ChecksReading<"probe">, true> = {
  // Through Caddy (the stack's, compose's, the onbuild child's), then on an app container of the check's own.
  "http-through-caddy": true, "compose-up": true, "onbuild-child": true, "cap-drop-all": true, "proxy-upstream-down": true,
  "db-wait": true, "read-only-rootfs": true, "arbitrary-uid": true, "sigterm-graceful": true,
};
const readStaticDir: Record<ChecksReading<"staticDir">, true> = { "http-through-caddy": true, "static-refresh": true };

let server: Server;
let url: string;
let temp: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  server = createServer((request, response) => {
    const routes: Record<string, [number, string]> = { "/": [302, ""], "/static/css/site.css": [200, "body {}\n"], "/broken": [500, "boom\n"] };
    const [status, body] = routes[request.url ?? ""] ?? [404, "not found\n"];
    response.statusCode = status;
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  temp = await makeTempDir();
  await mkdir(join(temp.dir, "web", "static", "css"), { recursive: true });
  await writeFile(join(temp.dir, "web", "static", "css", "site.css"), "body {}\n");
  await writeFile(join(temp.dir, "web", "static", ".gitkeep"), "");
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await temp.remove();
});

const probe = (path: string): AppProbe => ({ path, showsDatabaseVersion: false });
/** The part of a running stack http-through-caddy uses for a probe without the database version: Caddy's URL. */
const stackAt = (proxyUrl: string) => async () => ({ proxyUrl }) as RunningStack;

describe("the checks that know the app serves by its probe", () => {
  it("are every check that waits for the app to serve (their types say it; tsc holds the lists above to them)", () => {
    expect(Object.keys(readProbe)).not.toContain("password-special-chars");
    expect(Object.keys(readStaticDir)).toEqual(["http-through-caddy", "static-refresh"]);
  });

  it("http-through-caddy: a 404 at the probed path counts, and the first file of the recorded static folder comes from Caddy", async () => {
    const outcome = await httpThroughCaddy({ stageDir: temp.dir, staticDir: "web/static", stack: stackAt(url), probe: probe("/healthz") });
    expect(outcome).toEqual({
      status: "pass",
      detail: "GET /healthz -> 404 (any answer below 500: the app serves); GET /static/css/site.css -> 200, 8 bytes identical to web/static/css/site.css",
    });
  });

  it("http-through-caddy: an app without a static folder passes on its probe, and says the static part was not measured", async () => {
    const outcome = await httpThroughCaddy({ stageDir: temp.dir, staticDir: null, stack: stackAt(url), probe: probe("/") });
    expect(outcome).toEqual({ status: "pass", detail: "GET / -> 302 (any answer below 500: the app serves); static files not measured: the app has no static folder" });
  });

  it("http-through-caddy: a 500, or a 200 without the expected text, fails", async () => {
    expect(await httpThroughCaddy({ stageDir: temp.dir, staticDir: null, stack: stackAt(url), probe: probe("/broken") })).toEqual({
      status: "fail",
      detail: "through Caddy GET /broken answered 500, not any answer below 500: boom",
    });
    const expecting = { path: "/static/css/site.css", text: "Hello", showsDatabaseVersion: false };
    expect(await httpThroughCaddy({ stageDir: temp.dir, staticDir: null, stack: stackAt(url), probe: expecting })).toEqual({
      status: "fail",
      detail: 'through Caddy GET /static/css/site.css answered 200, not 200 with "Hello": body {}',
    });
  });

  it("compose-up: the services up and healthy, then the probe on the published port", async () => {
    const project = {
      url,
      firstUpSeconds: 12.3,
      // compose's plain progress: the service's name before the stage; the install reused, the code's step not.
      firstBuildLog: [
        "#9 [app builder 2/4] RUN apt-get update",
        "#9 CACHED",
        "#12 [app builder 4/4] RUN --mount=type=cache,target=/root/.cache install-dependencies",
        "#12 CACHED",
        "#14 [app runtime 5/5] COPY . /app",
        "#15 [app runtime 6/6] RUN link-writable-dirs",
        "#15 DONE 0.3s",
      ].join("\n"),
      services: async () => [
        { service: "app", state: "running", health: "healthy" },
        { service: "caddy", state: "running", health: "" },
      ],
    } as ComposeProject;
    const compose = { file: "compose.yaml", env: {} };
    expect(await composeUp({ compose, composeProject: async () => project, probe: probe("/healthz") })).toEqual({
      status: "pass",
      detail: "up in 12.3 s (app healthy, caddy running; its build took 2 of 3 RUN steps from the cache; ran: [app runtime]); GET /healthz -> 404 (any answer below 500: the app serves)",
    });
    expect((await composeUp({ compose, composeProject: async () => project, probe: probe("/broken") })).detail).toBe(
      "compose is up, but on the published port GET /broken answered 500, not any answer below 500: boom",
    );
  });
});
