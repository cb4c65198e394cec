import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templateManifestSchema } from "@dockerize-python/harness";
import { dataSurvivesRestart } from "../../packages/harness/src/checks/data-survives-restart.ts";
import { staticRefresh } from "../../packages/harness/src/checks/static-refresh.ts";
import { type ComposeProject, ComposeUpFailedError } from "../../packages/harness/src/stack/compose-project.ts";
import { validManifest } from "./fixtures/template-fixture.ts";

/**
 * The compose checks' answers when there is nothing to measure, without Docker: an app without the
 * routes or files they use is a skip with the reason (never a pass), a project that did not come up
 * a failure. What they measure on real stacks is in tests/e2e/secrets-data-static.test.ts.
 */

let server: Server;
let url: string;
let scratch: string;

beforeAll(async () => {
  // A user's app: no /visits route.
  server = createServer((request, response) => {
    response.statusCode = request.url === "/" ? 200 : 404;
    response.end(request.url === "/" ? "hello\n" : "not found\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  scratch = await mkdtemp(join(tmpdir(), "dockerize-python-compose-checks-"));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

/** A project that is up at `url` and must not be taken down: these cases end before any down or up. */
const upProject = (): ComposeProject => ({
  name: "dp-test-compose",
  url,
  firstUpSeconds: 1,
  firstBuildLog: "",
  up: () => Promise.reject(new Error("not expected: up")),
  down: () => Promise.reject(new Error("not expected: down")),
  services: async () => [],
  volumes: async () => [],
  remove: async () => {},
});

describe("data-survives-restart", () => {
  it("skips an app without /visits, saying why", async () => {
    const outcome = await dataSurvivesRestart({ composeProject: async () => upProject() });
    expect(outcome).toEqual({ status: "skip", detail: expect.stringMatching(/^the app has no \/visits route \(GET \/visits -> 404\)/) });
  });

  it("fails when the project did not come up, with compose's reason", async () => {
    const outcome = await dataSurvivesRestart({
      composeProject: () => Promise.reject(new ComposeUpFailedError("docker compose up did not bring the services up healthy: db unhealthy")),
    });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toContain("db unhealthy");
  });
});

describe("static-refresh", () => {
  const notStarted = () => Promise.reject(new Error("not expected: the project"));

  it("skips an app with no static files, or no static folder at all, without starting anything", async () => {
    expect(await staticRefresh({ stageDir: scratch, staticDir: "static", composeProject: notStarted })).toEqual({
      status: "skip",
      detail: "the app's static folder static/ holds no file for the proxy to serve",
    });
    expect(await staticRefresh({ stageDir: scratch, staticDir: null, composeProject: notStarted })).toEqual({
      status: "skip",
      detail: "the app has no static folder (its recorded staticDir is null), so there is no static file to change",
    });
  });

  it("skips a static folder holding only hidden files (a .gitkeep)", async () => {
    const app = join(scratch, "gitkeep");
    await mkdir(join(app, "web", "static"), { recursive: true });
    await writeFile(join(app, "web", "static", ".gitkeep"), "");
    const outcome = await staticRefresh({ stageDir: app, staticDir: "web/static", composeProject: notStarted });
    expect(outcome.status).toBe("skip");
  });

  it("fails when the proxy does not serve the file before any change", async () => {
    const app = join(scratch, "app");
    await mkdir(join(app, "static"), { recursive: true });
    await writeFile(join(app, "static", "site.css"), "body {}\n");
    const outcome = await staticRefresh({ stageDir: app, staticDir: "static", composeProject: async () => upProject() });
    expect(outcome).toEqual({ status: "fail", detail: "before any change, GET /static/site.css answered 404 with 10 bytes, not the 8 bytes of static/site.css" });
  });
});

describe("the manifest schema", () => {
  it.each(["data-survives-restart", "static-refresh"])("refuses %s without a compose file and a stack", (check) => {
    const manifest: Record<string, unknown> = { ...validManifest("slim"), kind: "proxy", appKinds: undefined, checks: [check] };
    delete manifest.compose;
    delete manifest.stack;
    const parsed = templateManifestSchema.safeParse(manifest);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([`check "${check}" needs a stack`, `check "${check}" needs a compose file`]);
  });
});
