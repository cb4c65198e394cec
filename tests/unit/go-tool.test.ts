import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ExplainedError } from "../../packages/harness/src/explained-error.ts";
import { ensureGoTool, type GoTool, goToolPath } from "../../packages/harness/src/tools/go-tool.ts";

const tool: GoTool = { name: "sometool", module: "example.org/sometool/cmd/sometool", version: "v1.2.3", buildTimeoutMs: 60_000 };
const dirs: string[] = [];
const originalPath = process.env.PATH;

afterEach(async () => {
  process.env.PATH = originalPath;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function cacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dp-unit-go-tool-"));
  dirs.push(dir);
  return dir;
}

describe("ensureGoTool", () => {
  it("keeps a tool under tools/<name>-<version>/ in the harness cache, and builds nothing when it is there", async () => {
    const cache = await cacheDir();
    const binary = goToolPath(tool, cache);
    expect(binary).toBe(join(cache, "tools", "sometool-v1.2.3", "sometool"));
    await mkdir(dirname(binary), { recursive: true });
    await writeFile(binary, "#!/bin/sh\n");
    await chmod(binary, 0o755);
    // No go on PATH: a build would fail, so none was tried.
    process.env.PATH = cache;
    await expect(ensureGoTool(tool, () => {}, cache)).resolves.toBe(binary);
  });

  it("without a go command, says so and what to do", async () => {
    const cache = await cacheDir();
    process.env.PATH = cache;
    const lines: string[] = [];
    const failure = ensureGoTool(tool, (line) => lines.push(line), cache);
    await expect(failure).rejects.toBeInstanceOf(ExplainedError);
    await expect(failure).rejects.toThrow(/^sometool v1\.2\.3 is built with the go command, and there is none on PATH\.\nFix: install Go .* or put a sometool v1\.2\.3 binary at /);
    expect(lines).toEqual([expect.stringMatching(/^building sometool v1\.2\.3 with go install from this machine's Go module proxy, once, into /)]);
  });
});
