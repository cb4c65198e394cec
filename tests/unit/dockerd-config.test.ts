import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** scripts/dockerd.json: the configuration scripts/setup.sh starts dockerd with where the machine has none. */
const config = resolve(import.meta.dirname, "..", "..", "scripts", "dockerd.json");

describe("the dockerd configuration setup.sh starts the engine with", () => {
  it("is one dockerd accepts", () => {
    const result = spawnSync("dockerd", ["--validate", "--config-file", config], { encoding: "utf8" });
    expect(result.error, "dockerd is not installed: scripts/setup.sh installs it").toBeUndefined();
    expect(result.stdout + result.stderr).toContain("configuration OK");
    expect(result.status).toBe(0);
  });

  it("turns BuildKit's garbage collector on, with a size dockerd can read", () => {
    const gc = JSON.parse(readFileSync(config, "utf8")).builder.gc;
    expect(gc.enabled).toBe(true);
    expect(gc.defaultKeepStorage).toMatch(/^\d+(MB|GB)$/);
  });
});
