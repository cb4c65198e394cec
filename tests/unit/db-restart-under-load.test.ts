import { describe, expect, it } from "vitest";
import { acknowledgedWrites, errorWindow, steadySince, steadyStart } from "../../packages/harness/src/checks/db-restart-under-load.ts";
import type { LoadSample } from "../../packages/harness/src/stack/steady-load.ts";

/**
 * db-restart-under-load's pure parts: the error window, when the app is steady again, and which
 * acknowledged writes were lost (tests/e2e/runtime-checks.test.ts runs the check on a real
 * template image and on an app that never reconnects).
 */

/** A sample sent at `sentAt` ms, answered 50 ms later (status undefined: no answer). */
const sample = (stream: "write" | "read", sentAt: number, status: number | undefined, body = ""): LoadSample => ({ stream, sentAt, answeredAt: sentAt + 50, status, body });
const write = (sentAt: number, count: number | undefined, status = count === undefined ? 500 : 201) => sample("write", sentAt, status, count === undefined ? "Internal Server Error" : `${count}\n`);
const read = (sentAt: number, status: number | undefined) => sample("read", sentAt, status, status === 200 ? "3\n" : "");

describe("the error window", () => {
  it("is none when no request failed", () => {
    expect(errorWindow([write(0, 1), read(100, 200), write(200, 2)])).toBeUndefined();
  });

  it("runs from sending the first failed request to sending the first that succeeded after the last failed one", () => {
    // Samples come in the order they were answered: a slow failed read ends after later writes.
    const samples = [write(0, 1), write(1000, undefined), write(1100, undefined), read(1150, undefined), write(1200, undefined, 502), write(2300, 2), read(2350, 200)];
    expect(errorWindow(samples)).toEqual({ seconds: 1.3, failed: 4, firstFailedAt: 1000, recoveredAt: 2300 });
  });

  it("counts a request with no answer (refused, reset, timed out) as failed, and a success between failures as inside the window", () => {
    const samples = [read(500, undefined), write(600, 1), read(900, 503), write(1000, 2)];
    expect(errorWindow(samples)).toEqual({ seconds: 0.5, failed: 2, firstFailedAt: 500, recoveredAt: 1000 });
  });

  it("is still open when nothing succeeded after the last failure: it ends at that failure's answer", () => {
    expect(errorWindow([write(0, 1), write(1000, undefined), read(1500, 500)])).toEqual({ seconds: 0.55, failed: 2, firstFailedAt: 1000, recoveredAt: undefined });
  });
});

describe("steady again", () => {
  const recovered = [write(0, 1), write(1000, undefined), read(1100, undefined), ...[2000, 2100, 2200, 2300, 2400, 2500, 4100].map((at, index) => write(at, 2 + index))];

  it("starts with the first request sent after the database was back and after the last failure", () => {
    expect(steadyStart(recovered, 1500)).toBe(2000);
    expect(steadyStart(recovered, 2050)).toBe(2100);
    expect(steadyStart([write(0, undefined)], 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it("holds once every request for 2 s succeeded, at least 5 of them acknowledged writes", () => {
    expect(steadySince(recovered, 1500, 3900)).toBe(false);
    expect(steadySince(recovered, 1500, 4000)).toBe(true);
    // Two seconds of successful reads only: no write proves the app writes again.
    expect(steadySince([write(0, undefined), read(100, 200), read(2200, 200)], 0, 2200)).toBe(false);
  });
});

describe("acknowledged writes", () => {
  it("are the 2xx writes with a row count, in the order sent; failed and uncounted ones are not", () => {
    const samples = [write(200, 2), write(0, 1), write(300, undefined), sample("write", 400, 201, "created"), read(500, 200), write(600, 3)];
    expect(acknowledgedWrites(samples)).toEqual({ counts: [1, 2, 3], regressions: [] });
  });

  it("name each count not above an earlier one: rows acknowledged before were lost", () => {
    // 5 writes acknowledged, then the database came back without the last two.
    const samples = [1, 2, 3, 4, 5].map((count, index) => write(index * 100, count)).concat([write(1000, 4), write(1100, 5), write(1200, 6)]);
    expect(acknowledgedWrites(samples).regressions).toEqual([
      { earlier: 5, then: 4 },
      { earlier: 5, then: 5 },
    ]);
  });
});
