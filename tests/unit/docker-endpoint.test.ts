import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertEngineOnThisMachine, endpointOfContext, resolveDockerEndpoint } from "../../packages/harness/src/docker/docker-endpoint.ts";
import { ExplainedError } from "../../packages/harness/src/explained-error.ts";
import { assertCliBuilt, runCli } from "./fixtures/run-cli.ts";

/** The engine the harness uses is the docker CLI's (DOCKER_HOST, else the current context), and only one on this machine. */
describe("the Docker endpoint", () => {
  beforeAll(assertCliBuilt);

  it("is DOCKER_HOST when it is set, before any context", async () => {
    expect(await resolveDockerEndpoint({ DOCKER_HOST: "unix:///tmp/elsewhere.sock", DOCKER_CONTEXT: "ignored", PATH: process.env.PATH })).toEqual({
      host: "unix:///tmp/elsewhere.sock",
      from: "DOCKER_HOST",
    });
  });

  it("is the context's Docker endpoint otherwise, as `docker context inspect` prints it", () => {
    const json = '{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///run/other.sock","SkipTLSVerify":false}},"TLSMaterial":{},"Storage":{}}';
    expect(endpointOfContext(json)).toEqual({ host: "unix:///run/other.sock", from: 'the docker context "remote"' });
    expect(() => endpointOfContext('{"Name":"empty","Endpoints":{}}')).toThrow(/has no Docker endpoint[\s\S]*Fix: give it one/);
    const withTls = '{"Name":"secure","Endpoints":{"docker":{"Host":"tcp://127.0.0.1:2376"}},"TLSMaterial":{"docker":["ca.pem","cert.pem","key.pem"]}}';
    expect(() => endpointOfContext(withTls)).toThrow(/"secure" connects with TLS[\s\S]*Fix: set DOCKER_HOST=tcp:\/\/127\.0\.0\.1:2376, DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH/);
  });

  it("names a context that does not exist, and the fix", async () => {
    const home = await mkdtemp(join(tmpdir(), "dockerize-python-contexts-"));
    try {
      // An empty DOCKER_CONFIG: no context of the user's can answer instead.
      const resolving = resolveDockerEndpoint({ DOCKER_CONTEXT: "no-such-context", DOCKER_CONFIG: home, PATH: process.env.PATH });
      await expect(resolving).rejects.toBeInstanceOf(ExplainedError);
      await expect(resolving).rejects.toThrow(/Cannot read the endpoint of "no-such-context" \(from DOCKER_CONTEXT\): .*not found[\s\S]*Fix: name a context that exists/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it.each(["unix:///var/run/docker.sock", "npipe:////./pipe/docker_engine", "tcp://127.0.0.1:2375", "tcp://localhost:2376", "tcp://[::1]:2375"])("%s is on this machine", (host) => {
    expect(() => assertEngineOnThisMachine({ host, from: "DOCKER_HOST" })).not.toThrow();
  });

  it.each(["tcp://192.0.2.10:2376", "tcp://docker.example:2375", "ssh://builder@192.0.2.10", "not a url"])("%s is refused with the cause and the fix", (host) => {
    const refusal = (() => {
      try {
        assertEngineOnThisMachine({ host, from: "DOCKER_HOST" });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(ExplainedError);
    expect((refusal as Error).message).toContain(`The Docker engine at ${host} (from DOCKER_HOST) is not on this machine`);
    expect((refusal as Error).message).toContain("Fix: run dockerize-python on the machine that runs the engine");
    expect((refusal as Error).message.includes("cannot connect over ssh://")).toBe(host.startsWith("ssh:"));
  });

  it("refuses an engine on another machine in matrix before anything is started or written", async () => {
    const reportDir = await mkdtemp(join(tmpdir(), "dockerize-python-remote-refused-"));
    try {
      const result = runCli(["matrix", "--cell", "caddy/caddy2", "--mode", "hermetic", "--report-dir", reportDir], { DOCKER_HOST: "ssh://builder@192.0.2.10" });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toContain("dockerize-python: The Docker engine at ssh://builder@192.0.2.10 (from DOCKER_HOST) is not on this machine");
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(reportDir, "matrix.json"))).toBe(false);
    } finally {
      await rm(reportDir, { recursive: true, force: true });
    }
  });
});
