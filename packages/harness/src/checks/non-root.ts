import { ContainerProblem, startCheckContainer } from "../stack/check-container.ts";
import { runResourceName } from "../stack/run-labels.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

const rootNames = new Set(["", "root", "0"]);

type NonRootNeeds = Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "platform" | "facts" | "expectedUser" | "stack">;

/**
 * The image is configured to run as a non-root user, and a container started from it really runs as
 * the manifest's uid (not 0): the configured USER can say one thing and an entrypoint do another.
 */
export const nonRoot: Check<NonRootNeeds> = failOnContainerProblem(async (context) => {
  const configured = context.facts.user;
  if (rootNames.has(configured.split(":")[0] ?? "")) {
    return fail(`the image's configured user is ${configured ? `"${configured}"` : "unset"}, so it runs as root; add a USER with a numeric non-zero uid`);
  }
  const uid = await runningUid(context);
  if (uid === 0) return fail(`configured user "${configured}", but the running container's id -u is 0`);
  if (uid !== context.expectedUser.uid) {
    return fail(`the running container's id -u is ${uid}; the manifest promises ${context.expectedUser.uid}`);
  }
  return pass(`configured user "${configured}"; id -u in the running container is ${uid}`);
});

async function runningUid(context: NonRootNeeds): Promise<number> {
  if (context.kind === "app") {
    const { app } = await context.stack();
    const result = await app.exec(["id", "-u"]);
    if (result.exitCode !== 0) throw new Error(`id -u in the app container failed: ${result.output}`);
    return Number(result.stdout.trim());
  }
  // A proxy cell has no stack of its own: start its image alone, with its own command, and ask the
  // running container (exec works once it runs; one that exited at once is the problem reported).
  const container = await startCheckContainer({ run: context.run, name: runResourceName(context.run, `${context.cellId}-nonroot`), image: context.image, platform: context.platform });
  try {
    const answer = await container.exec(["id", "-u"]);
    if (answer.exitCode !== 0) {
      const state = await container.state();
      throw new ContainerProblem(
        `id -u in a container of ${context.image} failed (${state.running ? `exit code ${answer.exitCode}: ${answer.output.trim()}` : `the container exited with code ${state.exitCode}`})\n--- its log ---\n${await container.logs()}`,
      );
    }
    return Number(answer.output.trim());
  } finally {
    await container.remove();
  }
}
