import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { baseImageUses, discoverTemplates, newerReleaseTag, newestPatchTag, NoDefaultRegistryError, parseImageReference } from "@dockerize-python/harness";
import { registryBaseUrl, registryRepositoryOf } from "../../packages/harness/src/base-updates/registry-for-reference.ts";

const pythonTags = ["3.13", "3.13-alpine", "3.13-alpine3.22", "3.13-alpine3.23", "3.13-alpine3.24", "3.13.14-alpine3.24", "3.13.13-alpine3.24", "3.13-slim-trixie", "3.13.9-slim-trixie", "3.13.14-slim-trixie", "3.13.0rc1-slim-trixie", "3.14-alpine3.25", "3.13-alpine3.9"];

describe("the tags of a line", () => {
  it("move an Alpine release to the newest one built for the same Python, never to another Python", () => {
    expect(newerReleaseTag("3.13-alpine3.22", pythonTags)).toBe("3.13-alpine3.24");
    expect(newerReleaseTag("3.13-alpine3.24", pythonTags)).toBeUndefined();
    expect(newerReleaseTag("3.13.14-alpine3.22", pythonTags)).toBe("3.13.14-alpine3.24");
    expect(newerReleaseTag("3.14-alpine3.24", pythonTags)).toBe("3.14-alpine3.25");
  });

  it("never move a suffix without a release (a Debian codename, -builder)", () => {
    expect(newerReleaseTag("3.13-slim-trixie", pythonTags)).toBeUndefined();
    expect(newerReleaseTag("2.10-builder", ["2.10-builder", "2.11-builder"])).toBeUndefined();
  });

  it("find the newest patch tag under a line's tag, with the same suffix and no pre-release", () => {
    expect(newestPatchTag("3.13-slim-trixie", pythonTags)).toBe("3.13.14-slim-trixie");
    expect(newestPatchTag("3.13-alpine3.24", pythonTags)).toBe("3.13.14-alpine3.24");
    expect(newestPatchTag("17-trixie", ["17-trixie", "17.6-trixie", "17.10-trixie", "18.1-trixie"])).toBe("17.10-trixie");
    expect(newestPatchTag("3.13-alpine3.23", pythonTags)).toBeUndefined();
  });
});

describe("where a reference is asked about", () => {
  it("an unqualified name at the default registry, a one-part name under library/; a named registry at itself", () => {
    expect(registryRepositoryOf(parseImageReference("python:3.13-slim-trixie"), "https://registry.example")).toEqual({ baseUrl: "https://registry.example", repository: "library/python" });
    expect(registryRepositoryOf(parseImageReference("bitnami/postgresql:17"), "https://registry.example")).toEqual({ baseUrl: "https://registry.example", repository: "bitnami/postgresql" });
    expect(registryRepositoryOf(parseImageReference("127.0.0.1:5000/org/app:1"), "https://registry.example")).toEqual({ baseUrl: "http://127.0.0.1:5000", repository: "org/app" });
    expect(registryBaseUrl("registry.example:443")).toBe("https://registry.example:443");
    expect(registryBaseUrl("http://127.0.0.1:5000/")).toBe("http://127.0.0.1:5000");
  });

  it("with no default registry known, says why and the fix", () => {
    const error = new NoDefaultRegistryError("the Docker engine did not say which one it uses (no engine)");
    expect(error.message).toBe(
      "No registry is known for unqualified image names (python, caddy, postgres): the Docker engine did not say which one it uses (no engine).\nFix: pass --registry URL (the registry, or a mirror of it, that serves those names), or run where the Docker engine answers `docker info`.",
    );
    expect(error.reason).toMatch(/^no registry is known/);
  });
});

describe("the base images the templates name", () => {
  it("are every base-image default, variant value and stack database, each with where it is named", async () => {
    const uses = baseImageUses(await discoverTemplates(resolve(import.meta.dirname, "..", "..", "templates")));
    expect(uses.get("caddy:2.10-builder")).toEqual([
      { template: "caddy", field: "buildArgs.CADDY_BUILDER_IMAGE.default" },
      { template: "caddy", field: "variants[caddy2-plugins].baseImages.CADDY_BUILDER_IMAGE" },
    ]);
    expect(uses.get("postgres:17-trixie")?.map((use) => use.field)).toContain("stack.database");
    expect([...uses.keys()].every((ref) => !ref.includes("alpine3.22"))).toBe(true);
  });
});
