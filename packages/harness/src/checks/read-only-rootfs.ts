import { runResourceName } from "../stack/run-labels.ts";
import { startAppBesideStack, waitForAppGreeting } from "../stack/start-app-beside-stack.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/**
 * The app serves with its root filesystem read-only and only /tmp writable (a tmpfs): `docker run
 * --read-only --tmpfs /tmp`, no volume at all (not even on APP_DATA_DIR). It must answer GET / with
 * its greeting (so its database was reached); an image that writes anywhere else while starting
 * (a cache, a pid file, .pyc files next to the code) exits or never serves, and its log says where.
 */
export const readOnlyRootfs: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "stack" | "expectedGreeting">> = failOnContainerProblem(async (context) => {
  if (context.kind !== "app") return fail("read-only-rootfs runs an app image read-only; list it on app templates only");
  const stack = await context.stack();
  const app = await startAppBesideStack(stack, {
    name: runResourceName(context.run, `${context.cellId}-read-only`),
    image: context.image,
    options: ["--read-only", "--tmpfs", "/tmp"],
  });
  try {
    const answer = await waitForAppGreeting(app, context.expectedGreeting, "the app with --read-only --tmpfs /tmp");
    // Proof that the flag took: a write outside /tmp fails, one inside works.
    const probe = await app.exec(["sh", "-c", "! touch /read-only-probe 2>/dev/null && touch /tmp/read-only-probe"]);
    if (probe.exitCode !== 0) return fail(`the app served, but the root filesystem was writable or /tmp was not: ${probe.output.trim()}`);
    return pass(`--read-only --tmpfs /tmp: GET / -> ${answer.status} with "${context.expectedGreeting}"; / refuses writes, /tmp takes them`);
  } finally {
    await app.remove();
  }
});
