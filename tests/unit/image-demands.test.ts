import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverTemplates, expandMatrix, imageDemands, imagesToResolve, type LoadedTemplate, pulledPlatformTag } from "@dockerize-python/harness";
import { makeTempDir, validManifest, validProxyManifest, writeTemplate } from "./fixtures/template-fixture.ts";

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let templates: LoadedTemplate[];
beforeAll(async () => {
  temp = await makeTempDir();
  await writeTemplate(temp.dir, "slim", { manifest: { ...validManifest("slim"), platforms: ["linux/amd64", "linux/arm64"], companions: ["caddy"] } });
  const caddy = validProxyManifest("caddy", {
    buildArgs: { CADDY_IMAGE: { description: "The Caddy image.", role: "base-image" } },
    variants: [{ id: "caddy2", baseImages: { CADDY_IMAGE: "caddy:2.10" }, sizeBudgetMB: 60 }],
  });
  await writeTemplate(temp.dir, "caddy", { manifest: caddy, files: { "docker/Dockerfile": "ARG CADDY_IMAGE\nFROM ${CADDY_IMAGE}\n" } });
  templates = await discoverTemplates(temp.dir);
});
afterAll(async () => temp.remove());

/** The cells of `slim` with their companion, as the matrix runner gives them to imageDemands. */
function slimCells() {
  const caddy = templates.find((template) => template.name === "caddy")!;
  return expandMatrix(templates, ["slim"]).map((cell) => ({ ...cell, companions: [caddy], proxy: caddy }));
}

describe("imageDemands", () => {
  it("asks for an emulated cell's base images on its platform, and its proxy's and database's on the engine's own", () => {
    const arm = slimCells().filter((cell) => cell.platform);
    expect(imageDemands(arm)).toEqual([
      { images: ["python:3.13-slim-trixie"], platform: "linux/arm64", needs: arm[0]!.needs },
      { images: ["caddy:2.10", "postgres:17-trixie"], needs: arm[0]!.needs },
      { images: ["python:3.11-slim-bookworm"], platform: "linux/arm64", needs: arm[1]!.needs },
      { images: ["caddy:2.10", "postgres:17-trixie"], needs: arm[1]!.needs },
    ]);
  });

  it("asks for a base image its manifest builds on the build platform (a cross-compiler) on the engine's own", async () => {
    const crossing = await makeTempDir();
    try {
      const proxy = validProxyManifest("proxy", {
        platforms: ["linux/amd64", "linux/arm64"],
        buildArgs: {
          CADDY_IMAGE: { description: "The Caddy image.", role: "base-image" },
          CADDY_BUILDER_IMAGE: { description: "The builder.", role: "base-image", buildPlatform: true },
        },
        variants: [{ id: "plugins", baseImages: { CADDY_IMAGE: "caddy:2.10", CADDY_BUILDER_IMAGE: "caddy:2.10-builder" }, sizeBudgetMB: 60 }],
      });
      const dockerfile = "ARG CADDY_IMAGE\nARG CADDY_BUILDER_IMAGE\nFROM --platform=${BUILDPLATFORM} ${CADDY_BUILDER_IMAGE} AS build\nFROM ${CADDY_IMAGE}\n";
      await writeTemplate(crossing.dir, "proxy", { manifest: proxy, files: { "docker/Dockerfile": dockerfile } });
      const cells = expandMatrix(await discoverTemplates(crossing.dir)).map((cell) => ({ ...cell, companions: [], proxy: undefined }));
      expect(imageDemands(cells)).toEqual([
        { images: ["caddy:2.10", "caddy:2.10-builder"] },
        { images: ["caddy:2.10"], platform: "linux/arm64" },
        { images: ["caddy:2.10-builder"] },
      ]);
    } finally {
      await crossing.remove();
    }
  });

  it("asks nothing for an emulated cell that builds nothing (its checks all static: --check lint)", () => {
    const lintOnly = slimCells().map((cell) => ({ ...cell, checks: ["lint" as const] }));
    // Only the caddy lint validates Caddyfiles with, the engine's own.
    expect(imageDemands(lintOnly.filter((cell) => cell.platform))).toEqual([{ images: ["caddy:2.10"] }]);
    expect(imageDemands(lintOnly.filter((cell) => !cell.platform))).toEqual([
      { images: ["python:3.13-slim-trixie", "caddy:2.10", "postgres:17-trixie"] },
      { images: ["python:3.11-slim-bookworm", "caddy:2.10", "postgres:17-trixie"] },
      { images: ["caddy:2.10"] },
    ]);
  });

  it("asks for the first platform's cells what it always did: one demand each, no platform", () => {
    const first = slimCells().filter((cell) => !cell.platform);
    expect(imageDemands(first)).toEqual([
      { images: ["python:3.13-slim-trixie", "caddy:2.10", "postgres:17-trixie"] },
      { images: ["python:3.11-slim-bookworm", "caddy:2.10", "postgres:17-trixie"] },
    ]);
  });
});

describe("imagesToResolve", () => {
  it("keeps one reference once per platform, another platform's first", () => {
    const demands = [
      { images: ["python:3.13-slim-trixie", "postgres:17-trixie"] },
      { images: ["python:3.13-slim-trixie"], platform: "linux/arm64" as const },
      { images: ["python:3.13-slim-trixie", "caddy:2.10"] },
    ];
    expect(imagesToResolve(demands)).toEqual([
      { official: "python:3.13-slim-trixie", platform: "linux/arm64" },
      { official: "caddy:2.10" },
      { official: "postgres:17-trixie" },
      { official: "python:3.13-slim-trixie" },
    ]);
  });
});

describe("pulledPlatformTag", () => {
  it("names another platform's pull under dockerize-python-pulled/, never with an official name", () => {
    expect(pulledPlatformTag("python:3.13-slim-trixie", "linux/arm64")).toBe("dockerize-python-pulled/python:3.13-slim-trixie-arm64");
    expect(pulledPlatformTag(`127.0.0.1:5000/org/app:1.2@sha256:${"a".repeat(64)}`, "linux/arm64")).toBe("dockerize-python-pulled/127.0.0.1-5000-org-app:1.2-arm64");
  });
});
