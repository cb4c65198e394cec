import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { CheckName, MatrixReport } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReleaseRehearsal, rehearseRelease, verifyRehearsedApp } from "../../packages/release/src/rehearse-release.ts";
import { uplinkRequests } from "../../packages/release/src/registry-storage.ts";
import { listWorkspacePackages } from "../../packages/release/src/workspace-packages.ts";

/**
 * The release, rehearsed end to end against a real npm registry (Verdaccio on 127.0.0.1): every
 * public package versioned and published there and nowhere else, the CLI and two templates installed
 * from it into an empty folder, and the installed CLI's `new` and `verify` (hermetic, Python 3.13)
 * passing on a copy of the sample app, for slim-uwsgi and onbuild.
 */
const repo = resolve(import.meta.dirname, "..", "..");
const templates = ["slim-uwsgi", "onbuild"];
/**
 * The checks that prove the published packages whole (their files lint, build, label the version
 * published, run as a user, serve through the published Caddy, come up with their compose file).
 * onbuild's cell builds its base stage and a child through its triggers from the one published
 * Dockerfile, so a file the package lacks fails here; the base pushed to a registry and a child
 * built FROM it (onbuild-child) is the same Dockerfile's, run by onbuild.test.ts on 3.13 and 3.14
 * and matrix-pypi.test.ts on 3.11. The runtime and secret checks test the same files the checkout
 * has: matrix.test.ts runs each of those once per Python, the main job in every cell.
 */
const releaseChecks: CheckName[] = ["lint", "non-root", "size-budget", "oci-labels", "http-through-caddy", "compose-up"];
/** What `changeset version` and `publish` would change in a checkout: versions, changelogs, changesets, built files. */
const releaseState = async () =>
  Promise.all(
    (await listWorkspacePackages(repo, process.env)).map(async (pkg) => ({
      name: pkg.name,
      version: pkg.version,
      changelog: await readFile(join(pkg.dir, "CHANGELOG.md"), "utf8").catch(() => null),
      readme: await readFile(join(pkg.dir, "README.md"), "utf8").catch(() => null),
    })),
  );

let rehearsal: ReleaseRehearsal;
let stateBefore: Awaited<ReturnType<typeof releaseState>>;
let publicPackages: Array<{ name: string; version: string }>;
const minorBump = (version: string) => version.replace(/^(\d+)\.(\d+)\.\d+.*$/, (_, major: string, minor: string) => `${major}.${Number(minor) + 1}.0`);

beforeAll(async () => {
  stateBefore = await releaseState();
  publicPackages = (await listWorkspacePackages(repo, process.env)).filter((pkg) => !pkg.private);
  rehearsal = await rehearseRelease({ repoRoot: repo, bump: "minor", templates, log: () => {} });
});

afterAll(async () => {
  await rehearsal?.close();
});

describe("the release rehearsal", () => {
  it("versions every public package of the workspace with the rehearsal's changeset", () => {
    expect(rehearsal.versions.map((v) => v.name).sort()).toEqual(publicPackages.map((pkg) => pkg.name).sort());
    for (const { name, before, after } of rehearsal.versions) expect(after, name).toBe(minorBump(before));
    expect(publicPackages.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(["dockerize-python", "@dockerize-python/harness", ...templates.map((t) => `@dockerize-python/template-${t}`)]));
  });

  it("publishes every public package to the local registry, as its storage proves, and no private one", async () => {
    expect(rehearsal.published.map((pkg) => `${pkg.name}@${pkg.version}`).sort()).toEqual(rehearsal.versions.map((v) => `${v.name}@${v.after}`).sort());
    for (const pkg of rehearsal.published) {
      expect(pkg.tarball.startsWith(rehearsal.registry.storageDir), pkg.name).toBe(true);
      expect(existsSync(pkg.tarball), pkg.tarball).toBe(true);
    }
    for (const privatePackage of ["tests", "release"]) expect(existsSync(join(rehearsal.registry.storageDir, "@dockerize-python", privatePackage)), privatePackage).toBe(false);
  });

  it("never lets a client use another registry, nor the registry ask its uplink for one of ours", async () => {
    // npm and pnpm, in the workspace copy and in the consumer folder, for any package and for our scope.
    expect(rehearsal.clientRegistries).toHaveLength(8);
    for (const line of rehearsal.clientRegistries) expect(line.endsWith(`= ${rehearsal.registry.url}`), line).toBe(true);
    // Our names are local-only in Verdaccio's config (no proxy), so it cannot fetch them from anywhere.
    const config = JSON.parse(await readFile(join(dirname(rehearsal.registry.storageDir), "config.yaml"), "utf8")) as { packages: Record<string, { proxy?: string }> };
    expect(config.packages["dockerize-python"]).toBeDefined();
    expect(config.packages["@dockerize-python/*"]).toBeDefined();
    expect(config.packages["dockerize-python"]!.proxy).toBeUndefined();
    expect(config.packages["@dockerize-python/*"]!.proxy).toBeUndefined();
    expect((await uplinkRequests(rehearsal.registry.logFile)).filter((url) => decodeURIComponent(url).includes("dockerize-python"))).toEqual([]);
  });

  it("installs the CLI and the templates into an empty folder, every package from the local registry", async () => {
    const paths = rehearsal.installed.map((entry) => entry.path);
    expect(paths).toEqual(expect.arrayContaining(["node_modules/dockerize-python", "node_modules/@dockerize-python/harness", ...templates.map((t) => `node_modules/@dockerize-python/template-${t}`)]));
    for (const entry of rehearsal.installed) expect(entry.resolved.startsWith(rehearsal.registry.url), `${entry.path} from ${entry.resolved}`).toBe(true);
    const version = (name: string) => rehearsal.versions.find((v) => v.name === name)!.after;
    expect(rehearsal.cli.version).toBe(version("dockerize-python"));
    // The published template carries its new version in its image label (the version flow regenerated it).
    const dockerfile = await readFile(join(rehearsal.consumerDir, "node_modules", "@dockerize-python", "template-slim-uwsgi", "files", "docker", "Dockerfile"), "utf8");
    expect(dockerfile).toContain(`org.opencontainers.image.version="${version("@dockerize-python/template-slim-uwsgi")}"`);
    for (const file of ["template.json", "README.md", "files/docker/onbuild/Dockerfile"]) {
      expect(existsSync(join(rehearsal.consumerDir, "node_modules", "@dockerize-python", "template-onbuild", file)), file).toBe(true);
    }
  });

  it("leaves the maintainer's checkout as it was: no version, changelog or changeset of the rehearsal in it", async () => {
    expect(await releaseState()).toEqual(stateBefore);
    expect(existsSync(join(repo, ".changeset", "release-rehearsal.md"))).toBe(false);
    expect(rehearsal.workDir.startsWith(repo)).toBe(false);
  });

  it("copies each template into a copy of the sample app with the installed CLI's new, from the local registry", async () => {
    expect(rehearsal.newSkipped).toBeUndefined();
    expect(rehearsal.apps.map((app) => app.template)).toEqual(templates);
    for (const app of rehearsal.apps) {
      const record = JSON.parse(await readFile(join(app.dir, ".dockerize-python.json"), "utf8")) as Record<string, unknown>;
      expect(JSON.stringify(record), app.template).toContain(rehearsal.versions.find((v) => v.name === `@dockerize-python/template-${app.template}`)!.after);
    }
  });

  it.each(templates)("verify passes on the %s app, with the installed CLI and the published templates", async (template) => {
    const app = rehearsal.apps.find((candidate) => candidate.template === template);
    expect(app, `new did not make a ${template} app`).toBeDefined();
    const reportDir = join(rehearsal.consumerDir, `${template}-report`);
    const checks = releaseChecks;
    await verifyRehearsedApp(rehearsal, app!, { mode: "hermetic", reportDir, variants: ["py3.13"], checks });
    const report = JSON.parse(await readFile(join(reportDir, "matrix.json"), "utf8")) as MatrixReport;
    expect(report.checksSelected).toEqual(checks);
    expect(report.cells.length).toBeGreaterThan(0);
    for (const cell of report.cells) {
      expect(cell.status, JSON.stringify(cell.checks)).toBe("pass");
      // Every selected check ran and passed: the sample app has every route they request.
      expect(cell.checks.map((check) => `${check.name}: ${check.status}`).sort(), cell.id).toEqual(checks.map((name) => `${name}: pass`).sort());
    }
  });
});
