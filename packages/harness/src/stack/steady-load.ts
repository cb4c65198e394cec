import { request } from "undici";

/** One kind of request the load sends, one at a time, at most every `intervalMs`. */
export interface LoadStream {
  /** Names its samples ("write", "read"). */
  name: string;
  method: "GET" | "POST";
  url: string;
  intervalMs: number;
}

/** One request of the load: when it was sent and answered (ms since the load began), and how. */
export interface LoadSample {
  stream: string;
  sentAt: number;
  answeredAt: number;
  /** The HTTP status; undefined when no answer came (refused, reset, timed out). */
  status: number | undefined;
  /** The body (its first 200 characters), or the error when no answer came. */
  body: string;
}

export const answeredOk = (sample: Pick<LoadSample, "status">): boolean => sample.status !== undefined && sample.status >= 200 && sample.status < 300;

export interface SteadyLoad {
  /** Every request answered (or failed) so far, in the order they ended. */
  readonly samples: readonly LoadSample[];
  /** Milliseconds since the load began: the clock of the samples. */
  now(): number;
  /** Stops sending; resolves once the requests in flight have ended. */
  stop(): Promise<void>;
}

/**
 * A steady load: each stream sends its request, waits for the answer (at most `timeoutMs`), and
 * sends the next one `intervalMs` after the last was sent (at once when the answer took longer),
 * until stopped. One request in flight per stream keeps the load modest on a small machine and the
 * order of each stream's answers that of its requests.
 */
export function startSteadyLoad(streams: readonly LoadStream[], timeoutMs = 5_000): SteadyLoad {
  const began = performance.now();
  const now = () => performance.now() - began;
  const samples: LoadSample[] = [];
  let stopped = false;
  /** The pauses between requests, ended at once by stop(). */
  const pauses = new Set<() => void>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        pauses.delete(done);
        resolve();
      }
      pauses.add(done);
    });
  const run = async (stream: LoadStream) => {
    while (!stopped) {
      const sentAt = now();
      let status: number | undefined;
      let body: string;
      try {
        const response = await request(stream.url, { method: stream.method, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
        status = response.statusCode;
        body = (await response.body.text()).slice(0, 200);
      } catch (error) {
        body = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      samples.push({ stream: stream.name, sentAt, answeredAt: now(), status, body });
      if (!stopped) await pause(Math.max(0, sentAt + stream.intervalMs - now()));
    }
  };
  const running = Promise.all(streams.map(run));
  return {
    samples,
    now,
    async stop() {
      stopped = true;
      for (const done of [...pauses]) done();
      await running;
    },
  };
}
