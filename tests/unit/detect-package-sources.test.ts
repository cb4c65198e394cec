import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectPackageSources } from "../../packages/harness/src/sources/detect-sources.ts";
import { useFakeDocker } from "./fixtures/fake-docker.ts";

const machine = { caBundle: undefined, pipIndexUrl: undefined, goProxy: "https://proxy.invalid", goSumDb: undefined, notes: [] };
const bridgeGone = "docker: Error response from daemon: failed to create endpoint x on network bridge: adding interface veth0ca85f3 to bridge docker0 failed: Device does not exist.";
const runcFlake = "docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: waiting for init preliminary setup: read init-p: connection reset by peer: unknown.";

describe("detectPackageSources in auto mode", () => {
  // pip's probe and the proxy's run side by side, so each answers from its own list: its n-th
  // `docker run` gets the n-th line of <probe>-answers, "<exit status> <stderr>" (0: success).
  const docker = useFakeDocker(`if [ "$1" = run ]; then
  case "$*" in *"pip download"*) probe=pip ;; *) probe=go ;; esac
  dir=$(dirname "$0")
  echo >> "$dir/$probe-runs"
  answer=$(sed -n "$(wc -l < "$dir/$probe-runs")p" "$dir/$probe-answers")
  echo "\${answer#* }" >&2
  echo "Run 'docker run --help' for more information" >&2
  exit "\${answer%% *}"
fi`);
  const detect = async (answers: { pip: string[]; go: string[] }) => {
    for (const probe of ["pip", "go"] as const) {
      await writeFile(join(docker.dir(), `${probe}-answers`), answers[probe].map((line) => `${line}\n`).join(""));
      await writeFile(join(docker.dir(), `${probe}-runs`), "");
    }
    try {
      return await detectPackageSources("auto", machine, "python:3.13-slim", true, () => {});
    } finally {
      // One probe's failure settles the call while the other may still run: each answer list is
      // used whole, so wait for that, or a late run would count into the next test's answers (a
      // loaded machine may take seconds to start a process: poll's default second failed once).
      for (const probe of ["pip", "go"] as const) {
        await expect.poll(() => readFile(join(docker.dir(), `${probe}-runs`), "utf8"), { message: `${probe}'s probe ran once per answer`, timeout: 15_000 }).toHaveLength(answers[probe].length);
      }
    }
  };

  it("takes a probe that ran and failed as the index or proxy being out of reach", async () => {
    const sources = await detect({ pip: ["1 ERROR: Could not find a version that satisfies the requirement pip"], go: ["1 urllib.error.URLError: <urlopen error timed out>"] });
    expect(sources.pythonPackages.kind).toBe("local-index");
    expect(sources.goModules.kind).toBe("none");
  });

  it("refuses to decide when the engine could not start the probe's container, naming the engine's error", async () => {
    await expect(detect({ pip: [`125 ${bridgeGone}`], go: [`125 ${bridgeGone}`] })).rejects.toThrow(
      /could not start the container that probes[\s\S]*bridge docker0 failed: Device does not exist[\s\S]*Fix: mend the engine/,
    );
  });

  it("names no host in that error, not even the proxy's that the probe asked", async () => {
    const refusal = await detect({ pip: ["0 "], go: [`125 ${bridgeGone}`] }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(Error);
    expect((refusal as Error).message).toContain("could not start the container that probes this machine's network (run --rm ... <url>)");
    expect((refusal as Error).message).not.toContain("proxy.invalid");
  });

  it("tries once more when runc failed to start the probe's container", async () => {
    const sources = await detect({ pip: [`125 ${runcFlake}`, "0 "], go: [`125 ${runcFlake}`, "0 "] });
    expect(sources.pythonPackages.kind).toBe("pypi");
    expect(sources.goModules.kind).toBe("proxy");
    expect((await docker.calls()).filter((line) => line.startsWith("run "))).toHaveLength(4);
  });
});
