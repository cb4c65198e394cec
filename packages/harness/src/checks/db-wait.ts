import { runDocker } from "../docker/run-docker.ts";
import type { CheckContainer } from "../stack/check-container.ts";
import { createRunNetwork, runResourceName } from "../stack/run-labels.ts";
import { waitUntilAppServes } from "../stack/app-probe.ts";
import { startAppBesideStack } from "../stack/start-app-beside-stack.ts";
import { stackAppEnvironment } from "../stack/start-stack.ts";
import { httpGet } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";
import { containsSecret, secretForms, secretLocations } from "./find-secret.ts";

/** The bound given to the container whose database never comes up: small, so the check is quick. */
const neverTimeoutSeconds = 3;
/**
 * How far past that bound it may exit: the container's own start, and one connection attempt begun
 * just before the deadline (the entrypoint's probe gives up a try after 3 s).
 */
const exitGraceSeconds = 7;
/** How long the other container is kept waiting before its database appears. */
const downSeconds = 3;
/** Host names no container has on the check's network; the second one is given to the database later. */
const absentHost = "db-wait-absent";
const lateHost = "db-wait-late";

/**
 * The entrypoint's wait for PostgreSQL, on a network of the check's own, two app containers at once:
 * - one whose DATABASE_HOST never comes up, with DB_WAIT_TIMEOUT=3: it must exit non-zero within
 *   3 + 7 s, its log naming the host and what to check;
 * - one whose database is absent at first: after 3 s it must still run and not answer HTTP at all
 *   (the server is not started yet); then the stack's PostgreSQL joins the network under that host
 *   name, and the app must serve (answer its probe: the sample app's greeting shows the database
 *   was reached; a user's app's health route, that the server started once the database was up).
 * The database password is in neither container's log, in no process's command line inside them
 * (/proc/<pid>/cmdline, what `ps` shows; read again and again while they wait, and once serving),
 * and in `docker inspect` nowhere but the DATABASE_PASSWORD variable the check set. The password
 * is searched as it is and percent-encoded (as in a connection URI).
 */
export const dbWait: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "stack" | "probe">> = failOnContainerProblem(async (context) => {
  if (context.kind !== "app") return fail("db-wait runs an app image's entrypoint against an absent database; list it on app templates only");
  const stack = await context.stack();
  const password = stackAppEnvironment(stack.request).DATABASE_PASSWORD!;
  const name = (what: string) => runResourceName(context.run, `${context.cellId}-dbwait-${what}`);
  const network = name("net");
  await createRunNetwork(context.run, network);
  const containers: CheckContainer[] = [];
  const databaseId = stack.database.getId();
  try {
    const start = async (what: string, env: Record<string, string>) => {
      const container = await startAppBesideStack(stack, { name: name(what), image: context.image, network, env: { DB_WAIT_INTERVAL: "1", ...env } });
      containers.push(container);
      return container;
    };
    const never = await start("never", { DATABASE_HOST: absentHost, DB_WAIT_TIMEOUT: String(neverTimeoutSeconds) });
    const late = await start("late", { DATABASE_HOST: lateHost, DB_WAIT_TIMEOUT: "60" });
    const lateStarted = performance.now();

    const problems: string[] = [];
    const leaks: string[] = [];
    const readCommandLines = async (container: CheckContainer, when: string) => {
      // Processes come and go (one connection attempt each): a vanished one makes cat complain, not fail the read.
      const { output } = await container.exec(["sh", "-c", "cat /proc/[0-9]*/cmdline 2>/dev/null; true"]);
      if (containsSecret(output, password)) leaks.push(`a process's command line in ${container.name} (${when}): ${visible(output, password)}`);
    };

    // 1. Never up: a bounded wait, then a clear failure.
    const neverState = await never.waitForExit((neverTimeoutSeconds + exitGraceSeconds) * 1000, () => readCommandLines(never, "while waiting"));
    const neverLog = await never.logs(60);
    let neverSummary = "";
    if (!neverState) {
      problems.push(`with DATABASE_HOST=${absentHost} never reachable and DB_WAIT_TIMEOUT=${neverTimeoutSeconds}, the container still ran after ${neverTimeoutSeconds + exitGraceSeconds} s`);
    } else {
      const ranSeconds = (Date.parse(neverState.finishedAt) - Date.parse(neverState.startedAt)) / 1000;
      neverSummary = `exited ${neverState.exitCode} after ${ranSeconds.toFixed(1)} s`;
      if (neverState.exitCode === 0) problems.push(`with its database never up, the container exited 0 (a failure must exit non-zero)`);
      if (!neverLog.includes(absentHost)) problems.push(`its message does not name the host (${absentHost})`);
      if (!/\bcheck\b/i.test(neverLog)) problems.push("its message does not say what to check");
    }
    if (containsSecret(neverLog, password)) leaks.push(`the log of ${never.name}: ${visible(neverLog, password)}`);

    // 2. Absent, then up: waits without serving, then serves.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, downSeconds * 1000 - (performance.now() - lateStarted))));
    await readCommandLines(late, "while waiting");
    const lateState = await late.state();
    if (!lateState.running) {
      problems.push(`with its database absent, the container exited (${lateState.exitCode}) within ${downSeconds} s instead of waiting for it (DB_WAIT_TIMEOUT=60)\n${masked(await late.logs(), password)}`);
    } else {
      const early = late.url ? await httpGet(`${late.url}/`, 2_000).catch(() => undefined) : undefined;
      if (early) problems.push(`with its database absent, the app already answered HTTP (${early.status}): the server started before the database was up`);
    }
    let lateSummary = "";
    if (!problems.length) {
      await runDocker(["network", "connect", "--alias", lateHost, network, databaseId]);
      const upAt = performance.now();
      const served = await waitUntilAppServes(late, context.probe, "the app once its database came up", 30_000);
      lateSummary = `served (GET ${context.probe.path} -> ${served.status}) ${((performance.now() - upAt) / 1000).toFixed(1)} s after its database came up`;
      await readCommandLines(late, "serving");
    }
    const lateLog = await late.logs(60);
    if (containsSecret(lateLog, password)) leaks.push(`the log of ${late.name}: ${visible(lateLog, password)}`);

    // 3. docker inspect: the password only where the user put it.
    const { stdout } = await runDocker(["inspect", ...containers.map((container) => container.name)]);
    const userSet = `DATABASE_PASSWORD=${password}`;
    for (const location of secretLocations(JSON.parse(stdout), password, (path, text) => /^\[\d+\]\.Config\.Env\[\d+\]$/.test(path) && text === userSet)) {
      leaks.push(`docker inspect, at ${location}`);
    }

    if (leaks.length) problems.push(`the database password appears in ${leaks.join("; ")}`);
    if (problems.length) return fail(`${problems.join("\n")}\n--- ${never.name} (database never up) ---\n${masked(neverLog, password)}`);
    return pass(
      `database never up (DB_WAIT_TIMEOUT=${neverTimeoutSeconds}): ${neverSummary}, naming ${absentHost} and what to check; ` +
        `database absent for ${downSeconds}+ s: waited without serving, ${lateSummary}; ` +
        "the password in no log, no process's command line, and in docker inspect only as the DATABASE_PASSWORD set",
    );
  } finally {
    await runDocker(["network", "disconnect", "--force", network, databaseId]).catch(() => {});
    for (const container of containers) await container.remove();
    await runDocker(["network", "rm", network]).catch(() => {});
  }
});

/** The line holding the secret, masked: enough to find the culprit, never the secret itself in a report. */
function visible(text: string, secret: string): string {
  const line = text.replaceAll("\0", " ").split("\n").find((candidate) => containsSecret(candidate, secret)) ?? "";
  return JSON.stringify(masked(line, secret).trim().slice(0, 200));
}

function masked(text: string, secret: string): string {
  return secretForms(secret).reduce((masking, form) => masking.replaceAll(form, "<the password>"), text.replaceAll("\0", " "));
}
