import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverTemplates } from "@dockerize-python/harness";
import {
  catalogueFile,
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
};

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
    expect(standinCatalogue().map((spec) => spec.official)).toEqual([
      "python:3.11-slim-bookworm",
      "python:3.13-slim-trixie",
      "postgres:17-trixie",
      "caddy:2.10",
      "registry:2",
    ]);
  });

  it("has a stand-in for every image a variant needs from stand-ins: every variant that does not need a registry", async () => {
    // Variants that need a registry (Alpine, Caddy with plugins) need no stand-in: without a registry they are skipped.
    const templates = await discoverTemplates(join(repo, "templates"));
    const referenced = templates.flatMap(({ manifest }) => [
      ...manifest.variants.filter((variant) => !variant.needs?.imageRegistry).flatMap((variant) => Object.values(variant.baseImages)),
      ...(manifest.stack ? [manifest.stack.database] : []),
    ]);
    expect(referenced.length).toBeGreaterThan(0);
    for (const official of new Set(referenced)) expect(standinFor(official), `no stand-in for ${official}`).toBeDefined();
  });

  it("says so in the note when the stand-in is not the official image's version", () => {
    for (const spec of standinCatalogue()) {
      const officialVersion = spec.official.split(":")[1]?.match(/^\d+(\.\d+)*/)?.[0] ?? "";
      const sameVersion = `${spec.version}.`.startsWith(`${officialVersion}.`) || `${officialVersion}.`.startsWith(`${spec.version}.`);
      if (!sameVersion) expect(spec.note, `${spec.official} is really ${spec.version}`).toContain(spec.version);
    }
    expect(standinFor("caddy:2.10")?.version).toBe("2.6.2");
  });

  it.each(["python", "postgres", "caddy", "registry"])("has a %s recipe that builds only FROM the rootfs it is given", (recipe) => {
    const dockerfile = readFileSync(join(recipesDir, recipe, "Dockerfile"), "utf8");
    expect(dockerfile.match(/^FROM .*$/gm)).toEqual(["FROM ${ROOTFS_IMAGE}"]);
    expect(dockerfile).toMatch(/^ARG ROOTFS_IMAGE$/m);
    // A syntax line makes BuildKit pull its frontend image, which cannot work here.
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
  });

  it("rejects a catalogue with an unknown recipe, suite or version, a missing note or a repeated image", () => {
    expect(catalogueError({ standins: [{ ...validEntry, recipe: "nginx" }] })).toMatch(/test\.json is invalid[\s\S]*recipe/);
    expect(catalogueError({ standins: [{ ...validEntry, suite: "buster" }] })).toMatch(/suite/);
    expect(catalogueError({ standins: [{ ...validEntry, version: "latest" }] })).toMatch(/version/);
    expect(catalogueError({ standins: [{ ...validEntry, note: undefined }] })).toMatch(/note/);
    expect(catalogueError({ standins: [validEntry, { ...validEntry }] })).toMatch(/only once/);
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
  });
});
