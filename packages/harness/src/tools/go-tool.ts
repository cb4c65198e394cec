import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { pathExists } from "../files/path-exists.ts";
import { harnessCacheDir } from "../hermetic/package-index.ts";
import { ProcessFailedError, runProcess } from "../process/run-process.ts";

/** A command-line tool built from Go source with `go install <module>@<version>`: the one version it is used at. */
export interface GoTool {
  /** The binary's name (the module path's last element): `syft`, `actionlint`. */
  name: string;
  /** The module path of its main package: `github.com/anchore/syft/cmd/syft`. */
  module: string;
  version: string;
  /** `go install -ldflags` (what a release build stamps in: its version), when the tool wants any. */
  ldflags?: string;
  /** How long a cold build (downloads and compile) may take before it counts as hung. */
  buildTimeoutMs: number;
}

/** Where a tool is kept between runs: `<harness cache>/tools/<name>-<version>/<name>`. */
export function goToolPath(tool: GoTool, cacheDir: string = harnessCacheDir()): string {
  return join(cacheDir, "tools", `${tool.name}-${tool.version}`, tool.name);
}

/**
 * The path of `tool`, built on first use with `go install` from the Go module proxy this machine's
 * go command uses (go env GOPROXY), into the harness cache, where every later run finds it. The
 * build goes to a folder of its own and is moved into place whole, so that runs building at once
 * never see half a binary. Rejects with an ExplainedError naming the cause and the fix when there
 * is no go command or the proxy does not serve the module.
 */
export function ensureGoTool(tool: GoTool, log: (line: string) => void = () => {}, cacheDir: string = harnessCacheDir()): Promise<string> {
  const binary = goToolPath(tool, cacheDir);
  // Cells side by side (--jobs) ask at once: one build in this process, whoever asked first logs it.
  let ensured = ensuring.get(binary);
  if (!ensured) {
    ensured = buildUnlessPresent(tool, binary, log);
    ensuring.set(binary, ensured);
    // A failed build is tried again by the next caller (the proxy may answer by then).
    ensured.catch(() => ensuring.delete(binary));
  }
  return ensured;
}

/** The builds this process has started or finished, by binary path. */
const ensuring = new Map<string, Promise<string>>();

async function buildUnlessPresent(tool: GoTool, binary: string, log: (line: string) => void): Promise<string> {
  if (await pathExists(binary)) return binary;
  const toolDir = join(binary, "..");
  await mkdir(toolDir, { recursive: true });
  const buildDir = join(toolDir, `.build-${process.pid}-${randomBytes(4).toString("hex")}`);
  const started = performance.now();
  log(`building ${tool.name} ${tool.version} with go install from this machine's Go module proxy, once, into ${toolDir}`);
  try {
    // CGO off: a tool that needs no C builds without a compiler and runs anywhere.
    await runProcess("go", ["install", ...(tool.ldflags ? ["-ldflags", tool.ldflags] : []), `${tool.module}@${tool.version}`], {
      env: { ...process.env, GOBIN: buildDir, CGO_ENABLED: "0" },
      timeoutMs: tool.buildTimeoutMs,
      keepOutput: false,
    });
    await rename(join(buildDir, tool.name), binary);
  } catch (error) {
    throw goToolBuildError(tool, binary, error);
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
  log(`built ${tool.name} ${tool.version} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return binary;
}

function goToolBuildError(tool: GoTool, binary: string, error: unknown): Error {
  if (!(error instanceof ProcessFailedError)) return error instanceof Error ? error : new Error(String(error));
  if (error.failure === "not-found") {
    return new ExplainedError(
      `${tool.name} ${tool.version} is built with the go command, and there is none on PATH.\n` +
        `Fix: install Go and let it reach a Go module proxy (go env GOPROXY), then run again; or put a ${tool.name} ${tool.version} binary at ${binary}.`,
    );
  }
  return new ExplainedError(
    `go install ${tool.module}@${tool.version} failed (${error.summary}):\n${error.tail}\n` +
      `Fix: the Go module proxy this machine's go command uses (go env GOPROXY) must serve the module and its dependencies: check the network and proxy settings, then run again; or put a ${tool.name} ${tool.version} binary at ${binary}.`,
    { cause: error },
  );
}
