import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ExplainedError } from "../../packages/harness/src/explained-error.ts";
import { baseImageTags } from "../../packages/harness/src/publish/base-image-tags.ts";
import { parseBuilderPlatforms } from "../../packages/harness/src/docker/engine-platforms.ts";
import { UnknownPythonError } from "../../packages/harness/src/manifest/unknown-python-error.ts";
import { NotABaseImageTemplateError, publishBaseImage } from "../../packages/harness/src/publish/publish-base-image.ts";

const repo = resolve(import.meta.dirname, "..", "..");
const cli = fileURLToPath(new URL("../../packages/cli/dist/main.js", import.meta.url));
const runCli = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

describe("the onbuild base image's tags", () => {
  it("are <python>, <python>-<version> and <python>-<major>", () => {
    expect(baseImageTags("3.13", "1.4.2")).toEqual(["3.13", "3.13-1.4.2", "3.13-1"]);
    expect(baseImageTags("3.11", "0.2.0")).toEqual(["3.11", "3.11-0.2.0", "3.11-0"]);
  });

  it("are only the exact one for a prerelease, which must not move <python> or <python>-<major>", () => {
    expect(baseImageTags("3.13", "2.0.0-rc.1")).toEqual(["3.13-2.0.0-rc.1"]);
  });

  it("refuse a version that is not semver", () => {
    expect(() => baseImageTags("3.13", "latest")).toThrow('"latest" is not a semver version');
  });

  it("refuse a version npm refuses (a leading zero), saying what to write and how to fix the package", () => {
    expect(() => baseImageTags("3.13", "01.0.0")).toThrow(ExplainedError);
    expect(() => baseImageTags("3.13", "01.0.0")).toThrow(
      'The onbuild base image cannot be tagged with the template\'s version: "01.0.0" is not a semver version as npm writes it (a number in it has a leading zero, which npm refuses); write "1.0.0".\n' +
        "Fix: give the template package a semver version in its package.json (`pnpm run version-packages` writes one).",
    );
    expect(baseImageTags("3.13", "1.2.3-rc.1")).toEqual(["3.13-1.2.3-rc.1"]);
  });
});

describe("publishBaseImage", () => {
  it("refuses a template without ONBUILD triggers, before building anything", async () => {
    const attempt = publishBaseImage({ templateDir: join(repo, "templates", "slim-uwsgi"), registry: "127.0.0.1:5000", mode: "hermetic", log: () => {} });
    await expect(attempt).rejects.toThrow(NotABaseImageTemplateError);
    await expect(attempt).rejects.toThrow("The slim-uwsgi template's docker/Dockerfile declares no ONBUILD triggers");
  });

  it("refuses a Python the manifest does not list, naming the ones it does, before building anything", async () => {
    const attempt = publishBaseImage({ templateDir: join(repo, "templates", "onbuild"), registry: "127.0.0.1:5000", mode: "hermetic", pythons: ["3.13", "3.9"], log: () => {} });
    await expect(attempt).rejects.toThrow(UnknownPythonError);
    await expect(attempt).rejects.toThrow(/^The onbuild template has no Python 3\.9 variant; it has 3\.11, .*3\.13.*\.\nFix: pass --python with one of those\.$/);
  });
});

describe("dockerize-python publish-image: the command line", () => {
  it.each([
    { args: ["publish-image"], message: "say which base image to publish: onbuild." },
    { args: ["publish-image", "slim-uwsgi", "--registry", "127.0.0.1:5000"], message: '"slim-uwsgi" has no base image to publish; only onbuild.' },
    { args: ["publish-image", "onbuild"], message: "--registry HOST:PORT is required." },
    { args: ["publish-image", "onbuild", "--registry", "http://127.0.0.1:5000"], message: '--registry must be a registry address such as 127.0.0.1:5000 (no scheme), not "http://127.0.0.1:5000".' },
    { args: ["publish-image", "onbuild", "--registry", "127.0.0.1:5000", "--platform", "linux/amd64,linux/s390x"], message: "--platform linux/s390x: not a platform the harness builds for. Platforms: linux/amd64, linux/arm64." },
    { args: ["publish-image", "onbuild", "--registry", "127.0.0.1:5000", "--platform", "arm64"], message: "--platform arm64: not a platform the harness builds for. Platforms: linux/amd64, linux/arm64." },
  ])("$args exits 2 saying: $message", ({ args, message }) => {
    const result = runCli(...args);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(2);
  });

  it("is listed in --help; the maintainers' release rehearsal is not a command of the published CLI", () => {
    const help = runCli("--help").stdout;
    expect(help).toMatch(/^ {2}publish-image {4}/m);
    expect(help).not.toMatch(/^ {2}release /m);
    const release = runCli("release", "--dry-run");
    expect(release.stderr).toContain('unknown command "release"');
    expect(release.status).toBe(2);
  });
});

describe("the platforms the engine's builder lists", () => {
  it("are read from `docker buildx inspect`'s Platforms line, a default platform's star dropped", () => {
    const output = "Name:   default\nDriver: docker\n\nNodes:\nName:      default\nStatus:    running\nPlatforms: linux/amd64*, linux/amd64/v2, linux/arm64, linux/386\nLabels:\n";
    expect(parseBuilderPlatforms(output)).toEqual(["linux/amd64", "linux/amd64/v2", "linux/arm64", "linux/386"]);
  });

  it("are none when the builder lists none (no emulator registered and no Platforms line)", () => {
    expect(parseBuilderPlatforms("Name: default\nStatus: running\n")).toEqual([]);
  });
});
