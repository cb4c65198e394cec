import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cell, discoverTemplates, expandMatrix, type LoadedTemplate } from "@dockerize-python/harness";
import { buildCellImage, buildProxyImage, releaseRunImageNames } from "../../packages/harness/src/matrix/build-cell-images.ts";
import type { CellToVerify, VerifyCellOptions } from "../../packages/harness/src/matrix/cell-to-verify.ts";
import type { BuildEnvironment } from "../../packages/harness/src/sources/build-environment.ts";
import { useFakeDocker } from "./fixtures/fake-docker.ts";
import { makeTempDir, validManifest, writeTemplate } from "./fixtures/template-fixture.ts";

/** The --tag values of a `docker buildx build` call, and its APP_IMAGE build arg. */
const tagsOf = (call: string) => [...call.matchAll(/--tag (\S+)/g)].map((match) => match[1]);
const appImageOf = (call: string) => /--build-arg APP_IMAGE=(\S+)/.exec(call)?.[1];

describe("a run's own names for a cell's images", () => {
  // Every build succeeds; every other command too.
  const docker = useFakeDocker("exit 0");
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let cell: CellToVerify;
  let proxy: LoadedTemplate;
  const run = { id: "5e1f00d5", labels: {}, composeProjects: new Set<string>() };

  beforeAll(async () => {
    temp = await makeTempDir();
    await writeTemplate(temp.dir, "slim");
    await writeTemplate(temp.dir, "caddy", { manifest: { ...validManifest("caddy"), kind: "proxy", appKinds: undefined, compose: undefined, stack: undefined, checks: ["non-root"] } });
    const templates = await discoverTemplates(temp.dir);
    proxy = templates.find((template) => template.name === "caddy")!;
    const appCell = expandMatrix(templates).find((c: Cell) => c.template.name === "slim")!;
    cell = { ...appCell, companions: [proxy], proxy };
  });
  afterAll(async () => temp.remove());

  const environment = { imageFor: (ref: string) => `stand-in/${ref}`, packageIndexFor: () => undefined, goProxy: undefined, caBundle: undefined } as unknown as BuildEnvironment;
  const options = () => ({ environment, run, logDir: join(temp.dir, "logs"), step: () => {}, proxyBuildArgs: {} }) as unknown as VerifyCellOptions;
  const provenance = { created: "2026-12-07T12:00:00Z", revision: "unknown" };

  it("tags the cell's image with its cell name and the run's, and the checks get the run's (no other run moves it)", async () => {
    const image = await buildCellImage(cell, temp.dir, provenance, options());
    const [build] = (await docker.calls()).filter((call) => call.startsWith("buildx build"));
    expect(tagsOf(build!)).toEqual([`dockerize-python-cell/slim:${cell.variant.id}`, `dockerize-python-cell/slim:${cell.variant.id}-run-5e1f00d5`]);
    expect(image.tag).toBe(`dockerize-python-cell/slim:${cell.variant.id}-run-5e1f00d5`);
    // A check's build under a tag of its own names nothing else: the cell's names stay on the image the checks examine.
    await image.rebuild({ tag: `${image.tag}-secrets-probe` });
    expect(tagsOf((await docker.calls()).filter((call) => call.startsWith("buildx build"))[1]!)).toEqual([`${image.tag}-secrets-probe`]);
  });

  it("builds the proxy from this run's image of the app, under its cell name and the run's", async () => {
    const built = await buildProxyImage(cell, proxy, temp.dir, provenance, options());
    const [build] = (await docker.calls()).filter((call) => call.startsWith("buildx build"));
    expect(appImageOf(build!)).toBe(`dockerize-python-cell/slim:${cell.variant.id}-run-5e1f00d5`);
    expect(tagsOf(build!)).toEqual([`dockerize-python-cell/slim:${cell.variant.id}-proxy`, `dockerize-python-cell/slim:${cell.variant.id}-run-5e1f00d5-proxy`]);
    expect(built.tag).toBe(`dockerize-python-cell/slim:${cell.variant.id}-run-5e1f00d5-proxy`);
  });

  it("takes the run's names off at the cell's end, and only those", async () => {
    await releaseRunImageNames(cell, run);
    expect(await docker.calls()).toEqual([
      `image rm dockerize-python-cell/slim:${cell.variant.id}-run-5e1f00d5`,
      `image rm dockerize-python-cell/slim:${cell.variant.id}-run-5e1f00d5-proxy`,
    ]);
  });
});
