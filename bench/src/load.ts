import autocannon from "autocannon";

export interface LoadFigures {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers that were not 2xx. */
  non2xx: number;
}

export interface LoadRequest {
  url: string;
  connections: number;
  seconds: number;
}

/**
 * GET `url` from `connections` connections at once for `seconds` (autocannon, in this process):
 * completed requests per second, and the latency percentiles autocannon's histogram gives.
 */
export async function runLoad(request: LoadRequest): Promise<LoadFigures> {
  const result = await autocannon({ url: request.url, connections: request.connections, duration: request.seconds, timeout: 10 });
  return {
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}
