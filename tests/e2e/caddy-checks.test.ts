import { readFileSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caddyHttp } from "../../packages/harness/src/checks/caddy-http.ts";
import { caddyModules } from "../../packages/harness/src/checks/caddy-modules.ts";
import { caddyValidate } from "../../packages/harness/src/checks/caddy-validate.ts";
import type { CheckContext } from "../../packages/harness/src/checks/check.ts";
import { lint } from "../../packages/harness/src/checks/lint.ts";
import { buildImage } from "../../packages/harness/src/docker/build-image.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { chooseStandin, ensureStandin } from "../../packages/harness/src/hermetic/standins.ts";
import { newRunIdentity, removeRunResources } from "../../packages/harness/src/stack/run-labels.ts";
import { stageApp } from "../../packages/harness/src/staging/stage-app.ts";
import { goModuleSource } from "./fixtures/go-module-source.ts";

/**
 * The Caddy checks on the caddy template's image, built on the Caddy stand-in (Debian's 2.6.2) the
 * way hermetic mode builds it: they pass on the template as shipped, and fail, saying why, on a
 * broken Caddyfile (caddy-validate, and lint's Caddyfile branch), on one that needs a plugin the
 * image lacks, on an image built from a Caddyfile without two of its promises (caddy-http), and on
 * plugins' directives the image does not have. Where the Go module proxy answers, the caddy2-plugins variant is built on the
 * stand-ins compiled from source, and the checks see its plugins in the binary and at work over HTTP.
 */

const repo = resolve(import.meta.dirname, "..", "..");
const templatesDir = join(repo, "templates");
const run = newRunIdentity();
const manifest = JSON.parse(readFileSync(join(templatesDir, "caddy", "template.json"), "utf8")) as { variants: Array<{ id: string; buildArgs?: Record<string, string> }> };
/** The plugins the caddy2-plugins variant is verified with, as its manifest names them. */
const plugins = manifest.variants.find((variant) => variant.id === "caddy2-plugins")?.buildArgs?.CADDY_PLUGINS ?? "";
const tag = `dockerize-python-test/caddy-checks:${run.id}`;
/** The template built again from a Caddyfile broken on purpose (see caddy-http below). */
const brokenTag = `dpf-caddy-checks:${run.id}-caddyfile-without-encode-and-trusted-proxies`;
let stageDir: string;
/** What the Caddy checks on an image (caddy-validate, caddy-modules, caddy-http) read of the cell. */
type CaddyCheckContext = Pick<CheckContext, "cellId" | "kind" | "run" | "image" | "stageDir" | "buildArgs" | "templateFiles">;
let context: CaddyCheckContext;
/** The Caddy stand-in: what lint validates the template's Caddyfiles with, no image built. */
let caddyImage: string;
let scratch: string;

beforeAll(async () => {
  caddyImage = (await ensureStandin("caddy:2.10", () => {})).image;
  stageDir = await stageApp(join(repo, "sample-apps", "flask"), [join(templatesDir, "caddy", "files")], "caddy-checks");
  const buildArgs = { CADDY_IMAGE: caddyImage };
  await buildImage({ context: stageDir, dockerfile: join(stageDir, "docker/caddy/Dockerfile"), tag, buildArgs });
  scratch = await mkdtemp(join(tmpdir(), "dockerize-python-caddy-checks-"));
  context = {
    cellId: "caddy/caddy2",
    kind: "proxy",
    image: tag,
    stageDir,
    run,
    templateFiles: { dir: join(templatesDir, "caddy", "files"), dockerfile: "docker/caddy/Dockerfile", templatesDir },
    buildArgs,
  };
});

afterAll(async () => {
  await removeRunResources(run);
  await runDocker(["rmi", tag]).catch(() => {});
  await runDocker(["rmi", brokenTag]).catch(() => {});
  await rm(stageDir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

/** `from` replaced in `text`, which must hold it exactly once. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`the fixture expects exactly one ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

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
    const outcome = await caddyValidate({ ...context, templateFiles: { ...context.templateFiles, templatesDir: broken } });
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

  it("caddy-http: the plugins' directives fail on an image without them (caddy refuses the probe's Caddyfile)", async () => {
    expect(plugins).toContain("github.com/mholt/caddy-ratelimit");
    const outcome = await caddyHttp({ ...context, buildArgs: { ...context.buildArgs, CADDY_PLUGINS: plugins } });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/^2 of \d+ failed:/);
    expect(outcome.detail).toMatch(/plugin github\.com\/mholt\/caddy-ratelimit: its rate_limit directive works over HTTP: got caddy refused the probe's Caddyfile[\s\S]*rate_limit/);
    expect(outcome.detail).toMatch(/plugin github\.com\/caddyserver\/cache-handler: its cache directive works over HTTP: got caddy refused the probe's Caddyfile[\s\S]*cache/);
  });

  it("caddy-http: an image whose Caddyfile lost `encode` and `trusted_proxies` fails on compression and a trusted proxy's client address", async () => {
    // The staged app with the template's Caddyfile missing two lines, built as the cell was.
    const brokenStage = join(scratch, "caddyfile-without-encode-and-trusted-proxies");
    await cp(stageDir, brokenStage, { recursive: true });
    const caddyfile = join(brokenStage, "docker", "caddy", "Caddyfile");
    let text = await readFile(caddyfile, "utf8");
    text = replaceOnce(text, "\tencode zstd gzip\n", "");
    text = replaceOnce(text, "\t\t\ttrusted_proxies {$CADDY_TRUSTED_PROXIES}\n", "");
    await writeFile(caddyfile, text);
    await buildImage({ context: brokenStage, dockerfile: join(brokenStage, "docker/caddy/Dockerfile"), tag: brokenTag, buildArgs: context.buildArgs });

    const outcome = await caddyHttp({ ...context, image: brokenTag, stageDir: brokenStage });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/^2 of \d+ failed:\n/);
    expect(outcome.detail).toContain("\ncompression: gzip when the client accepts it: got (none)\n");
    expect(outcome.detail).toMatch(/\nclient address via a trusted proxy: the app gets X-Forwarded-For "203\.0\.113\.7, [\d.]+" and X-Real-IP [\d.]+: got \{"x_forwarded_for":"[\d.]+"/);
  });

  it("lint: the template's files pass without a build", async () => {
    const outcome = await lint({ templateFiles: context.templateFiles, compose: undefined, caddyImage });
    expect(outcome.status, outcome.detail).toBe("pass");
  });

  it("lint: a template whose Caddyfile caddy refuses fails, with Caddy's error and line", async () => {
    const broken = await templatesWithCaddyfile("lint-broken", ":8080 {\n\tnot_a_directive\n}\n");
    const outcome = await lint({ templateFiles: { ...context.templateFiles, dir: join(broken, "caddy", "files") }, compose: undefined, caddyImage });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail.split("\n").slice(1)).toEqual([
      expect.stringMatching(/^docker\/caddy\/Caddyfile \[caddy-validate\] Error: .*Caddyfile:2.*\. Fix: correct the Caddyfile; the error names its line$/),
    ]);
  });
});

const goModules = await goModuleSource();

describe.skipIf(!goModules)("the caddy2-plugins image, built on the stand-ins compiled from source (needs go and its Go module proxy)", () => {
  const pluginsTag = `dockerize-python-test/caddy-checks:${run.id}-plugins`;
  let plugged: CaddyCheckContext;

  beforeAll(async () => {
    const sources = { goModules: goModules! };
    const builder = (await ensureStandin("caddy:2.10-builder", () => {}, sources)).image;
    const caddy = (await ensureStandin("caddy:2.10", () => {}, sources)).image;
    const go = chooseStandin("caddy:2.10-builder", sources)!;
    const buildArgs = { CADDY_IMAGE: caddy, CADDY_BUILDER_IMAGE: builder, CADDY_PLUGINS: plugins, ...go.buildArgs };
    await buildImage({ context: stageDir, dockerfile: join(stageDir, "docker/caddy/Dockerfile"), tag: pluginsTag, buildArgs, secretFiles: go.secretFiles });
    plugged = { ...context, cellId: "caddy/caddy2-plugins", image: pluginsTag, buildArgs };
  });

  afterAll(async () => {
    await runDocker(["rmi", pluginsTag]).catch(() => {});
  });

  it("caddy-modules: each plugin's modules are in the binary, beside those the Caddyfile uses", async () => {
    const outcome = await caddyModules(plugged);
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toContain("github.com/mholt/caddy-ratelimit: http.handlers.rate_limit");
    expect(outcome.detail).toMatch(/github\.com\/caddyserver\/cache-handler: [^;]*http\.handlers\.cache/);
  });

  it("caddy-http: the Caddyfile's behaviours, a rate limit answering 429 and a cache answering a hit", async () => {
    const outcome = await caddyHttp(plugged);
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toContain("plugin github.com/mholt/caddy-ratelimit: its rate_limit directive works over HTTP");
    expect(outcome.detail).toContain("plugin github.com/caddyserver/cache-handler: its cache directive works over HTTP");
  });

  it("runs the caddy built from source, the official image's version", async () => {
    const { stdout } = await runDocker(["run", "--rm", "--entrypoint", "caddy", pluginsTag, "version"]);
    expect(stdout).toMatch(/^v2\.10\.2 /);
  });
});
