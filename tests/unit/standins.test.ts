import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverTemplates } from "@dockerize-python/harness";
import {
  buildFromPlatform,
  buildPlatformMismatches,
  catalogueFile,
  chooseStandin,
  ensureStandin,
  NoStandinError,
  parseStandinCatalogue,
  type StandinSpec,
  standinCatalogue,
  standinFor,
  standinImageName,
  standinImagePrefix,
} from "../../packages/harness/src/hermetic/standins.ts";

const repo = resolve(import.meta.dirname, "..", "..");
const recipesDir = join(repo, "packages", "harness", "hermetic");

const validEntry: StandinSpec = {
  official: "python:3.13-slim-trixie",
  recipe: "python",
  suite: "trixie",
  version: "3.13.5",
  note: "Debian's Python.",
  needs: [],
  buildFrom: {},
};

/** A machine whose Go module proxy answers (values as `go env` would give them). */
const withGo = { goModules: { goproxy: "https://goproxy.example.test,direct", gosumdb: "sum.example.test", caBundle: "/etc/ssl/certs/ca-certificates.crt" } };

/** The message parseStandinCatalogue throws for `json`. */
function catalogueError(json: unknown): string {
  try {
    parseStandinCatalogue(json, "test.json");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("parseStandinCatalogue accepted an invalid catalogue");
}

/** Every string in a template manifest that is an image reference (name:tag), wherever it sits. */
describe("the stand-in catalogue", () => {
  it("is valid and maps each official image the templates use", () => {
    expect(standinCatalogue().map((spec) => `${spec.official} ${spec.recipe}`)).toEqual([
      "python:3.11-slim-bookworm python",
      "python:3.13-slim-trixie python",
      "python:3.14-slim-trixie python",
      "postgres:17-trixie postgres",
      "caddy:2.10 caddy-source",
      "caddy:2.10 caddy",
      "caddy:2.10-builder caddy-builder",
      "registry:2 registry",
    ]);
  });

  it("has a stand-in for every image a variant needs from stand-ins, with and without the Go module proxy", async () => {
    // Variants that need a registry (Alpine) need none: without a registry they are skipped. Those
    // that need the Go module proxy (Caddy with plugins) need a stand-in where it answers.
    const templates = await discoverTemplates(join(repo, "templates"));
    const referenced = (goProxy: boolean) =>
      templates.flatMap(({ manifest }) => [
        ...manifest.variants
          .filter((variant) => !variant.needs?.imageRegistry && (goProxy || !variant.needs?.goModuleProxy))
          .flatMap((variant) => Object.values(variant.baseImages)),
        ...(manifest.stack ? [manifest.stack.database] : []),
      ]);
    expect(referenced(false).length).toBeGreaterThan(0);
    for (const official of new Set(referenced(false))) expect(standinFor(official), `no stand-in for ${official}`).toBeDefined();
    expect(referenced(true)).toContain("caddy:2.10-builder");
    for (const official of new Set(referenced(true))) expect(standinFor(official, withGo), `no stand-in for ${official} with the Go module proxy`).toBeDefined();
  });

  it("says so in the note when the stand-in is not the official image's version", () => {
    for (const spec of standinCatalogue()) {
      const officialVersion = spec.official.split(":")[1]?.match(/^\d+(\.\d+)*/)?.[0] ?? "";
      const sameVersion = `${spec.version}.`.startsWith(`${officialVersion}.`) || `${officialVersion}.`.startsWith(`${spec.version}.`);
      if (!sameVersion) expect(spec.note, `${spec.official} is really ${spec.version}`).toContain(spec.version);
    }
    expect(standinFor("caddy:2.10")?.version).toBe("2.6.2");
  });

  it.each(["python", "postgres", "caddy", "caddy-builder", "registry"])("has a %s recipe that builds only FROM the rootfs it is given", (recipe) => {
    const dockerfile = readFileSync(join(recipesDir, recipe, "Dockerfile"), "utf8");
    expect(dockerfile.match(/^FROM .*$/gm)).toEqual(["FROM ${ROOTFS_IMAGE}"]);
    expect(dockerfile).toMatch(/^ARG ROOTFS_IMAGE$/m);
    // A syntax line makes BuildKit pull its frontend image, which cannot work here.
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
  });

  it("has a caddy-source recipe that cross-compiles with the machine's own builder stand-in and ends on the target's rootfs", () => {
    const dockerfile = readFileSync(join(recipesDir, "caddy-source", "Dockerfile"), "utf8");
    expect(dockerfile.match(/^FROM .*$/gm)).toEqual(["FROM --platform=${BUILDPLATFORM} ${BUILDER_IMAGE} AS build", "FROM ${ROOTFS_IMAGE}"]);
    expect(standinFor("caddy:2.10", withGo)?.buildFrom).toEqual({ BUILDER_IMAGE: { official: "caddy:2.10-builder", buildPlatform: true } });
    // Go builds for the target platform, and the checks read the binary instead of running it.
    expect(dockerfile).toMatch(/GOOS="\$\{TARGETOS\}" GOARCH="\$\{TARGETARCH\}" xcaddy build/);
    expect(dockerfile).toMatch(/go version -m \/usr\/bin\/caddy/);
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
  });

  it("agrees with its recipes on which buildFrom images are the machine's own platform's", () => {
    const recipeDockerfile = (recipe: string) => readFileSync(join(recipesDir, recipe, "Dockerfile"), "utf8");
    expect(buildPlatformMismatches(standinCatalogue(), recipeDockerfile)).toEqual([]);
  });

  it("keeps the Go module proxy's address and the CA bundle out of the Go recipes, taking them at build time", () => {
    for (const recipe of ["caddy-builder", "caddy-source"]) {
      const dockerfile = readFileSync(join(recipesDir, recipe, "Dockerfile"), "utf8");
      expect(dockerfile).toMatch(/^ARG GOPROXY$/m);
      expect(dockerfile).toMatch(/--mount=type=secret,id=ca_bundle,required=true/);
      expect(dockerfile).toMatch(/--mount=type=cache,id=dockerize-python-standin-go,target=\/var\/cache\/go/);
      // Only the build's RUN sees the bundle; no ENV names it or the proxy.
      expect(dockerfile).not.toMatch(/^ENV (SSL_CERT_FILE|GOPROXY|GOSUMDB)/m);
      expect(dockerfile).not.toMatch(/https?:\/\//);
    }
  });

  it("rejects a catalogue with an unknown recipe, suite or version, a missing note or a repeated image", () => {
    expect(catalogueError({ standins: [{ ...validEntry, recipe: "nginx" }] })).toMatch(/test\.json is invalid[\s\S]*recipe/);
    expect(catalogueError({ standins: [{ ...validEntry, suite: "buster" }] })).toMatch(/suite/);
    expect(catalogueError({ standins: [{ ...validEntry, version: "latest" }] })).toMatch(/version/);
    expect(catalogueError({ standins: [{ ...validEntry, note: undefined }] })).toMatch(/note/);
    expect(catalogueError({ standins: [validEntry, { ...validEntry }] })).toMatch(/only once/);
    expect(catalogueError({ standins: [{ ...validEntry, needs: ["pypi"] }] })).toMatch(/needs/);
    expect(catalogueError({ standins: [{ ...validEntry, buildFrom: { BUILDER_IMAGE: { official: "golang:1.26" } } }] })).toMatch(/buildFrom names an official image/);
    // A bare reference (the shape before platforms) says which field is missing.
    expect(catalogueError({ standins: [{ ...validEntry, buildFrom: { BUILDER_IMAGE: "python:3.13-slim-trixie" } }] })).toMatch(/buildFrom/);
    expect(catalogueError({ standins: [{ ...validEntry, buildFrom: { BUILDER_IMAGE: { official: "python:3.13-slim-trixie", buildPlatform: "yes" } } }] })).toMatch(/buildPlatform/);
    // buildPlatform is false unless said: the target platform's image, as the stand-in it feeds.
    const fed = { ...validEntry, official: "python:3.11-slim-bookworm", buildFrom: { BUILDER_IMAGE: { official: "python:3.13-slim-trixie" } } };
    expect(parseStandinCatalogue({ standins: [validEntry, fed] }, "test.json")[1]?.buildFrom).toEqual({ BUILDER_IMAGE: { official: "python:3.13-slim-trixie", buildPlatform: false } });
    // The same image twice is fine when the needs differ: the first whose needs are met is used.
    expect(parseStandinCatalogue({ standins: [{ ...validEntry, needs: ["go-modules"] }, validEntry] }, "test.json")).toHaveLength(2);
    expect(catalogueError({ standins: [] })).toMatch(/standins/);
    expect(parseStandinCatalogue({ standins: [validEntry] }, "test.json")).toEqual([validEntry]);
  });

  it("is the file the harness ships", () => {
    expect(catalogueFile).toBe(join(recipesDir, "standins.json"));
  });
});

describe("the registry stand-in", () => {
  it("stands in for registry:2 with the official image's shape and no auth", () => {
    expect(standinFor("registry:2")).toMatchObject({ recipe: "registry", suite: "trixie", version: "2.8.3" });
    const dockerfile = readFileSync(join(recipesDir, "registry", "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^VOLUME \/var\/lib\/registry$/m);
    expect(dockerfile).toMatch(/^EXPOSE 5000$/m);
    expect(dockerfile).toMatch(/--no-install-recommends docker-registry/);
    const config = readFileSync(join(recipesDir, "registry", "config.yml"), "utf8");
    // Debian's default config turns on htpasswd auth; docker push would then need a login.
    expect(config).not.toMatch(/^auth:/m);
    expect(config).toMatch(/^  addr: :5000$/m);
    expect(config).toMatch(/rootdirectory: \/var\/lib\/registry$/m);
  });
});

describe("standinFor", () => {
  it("finds a stand-in by the exact official reference", () => {
    expect(standinFor("postgres:17-trixie")).toMatchObject({ recipe: "postgres", suite: "trixie", version: "17" });
    expect(standinFor("python:3.11-slim-bookworm")).toMatchObject({ recipe: "python", suite: "bookworm", version: "3.11.2" });
  });

  it("has none for an image without a recipe", () => {
    expect(standinFor("python:3.12-slim-bookworm")).toBeUndefined();
    expect(standinFor("postgres:17")).toBeUndefined();
  });
});

describe("chooseStandin", () => {
  it("takes Caddy built from source where the Go module proxy answers, Debian's Caddy elsewhere", () => {
    expect(chooseStandin("caddy:2.10")).toEqual({ spec: expect.objectContaining({ recipe: "caddy", version: "2.6.2" }), buildArgs: {}, secretFiles: {} });
    expect(chooseStandin("caddy:2.10", withGo)).toEqual({
      spec: expect.objectContaining({ recipe: "caddy-source", version: "2.10.2", needs: ["go-modules"] }),
      buildArgs: { GOPROXY: "https://goproxy.example.test,direct", GOSUMDB: "sum.example.test" },
      secretFiles: { ca_bundle: "/etc/ssl/certs/ca-certificates.crt" },
    });
  });

  it("has a builder only where the Go module proxy answers", () => {
    expect(chooseStandin("caddy:2.10-builder")).toBeUndefined();
    expect(chooseStandin("caddy:2.10-builder", withGo)?.spec).toMatchObject({ recipe: "caddy-builder", version: "2.10.2" });
  });

  it("passes GONOSUMDB only when set, and nothing of the Go module proxy to recipes that do not need it", () => {
    const goModules = { ...withGo.goModules, gosumdb: undefined, gonosumdb: "corp.example.test" };
    expect(chooseStandin("caddy:2.10-builder", { goModules })?.buildArgs).toEqual({ GOPROXY: goModules.goproxy, GONOSUMDB: "corp.example.test" });
    expect(chooseStandin("postgres:17-trixie", withGo)).toMatchObject({ buildArgs: {}, secretFiles: {} });
  });
});

describe("buildPlatformMismatches", () => {
  const compiler: StandinSpec = { ...validEntry, official: "caddy:2.10", recipe: "caddy-source", buildFrom: { BUILDER_IMAGE: { official: "caddy:2.10-builder", buildPlatform: true } } };
  const crossCompiling = "ARG BUILDER_IMAGE\nFROM --platform=$BUILDPLATFORM ${BUILDER_IMAGE} AS build\nFROM ${ROOTFS_IMAGE}\n";
  const native = "ARG BUILDER_IMAGE\nFROM ${BUILDER_IMAGE} AS build\nFROM ${ROOTFS_IMAGE}\n";

  it("finds none where the entry and the recipe agree, either way", () => {
    expect(buildPlatformMismatches([compiler], () => crossCompiling)).toEqual([]);
    expect(buildPlatformMismatches([{ ...compiler, buildFrom: { BUILDER_IMAGE: { official: "caddy:2.10-builder", buildPlatform: false } } }], () => native)).toEqual([]);
  });

  it("names an entry that promises the machine's own platform to a recipe that builds on the target's, and the fix", () => {
    expect(buildPlatformMismatches([compiler], () => native)).toEqual([expect.stringMatching(/caddy:2\.10 \(caddy-source\): buildFrom\.BUILDER_IMAGE says buildPlatform, but hermetic\/caddy-source\/Dockerfile has no .*; fix: /)]);
  });

  it("names an entry that leaves out buildPlatform for a recipe that builds on $BUILDPLATFORM, and the fix", () => {
    const entry = { ...compiler, buildFrom: { BUILDER_IMAGE: { official: "caddy:2.10-builder", buildPlatform: false } } };
    expect(buildPlatformMismatches([entry], () => crossCompiling)).toEqual([expect.stringMatching(/FROM --platform=\$BUILDPLATFORM \$\{BUILDER_IMAGE\}.*fix: set "buildPlatform": true in buildFrom\.BUILDER_IMAGE/)]);
  });
});

describe("buildFromPlatform", () => {
  it("builds a cross-compiler on the machine's own platform whatever the target, any other buildFrom image for the target", () => {
    expect(buildFromPlatform({ official: "caddy:2.10-builder", buildPlatform: true }, "linux/arm64")).toBeUndefined();
    expect(buildFromPlatform({ official: "caddy:2.10-builder", buildPlatform: false }, "linux/arm64")).toBe("linux/arm64");
    expect(buildFromPlatform({ official: "caddy:2.10-builder", buildPlatform: false }, undefined)).toBeUndefined();
  });

  it("gives an arm64 caddy-source stand-in the engine's own builder, so no arm64 Go toolchain is built", () => {
    const builder = standinFor("caddy:2.10", withGo)!.buildFrom.BUILDER_IMAGE!;
    expect(buildFromPlatform(builder, "linux/arm64")).toBeUndefined();
  });
});

describe("ensureStandin", () => {
  it("refuses an unknown image, naming the known ones and the fix, before touching Docker", async () => {
    const error = await ensureStandin("python:3.12-alpine").then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(NoStandinError);
    const message = (error as Error).message;
    expect(message).toContain("Hermetic mode cannot stand in for python:3.12-alpine");
    for (const spec of standinCatalogue()) expect(message).toContain(spec.official);
    expect(message).toContain("--mode online");
    expect(message).toMatch(/add a recipe/);
  });
});

describe("standinImageName", () => {
  const spec = standinFor("python:3.13-slim-trixie")!;

  it("is a stand-in name, never an official one, with the version and suite in the tag", async () => {
    const name = await standinImageName(spec, "dockerize-python-standin-debian:trixie-abc");
    expect(name).toMatch(/^dockerize-python-standin-python:3\.13\.5-trixie-[0-9a-f]{12}$/);
    expect(name.startsWith(standinImagePrefix)).toBe(true);
    for (const official of standinCatalogue()) expect(name.split(":")[0]).not.toBe(official.official.split(":")[0]);
  });

  it("is stable for the same inputs and changes with the rootfs or the version", async () => {
    const rootfs = "dockerize-python-standin-debian:trixie-abc";
    const name = await standinImageName(spec, rootfs);
    expect(await standinImageName(spec, rootfs)).toBe(name);
    expect(await standinImageName(spec, "dockerize-python-standin-debian:trixie-def")).not.toBe(name);
    expect(await standinImageName({ ...spec, version: "3.13.6" }, rootfs)).not.toBe(name);
    expect(await standinImageName(spec, rootfs, ["dockerize-python-standin-caddy-builder:2.10.2-trixie-abc"])).not.toBe(name);
  });

  it("says the platform when one is named, and is unchanged when none is (the engine's own)", async () => {
    const rootfs = "dockerize-python-standin-debian:trixie-abc";
    const native = await standinImageName(spec, rootfs);
    expect(await standinImageName(spec, rootfs, [], undefined)).toBe(native);
    const arm = await standinImageName(spec, "dockerize-python-standin-debian:trixie-arm64-abc", [], "linux/arm64");
    expect(arm).toMatch(/^dockerize-python-standin-python:3\.13\.5-trixie-arm64-[0-9a-f]{12}$/);
    expect(arm.split("-").at(-1)).not.toBe(native.split("-").at(-1));
  });
});
