import { runResourceName } from "../stack/run-labels.ts";
import { startAppBesideStack, waitForAppGreeting } from "../stack/start-app-beside-stack.ts";
import { type HttpAnswer, httpGet } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass, skip } from "./check.ts";
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
 * under `verify --app`) is skipped, saying so.
 */
export const sigtermGraceful: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "stack" | "expectedGreeting">> = failOnContainerProblem(async (context) => {
  if (context.kind !== "app") return fail("sigterm-graceful stops an app server with a request in flight; list it on app templates only");
  const stack = await context.stack();
  const app = await startAppBesideStack(stack, { name: runResourceName(context.run, `${context.cellId}-sigterm`), image: context.image });
  try {
    await waitForAppGreeting(app, context.expectedGreeting, "the app");
    const probe = await httpGet(`${app.url}/slow?seconds=0`);
    if (probe.status === 404) {
      return skip("the app has no GET /slow?seconds=N route (the sample app's), so no request can be kept in flight during the stop; add one to have graceful shutdown verified");
    }
    if (probe.status !== 200) return fail(`GET /slow?seconds=0 answered ${probe.status}: ${probe.body.slice(0, 200)}`);

    const inFlight: Promise<HttpAnswer | Error> = httpGet(`${app.url}/slow?seconds=${requestSeconds}`, 30_000).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    // The request has reached the server (it answers within milliseconds) and sleeps in it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopSeconds = await app.stop(stopGraceSeconds);
    const { exitCode } = await app.state();
    const answer = await inFlight;

    const problems: string[] = [];
    if (answer instanceof Error) problems.push(`the request in flight failed (${answer.message}): the stop cut it off`);
    else if (answer.status !== 200) problems.push(`the request in flight answered ${answer.status}`);
    if (stopSeconds > exitBoundSeconds) problems.push(`the container took ${stopSeconds.toFixed(1)} s to exit (at most ${exitBoundSeconds} s)`);
    if (exitCode !== 0) problems.push(`it exited with ${exitStatusMeaning(exitCode)}`);
    if (problems.length) return fail(`docker stop with GET /slow?seconds=${requestSeconds} in flight: ${problems.join("; ")}\n--- the app's log ---\n${await app.logs()}`);
    const answered = answer as HttpAnswer;
    return pass(
      `docker stop with GET /slow?seconds=${requestSeconds} in flight: the request completed (200 after ${answered.seconds.toFixed(1)} s), ` +
        `the container exited ${stopSeconds.toFixed(1)} s after the stop began, with status 0`,
    );
  } finally {
    await app.remove();
  }
});

/** An exit status as a person needs it read. */
export function exitStatusMeaning(exitCode: number): string {
  if (exitCode === 143) return "143 (killed by the SIGTERM itself: the server does not handle it, so it never shuts down cleanly)";
  if (exitCode === 137) {
    return `137 (SIGKILLed after docker stop's ${stopGraceSeconds} s: SIGTERM never reached the server, as when an entrypoint starts it without exec, or it ignored SIGTERM)`;
  }
  return `status ${exitCode} (a clean shutdown exits 0)`;
}
