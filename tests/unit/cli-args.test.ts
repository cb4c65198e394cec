import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../../packages/cli/dist/main.js", import.meta.url));

function runCli(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} does not exist. Fix: build first (pnpm exec turbo run build, from the repository root).`);
});

describe("dockerize-python command line", () => {
  // Four runs of the CLI, each a Node start: seconds each on a machine busy building images.
  it("prints help and the version, exiting 0", { timeout: 60_000 }, () => {
    const help = runCli("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: dockerize-python <command> [options]");
    expect(help.stdout).toMatch(/^ {2}matrix {4}/m);

    const version = runCli("--version");
    expect(version.status).toBe(0);
    const { version: expected } = JSON.parse(readFileSync(new URL("../../packages/cli/package.json", import.meta.url), "utf8")) as { version: string };
    expect(version.stdout.trim()).toBe(expected);

    const matrixHelp = runCli("matrix", "--help");
    expect(matrixHelp.status).toBe(0);
    expect(matrixHelp.stdout).toContain("--template NAME");

    const verifyHelp = runCli("verify", "--help");
    expect(verifyHelp.status).toBe(0);
    expect(verifyHelp.stdout).toContain("--probe PATH");
    expect(verifyHelp.stdout).toMatch(/the first of: --probe \(and --expect\); on an app with\nthe sample app's routes, its greeting at GET \/; the path of HEALTHCHECK_URL/);
  });

  it.each([
    { args: [], message: "no command given." },
    { args: ["build"], message: 'unknown command "build". Commands: matrix, ' },
    { args: ["--verbose"], message: 'unknown option "--verbose".' },
    { args: ["matrix", "--bogus"], message: "Unknown option '--bogus'" },
    { args: ["matrix", "--template"], message: "Option '-t, --template <value>' argument missing" },
    { args: ["matrix", "--mode", "fast"], message: '--mode must be one of auto, hermetic, online, not "fast".' },
    { args: ["matrix", "extra"], message: "Unexpected argument 'extra'" },
    { args: ["matrix", "--check", "fast"], message: "--check fast: not a check the harness knows. Checks: " },
    { args: ["matrix", "--platform", "linux/arm64,linux/s390x"], message: "--platform linux/s390x: not a platform the harness builds for. Platforms: linux/amd64, linux/arm64." },
    ...["0/3", "4/3", "x", "1/0", "1/3/5", "1/3x"].map((value) => ({
      args: ["matrix", "--shard", value],
      message: `--shard must be I/N, the I-th of N shards with I from 1 to N (--shard 1/3, 2/3, 3/3), not "${value}".`,
    })),
    { args: ["matrix", "--app", "sample-apps/flask"], message: '--app takes KIND=DIR, the kind one of wsgi, asgi, django (say --app wsgi=sample-apps/flask), not "sample-apps/flask".' },
    { args: ["matrix", "--app", "flask=sample-apps/flask"], message: "--app takes KIND=DIR, the kind one of wsgi, asgi, django" },
    { args: ["matrix", "--app", "wsgi=a", "--app", "wsgi=b"], message: "--app wsgi= is given twice: one app per kind." },
    { args: ["verify", "--check", "fast"], message: "--check fast: not a check the harness knows. Checks: " },
    { args: ["verify", "--probe", "healthz"], message: '--probe must be a path starting with /, not "healthz".' },
    { args: ["verify", "--expect", "ok"], message: "--expect needs --probe: it is the text the probed path answers." },
    { args: ["merge-reports", "--job-started", "soon", "a.json"], message: "--job-started soon is not a time" },
    { args: ["sbom", "--output", "app.spdx.json"], message: "say which image: a tag or an image ID of the local engine." },
    { args: ["sbom", "app:latest"], message: "--output FILE is required." },
  ])("exits 2 with a message and the usage for: $args", ({ args, message }) => {
    const { status, stdout, stderr } = runCli(...args);
    expect(status).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(`dockerize-python: ${message}`);
    expect(stderr).toContain("Usage: dockerize-python");
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe("--platform (matrix, publish-image)", () => {
  it("takes platforms repeated or comma-separated, as docker does, each once", async () => {
    const { platformOptions } = await import("../../packages/cli/src/command-args.ts");
    expect(platformOptions(["linux/amd64,linux/arm64"], "usage")).toEqual(["linux/amd64", "linux/arm64"]);
    expect(platformOptions(["linux/arm64", "linux/amd64", "linux/arm64"], "usage")).toEqual(["linux/arm64", "linux/amd64"]);
    expect(platformOptions(undefined, "usage")).toEqual([]);
  });
});
