import { copyFile, access } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DockerComposeEnvironment } from "../stack/testcontainers-runtime.ts";
import { request } from "undici";
import { lastLines, runDocker } from "../docker/run-docker.ts";
import { removeComposeImages, runResourceName } from "../stack/run-labels.ts";
import { freePort } from "../stack/free-port.ts";
import { type Check, fail, pass } from "./check.ts";

/**
 * The template's compose file, used as a user would (`cp .env.example .env && docker compose up
 * --build`), brings every service up healthy and serves the app's page through the proxy.
 */
export const composeUp: Check = async (context) => {
  if (!context.compose) return fail("the manifest lists compose-up but names no compose file");
  const { file, env } = context.compose;
  const projectDir = dirname(join(context.stageDir, file));
  const dotEnv = join(projectDir, ".env");
  if (!(await exists(dotEnv)) && (await exists(`${dotEnv}.example`))) await copyFile(`${dotEnv}.example`, dotEnv);

  const project = runResourceName(context.run, `${context.cellId}-compose`);
  const port = await freePort();
  context.run.composeProjects.add(project);
  const started = performance.now();
  let environment;
  try {
    environment = await new DockerComposeEnvironment(projectDir, file.split("/").pop()!)
      .withProjectName(project)
      // No default provenance attestation for compose's builds either (see buildImage).
      .withEnvironment({ ...env, HTTP_PORT: String(port), BUILDX_NO_DEFAULT_ATTESTATIONS: "1" })
      .withBuild()
      .withStartupTimeout(180_000)
      .up();
  } catch (error) {
    const logs = await runDocker(["compose", "--project-name", project, "logs", "--no-color", "--tail", "15"]).then(
      (output) => output.stdout + output.stderr,
      () => "(no logs)",
    );
    await runDocker(["compose", "--project-name", project, "down", "--volumes", "--timeout", "5"]).catch(() => {});
    await removeComposeImages(project);
    context.run.composeProjects.delete(project);
    const reason = error instanceof Error ? lastLines(error.message, 8) : String(error);
    return fail(`docker compose up did not bring the services up healthy:\n${reason}\n--- service logs ---\n${lastLines(logs, 40)}`);
  }
  try {
    const upSeconds = (performance.now() - started) / 1000;
    const services = await composeServices(project);
    const unhealthy = services.filter((s) => s.state !== "running" || (s.health !== "" && s.health !== "healthy"));
    if (!services.length || unhealthy.length) {
      return fail(`services not up and healthy: ${unhealthy.map((s) => `${s.service} ${s.state}/${s.health || "no health check"}`).join(", ") || "none started"}`);
    }
    const page = await request(`http://127.0.0.1:${port}/`, { headersTimeout: 10_000 });
    const body = await page.body.text();
    if (page.statusCode !== 200 || !body.includes(context.expectedGreeting)) {
      return fail(`compose is up, but GET / on the published port answered ${page.statusCode}: ${body.slice(0, 300)}`);
    }
    const summary = services.map((s) => `${s.service} ${s.health || s.state}`).join(", ");
    return pass(`up in ${upSeconds.toFixed(1)} s (${summary}); GET / -> 200 with "${context.expectedGreeting}"`);
  } finally {
    // The project and its volumes are this check's own throwaway data.
    await environment.down({ timeout: 5_000, removeVolumes: true });
    await removeComposeImages(project);
    context.run.composeProjects.delete(project);
  }
};

interface ComposeService {
  service: string;
  state: string;
  health: string;
}

async function composeServices(project: string): Promise<ComposeService[]> {
  const { stdout } = await runDocker(["compose", "--project-name", project, "ps", "--all", "--format", "json"]);
  // compose 2.2x prints one JSON object per line.
  return stdout
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { Service: string; State: string; Health: string })
    .map((entry) => ({ service: entry.Service, state: entry.State, health: entry.Health }));
}

const exists = (path: string) => access(path).then(() => true, () => false);
