import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withLineAppended } from "../../bench/src/file-change.ts";
import { timeMatrix } from "../../bench/src/matrix-timing.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "bench-matrix-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A template file with a known content and an old modification time. */
async function templateFile(): Promise<{ relative: string; path: string; content: string; mtime: Date }> {
  const relative = "templates/t/files/docker/Dockerfile";
  const path = join(dir, relative);
  await mkdir(join(dir, "templates/t/files/docker"), { recursive: true });
  const content = "FROM scratch\nCMD [\"x\"]\n";
  await writeFile(path, content);
  const mtime = new Date("2026-01-02T03:04:05Z");
  await utimes(path, mtime, mtime);
  return { relative, path, content, mtime };
}

describe("withLineAppended", () => {
  it("gives the work the file with the line, then restores its bytes and modification time", async () => {
    const file = await templateFile();
    const seen = await withLineAppended(file.path, "# probe", () => readFile(file.path, "utf8"));
    expect(seen).toBe(`${file.content}# probe\n`);
    expect(await readFile(file.path, "utf8")).toBe(file.content);
    expect((await stat(file.path)).mtime.getTime()).toBe(file.mtime.getTime());
  });

  it("restores the file when the work fails", async () => {
    const file = await templateFile();
    await expect(withLineAppended(file.path, "# probe", async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(await readFile(file.path, "utf8")).toBe(file.content);
  });

  it("keeps an edit someone made meanwhile, taking out only its own line", async () => {
    const file = await templateFile();
    await withLineAppended(file.path, "# probe", () => writeFile(file.path, `# edited\n${file.content}# probe\n`));
    expect(await readFile(file.path, "utf8")).toBe(`# edited\n${file.content}`);
  });
});

describe("timeMatrix", () => {
  it("times priming, warm and one-template-changed runs; only the changed ones see the change", async () => {
    const file = await templateFile();
    const lines: string[] = [];
    const scenarios = await timeMatrix({
      repoDir: dir,
      command: `tail -n 1 ${file.relative} >> seen.txt`,
      runs: 2,
      changedFile: file.relative,
      cold: false,
      logDir: dir,
      log: (line) => lines.push(line),
    });
    expect(scenarios.map((s) => [s.id, s.runs.length])).toEqual([["priming", 1], ["warm", 2], ["one-template-changed", 2]]);
    expect(scenarios.flatMap((s) => s.runs.map((r) => r.exitCode))).toEqual([0, 0, 0, 0, 0]);
    const seen = (await readFile(join(dir, "seen.txt"), "utf8")).trim().split("\n");
    expect(seen.slice(0, 3)).toEqual(['CMD ["x"]', 'CMD ["x"]', 'CMD ["x"]']);
    expect(seen.slice(3).every((line) => line.startsWith("# benchmark: one template changed"))).toBe(true);
    expect(await readFile(file.path, "utf8")).toBe(file.content);
    expect((await stat(file.path)).mtime.getTime()).toBe(file.mtime.getTime());
    expect(lines.some((line) => line.includes("matrix warm 2/2"))).toBe(true);
  });

  it("with cold asked, starts cold (warmth removed, an empty harness cache, turbo forced) and runs warm on the cache the last cold run filled", async () => {
    const file = await templateFile();
    let removals = 0;
    const scenarios = await timeMatrix({
      repoDir: dir,
      command: 'echo "$DOCKERIZE_PYTHON_CACHE ${TURBO_FORCE:-cached}" >> seen.txt; touch "$DOCKERIZE_PYTHON_CACHE/filled"',
      runs: 2,
      changedFile: file.relative,
      cold: true,
      removeWarmth: async () => void (removals += 1),
      logDir: dir,
      log: () => {},
    });
    expect(scenarios.map((s) => [s.id, s.runs.length])).toEqual([["cold", 2], ["warm", 2], ["one-template-changed", 2]]);
    expect(removals).toBe(2);
    const seen = (await readFile(join(dir, "seen.txt"), "utf8")).trim().split("\n").map((line) => line.split(" "));
    const [firstCold, lastCold] = [seen[0]![0]!, seen[1]![0]!];
    expect(firstCold).not.toBe(lastCold);
    expect(seen.slice(0, 2).map((line) => line[1])).toEqual(["true", "true"]);
    expect(seen.slice(2)).toEqual(Array.from({ length: 4 }, () => [lastCold, "cached"]));
    await expect(stat(lastCold)).rejects.toThrow(/ENOENT/);
  });

  it("records a failing main command's exit code instead of dropping the run", async () => {
    const file = await templateFile();
    const scenarios = await timeMatrix({ repoDir: dir, command: "exit 3", runs: 1, changedFile: file.relative, cold: false, logDir: dir, log: () => {} });
    expect(scenarios.map((s) => s.runs[0]!.exitCode)).toEqual([3, 3, 3]);
  });
});
