import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { containerLogs, type ContainerState } from "../stack/check-container.ts";
import { type OwnStack, startOwnStack } from "../stack/start-own-stack.ts";
import { stackDatabase } from "../stack/start-stack.ts";
import { answeredOk, type LoadSample, type SteadyLoad, startSteadyLoad } from "../stack/steady-load.ts";
import { httpGet, waitUntilServing } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass, skip } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/** The load: one writer and one reader through Caddy, each one request at a time: modest on 2 cores. */
const writeIntervalMs = 100;
const readIntervalMs = 200;
/** Load before the restart: this long, and at least this many writes acknowledged. */
const warmUpMs = 1_500;
const warmUpWrites = 5;
/** `docker restart`'s grace before SIGKILL (PostgreSQL's STOPSIGNAL, SIGINT, is a fast shutdown). */
const stopGraceSeconds = 10;
/** PostgreSQL itself must accept connections again this soon after the restart began. */
const databaseBackBoundMs = 60_000;
/** Once PostgreSQL accepts connections again, the app must serve again within this bound... */
const recoveryBoundMs = 10_000;
/** ...and keep answering every request with 2xx for this long (at least `steadyWrites` writes). */
const steadyMs = 2_000;
const steadyWrites = 5;

/**
 * PostgreSQL restarts while the app serves a steady load through Caddy. On a stack of the check's
 * own (its PostgreSQL, the cell's app and proxy on a network of their own, startOwnStack: the
 * cell's stack is left as the other checks find it), through Caddy: one writer POSTs /visits every
 * 100 ms and one reader GETs it every 200 ms, each one request at a time. After 1.5 s of that (at
 * least 5 writes acknowledged, none failed), `docker restart` PostgreSQL; once pg_isready answers
 * again, the app must answer every request with 2xx for 2 s within 10 s, its container neither
 * exited nor restarted (same StartedAt, same RestartCount). A write is acknowledged when it got a
 * 2xx with the row count (the sample app's contract); every acknowledged write must still be there:
 * each acknowledged count is above every earlier one (the writer is the only one, so a lower count
 * means acknowledged rows were lost), and GET /visits at the end counts at least as many rows as
 * were acknowledged and the highest count acknowledged. The detail gives the error window (see
 * errorWindow) in seconds.
 */
export const dbRestartUnderLoad: Check<Pick<CheckContext, "kind" | "cellId" | "image" | "stack">> = failOnContainerProblem(async (context) => {
  if (context.kind !== "app") return fail("db-restart-under-load restarts an app's database under load; list it on app templates only");
  const stack = await startOwnStack((await context.stack()).request, `${context.cellId}-dbrestart`, context.image);
  try {
    return await restartUnderLoad(stack);
  } finally {
    await stack.remove();
  }
});

async function restartUnderLoad(stack: OwnStack) {
  const visitsUrl = `${stack.proxyUrl}/visits`;
  const ready = await waitUntilServing({ url: () => visitsUrl, accept: (answer) => answer.status === 200 || answer.status === 404, watch: [stack.app, stack.proxy], what: "GET /visits through Caddy" });
  if (ready.status === 404) return skip("the app has no GET /visits (404): this check needs the sample app's POST /visits (adds a row) and GET /visits (counts the rows)");

  const appBefore = await stack.app.state();
  const load = startSteadyLoad([
    { name: "write", method: "POST", url: visitsUrl, intervalMs: writeIntervalMs },
    { name: "read", method: "GET", url: visitsUrl, intervalMs: readIntervalMs },
  ]);
  let restartAt: number;
  let restartSeconds: number;
  let backAt: number;
  let recovered: boolean;
  try {
    await pollUntil(() => load.now() >= warmUpMs && acknowledgedWrites(load.samples).counts.length >= warmUpWrites, 30_000);
    const early = load.samples.filter((sample) => !answeredOk(sample));
    if (early.length || acknowledgedWrites(load.samples).counts.length < warmUpWrites) {
      return fail(
        `before PostgreSQL was restarted, ${early.length} of ${load.samples.length} requests through Caddy failed (${early.map(describeSample).slice(0, 3).join("; ")}): ` +
          `the app does not serve ${1000 / writeIntervalMs} writes and ${1000 / readIntervalMs} reads a second even with its database up\n--- the app's log ---\n${await stack.app.logs()}`,
      );
    }

    restartAt = load.now();
    await runDocker(["restart", "--time", String(stopGraceSeconds), stack.database.getId()]);
    restartSeconds = (load.now() - restartAt) / 1000;
    const back = await databaseAcceptsAgain(stack, load, restartAt + databaseBackBoundMs);
    if (back === undefined) return fail(`PostgreSQL did not accept connections within ${databaseBackBoundMs / 1000} s of \`docker restart\`: the database image, not the app, is at fault\n--- its log ---\n${await containerLogs(stack.database.getId())}`);
    backAt = back;
    recovered = await pollUntil(() => steadySince(load.samples, backAt, load.now()), recoveryBoundMs);
  } finally {
    await load.stop();
  }

  const appAfter = await stack.app.state();
  const window = errorWindow(load.samples);
  const downSeconds = ((backAt - restartAt) / 1000).toFixed(1);
  const seen = `PostgreSQL restarted (docker restart ${restartSeconds.toFixed(1)} s; accepting connections ${downSeconds} s after the restart began)`;
  if (appRestarted(appBefore, appAfter)) {
    return fail(
      `${seen}: the app's container ${appAfter.running ? `was restarted (started ${appBefore.startedAt}, now ${appAfter.startedAt}; ${appAfter.restartCount} restarts)` : `exited with code ${appAfter.exitCode}`}: ` +
        "its server died with the database instead of reconnecting. Fix: let the app's requests fail while the database is away (no exit on a lost connection), and reconnect per request or from a pool that checks its connections\n" +
        `--- the app's log ---\n${await stack.app.logs()}`,
    );
  }
  if (!recovered) {
    const last = load.samples.filter((sample) => !answeredOk(sample)).slice(-3).map(describeSample).join("; ");
    return fail(
      `${seen}: the app did not answer every request with 2xx for ${steadyMs / 1000} s within ${recoveryBoundMs / 1000} s of PostgreSQL accepting connections again ` +
        `(errors for ${window?.seconds.toFixed(1) ?? "0.0"} s, ${window?.failed ?? 0} of ${load.samples.length} requests failed; still failing: ${last}). ` +
        "It keeps using connections the restart closed. Fix: check a pooled connection before use and reconnect (SQLAlchemy: create_engine(..., pool_pre_ping=True); " +
        "Django: CONN_HEALTH_CHECKS = True with CONN_MAX_AGE; a connection opened once at import never comes back)\n" +
        `--- the app's log ---\n${await stack.app.logs()}`,
    );
  }

  const writes = acknowledgedWrites(load.samples);
  const final = await httpGet(visitsUrl, 15_000);
  const finalCount = /^\d+$/.test(final.body.trim()) ? Number(final.body.trim()) : undefined;
  if (final.status !== 200 || finalCount === undefined) return fail(`${seen}: after the load, GET /visits answered ${final.status}: ${final.body.slice(0, 200)}`);
  const highest = Math.max(...writes.counts);
  const lost: string[] = [];
  if (writes.regressions.length) {
    const [first] = writes.regressions;
    lost.push(`${writes.regressions.length} acknowledged write(s) answered a count not above an earlier one (${first!.earlier}, then ${first!.then}): rows acknowledged before were gone`);
  }
  if (finalCount < writes.counts.length || finalCount < highest) {
    lost.push(`GET /visits counts ${finalCount} rows, but ${writes.counts.length} writes were acknowledged (the highest count acknowledged: ${highest})`);
  }
  if (lost.length) {
    return fail(
      `${seen}; the app served again, but ${lost.join("; ")}. It acknowledged writes it had not committed (or the database lost committed ones). ` +
        "Fix: answer a write only after its transaction committed, and let a failed commit fail the request",
    );
  }
  const failed = window
    ? `error window ${window.seconds.toFixed(1)} s (${window.failed} of ${load.samples.length} requests failed, from the first failure to the first success after the last)`
    : `error window 0.0 s (none of ${load.samples.length} requests failed)`;
  return pass(
    `${seen} under ${1000 / writeIntervalMs} writes and ${1000 / readIntervalMs} reads a second through Caddy: ${failed}; ` +
      `every request 2xx for ${steadyMs / 1000} s ${((steadyStart(load.samples, backAt) - backAt) / 1000).toFixed(1)} s after PostgreSQL was back; ` +
      `the app's container not restarted; ${writes.counts.length} writes acknowledged, all there (GET /visits: ${finalCount})`,
  );
}

/** The time (on the load's clock) pg_isready first answered after the restart; undefined past `deadline`. */
async function databaseAcceptsAgain(stack: OwnStack, load: SteadyLoad, deadline: number): Promise<number | undefined> {
  const ready = ["exec", stack.database.getId(), "pg_isready", "--host", "localhost", "--username", stackDatabase.user, "--dbname", stackDatabase.name];
  let at: number | undefined;
  await pollUntil(async () => {
    const accepts = await runDocker(ready).then(
      () => true,
      (error: unknown) => (error instanceof DockerCommandError ? false : Promise.reject(error)),
    );
    if (accepts) at = load.now();
    return accepts;
  }, Math.max(0, deadline - load.now()), 200);
  return at;
}

/** Asks `condition` every `intervalMs` until it holds (true) or `timeoutMs` has passed (false). */
async function pollUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function appRestarted(before: ContainerState, after: ContainerState): boolean {
  return !after.running || after.startedAt !== before.startedAt || after.restartCount !== before.restartCount;
}

function describeSample(sample: LoadSample): string {
  const method = sample.stream === "write" ? "POST" : "GET";
  const answer = sample.status === undefined ? sample.body : `${sample.status} ${sample.body.trim().split("\n")[0]?.slice(0, 80) ?? ""}`;
  return `${method} /visits at ${(sample.sentAt / 1000).toFixed(1)} s: ${answer}`;
}

/**
 * When the app is steady again: the first request sent after both `since` (PostgreSQL back) and
 * the last failed request was sent.
 */
export function steadyStart(samples: readonly LoadSample[], since: number): number {
  const lastFailed = Math.max(Number.NEGATIVE_INFINITY, ...samples.filter((sample) => !answeredOk(sample)).map((sample) => sample.sentAt));
  const after = samples.filter((sample) => sample.sentAt >= since && sample.sentAt > lastFailed).map((sample) => sample.sentAt);
  return after.length ? Math.min(...after) : Number.POSITIVE_INFINITY;
}

/**
 * Whether, at `now`, every request sent for `steadyMs` (after PostgreSQL was back at `since`) was
 * answered with 2xx, at least `steadyWrites` of them acknowledged writes.
 */
export function steadySince(samples: readonly LoadSample[], since: number, now: number): boolean {
  const start = steadyStart(samples, since);
  const writes = samples.filter((sample) => sample.stream === "write" && sample.sentAt >= start && answeredOk(sample));
  return now - start >= steadyMs && writes.length >= steadyWrites;
}

/** What the clients saw go wrong: from sending the first failed request to sending the first that succeeded after the last failed one. */
export interface ErrorWindow {
  seconds: number;
  /** How many requests failed (no 2xx, or no answer). */
  failed: number;
  firstFailedAt: number;
  /** When the first request that succeeded after the last failed one was sent; undefined if none did (the window is still open: it ends at the last failure's answer). */
  recoveredAt: number | undefined;
}

/** The error window of a load's samples (ms on its clock), or undefined when no request failed. */
export function errorWindow(samples: readonly LoadSample[]): ErrorWindow | undefined {
  const failures = samples.filter((sample) => !answeredOk(sample));
  if (!failures.length) return undefined;
  const firstFailedAt = Math.min(...failures.map((sample) => sample.sentAt));
  const lastFailed = failures.reduce((last, sample) => (sample.sentAt > last.sentAt ? sample : last));
  const later = samples.filter((sample) => answeredOk(sample) && sample.sentAt > lastFailed.sentAt).map((sample) => sample.sentAt);
  const recoveredAt = later.length ? Math.min(...later) : undefined;
  return { seconds: ((recoveredAt ?? lastFailed.answeredAt) - firstFailedAt) / 1000, failed: failures.length, firstFailedAt, recoveredAt };
}

/**
 * The writes acknowledged (2xx with a row count), in the order they were sent, and each whose
 * count is not above the highest acknowledged before it: with one writer (one request at a time)
 * every acknowledged count is above every earlier one unless acknowledged rows were lost.
 */
export function acknowledgedWrites(samples: readonly LoadSample[]): { counts: number[]; regressions: Array<{ earlier: number; then: number }> } {
  const counts = samples
    .filter((sample) => sample.stream === "write" && answeredOk(sample) && /^\d+$/.test(sample.body.trim()))
    .sort((a, b) => a.sentAt - b.sentAt)
    .map((sample) => Number(sample.body.trim()));
  const regressions: Array<{ earlier: number; then: number }> = [];
  let highest = Number.NEGATIVE_INFINITY;
  for (const count of counts) {
    if (count <= highest) regressions.push({ earlier: highest, then: count });
    highest = Math.max(highest, count);
  }
  return { counts, regressions };
}
