import { describe, expect, it } from "vitest";
import { judgeSbomCompleteness, sbomComplete } from "../../packages/harness/src/checks/sbom-complete.ts";
import { type ImageProvenanceFacts, provenanceStatement } from "../../packages/harness/src/sbom/image-provenance.ts";
import { spdxPackages } from "../../packages/harness/src/sbom/image-spdx.ts";
import { parseInstalledListing } from "../../packages/harness/src/sbom/installed-packages.ts";
import { compareSbomWithInstalled, type InstalledPackage } from "../../packages/harness/src/sbom/sbom-completeness.ts";
import { provenanceFileFor } from "../../packages/harness/src/sbom/write-image-sbom.ts";

/** An SPDX JSON document shaped as syft writes one: each package with its purl among its external references. */
function spdx(packages: Array<{ name: string; version: string; purl?: string }>): string {
  return JSON.stringify({
    spdxVersion: "SPDX-2.3",
    SPDXID: "SPDXRef-DOCUMENT",
    packages: packages.map((item, index) => ({
      name: item.name,
      SPDXID: `SPDXRef-Package-${index}`,
      versionInfo: item.version,
      externalRefs: item.purl ? [{ referenceCategory: "SECURITY", referenceType: "cpe23Type", referenceLocator: "cpe:2.3:a:x:x:1:*:*:*:*:*:*:*" }, { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: item.purl }] : [],
    })),
  });
}

const deb = (name: string, version: string): InstalledPackage => ({ kind: "deb", name, version });
const python = (name: string, version: string): InstalledPackage => ({ kind: "python", name, version });

describe("spdxPackages", () => {
  it("reads Debian, Alpine and Python packages by their purl, and leaves out the rest", () => {
    const listed = spdxPackages(
      spdx([
        { name: "libc6", version: "2.36-9+deb12u10", purl: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64&distro=debian-12" },
        { name: "musl", version: "1.2.5-r10", purl: "pkg:apk/alpine/musl@1.2.5-r10?arch=x86_64" },
        { name: "Flask", version: "3.1.1", purl: "pkg:pypi/flask@3.1.1" },
        { name: "golang.org/x/net", version: "v0.30.0", purl: "pkg:golang/golang.org/x/net@v0.30.0" },
        { name: "/usr/bin/caddy", version: "" },
      ]),
    );
    expect(listed).toEqual([
      { kind: "deb", name: "libc6", version: "2.36-9+deb12u10" },
      { kind: "apk", name: "musl", version: "1.2.5-r10" },
      { kind: "python", name: "Flask", version: "3.1.1" },
    ]);
  });

  it("refuses what is not an SPDX JSON document", () => {
    expect(() => spdxPackages("not json")).toThrow(/the SBOM is not JSON/);
    expect(() => spdxPackages(JSON.stringify({ bomFormat: "CycloneDX", components: [] }))).toThrow(/not an SPDX JSON document/);
  });
});

describe("compareSbomWithInstalled", () => {
  it("passes what the SBOM lists by name and version, Python names compared as PEP 503 normalizes them", () => {
    const result = compareSbomWithInstalled([deb("libc6", "2.36-9"), python("flask_sqlalchemy", "3.1.1"), python("pip", "25.1")], [deb("libc6", "2.36-9"), python("Flask-SQLAlchemy", "3.1.1")]);
    expect(result).toEqual({ missing: [], otherVersion: [], counted: { deb: 1, apk: 0, python: 1 } });
  });

  it("names each installed package the SBOM misses, and each it lists only with another version", () => {
    const result = compareSbomWithInstalled([deb("libc6", "2.36-9"), python("flask", "3.0.0"), python("flask", "2.0.0")], [deb("libc6", "2.36-9"), deb("libssl3", "3.0.17-1"), python("Flask", "3.1.1"), python("hidden-dist", "1.0")]);
    expect(result.missing).toEqual([deb("libssl3", "3.0.17-1"), python("hidden-dist", "1.0")]);
    expect(result.otherVersion).toEqual([{ ...python("Flask", "3.1.1"), listed: ["2.0.0", "3.0.0"] }]);
  });

  it("does not take a Debian package for a Python distribution of the same name", () => {
    expect(compareSbomWithInstalled([deb("python3-six", "1.16.0-4"), deb("six", "1.16.0")], [python("six", "1.16.0")]).missing).toEqual([python("six", "1.16.0")]);
  });
});

describe("parseInstalledListing", () => {
  it("reads the marked lines only: the package database, the Python and its distributions", () => {
    const output = [
      "an entrypoint's greeting",
      "dp-installed\tos\tdpkg",
      "dp-installed\tdeb\tlibc6\t2.36-9+deb12u10",
      "dp-installed\tdeb\ttzdata\t2025b-0+deb12u1",
      "dp-installed\tpython-env\t/opt/venv\t1",
      "dp-installed\tpython\tgunicorn\t23.0.0",
      "",
    ].join("\n");
    expect(parseInstalledListing(output)).toEqual({
      osPackages: "dpkg",
      python: { prefix: "/opt/venv", venv: true },
      packages: [deb("libc6", "2.36-9+deb12u10"), deb("tzdata", "2025b-0+deb12u1"), python("gunicorn", "23.0.0")],
    });
  });

  it("reads Alpine's packages, and an image with no Python", () => {
    expect(parseInstalledListing("dp-installed\tos\tapk\ndp-installed\tapk\tmusl\t1.2.5-r10\n")).toEqual({ osPackages: "apk", python: undefined, packages: [{ kind: "apk", name: "musl", version: "1.2.5-r10" }] });
  });
});

describe("judgeSbomCompleteness", () => {
  const venv = { osPackages: "dpkg" as const, python: { prefix: "/opt/venv", venv: true } };
  const facts = { listed: 140, seconds: 9.2 };

  it("passes, saying what it counted", () => {
    const outcome = judgeSbomCompleteness({ missing: [], otherVersion: [], counted: { deb: 126, apk: 0, python: 12 } }, venv, facts);
    expect(outcome.status).toBe("pass");
    expect(outcome.detail).toMatch(/126 dpkg packages and 12 Python distributions of \/opt\/venv \(a venv\).*lists 140 .*every installed one with its version/);
  });

  it("fails naming every missing package with its version, and the fix", () => {
    const outcome = judgeSbomCompleteness(
      { missing: [python("hidden-dist", "1.0")], otherVersion: [{ ...deb("libssl3", "3.0.17-1"), listed: ["3.0.16-1"] }], counted: { deb: 126, apk: 0, python: 12 } },
      venv,
      facts,
    );
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/^the SBOM misses 2 installed package\(s\): python hidden-dist 1\.0: missing; deb libssl3 3\.0\.17-1: listed only as 3\.0\.16-1;/);
    expect(outcome.detail).toContain("Fix:");
  });

  it("fails when nothing installed was found: nothing would have been proved", () => {
    const outcome = judgeSbomCompleteness({ missing: [], otherVersion: [], counted: { deb: 0, apk: 0, python: 0 } }, { osPackages: "none", python: undefined }, facts);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/no OS package database .* no Python on PATH.*nothing was proved/);
  });
});

describe("sbomComplete without a Go module proxy", () => {
  it("skips, saying why and where it runs, and touches no engine", async () => {
    const outcome = await sbomComplete({
      image: "no-such-image",
      cellId: "c",
      run: { id: "x", labels: {}, composeProjects: new Set() },
      log: () => {},
      goModules: { kind: "none", reason: "--mode hermetic" },
    });
    expect(outcome.status).toBe("skip");
    expect(outcome.detail).toMatch(/^syft v\d+\.\d+\.\d+, which writes the SBOM, is built from the Go module proxy, and this run has none \(--mode hermetic\)/);
  });
});

describe("provenance", () => {
  const facts: ImageProvenanceFacts = {
    image: "app:1",
    id: "sha256:aaaa",
    repoDigests: ["registry.example/app@sha256:bbbb"],
    created: "2026-12-01T10:00:05Z",
    platform: "linux/amd64",
    labels: { "org.opencontainers.image.created": "2026-12-01T10:00:00Z", "org.opencontainers.image.source": "https://example.org/app", "org.opencontainers.image.revision": "abc123" },
    base: { id: "sha256:cccc", tags: ["python:3.13-slim"], repoDigests: [] },
    dockerfile: { path: "/app/docker/Dockerfile", sha256: "dddd" },
    revision: "abc123",
    builder: { docker: "26.1.5", buildx: "v0.13.1" },
    buildMetadata: { "buildx.build.ref": "default/default/xyz", "containerimage.config.digest": "sha256:aaaa" },
    sbom: { file: "app.spdx.json", sha256: "eeee", tool: "syft v1.57.2" },
  };

  it("is an in-toto statement with an SLSA v1 predicate: subject, base image, Dockerfile, commit, builder, times, SBOM", () => {
    const statement = provenanceStatement(facts) as any;
    expect(statement._type).toBe("https://in-toto.io/Statement/v1");
    expect(statement.predicateType).toBe("https://slsa.dev/provenance/v1");
    expect(statement.subject).toEqual([{ name: "app:1", digest: { sha256: "aaaa" }, annotations: { created: "2026-12-01T10:00:05Z" } }, { name: "registry.example/app", digest: { sha256: "bbbb" } }]);
    const { buildDefinition, runDetails } = statement.predicate;
    expect(buildDefinition.externalParameters.dockerfile).toEqual({ path: "/app/docker/Dockerfile", digest: { sha256: "dddd" } });
    expect(buildDefinition.resolvedDependencies).toEqual([
      { name: "base image", uri: "docker-image:python:3.13-slim", digest: { sha256: "cccc" }, annotations: { repoDigests: [], tags: ["python:3.13-slim"] } },
      { name: "source", uri: "git+https://example.org/app", digest: { gitCommit: "abc123" } },
    ]);
    expect(buildDefinition.internalParameters.buildxMetadata["buildx.build.ref"]).toBe("default/default/xyz");
    expect(runDetails.builder.version).toEqual({ docker: "26.1.5", buildx: "v0.13.1" });
    expect(runDetails.metadata).toEqual({ invocationId: "default/default/xyz", startedOn: "2026-12-01T10:00:00Z" });
    expect(runDetails.byproducts).toEqual([{ name: "sbom", uri: "app.spdx.json", digest: { sha256: "eeee" }, mediaType: "application/spdx+json", annotations: { tool: "syft v1.57.2" } }]);
  });

  it("leaves out what it does not know, and goes beside the SBOM", () => {
    const statement = provenanceStatement({ ...facts, base: undefined, revision: undefined, dockerfile: undefined, buildMetadata: undefined, labels: {} }) as any;
    expect(statement.predicate.buildDefinition.resolvedDependencies).toEqual([]);
    expect(statement.predicate.runDetails.metadata).toEqual({});
    expect(provenanceFileFor("/out/app.spdx.json")).toBe("/out/app.provenance.json");
    expect(provenanceFileFor("/out/sbom")).toBe("/out/sbom.provenance.json");
  });
});
