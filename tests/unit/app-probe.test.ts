import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleAppProbe } from "../../packages/harness/src/matrix/run-matrix.ts";
import { type AppProbe, answersProbe, describeProbeAnswer, describeProbeMiss, waitUntilAppServes } from "../../packages/harness/src/stack/app-probe.ts";
import { type CheckContainer, ContainerProblem } from "../../packages/harness/src/stack/check-container.ts";

/**
 * What counts as "the app serves", asked of a tiny local server standing in for an app: with text,
 * 200 and the text; without, any answer below 500; no answer never.
 */

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const routes: Record<string, [number, string]> = {
      "/": [200, "Hello World From Docker! PostgreSQL 17.5\n"],
      "/teapot": [418, "short and stout\n"],
      "/broken": [500, "Internal Server Error\n"],
    };
    const [status, body] = routes[request.url ?? ""] ?? [404, "not found\n"];
    response.statusCode = status;
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

/** The part of a check's container the wait uses: its published URL, and a state that says it still runs. */
function runningAt(at: string | undefined): CheckContainer {
  const never = () => Promise.reject(new Error("not expected"));
  return {
    name: "stand-in-app",
    url: at,
    state: async () => ({ running: true, exitCode: 0, startedAt: "", finishedAt: "", restartCount: 0 }),
    logs: async () => "(the stand-in's log)",
    exec: never,
    stop: never,
    start: never,
    waitForExit: never,
    remove: async () => {},
  };
}

const withoutText = (path: string): AppProbe => ({ path, showsDatabaseVersion: false });

describe("the app probe", () => {
  it("with text: 200 and a body containing it", async () => {
    const answer = await waitUntilAppServes(runningAt(url), sampleAppProbe, "the app");
    expect(answer.status).toBe(200);
    expect(describeProbeAnswer(sampleAppProbe, answer)).toBe('GET / -> 200 with "Hello World From Docker!"');
    expect(answersProbe(sampleAppProbe, { status: 200, body: "another greeting" })).toBe(false);
    expect(answersProbe(sampleAppProbe, { status: 503, body: "Hello World From Docker!" })).toBe(false);
  });

  it("without text: any answer below 500 (a 404 too: the server is up and the app loaded)", async () => {
    const answer = await waitUntilAppServes(runningAt(url), withoutText("/healthz"), "the app");
    expect(answer.status).toBe(404);
    expect(describeProbeAnswer(withoutText("/healthz"), answer)).toBe("GET /healthz -> 404 (any answer below 500: the app serves)");
    expect((await waitUntilAppServes(runningAt(url), withoutText("/teapot"), "the app")).status).toBe(418);
  });

  it("a 500 is no answer of a serving app: the wait ends with it as the last answer", async () => {
    const error = await waitUntilAppServes(runningAt(url), withoutText("/broken"), "the app", 600).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContainerProblem);
    expect((error as Error).message).toMatch(/^the app did not serve within 1 s \(last answer: 500: Internal Server Error\)\n--- stand-in-app ---\n\(the stand-in's log\)$/);
    expect(describeProbeMiss(withoutText("/broken"), { status: 500, body: "Internal Server Error\n" })).toBe(
      "GET /broken answered 500, not any answer below 500: Internal Server Error",
    );
  });

  it("no answer at all never counts", async () => {
    // A port nothing listens on: the server closed, its port not yet reused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const nobody = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const error = await waitUntilAppServes(runningAt(nobody), withoutText("/"), "the app", 600).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContainerProblem);
    expect((error as Error).message).toMatch(/^the app did not serve within 1 s \(last answer: .*ECONNREFUSED/);
  });
});
