import { imageEnvValue } from "../docker/inspect-image.ts";
import { describeProbeAnswer, waitUntilAppServes } from "../stack/app-probe.ts";
import { runResourceName } from "../stack/run-labels.ts";
import { startAppBesideStack } from "../stack/start-app-beside-stack.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/**
 * The app serves with its root filesystem read-only: `docker run --read-only --tmpfs /tmp`, and a
 * tmpfs on APP_DATA_DIR when the image sets one (where compose.yaml mounts a volume: an app that
 * writes its data folder at start, a Flask instance folder linked there, must run). It must answer
 * its probe; an image that writes anywhere else while starting (a cache, a pid file, .pyc files
 * next to the code) exits or never serves, and its log says where.
 */
export const readOnlyRootfs: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "facts" | "stack" | "probe">> = failOnContainerProblem(async (context) => {
  if (context.kind !== "app") return fail("read-only-rootfs runs an app image read-only; list it on app templates only");
  const stack = await context.stack();
  const dataDir = imageEnvValue(context.facts, "APP_DATA_DIR");
  // mode=1777: a fresh tmpfs is root's 0755 otherwise, and the app runs as 10001 (or any uid).
  // A volume there starts as the image's folder (owned by 10001); a tmpfs, as a Kubernetes emptyDir, is open.
  const flags = ["--read-only", "--tmpfs", "/tmp", ...(dataDir ? ["--tmpfs", `${dataDir}:mode=1777`] : [])];
  const app = await startAppBesideStack(stack, { name: runResourceName(context.run, `${context.cellId}-read-only`), image: context.image, options: flags });
  try {
    const answer = await waitUntilAppServes(app, context.probe, `the app with ${flags.join(" ")}`);
    // Proof that the flag took: a write outside the tmpfs mounts fails, one inside /tmp works.
    const probe = await app.exec(["sh", "-c", "! touch /read-only-probe 2>/dev/null && touch /tmp/read-only-probe"]);
    if (probe.exitCode !== 0) return fail(`the app served, but the root filesystem was writable or /tmp was not: ${probe.output.trim()}`);
    return pass(`${flags.join(" ")}${dataDir ? "" : " (the image sets no APP_DATA_DIR)"}: ${describeProbeAnswer(context.probe, answer)}; / refuses writes, /tmp takes them`);
  } finally {
    await app.remove();
  }
});
