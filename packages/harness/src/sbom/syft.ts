import { runProcess } from "../process/run-process.ts";
import { ensureGoTool, type GoTool } from "../tools/go-tool.ts";

/**
 * syft (Anchore's SBOM generator), the one version the harness uses: built from source with
 * `go install` from this machine's Go module proxy, since no container registry or release
 * download is assumed. Change the version here only. A cold build downloads about 2 GB of modules
 * and compiles for minutes; the limit keeps a hung proxy from hanging a run.
 */
const version = "v1.57.2";

export const syft: GoTool = {
  name: "syft",
  module: "github.com/anchore/syft/cmd/syft",
  version,
  // As its release builds: stripped, and its version stamped (an SBOM names the tool that wrote it).
  ldflags: `-s -w -X main.version=${version.replace(/^v/, "")}`,
  buildTimeoutMs: 40 * 60 * 1000,
};

/** `syft v1.57.2`: how a report names the tool that wrote an SBOM. */
export const syftName = `${syft.name} ${syft.version}`;

/** The path of syft, built on first use into the harness cache (see ensureGoTool). */
export function ensureSyft(log: (line: string) => void = () => {}): Promise<string> {
  return ensureGoTool(syft, log);
}

/**
 * The SPDX 2.3 JSON SBOM syft writes of a local image, read from the Docker engine (never pulled):
 * its OS packages (dpkg, apk), Python distributions and Go modules, with versions and purls.
 */
export async function imageSpdxSbom(syftBinary: string, image: string): Promise<string> {
  const { stdout } = await runProcess(syftBinary, ["scan", `docker:${image}`, "--output", "spdx-json", "--quiet"], {
    // No check for a newer syft: a run asks nothing of the internet it does not need.
    env: { ...process.env, SYFT_CHECK_FOR_APP_UPDATE: "false" },
    timeoutMs: 10 * 60 * 1000,
  });
  return stdout;
}
