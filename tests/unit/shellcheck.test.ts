import { execFileSync, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..", "..");

/** Every shell script in the repository (tracked or new), by extension or by shebang. */
function shellScripts(): string[] {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: repo, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  return files.filter((file) => file.endsWith(".sh") || file === ".ci/run");
}

describe("shell scripts", () => {
  it("are found", () => {
    expect(shellScripts()).toContain("scripts/setup.sh");
  });

  it("all pass ShellCheck", () => {
    const version = spawnSync("shellcheck", ["--version"]);
    expect(version.error, "shellcheck is not installed: scripts/setup.sh installs it (apt-get install shellcheck)").toBeUndefined();
    const result = spawnSync("shellcheck", ["--format=gcc", ...shellScripts()], { cwd: repo, encoding: "utf8" });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
