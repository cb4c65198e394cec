import { randomBytes } from "node:crypto";
import { startCheckContainer } from "../stack/check-container.ts";
import { runResourceName } from "../stack/run-labels.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/** A command given to the image runs and ends within this, or the entrypoint held it back. */
const boundSeconds = 10;
/** What a prestart hook that ran would print. */
const prestartMark = "override-cmd: the prestart hook ran";

/**
 * `docker run IMAGE python -c 'print(...)'` runs that command directly: the entrypoint waits for the
 * database and runs the prestart hook only before the server. The container gets a database that
 * cannot exist (no network at all, DATABASE_HOST set, DB_WAIT_TIMEOUT=60) and a prestart hook that
 * prints a mark and fails (PRESTART_CMD). It must exit 0 within 10 s with the command's output,
 * without the hook's mark: a wait would hold it for 60 s, a hook would fail it.
 */
export const overrideCmd: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image">> = failOnContainerProblem(async (context) => {
  if (context.kind !== "app") return fail("override-cmd runs a command through an app image's entrypoint; list it on app templates only");
  const output = `override-cmd ${randomBytes(4).toString("hex")}`;
  const container = await startCheckContainer({
    run: context.run,
    name: runResourceName(context.run, `${context.cellId}-override-cmd`),
    image: context.image,
    env: {
      DATABASE_HOST: "db-that-does-not-exist",
      DB_WAIT_TIMEOUT: "60",
      PRESTART_CMD: `echo '${prestartMark}'; exit 3`,
    },
    network: "none",
    command: ["python", "-c", `print(${JSON.stringify(output)})`],
  });
  try {
    const started = performance.now();
    const state = await container.waitForExit(boundSeconds * 1000);
    const seconds = (performance.now() - started) / 1000;
    const log = await container.logs(40);
    const command = `docker run IMAGE python -c 'print("${output}")' (DATABASE_HOST unreachable, DB_WAIT_TIMEOUT=60, a failing PRESTART_CMD)`;
    if (!state) return fail(`${command} still ran after ${boundSeconds} s: the entrypoint held the command back (waiting for the database?)\n--- its log ---\n${log}`);
    const problems: string[] = [];
    if (log.includes(prestartMark)) problems.push("the prestart hook ran");
    if (state.exitCode !== 0) problems.push(`it exited ${state.exitCode}`);
    if (!log.includes(output)) problems.push("the command's output is missing");
    if (problems.length) return fail(`${command}: ${problems.join("; ")}\n--- its log ---\n${log}`);
    return pass(`${command}: exited 0 within ${seconds.toFixed(1)} s, printing "${output}"; no database wait, no prestart hook`);
  } finally {
    await container.remove();
  }
});
