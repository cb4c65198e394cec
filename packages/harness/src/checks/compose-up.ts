import { request } from "undici";
import { ComposeUpFailedError } from "../stack/compose-project.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/**
 * The template's compose file, used as a user would (`cp .env.example .env && docker compose up
 * --build`), brings every service up healthy and serves the app's page through the proxy. The
 * project is the cell's shared one (context.composeProject), which the later compose checks reuse.
 */
export const composeUp: Check<Pick<CheckContext, "compose" | "composeProject" | "expectedGreeting">> = async (context) => {
  if (!context.compose) return fail("the manifest lists compose-up but names no compose file");
  let project;
  try {
    project = await context.composeProject();
  } catch (error) {
    if (error instanceof ComposeUpFailedError) return fail(error.message);
    throw error;
  }
  const services = await project.services();
  const unhealthy = services.filter((s) => s.state !== "running" || (s.health !== "" && s.health !== "healthy"));
  if (!services.length || unhealthy.length) {
    return fail(`services not up and healthy: ${unhealthy.map((s) => `${s.service} ${s.state}/${s.health || "no health check"}`).join(", ") || "none started"}`);
  }
  const page = await request(`${project.url}/`, { headersTimeout: 10_000 });
  const body = await page.body.text();
  if (page.statusCode !== 200 || !body.includes(context.expectedGreeting)) {
    return fail(`compose is up, but GET / on the published port answered ${page.statusCode}: ${body.slice(0, 300)}`);
  }
  const summary = services.map((s) => `${s.service} ${s.health || s.state}`).join(", ");
  return pass(`up in ${project.firstUpSeconds.toFixed(1)} s (${summary}); GET / -> 200 with "${context.expectedGreeting}"`);
};
