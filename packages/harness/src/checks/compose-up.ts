import { answersProbe, describeProbeAnswer, describeProbeMiss } from "../stack/app-probe.ts";
import { ComposeUpFailedError } from "../stack/compose-project.ts";
import { httpGet } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { parseSteps } from "./deps-layer-cached.ts";

/**
 * The template's compose file, used as a user would (`cp .env.example .env && docker compose up
 * --build`), brings every service up healthy and answers the app's probe through the proxy. The
 * project is the cell's shared one (context.composeProject), which the later compose checks reuse.
 */
export const composeUp: Check<Pick<CheckContext, "compose" | "composeProject" | "probe">> = async (context) => {
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
  const page = await httpGet(`${project.url}${context.probe.path}`);
  if (!answersProbe(context.probe, page)) return fail(`compose is up, but on the published port ${describeProbeMiss(context.probe, page)}`);
  const summary = services.map((s) => `${s.service} ${s.health || s.state}`).join(", ");
  return pass(`up in ${project.firstUpSeconds.toFixed(1)} s (${summary}; ${describeBuildCache(project.firstBuildLog)}); ${describeProbeAnswer(context.probe, page)}`);
};

/**
 * How many of compose's RUN steps came from the cache, and the stages of those that ran: built with
 * the same build args as `docker build` (compose.yaml passes an unset variable as no arg at all),
 * compose reuses its layers. One step runs by design for a Django app: the proxy's static-collected
 * stage mounts the app image compose just built, a new image.
 */
function describeBuildCache(buildLog: string): string {
  const runs = parseSteps(buildLog).filter((step) => step.instruction.startsWith("RUN"));
  const ran = runs.filter((step) => !step.cached);
  const stages = ran.length ? `; ran: ${ran.map((step) => `[${step.stage || "unnamed stage"}]`).join(", ")}` : "";
  return `its build took ${runs.length - ran.length} of ${runs.length} RUN steps from the cache${stages}`;
}
