import { describe, expect, it } from "vitest";
import { DockerCommandError } from "../../packages/harness/src/docker/run-docker.ts";
import { onceMoreIfRuncFailedToStart, runcFailedToStart } from "../../packages/harness/src/docker/runc-start-failure.ts";

describe("runcFailedToStart", () => {
  it("recognises runc failing to start a step's container, as CI met it", () => {
    const log = [
      "#7 [3/4] RUN python -m venv /venv && /venv/bin/pip install flask",
      "#7 ERROR: runc run failed: unable to start container process: waiting for init preliminary setup: read init-p: connection reset by peer",
      'ERROR: process "/bin/sh -c python -m venv /venv" did not complete successfully: exit code: 1',
    ].join("\n");
    expect(runcFailedToStart(log)).toBe("read init-p: connection reset by peer");
    expect(runcFailedToStart("unable to start container process: error writing config to pipe: write init-p: broken pipe: unknown")).toBe("write init-p: broken pipe");
  });

  it("leaves a step's own failure, and other start failures, to fail the build", () => {
    expect(runcFailedToStart('#7 1.2 ERROR: No matching distribution found for flask\nERROR: process "/bin/sh -c pip install flask" did not complete successfully: exit code: 1')).toBeUndefined();
    expect(runcFailedToStart('runc run failed: unable to start container process: exec: "/bin/bash": stat /bin/bash: no such file or directory')).toBeUndefined();
  });
});

describe("onceMoreIfRuncFailedToStart", () => {
  const failure = (stderr: string) => new DockerCommandError(["run", "image"], 125, { stdout: "", stderr });
  const runcFlake = "docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: waiting for init preliminary setup: read init-p: connection reset by peer: unknown.";
  /** A start() that answers each call with the next outcome, and counts its calls. */
  const starts = (...outcomes: Array<Error | string>) => {
    const start = async () => {
      const outcome = outcomes[start.calls++];
      if (outcome instanceof Error) throw outcome;
      return outcome;
    };
    start.calls = 0;
    return start;
  };

  it("starts once more when runc failed to start the container", async () => {
    const start = starts(failure(runcFlake), "started");
    await expect(onceMoreIfRuncFailedToStart(start)).resolves.toBe("started");
    expect(start.calls).toBe(2);
  });

  it("gives up on a second runc failure, and never tries again after another failure", async () => {
    const twice = starts(failure(runcFlake), failure(runcFlake), "started");
    await expect(onceMoreIfRuncFailedToStart(twice)).rejects.toThrow(/read init-p/);
    expect(twice.calls).toBe(2);
    const missingImage = starts(failure("docker: Error response from daemon: No such image: image."), "started");
    await expect(onceMoreIfRuncFailedToStart(missingImage)).rejects.toThrow(/No such image/);
    expect(missingImage.calls).toBe(1);
    const notDocker = starts(new Error(runcFlake), "started");
    await expect(onceMoreIfRuncFailedToStart(notDocker)).rejects.toThrow(/read init-p/);
    expect(notDocker.calls).toBe(1);
  });
});
