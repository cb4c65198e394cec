import { describe, expect, it } from "vitest";
import { caddyPluginModules, type ProbeGet, pluginProbes, probePath } from "../../packages/harness/src/caddy/plugin-probes.ts";

/** A fake server: answers each GET of the probe's path with the next of `answers`. */
function answering(...answers: Array<{ status: number; headers?: Record<string, string>; body?: string }>): { get: ProbeGet; paths: string[] } {
  const paths: string[] = [];
  const get: ProbeGet = async (path) => {
    paths.push(path);
    const answer = answers.shift();
    if (!answer) throw new Error("the probe sent more requests than the test expects");
    return { status: answer.status, headers: answer.headers ?? {}, body: answer.body ?? "" };
  };
  return { get, paths };
}

const probe = (module: string) => {
  const found = pluginProbes.find((candidate) => candidate.module === module);
  if (!found) throw new Error(`no probe for ${module}`);
  return found;
};

describe("caddyPluginModules", () => {
  it("takes the module paths of CADDY_PLUGINS without their versions", () => {
    expect(caddyPluginModules({ CADDY_PLUGINS: " github.com/mholt/caddy-ratelimit@v0.1.0\n github.com/caddyserver/cache-handler " })).toEqual([
      "github.com/mholt/caddy-ratelimit",
      "github.com/caddyserver/cache-handler",
    ]);
    expect(caddyPluginModules({ CADDY_PLUGINS: "" })).toEqual([]);
    expect(caddyPluginModules(undefined)).toEqual([]);
  });
});

describe("the rate limit probe", () => {
  const rateLimit = probe("github.com/mholt/caddy-ratelimit");

  it("uses rate_limit on its own path, listening on the port it is given", () => {
    const caddyfile = rateLimit.caddyfile(8080);
    expect(caddyfile).toMatch(/^:8080 \{$/m);
    expect(caddyfile).toMatch(/^\t\trate_limit \{$/m);
    expect(caddyfile).toContain("key {http.request.uri.path}");
  });

  it("passes when the request past the limit is refused with 429", async () => {
    const server = answering({ status: 200 }, { status: 200 }, { status: 429 });
    expect(await rateLimit.exercise(server.get)).toEqual({ ok: true, seen: "statuses 200, 200, 429 (expected 200, 200, 429)" });
    expect(server.paths).toEqual([probePath, probePath, probePath]);
  });

  it("fails when every request is served (no limit)", async () => {
    const outcome = await rateLimit.exercise(answering({ status: 200 }, { status: 200 }, { status: 200 }).get);
    expect(outcome).toMatchObject({ ok: false, seen: expect.stringContaining("200, 200, 200") });
  });
});

describe("the cache probe", () => {
  const cache = probe("github.com/caddyserver/cache-handler");

  it("uses cache in front of a response that changes every millisecond", () => {
    const caddyfile = cache.caddyfile(8080);
    expect(caddyfile).toMatch(/^\t\tcache$/m);
    expect(caddyfile).toContain('respond "{time.now.unix_ms}" 200');
  });

  it("passes when the second answer is the first one, from the cache", async () => {
    const server = answering(
      { status: 200, body: "1796513976891", headers: { "cache-status": "Souin; fwd=uri-miss; stored; key=GET-http-x-/p" } },
      { status: 200, body: "1796513976891", headers: { "cache-status": "Souin; hit; ttl=59; key=GET-http-x-/p; detail=DEFAULT" } },
    );
    expect((await cache.exercise(server.get)).ok).toBe(true);
  });

  it("fails on a fresh answer, or a hit claimed without the same body", async () => {
    const fresh = answering({ status: 200, body: "1" }, { status: 200, body: "2" });
    expect(await cache.exercise(fresh.get)).toMatchObject({ ok: false, seen: expect.stringContaining('"(none)"') });
    const claimed = answering({ status: 200, body: "1" }, { status: 200, body: "2", headers: { "cache-status": "Souin; hit" } });
    expect(await cache.exercise(claimed.get)).toMatchObject({ ok: false, seen: expect.stringContaining("different") });
  });
});
