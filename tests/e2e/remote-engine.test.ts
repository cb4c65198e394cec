import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertDockerEngine } from "../../packages/harness/src/docker/assert-docker-engine.ts";
import { DockerCommandError, runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { ensureDebianRootfs } from "../../packages/harness/src/hermetic/debian-rootfs.ts";
import { ensureStandin } from "../../packages/harness/src/hermetic/standins.ts";
import { runProcess } from "../../packages/harness/src/process/run-process.ts";
import type { MatrixReport } from "../../packages/harness/src/report/report-types.ts";
import { startCheckContainer } from "../../packages/harness/src/stack/check-container.ts";
import { newRunIdentity, runLabelKey } from "../../packages/harness/src/stack/run-labels.ts";
import { GenericContainer } from "../../packages/harness/src/stack/testcontainers-runtime.ts";
import { assertCliBuilt, runCli } from "../unit/fixtures/run-cli.ts";

/**
 * The harness on whatever engine DOCKER_HOST or the current docker context names: a second dockerd
 * on this machine (fixtures/second-docker-engine.sh: its own socket, data, namespace), given the
 * stand-ins the caddy cell needs from the machine's engine. The CLI builds and checks that cell
 * there; the events and images of the run are on the second engine and not on the machine's. Then
 * a docker context naming it takes the harness's containers there too: the docker CLI's and
 * testcontainers', which reads no contexts itself. Needs root (scripts/setup.sh's machine, CI).
 */

const engineScript = join(import.meta.dirname, "fixtures", "second-docker-engine.sh");
/** Every engine command below names its engine: the machine's is the docker CLI's default here. */
const mainEngine = { ...process.env, DOCKER_HOST: "", DOCKER_CONTEXT: "" };

let engineDir: string | undefined;
let dockerHost: string;
let netns: string;
let reportDir: string;
let contextName: string | undefined;
const startedAt = new Date();

const onSecond = (args: readonly string[]) => runDocker(args, { env: { ...process.env, DOCKER_HOST: dockerHost } });
const onMain = (args: readonly string[]) => runDocker(args, { env: mainEngine });
/** The run's container events since this file started, on one engine. */
const containerEvents = async (docker: typeof onMain, runId: string) =>
  (await docker(["events", "--since", startedAt.toISOString(), "--until", new Date().toISOString(), "--filter", "type=container", "--filter", `label=${runLabelKey}=${runId}`, "--format", "{{.Action}}"])).stdout
    .split("\n")
    .filter(Boolean);

beforeAll(async () => {
  assertCliBuilt();
  reportDir = await mkdtemp(join(tmpdir(), "remotetest-report-"));
  // Short: the engine's sockets live under it.
  engineDir = await mkdtemp("/tmp/remotetest-");
  const starting = performance.now();
  dockerHost = (await runProcess("bash", [engineScript, "start", engineDir])).stdout.trim();
  console.info(`second engine answered ${((performance.now() - starting) / 1000).toFixed(1)} s after start (${dockerHost})`);
  netns = (await runProcess("bash", [engineScript, "netns", engineDir])).stdout.trim();
  // What the caddy cell needs in hermetic mode: the Caddy stand-in and the Debian rootfs its name
  // is made from, and the Python stand-in the package-source probe runs in (python:3.13-slim-trixie,
  // the probe's fallback when no cell names a Python image). Built on the machine's engine if missing.
  const images = [
    (await ensureStandin("caddy:2.10")).image,
    (await ensureStandin("python:3.13-slim-trixie")).image,
    (await ensureDebianRootfs("trixie")).image,
  ];
  const loading = performance.now();
  await runProcess("bash", [engineScript, "load", engineDir, ...images], { env: mainEngine });
  console.info(`loaded ${images.join(", ")} into it in ${((performance.now() - loading) / 1000).toFixed(1)} s`);
});

afterAll(async () => {
  if (contextName) await runDocker(["context", "rm", "--force", contextName], { env: mainEngine }).catch(() => {});
  if (engineDir) await runProcess("bash", [engineScript, "stop", engineDir]);
  await rm(reportDir, { recursive: true, force: true });
});

describe("a second Docker engine", () => {
  it("builds and checks a cell where DOCKER_HOST points, and nothing on the machine's engine", async () => {
    const running = performance.now();
    // In the engine's network namespace: its published ports are on that namespace's 127.0.0.1.
    const result = runCli(["matrix", "--cell", "caddy/caddy2", "--mode", "hermetic", "--report-dir", reportDir], { DOCKER_HOST: dockerHost }, 300_000, undefined, ["nsenter", `--net=${netns}`, "--"]);
    console.info(`matrix caddy/caddy2 on the second engine: ${((performance.now() - running) / 1000).toFixed(1)} s`);
    expect(result.status, result.stdout + result.stderr).toBe(0);

    const report = JSON.parse(await readFile(join(reportDir, "matrix.json"), "utf8")) as MatrixReport;
    expect(report.cells.map((cell) => `${cell.id} ${cell.status}`)).toEqual(["caddy/caddy2 pass"]);
    const runId = /run ([0-9a-f]+) \(label /.exec(result.stderr)?.[1];
    expect(runId, result.stderr).toBeDefined();

    // The checks' containers were created (and removed) on the second engine, none on the machine's.
    const second = await containerEvents(onSecond, runId!);
    expect(second).toContain("create");
    expect(second).toContain("destroy");
    expect(await containerEvents(onMain, runId!)).toEqual([]);

    // The cell's image was built there, in this test; that image is not on the machine's engine.
    const { stdout } = await onSecond(["image", "inspect", "--format", '{{.Id}} {{index .Config.Labels "org.opencontainers.image.created"}}', "dockerize-python-cell/caddy:caddy2"]);
    const [imageId, created] = stdout.trim().split(" ") as [string, string];
    expect(Date.parse(created)).toBeGreaterThanOrEqual(Math.floor(startedAt.getTime() / 1000) * 1000);
    await expect(onMain(["image", "inspect", imageId])).rejects.toBeInstanceOf(DockerCommandError);
  });

  // Last: it makes the second engine this process's DOCKER_HOST, as the CLI does, for good
  // (testcontainers keeps the engine it first connected to).
  it("follows a docker context (DOCKER_CONTEXT) with the docker CLI and with testcontainers", async () => {
    contextName = `remotetest-${Math.random().toString(36).slice(2, 8)}`;
    await runDocker(["context", "create", contextName, "--docker", `host=${dockerHost}`], { env: mainEngine });
    delete process.env.DOCKER_HOST;
    process.env.DOCKER_CONTEXT = contextName;
    await assertDockerEngine();
    expect(process.env.DOCKER_HOST).toBe(dockerHost);

    const run = newRunIdentity();
    const [image] = (await onSecond(["images", "--format", "{{.Repository}}:{{.Tag}}", "dockerize-python-standin-caddy"])).stdout.split("\n");
    const checkContainer = await startCheckContainer({ run, name: `remotetest-${run.id}-cli`, image: image!, options: ["--network", "none"], command: ["caddy", "respond", "--listen", ":9000"] });
    const testcontainer = await new GenericContainer(image!).withLabels(run.labels).withNetworkMode("none").withCommand(["caddy", "respond", "--listen", ":9000"]).start();
    try {
      const names = async (docker: typeof onMain) => (await docker(["ps", "--filter", `label=${runLabelKey}=${run.id}`, "--format", "{{.Names}}"])).stdout.split("\n").filter(Boolean).sort();
      expect(await names(onSecond)).toEqual([checkContainer.name, testcontainer.getName().replace(/^\//, "")].sort());
      expect(await names(onMain)).toEqual([]);
    } finally {
      await testcontainer.stop();
      await checkContainer.remove();
    }
  });
});
