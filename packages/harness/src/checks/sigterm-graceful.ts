import { describeProbeAnswer, waitUntilAppServes } from "../stack/app-probe.ts";
import type { CheckContainer } from "../stack/check-container.ts";
import { runResourceName } from "../stack/run-labels.ts";
import { startAppBesideStack } from "../stack/start-app-beside-stack.ts";
import { type HttpAnswer, httpGet } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/** How long the request in flight takes: well inside the bound, long enough to be cut off by a hard stop. */
const requestSeconds = 2;
/** The container must have exited this soon after `docker stop` began. */
const exitBoundSeconds = 5;
/** `docker stop`'s own default: what a user's stop waits before SIGKILL. */
const stopGraceSeconds = 10;

/**
 * `docker stop` while a request is in flight: the app's `GET /slow?seconds=2` is sent, and half a
 * second later the container is stopped (SIGTERM, then SIGKILL after docker's default 10 s). The
 * request must still complete with 200, the container must have exited within 5 s of the stop, and
 * its exit status must be 0: 143 means the server died of the SIGTERM instead of handling it, 137
 * that it was SIGKILLed because SIGTERM never reached it (an entrypoint without `exec`) or was
 * ignored. Run on a container of its own beside the stack. An app without GET /slow (a user's app
 * under `verify`) is stopped with no request in flight: the exit within 5 s with status 0 is still
 * measured, and the detail says the in-flight part was not.
 */
export const sigtermGraceful: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "stack" | "probe">> = failOnContainerProblem(async (context) => {
  if (context.kind !== "app") return fail("sigterm-graceful stops an app server with a request in flight; list it on app templates only");
  const stack = await context.stack();
  const app = await startAppBesideStack(stack, { name: runResourceName(context.run, `${context.cellId}-sigterm`), image: context.image });
  try {
    const served = await waitUntilAppServes(app, context.probe, "the app");
    const slowRoute = await httpGet(`${app.url}/slow?seconds=0`);
    if (slowRoute.status === 404) {
      const stop = await stopMeasured(app);
      if (stop.problems.length) return fail(`docker stop (no request in flight): ${stop.problems.join("; ")}\n--- the app's log ---\n${await app.logs()}`);
      return pass(
        `${describeProbeAnswer(context.probe, served)}; docker stop: the container exited ${stop.seconds.toFixed(1)} s after the stop began, with status 0; ` +
          "a request in flight during the stop was not measured: the app has no GET /slow?seconds=N route (404)",
      );
    }
    if (slowRoute.status !== 200) return fail(`GET /slow?seconds=0 answered ${slowRoute.status}: ${slowRoute.body.slice(0, 200)}`);

    const inFlight: Promise<HttpAnswer | Error> = httpGet(`${app.url}/slow?seconds=${requestSeconds}`, 30_000).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    // The request has reached the server (it answers within milliseconds) and sleeps in it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stop = await stopMeasured(app);
    const answer = await inFlight;

    const problems: string[] = [];
    if (answer instanceof Error) problems.push(`the request in flight failed (${answer.message}): the stop cut it off`);
    else if (answer.status !== 200) problems.push(`the request in flight answered ${answer.status}`);
    problems.push(...stop.problems);
    if (problems.length) return fail(`docker stop with GET /slow?seconds=${requestSeconds} in flight: ${problems.join("; ")}\n--- the app's log ---\n${await app.logs()}`);
    const answered = answer as HttpAnswer;
    return pass(
      `docker stop with GET /slow?seconds=${requestSeconds} in flight: the request completed (200 after ${answered.seconds.toFixed(1)} s), ` +
        `the container exited ${stop.seconds.toFixed(1)} s after the stop began, with status 0`,
    );
  } finally {
    await app.remove();
  }
});

/** `docker stop` with docker's default grace: how long the container took to exit, and what was wrong with its exit. */
async function stopMeasured(app: CheckContainer): Promise<{ seconds: number; problems: string[] }> {
  const seconds = await app.stop(stopGraceSeconds);
  const { exitCode } = await app.state();
  const problems: string[] = [];
  if (seconds > exitBoundSeconds) problems.push(`the container took ${seconds.toFixed(1)} s to exit (at most ${exitBoundSeconds} s)`);
  if (exitCode !== 0) problems.push(`it exited with ${exitStatusMeaning(exitCode)}`);
  return { seconds, problems };
}

/** An exit status as a person needs it read. */
export function exitStatusMeaning(exitCode: number): string {
  if (exitCode === 143) return "143 (killed by the SIGTERM itself: the server does not handle it, so it never shuts down cleanly)";
  if (exitCode === 137) {
    return `137 (SIGKILLed after docker stop's ${stopGraceSeconds} s: SIGTERM never reached the server, as when an entrypoint starts it without exec, or it ignored SIGTERM)`;
  }
  return `status ${exitCode} (a clean shutdown exits 0)`;
}
