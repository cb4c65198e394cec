import { imageEnvValue } from "../docker/inspect-image.ts";
import { describeProbeAnswer, waitUntilAppServes } from "../stack/app-probe.ts";
import { runResourceName } from "../stack/run-labels.ts";
import { startAppBesideStack } from "../stack/start-app-beside-stack.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/** A uid from OpenShift's range, in no /etc/passwd, and gid 0: how OpenShift runs every image. */
export const arbitraryUser = { uid: 1000770000, gid: 0 } as const;

/**
 * The app serves when run as an arbitrary uid with gid 0 (`--user 1000770000:0`), as OpenShift runs
 * images whatever their USER says: the app answers its probe, `id -u` in the container is
 * that uid, and the image's writable directory (APP_DATA_DIR, when the image sets it) takes a
 * write: it must belong to group 0 and be group-writable, since the uid owns nothing.
 */
export const arbitraryUid: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "facts" | "stack" | "probe">> = failOnContainerProblem(async (context) => {
  if (context.kind !== "app") return fail("arbitrary-uid runs an app image as another uid; list it on app templates only");
  const stack = await context.stack();
  const user = `${arbitraryUser.uid}:${arbitraryUser.gid}`;
  const app = await startAppBesideStack(stack, { name: runResourceName(context.run, `${context.cellId}-arbitrary-uid`), image: context.image, options: ["--user", user] });
  try {
    const answer = await waitUntilAppServes(app, context.probe, `the app as --user ${user}`);
    const id = await app.exec(["id", "-u"]);
    if (id.output.trim() !== String(arbitraryUser.uid)) return fail(`the app served, but id -u in it is ${id.output.trim()}, not ${arbitraryUser.uid}`);
    const dataDir = imageEnvValue(context.facts, "APP_DATA_DIR");
    if (dataDir) {
      const write = await app.exec(["sh", "-c", 'touch "$1/.arbitrary-uid-probe" && rm "$1/.arbitrary-uid-probe"', "sh", dataDir]);
      if (write.exitCode !== 0) {
        return fail(`the app served as --user ${user}, but cannot write its APP_DATA_DIR ${dataDir} (make it group 0 and group-writable): ${write.output.trim()}`);
      }
    }
    return pass(`--user ${user}: ${describeProbeAnswer(context.probe, answer)}; id -u ${arbitraryUser.uid}${dataDir ? `; ${dataDir} writable` : "; the image sets no APP_DATA_DIR"}`);
  } finally {
    await app.remove();
  }
});
