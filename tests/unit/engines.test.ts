import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..", "..");

interface PackageJson {
  name?: string;
  private?: boolean;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readPackage = (file: string): PackageJson => JSON.parse(readFileSync(file, "utf8")) as PackageJson;

/** The workspace's own package.json files: the root, packages/*, templates/*, tests, bench. */
const workspacePackages = execFileSync("git", ["ls-files", "package.json", "*/package.json"], { cwd: repo, encoding: "utf8" })
  .split("\n")
  .filter(Boolean)
  .map((file) => ({ dir: join(repo, dirname(file)), manifest: readPackage(join(repo, file)) }));

const declared = readPackage(join(repo, "package.json")).engines?.node ?? "";

describe("engines.node", () => {
  it("is declared by the root as the oldest supported Node, which scripts/oldest-node.sh tests on", () => {
    expect(declared).toMatch(/^>=\d+\.\d+$/);
  });

  it("is the same in every workspace package that runs code, and in both published ones", () => {
    const runsCode = workspacePackages.filter(({ manifest }) => manifest.engines?.node !== undefined);
    expect(runsCode.map(({ manifest }) => manifest.name)).toEqual(expect.arrayContaining(["dockerize-python", "@dockerize-python/harness"]));
    for (const { manifest } of runsCode) expect(`${manifest.name}: ${manifest.engines?.node}`).toBe(`${manifest.name}: ${declared}`);
  });

  it("is not older than any dependency allows: the oldest declared Node satisfies each one's engines.node", () => {
    const oldest = semver.minVersion(declared)?.version ?? "";
    const refused: string[] = [];
    let checked = 0;
    for (const { dir, manifest } of workspacePackages) {
      for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
        const range = readPackage(join(dir, "node_modules", dependency, "package.json")).engines?.node;
        if (range === undefined) continue;
        checked += 1;
        if (!semver.satisfies(oldest, range)) refused.push(`${manifest.name} -> ${dependency} needs node ${range}`);
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(refused, `node ${oldest} (engines.node ${declared}) is refused by`).toEqual([]);
  });

  it("allows the Node this suite runs on", () => {
    expect(semver.satisfies(process.versions.node, declared), `node ${process.versions.node} against ${declared}`).toBe(true);
  });
});
