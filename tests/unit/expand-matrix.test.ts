import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cell, discoverTemplates, emulatedPlatformChecks, expandMatrix, type LoadedTemplate, pairStylesWithAppKinds, UnknownTemplateError } from "@dockerize-python/harness";
import { makeTempDir, validManifest, validProxyManifest, writeTemplate } from "./fixtures/template-fixture.ts";

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let templates: LoadedTemplate[];
beforeAll(async () => {
  temp = await makeTempDir();
  await writeTemplate(temp.dir, "slim");
  const proxy = validProxyManifest("proxy", {
    buildArgs: { PYTHON_IMAGE: { description: "The base image.", role: "base-image" } },
    variants: [{ id: "v2", baseImages: { PYTHON_IMAGE: "caddy:2.10" }, sizeBudgetMB: 60 }],
  });
  await writeTemplate(temp.dir, "kinds", {
    manifest: { ...validManifest("kinds"), appKinds: ["wsgi", "django"], dependencyStyles: ["requirements", "pipenv", "pyproject"] },
  });
  await writeTemplate(temp.dir, "proxy", { manifest: proxy, files: { "docker/Dockerfile": "ARG PYTHON_IMAGE\nFROM ${PYTHON_IMAGE}\n" } });
  templates = await discoverTemplates(temp.dir);
});
afterAll(async () => temp.remove());

describe("expandMatrix", () => {
  it("makes one cell per variant, in template then variant order", () => {
    expect(expandMatrix(templates, ["proxy", "slim"]).map((cell) => cell.id)).toEqual(["proxy/v2", "slim/py3.13", "slim/py3.11"]);
  });

  it("merges the defaults, the variant's build args and its base images", () => {
    const cells = expandMatrix(templates, ["slim"]);
    expect(cells.map(({ id, python, buildArgs, baseImages, sizeBudgetBytes, checks }) => ({ id, python, buildArgs, baseImages, sizeBudgetBytes, checks }))).toEqual([
      {
        id: "slim/py3.13",
        python: "3.13",
        buildArgs: { PYTHON_IMAGE: "python:3.13-slim-trixie", WORKERS: "2" },
        baseImages: { PYTHON_IMAGE: "python:3.13-slim-trixie" },
        sizeBudgetBytes: 250_000_000,
        checks: ["non-root", "size-budget", "http-through-caddy"],
      },
      {
        id: "slim/py3.11",
        python: "3.11",
        buildArgs: { PYTHON_IMAGE: "python:3.11-slim-bookworm", WORKERS: "4" },
        baseImages: { PYTHON_IMAGE: "python:3.11-slim-bookworm" },
        sizeBudgetBytes: 260_500_000,
        checks: ["non-root", "size-budget", "http-through-caddy"],
      },
    ]);
    expect(cells[0]?.template.name).toBe("slim");
    expect(cells[0]?.variant.id).toBe("py3.13");
  });

  it("gives null python to a variant without one, and rejects an unknown template", () => {
    expect(expandMatrix(templates, ["proxy"])[0]?.python).toBeNull();
    expect(() => expandMatrix(templates, ["slimm"])).toThrow(UnknownTemplateError);
  });

  it("gives each cell the template's one app kind, and a proxy none", () => {
    expect(expandMatrix(templates, ["slim", "proxy"]).map((cell) => [cell.id, cell.appKind])).toEqual([
      ["proxy/v2", null],
      ["slim/py3.13", "wsgi"],
      ["slim/py3.11", "wsgi"],
    ]);
  });

  it("prunes styles × app kinds as the manifests' rule says: each style once per variant, the kinds taking turns, shifted per variant", () => {
    expect(expandMatrix(templates, ["kinds"]).map((cell) => [cell.id, cell.appKind])).toEqual([
      ["kinds/py3.13-requirements", "wsgi"],
      ["kinds/py3.13-pipenv-django", "django"],
      ["kinds/py3.13-pyproject", "wsgi"],
      ["kinds/py3.11-requirements-django", "django"],
      ["kinds/py3.11-pipenv", "wsgi"],
      ["kinds/py3.11-pyproject-django", "django"],
    ]);
  });

  it("names the kind in a cell's id only when it is not the template's first: adding a kind renames only the cells that now serve it", async () => {
    const single = await makeTempDir();
    try {
      await writeTemplate(single.dir, "kinds", { manifest: { ...validManifest("kinds"), appKinds: ["wsgi"], dependencyStyles: ["requirements", "pipenv", "pyproject"] } });
      const [before] = await discoverTemplates(single.dir);
      const ids = expandMatrix([before!]).map((cell) => cell.id);
      const after = expandMatrix(templates, ["kinds"]);
      // Every cell that kept the first kind kept its id; the others name theirs.
      for (const cell of after) expect(ids.includes(cell.id), cell.id).toBe(cell.appKind === "wsgi");
      expect(after.filter((cell) => cell.appKind === "django").every((cell) => cell.id.endsWith("-django"))).toBe(true);
    } finally {
      await single.remove();
    }
  });

  it("gives a kind that no style got a cell of its own, with the first style", () => {
    expect(pairStylesWithAppKinds(["requirements"], ["wsgi", "asgi", "django"], 1)).toEqual([
      { dependencyStyle: "requirements", appKind: "asgi" },
      { dependencyStyle: "requirements", appKind: "wsgi" },
      { dependencyStyle: "requirements", appKind: "django" },
    ]);
    expect(pairStylesWithAppKinds([], ["asgi"], 0)).toEqual([{ dependencyStyle: null, appKind: "asgi" }]);
    expect(pairStylesWithAppKinds([], [], 3)).toEqual([{ dependencyStyle: null, appKind: null }]);
  });

  it("is pure: the templates are left as they were", () => {
    const before = JSON.stringify(templates);
    const [cell] = expandMatrix(templates);
    if (cell) cell.buildArgs.EXTRA = "x";
    expect(JSON.stringify(templates)).toBe(before);
  });
});

describe("a cell's needs", () => {
  it("are its variant's and its dependency style's: a lock made against PyPI needs PyPI's files", async () => {
    const styled = await makeTempDir();
    try {
      const manifest = {
        ...validManifest("styled"),
        dependencyStyles: ["requirements", "uv", "poetry", "pylock"],
        variants: [{ id: "py3.13", python: "3.13", baseImages: { PYTHON_IMAGE: "python:3.13-slim-trixie" }, sizeBudgetMB: 250, needs: { imageRegistry: "no stand-in" } }],
      };
      await writeTemplate(styled.dir, "styled", { manifest });
      const cells = expandMatrix(await discoverTemplates(styled.dir));
      expect(cells.map((cell) => [cell.id, Object.keys(cell.needs ?? {})])).toEqual([
        ["styled/py3.13-requirements", ["imageRegistry"]],
        ["styled/py3.13-uv", ["imageRegistry", "pypiFiles"]],
        ["styled/py3.13-poetry", ["imageRegistry", "pypiFiles"]],
        ["styled/py3.13-pylock", ["imageRegistry", "pypiFiles"]],
      ]);
      expect(cells[1]!.needs!.pypiFiles).toMatch(/^uv.lock installs with uv from PyPI, which the local index .* would not match$/);
    } finally {
      await styled.remove();
    }
  });
});

describe("a template's platforms", () => {
  let platformed: Awaited<ReturnType<typeof makeTempDir>>;
  let cells: Cell[];
  beforeAll(async () => {
    platformed = await makeTempDir();
    const manifest = {
      ...validManifest("multi"),
      appKinds: ["wsgi", "django"],
      dependencyStyles: ["requirements", "pipenv"],
      platforms: ["linux/amd64", "linux/arm64"],
      platformSizeBudgetExtraMB: { "linux/arm64": 25 },
      checks: ["lint", "non-root", "size-budget", "http-through-caddy", "compose-up", "sigterm-graceful"],
    };
    await writeTemplate(platformed.dir, "multi", { manifest });
    cells = expandMatrix(await discoverTemplates(platformed.dir));
  });
  afterAll(async () => platformed.remove());

  it("adds one cell per variant for each platform after the first: its first style, serving the main kind, its id ending in -<arch>", () => {
    expect(cells.map((cell) => [cell.id, cell.platform ?? "first", cell.dependencyStyle, cell.appKind])).toEqual([
      ["multi/py3.13-requirements", "first", "requirements", "wsgi"],
      ["multi/py3.13-pipenv-django", "first", "pipenv", "django"],
      ["multi/py3.11-requirements-django", "first", "requirements", "django"],
      ["multi/py3.11-pipenv", "first", "pipenv", "wsgi"],
      ["multi/py3.13-requirements-arm64", "linux/arm64", "requirements", "wsgi"],
      ["multi/py3.11-requirements-arm64", "linux/arm64", "requirements", "wsgi"],
    ]);
  });

  it("gives another platform's cell only the manifest's checks emulation runs, the platform's extra budget, and a need of PyPI's files", () => {
    const arm = cells.find((cell) => cell.id === "multi/py3.13-requirements-arm64")!;
    expect(arm.checks).toEqual(["lint", "non-root", "size-budget", "http-through-caddy"]);
    expect(arm.checks.every((check) => emulatedPlatformChecks.includes(check))).toBe(true);
    expect(arm.sizeBudgetBytes).toBe(275_000_000);
    expect(arm.needs?.pypiFiles).toMatch(/arm64 wheels, from PyPI; the local index/);
    const first = cells.find((cell) => cell.id === "multi/py3.13-requirements")!;
    expect(first.checks).toHaveLength(6);
    expect(first.sizeBudgetBytes).toBe(250_000_000);
    expect(first.needs).toBeUndefined();
  });

  it("leaves a manifest without platforms as it was: one platform, no cell added, no platform named", async () => {
    const before = expandMatrix(templates);
    expect(before.every((cell) => cell.platform === undefined && !cell.id.endsWith("-arm64"))).toBe(true);
    expect(before.every((cell) => cell.template.manifest.platforms.join() === "linux/amd64")).toBe(true);
  });
});
