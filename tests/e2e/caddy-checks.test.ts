import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caddyHttp } from "../../packages/harness/src/checks/caddy-http.ts";
import { caddyModules } from "../../packages/harness/src/checks/caddy-modules.ts";
import { caddyValidate } from "../../packages/harness/src/checks/caddy-validate.ts";
import type { CheckContext } from "../../packages/harness/src/checks/check.ts";
import { lint } from "../../packages/harness/src/checks/lint.ts";
import { buildImage } from "../../packages/harness/src/docker/build-image.ts";
import { inspectImage } from "../../packages/harness/src/docker/inspect-image.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { ensureStandin } from "../../packages/harness/src/hermetic/standins.ts";
import { newRunIdentity, removeRunResources } from "../../packages/harness/src/stack/run-labels.ts";
import { stageApp } from "../../packages/harness/src/staging/stage-app.ts";

/**
 * The Caddy checks on the caddy template's image, built on the Caddy stand-in (Debian's 2.6.2) the
 * way hermetic mode builds it: they pass on the template as shipped, and fail, saying why, on a
 * broken Caddyfile and on one that needs a plugin the image lacks.
 */

const repo = resolve(import.meta.dirname, "..", "..");
const templatesDir = join(repo, "templates");
const run = newRunIdentity();
const tag = `dockerize-python-test/caddy-checks:${run.id}`;
let stageDir: string;
let context: CheckContext;
let scratch: string;

beforeAll(async () => {
  const caddyImage = (await ensureStandin("caddy:2.10", () => {})).image;
  stageDir = await stageApp(join(repo, "sample-app"), [join(templatesDir, "caddy", "files")], "caddy-checks");
  const buildArgs = { CADDY_IMAGE: caddyImage };
  const build = () => buildImage({ context: stageDir, dockerfile: join(stageDir, "docker/caddy/Dockerfile"), tag, buildArgs });
  await build();
  scratch = await mkdtemp(join(tmpdir(), "dockerize-python-caddy-checks-"));
  context = {
    cellId: "caddy/caddy2",
    kind: "proxy",
    image: tag,
    facts: await inspectImage(tag),
    expectedUser: { uid: 10002, gid: 10002 },
    sizeBudgetBytes: 155e6,
    stageDir,
    rebuild: build,
    stack: () => Promise.reject(new Error("a proxy cell has no stack")),
    compose: undefined,
    expectedGreeting: "Hello World From Docker!",
    run,
    log: () => {},
    templateFiles: { dir: join(templatesDir, "caddy", "files"), dockerfile: "docker/caddy/Dockerfile", templatesDir },
    buildArgs,
    caddyImage,
  };
});

afterAll(async () => {
  await removeRunResources(run);
  await runDocker(["rmi", tag]).catch(() => {});
  await rm(stageDir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

/** A templates folder holding one template whose Caddyfile is `caddyfile`. */
async function templatesWithCaddyfile(name: string, caddyfile: string): Promise<string> {
  const dir = join(scratch, name);
  await cp(join(templatesDir, "caddy"), join(dir, "caddy"), { recursive: true });
  await writeFile(join(dir, "caddy", "files", "docker", "caddy", "Caddyfile"), caddyfile);
  return dir;
}

describe("the caddy template's image on the Caddy stand-in", () => {
  it("caddy-validate: the baked-in Caddyfile and every shipped one are valid", async () => {
    const outcome = await caddyValidate(context);
    expect(outcome.detail).toContain("caddy/files/docker/caddy/Caddyfile");
    expect(outcome.status, outcome.detail).toBe("pass");
  });

  it("caddy-validate: a broken shipped Caddyfile fails with Caddy's error and line", async () => {
    const broken = await templatesWithCaddyfile("broken", ":8080 {\n\tnot_a_directive\n}\n");
    const outcome = await caddyValidate({ ...context, templateFiles: { ...context.templateFiles!, templatesDir: broken } });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/caddy\/files\/docker\/caddy\/Caddyfile: Error: .*Caddyfile:2/);
  });

  it("caddy-modules: every module the Caddyfile uses is in the image", async () => {
    const outcome = await caddyModules(context);
    expect(outcome.status, outcome.detail).toBe("pass");
    for (const module of ["http.handlers.reverse_proxy", "http.handlers.file_server", "http.encoders.zstd", "http.matchers.header"]) {
      expect(outcome.detail).toContain(module);
    }
  });

  it("caddy-modules: a plugin named in CADDY_PLUGINS but absent from the binary fails", async () => {
    const outcome = await caddyModules({ ...context, buildArgs: { CADDY_PLUGINS: "github.com/caddyserver/cache-handler" } });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toContain("github.com/caddyserver/cache-handler");
  });

  it("caddy-http: CORS, expiry, compression and the client address behave as the Caddyfile says", async () => {
    const outcome = await caddyHttp(context);
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toContain("preflight");
  });

  it("lint: the template's files pass without a build", async () => {
    const outcome = await lint({ cellId: context.cellId, kind: "proxy", compose: undefined, log: () => {}, templateFiles: context.templateFiles!, caddyImage: context.caddyImage });
    expect(outcome.status, outcome.detail).toBe("pass");
  });
});
