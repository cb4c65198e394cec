import type { CheckContainer } from "./check-container.ts";
import { type HttpAnswer, waitUntilServing } from "./wait-until-serving.ts";

/**
 * How a check knows the app serves: the request it sends and the answer that counts. The sample
 * app's probe is GET / answering its greeting and the PostgreSQL version; a user's app is asked its
 * health route, or `/`, without knowing what it answers.
 */
export interface AppProbe {
  /** The path asked, starting with `/`. */
  path: string;
  /**
   * Text the body must contain, with status 200. Without it, any status below 500 counts: the
   * server is up and the app loaded, as the image's HEALTHCHECK counts it healthy.
   */
  text?: string;
  /** The body also names the PostgreSQL version, so the database was reached (only the sample app's). */
  showsDatabaseVersion: boolean;
}

/** Whether `answer` shows the app serves, by the probe (the PostgreSQL version is the caller's to look for). */
export function answersProbe(probe: AppProbe, answer: Pick<HttpAnswer, "status" | "body">): boolean {
  if (probe.text === undefined) return answer.status < 500;
  return answer.status === 200 && answer.body.includes(probe.text);
}

/** What was asked and what answered, for a detail: `GET /healthz -> 404 (any answer below 500: the app serves)`. */
export function describeProbeAnswer(probe: AppProbe, answer: Pick<HttpAnswer, "status">): string {
  const counted = probe.text === undefined ? "(any answer below 500: the app serves)" : `with "${probe.text}"`;
  return `GET ${probe.path} -> ${answer.status} ${counted}`;
}

/** An answer the probe does not count, for a failure: `GET / answered 503, not 200 with "...": <its body>`. */
export function describeProbeMiss(probe: AppProbe, answer: Pick<HttpAnswer, "status" | "body">): string {
  const expected = probe.text === undefined ? "any answer below 500" : `200 with "${probe.text}"`;
  return `GET ${probe.path} answered ${answer.status}, not ${expected}: ${answer.body.slice(0, 300).trim()}`;
}

/** Resolves when the app answers the probe on its published port; see waitUntilServing. */
export function waitUntilAppServes(app: CheckContainer, probe: AppProbe, what: string, timeoutMs?: number): Promise<HttpAnswer> {
  return waitUntilServing({
    url: () => app.url && `${app.url}${probe.path}`,
    accept: (answer) => answersProbe(probe, answer),
    watch: [app],
    what,
    timeoutMs,
  });
}
