import { describe, expect, it } from "vitest";
import { ociLabels } from "../../packages/harness/src/checks/oci-labels.ts";
import { buildProvenance, provenanceBuildArgs } from "../../packages/harness/src/labels/build-provenance.ts";
import type { BuildArg } from "../../packages/harness/src/manifest/schema.ts";

/** The labels a correctly wired Dockerfile gives an image built with BUILD_DATE and VCS_REF. */
const buildArgs = { PYTHON_IMAGE: "python:3.13-slim-trixie", BUILD_DATE: "2026-11-29T12:00:00Z", VCS_REF: "0123abcd" };
const goodLabels = {
  "org.opencontainers.image.version": "1.4.2",
  "org.opencontainers.image.source": "https://example.org/dockerize-python",
  "org.opencontainers.image.revision": "0123abcd",
  "org.opencontainers.image.created": "2026-11-29T12:00:00Z",
  "org.dockerize-python.template": "slim-uwsgi",
};

/** What the check reads: the template, the image's facts (its labels) and the build args. */
function contextWith(labels: Record<string, string>, args: Record<string, string> = buildArgs) {
  return {
    template: { name: "slim-uwsgi", version: "1.4.2" },
    facts: { id: "sha256:0", repoTags: [], repoDigests: [], created: "2026-12-07T00:00:00Z", platform: "linux/amd64", sizeBytes: 0, user: "10001:10001", layers: [], labels, env: [], healthcheck: undefined },
    buildArgs: args,
  };
}

describe("the oci-labels check", () => {
  it("passes when the labels name the template, its package version and this build's date and commit", async () => {
    const outcome = await ociLabels(contextWith(goodLabels));
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toBe("slim-uwsgi 1.4.2 from https://example.org/dockerize-python, revision 0123abcd, created 2026-11-29T12:00:00Z");
  });

  it("fails on an image built from an older release of the template (a version label not bumped)", async () => {
    const outcome = await ociLabels(contextWith({ ...goodLabels, "org.opencontainers.image.version": "1.4.1" }));
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toContain('org.opencontainers.image.version is "1.4.1"; expected "1.4.2" (the version of @dockerize-python/template-slim-uwsgi)');
    expect(outcome.detail).toContain("Fix: the LABEL block");
  });

  it("fails when the Dockerfile does not wire BUILD_DATE and VCS_REF into the labels", async () => {
    const { "org.opencontainers.image.created": _created, ...withoutCreated } = goodLabels;
    const outcome = await ociLabels(contextWith({ ...withoutCreated, "org.opencontainers.image.revision": "" }));
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toContain("org.opencontainers.image.created is missing; expected \"2026-11-29T12:00:00Z\" (this build's BUILD_DATE)");
    expect(outcome.detail).toContain('org.opencontainers.image.revision is ""; expected "0123abcd" (this build\'s VCS_REF)');
  });

  it("fails without the template label or a source URL", async () => {
    const outcome = await ociLabels(contextWith({ ...goodLabels, "org.dockerize-python.template": "slim-gunicorn", "org.opencontainers.image.source": "" }));
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toContain('org.dockerize-python.template is "slim-gunicorn"; expected "slim-uwsgi"');
    expect(outcome.detail).toContain("org.opencontainers.image.source is \"\"; expected the https URL");
  });

  it("fails, saying what to declare, when the build was given no BUILD_DATE (the manifest lacks it)", async () => {
    const outcome = await ociLabels(contextWith(goodLabels, { PYTHON_IMAGE: "python:3.13-slim-trixie", VCS_REF: "0123abcd" }));
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toContain("this build's BUILD_DATE was not passed to this build");
    expect(outcome.detail).toContain("declare it in the manifest's buildArgs");
  });
});

describe("build provenance", () => {
  it("is the time in RFC 3339 (whole seconds, UTC) and the checkout's commit", async () => {
    const provenance = await buildProvenance(import.meta.dirname, new Date("2026-11-29T12:34:56.789Z"));
    expect(provenance.created).toBe("2026-11-29T12:34:56Z");
    expect(provenance.revision).toMatch(/^([0-9a-f]{40}|unknown)$/);
  });

  it("names no commit outside a git checkout", async () => {
    expect((await buildProvenance("/")).revision).toBe("unknown");
  });

  it("goes only to the build args a manifest declares", () => {
    const declares = (...names: string[]) => ({ buildArgs: Object.fromEntries(names.map((name): [string, BuildArg] => [name, { description: "x", role: "option" }])) });
    const provenance = { created: "2026-11-29T12:00:00Z", revision: "abc" };
    expect(provenanceBuildArgs(declares("BUILD_DATE", "VCS_REF"), provenance)).toEqual({ BUILD_DATE: "2026-11-29T12:00:00Z", VCS_REF: "abc" });
    expect(provenanceBuildArgs(declares("PYTHON_IMAGE"), provenance)).toEqual({});
  });
});
