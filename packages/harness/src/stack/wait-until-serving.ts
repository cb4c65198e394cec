import { request } from "undici";
import { type CheckContainer, ContainerProblem } from "./check-container.ts";

/** One HTTP answer, read whole, and how long it took. */
export interface HttpAnswer {
  status: number;
  body: string;
  seconds: number;
}

export async function httpGet(url: string, timeoutMs = 10_000): Promise<HttpAnswer> {
  const started = performance.now();
  const response = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const body = await response.body.text();
  return { status: response.statusCode, body, seconds: (performance.now() - started) / 1000 };
}

export interface ServingRequest {
  /** Where to ask: a function, since a restarted container may be published on another port. */
  url: () => string | undefined;
  /** What a served answer looks like (the app's greeting, say). */
  accept: (answer: HttpAnswer) => boolean;
  /** The containers that must keep running meanwhile: one that exits ends the wait at once, with its log. */
  watch: readonly CheckContainer[];
  /** What is waited for, for the error: "the app with --read-only", ... */
  what: string;
  timeoutMs?: number;
  /** Between two questions (200 ms); a benchmark timing a start asks more often. */
  intervalMs?: number;
}

/**
 * Asks every 200 ms (intervalMs) until an answer is accepted, and resolves with it. Polling the app itself is
 * faster than the image's HEALTHCHECK (probes 2 s apart) and also works for an image without one.
 * Rejects with ContainerProblem (the last answer or error, and the logs) when a watched container
 * exits or the time runs out.
 */
export async function waitUntilServing(serving: ServingRequest): Promise<HttpAnswer> {
  const timeoutMs = serving.timeoutMs ?? 60_000;
  const deadline = performance.now() + timeoutMs;
  let last = "no answer yet";
  let engineAsked = Number.NEGATIVE_INFINITY;
  for (;;) {
    const url = serving.url();
    if (url) {
      try {
        const answer = await httpGet(url, 5_000);
        if (serving.accept(answer)) return answer;
        last = `${answer.status}: ${answer.body.slice(0, 200).trim()}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
    }
    // The engine is asked less often than the app (once a second): an exited container ends the
    // wait within a second, and a benchmark timing a start is not slowed by docker inspect.
    if (!url || performance.now() - engineAsked >= 1000) {
      engineAsked = performance.now();
      for (const container of serving.watch) {
        const state = await container.state();
        if (!state.running) {
          throw new ContainerProblem(`${serving.what}: ${container.name} exited with code ${state.exitCode} before serving (last answer: ${last})\n--- its log ---\n${await container.logs()}`);
        }
      }
    }
    if (performance.now() > deadline) {
      const logs = await Promise.all(serving.watch.map(async (container) => `--- ${container.name} ---\n${await container.logs()}`));
      throw new ContainerProblem(`${serving.what} did not serve within ${Math.round(timeoutMs / 1000)} s (last answer: ${last})\n${logs.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, serving.intervalMs ?? 200));
  }
}
