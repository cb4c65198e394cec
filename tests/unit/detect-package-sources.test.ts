import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectPackageSources } from "../../packages/harness/src/sources/detect-sources.ts";
import { useFakeDocker } from "./fixtures/fake-docker.ts";

const machine = { caBundle: undefined, pipIndexUrl: undefined, goProxy: "https://proxy.invalid", goSumDb: undefined, notes: [] };
const bridgeGone = "docker: Error response from daemon: failed to create endpoint x on network bridge: adding interface veth0ca85f3 to bridge docker0 failed: Device does not exist.";
const runcFlake = "docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: waiting for init preliminary setup: read init-p: connection reset by peer: unknown.";

describe("detectPackageSources in auto mode", () => {
  // `docker run` answers, for its n-th call, with the n-th line of the answers file: "<exit status> <stderr>" (0: success).
  const docker = useFakeDocker(`if [ "$1" = run ]; then
  n=$(grep -c '^run' "$FAKE_DOCKER_CALLS")
  answer=$(sed -n "\${n}p" "$(dirname "$0")/answers")
  echo "\${answer#* }" >&2
  echo "Run 'docker run --help' for more information" >&2
  exit "\${answer%% *}"
fi`);
  const detect = async (answers: string[]) => {
    await writeFile(join(docker.dir(), "answers"), answers.map((line) => `${line}\n`).join(""));
    return detectPackageSources("auto", machine, "python:3.13-slim", true, () => {});
  };

  it("takes a probe that ran and failed as the index or proxy being out of reach", async () => {
    const sources = await detect(["1 ERROR: Could not find a version that satisfies the requirement pip", "1 urllib.error.URLError: <urlopen error timed out>"]);
    expect(sources.pythonPackages.kind).toBe("local-index");
    expect(sources.goModules.kind).toBe("none");
  });

  it("refuses to decide when the engine could not start the probe's container, naming the engine's error", async () => {
    await expect(detect([`125 ${bridgeGone}`, `125 ${bridgeGone}`])).rejects.toThrow(/could not start the container that probes[\s\S]*bridge docker0 failed: Device does not exist[\s\S]*Fix: mend the engine/);
  });

  it("tries once more when runc failed to start the probe's container", async () => {
    // pip's probe and the proxy's run side by side: each of the first two runs meets runc's flake once.
    const sources = await detect([`125 ${runcFlake}`, `125 ${runcFlake}`, "0 ", "0 "]);
    expect(sources.pythonPackages.kind).toBe("pypi");
    expect(sources.goModules.kind).toBe("proxy");
    expect((await docker.calls()).filter((line) => line.startsWith("run "))).toHaveLength(4);
  });
});
