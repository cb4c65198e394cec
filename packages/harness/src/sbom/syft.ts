import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { pathExists } from "../files/path-exists.ts";
import { harnessCacheDir } from "../hermetic/package-index.ts";
import { ProcessFailedError, runProcess } from "../process/run-process.ts";

/**
 * syft (Anchore's SBOM generator), the one version the harness uses: built from source with
 * `go install` from this machine's Go module proxy, since no container registry or release
 * download is assumed. Change the version here only.
 */
export const syftModule = { path: "github.com/anchore/syft/cmd/syft", version: "v1.57.2" } as const;

/** `syft v1.57.2`: how a report names the tool that wrote an SBOM. */
export const syftName = `syft ${syftModule.version}`;

/** A cold build downloads about 2 GB of modules and compiles for minutes; a hung proxy must not hang a run. */
const buildTimeoutMs = 30 * 60 * 1000;

/** Where the built binary is kept between runs: `<harness cache>/tools/syft/<version>/syft`. */
export function syftPath(cacheDir: string = harnessCacheDir()): string {
  return join(cacheDir, "tools", "syft", syftModule.version, "syft");
}

/**
 * The path of syft, built on first use (`go install <module>@<version>` into the harness cache;
 * minutes once, then reused by every run). The build goes to a folder of its own and is moved into
 * place whole, so runs that build at once never see half a binary. Rejects with an ExplainedError
 * naming the cause and the fix when there is no go command or the module proxy does not serve it.
 */
export async function ensureSyft(log: (line: string) => void = () => {}, cacheDir: string = harnessCacheDir()): Promise<string> {
  const binary = syftPath(cacheDir);
  if (await pathExists(binary)) return binary;
  const versionDir = join(binary, "..");
  await mkdir(versionDir, { recursive: true });
  const buildDir = join(versionDir, `.build-${process.pid}-${randomBytes(4).toString("hex")}`);
  const started = performance.now();
  log(`building ${syftName} with go install from this machine's Go module proxy, once, into ${versionDir} (minutes on a cold Go cache)`);
  try {
    // CGO off: syft needs no C (its SQLite is pure Go), so no compiler is needed and the binary runs anywhere.
    await runProcess("go", ["install", `${syftModule.path}@${syftModule.version}`], {
      env: { ...process.env, GOBIN: buildDir, CGO_ENABLED: "0" },
      timeoutMs: buildTimeoutMs,
      keepOutput: false,
    });
    await rename(join(buildDir, "syft"), binary);
  } catch (error) {
    throw syftBuildError(error);
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
  log(`built ${syftName} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return binary;
}

function syftBuildError(error: unknown): Error {
  if (!(error instanceof ProcessFailedError)) return error instanceof Error ? error : new Error(String(error));
  if (error.failure === "not-found") {
    return new ExplainedError(
      `${syftName}, which writes the SBOM, is built with the go command, and there is none on PATH.\n` +
        `Fix: install Go (1.25 or later) and run again; or put a syft binary at ${syftPath()}.`,
    );
  }
  return new ExplainedError(
    `go install ${syftModule.path}@${syftModule.version} failed (${error.summary}):\n${error.tail}\n` +
      "Fix: the Go module proxy this machine's go command uses (go env GOPROXY) must serve the module and its dependencies: " +
      `check the network and proxy settings, then run again; or put a syft binary at ${syftPath()}.`,
    { cause: error },
  );
}

/**
 * The SPDX 2.3 JSON SBOM syft writes of a local image, read from the Docker engine (never pulled):
 * its OS packages (dpkg, apk), Python distributions and Go modules, with versions and purls.
 */
export async function imageSpdxSbom(syft: string, image: string): Promise<string> {
  const { stdout } = await runProcess(syft, ["scan", `docker:${image}`, "--output", "spdx-json", "--quiet"], {
    // No check for a newer syft: a run asks nothing of the internet it does not need.
    env: { ...process.env, SYFT_CHECK_FOR_APP_UPDATE: "false" },
    timeoutMs: 10 * 60 * 1000,
  });
  return stdout;
}
