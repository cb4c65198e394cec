/**
 * Caddy plugins as a cell names them (CADDY_PLUGINS), and, for the plugins the caddy template
 * ships, a probe that exercises the plugin's directive over HTTP: a Caddyfile of its own, run by the
 * cell's image, and the answers that show the plugin at work. A binary without the plugin refuses
 * the Caddyfile (an unknown directive), so the probe fails there.
 */

/** The Go module paths in a CADDY_PLUGINS value (space-separated, each optionally @version). */
export function caddyPluginModules(buildArgs: Readonly<Record<string, string>> | undefined): string[] {
  return (buildArgs?.CADDY_PLUGINS ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .map((plugin) => plugin.replace(/@.*$/, ""));
}

/** What a probe sends: a GET of `path`, answered with the status, headers and body. */
export type ProbeGet = (path: string) => Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>;

export interface PluginProbe {
  /** The plugin's Go module, as in CADDY_PLUGINS without @version. */
  module: string;
  /** The Caddyfile directive the probe uses. */
  directive: string;
  /**
   * The probe container's whole Caddyfile: listens on `port`; any path but `probePath` answers, so
   * that readiness can be polled without touching what the probe measures.
   */
  caddyfile(port: number): string;
  /** Sends the probe's requests and says what came back; `ok` only when the plugin did its work. */
  exercise(get: ProbeGet): Promise<{ ok: boolean; seen: string }>;
}

/** The path whose answers a probe measures. */
export const probePath = "/dockerize-python-probe";

/** How many requests the rate limit probe allows in its window; the next one must be refused. */
const allowedEvents = 2;

const rateLimit: PluginProbe = {
  module: "github.com/mholt/caddy-ratelimit",
  directive: "rate_limit",
  // One zone keyed by the path, so readiness polls (another path) count apart; `route` keeps the
  // order as written (rate_limit has no place in Caddy's default directive order).
  caddyfile: (port) => `{
	admin off
}
:${port} {
	route {
		rate_limit {
			zone probe {
				key {http.request.uri.path}
				events ${allowedEvents}
				window 1m
			}
		}
		respond "ok" 200
	}
}
`,
  async exercise(get) {
    const statuses: number[] = [];
    for (let i = 0; i <= allowedEvents; i += 1) statuses.push((await get(probePath)).status);
    const expected = [...Array<number>(allowedEvents).fill(200), 429];
    return { ok: statuses.join() === expected.join(), seen: `statuses ${statuses.join(", ")} (expected ${expected.join(", ")})` };
  },
};

const cache: PluginProbe = {
  module: "github.com/caddyserver/cache-handler",
  directive: "cache",
  // The response is the time in milliseconds: a second answer with the same body and a Cache-Status
  // saying hit came from the cache, not from `respond` again.
  caddyfile: (port) => `{
	admin off
	cache {
		ttl 60s
	}
}
:${port} {
	route {
		cache
		respond "{time.now.unix_ms}" 200
	}
}
`,
  async exercise(get) {
    const first = await get(probePath);
    const second = await get(probePath);
    const status = (response: { headers: Record<string, string | string[] | undefined> }) => String(response.headers["cache-status"] ?? "(none)");
    const ok = first.status === 200 && second.status === 200 && second.body === first.body && /(^|;)\s*hit\b/.test(status(second));
    return { ok, seen: `Cache-Status ${JSON.stringify(status(first))} then ${JSON.stringify(status(second))}, bodies ${first.body === second.body ? "equal" : "different"}` };
  },
};

/** Every probe the harness knows, by plugin module. */
export const pluginProbes: readonly PluginProbe[] = [rateLimit, cache];
