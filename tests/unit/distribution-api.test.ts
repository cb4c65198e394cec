import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DistributionApi, RegistryQuestionError } from "../../packages/harness/src/base-updates/distribution-api.ts";

const digest = `sha256:${"ab".repeat(32)}`;

/**
 * A registry as Docker Hub answers anonymous pulls: every /v2/ question without the token gets 401
 * and a Bearer challenge naming the token service (on the same server, under /token), which gives
 * a token for the scope asked; tags come in pages of two, linked by `Link: <...>; rel="next"`.
 */
describe("DistributionApi against a registry that wants a token", () => {
  let server: Server;
  let baseUrl: string;
  const requests: string[] = [];
  const tags = ["3.13-slim", "3.13.1-slim", "3.13.2-slim", "3.14-slim", "3.14.1-slim"];
  const tokenFor = (scope: string | null) => `token-for-${scope}`;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const url = new URL(req.url!, baseUrl);
      requests.push(`${req.method} ${url.pathname}${url.search}${req.headers.authorization ? ` (${req.headers.authorization})` : ""}`);
      if (url.pathname === "/token") {
        if (url.searchParams.get("service") !== "registry.test" || !url.searchParams.get("scope")?.endsWith(":pull")) return res.writeHead(400).end();
        return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: tokenFor(url.searchParams.get("scope")) }));
      }
      const repository = /^\/v2\/(.+?)\/(tags|manifests)\//.exec(url.pathname)?.[1];
      if (repository === "library/private") return res.writeHead(401, { "www-authenticate": 'Basic realm="registry"' }).end();
      if (req.headers.authorization !== `Bearer ${tokenFor(`repository:${repository}:pull`)}`) {
        return res.writeHead(401, { "www-authenticate": `Bearer realm="${baseUrl}/token",service="registry.test",scope="repository:${repository}:pull"` }).end();
      }
      if (url.pathname.endsWith("/tags/list")) {
        const from = Number(url.searchParams.get("last") ?? 0);
        const next = from + 2 < tags.length ? { link: `</v2/${repository}/tags/list?n=2&last=${from + 2}>; rel="next"` } : {};
        return res.writeHead(200, { "content-type": "application/json", ...next }).end(JSON.stringify({ name: repository, tags: tags.slice(from, from + 2) }));
      }
      if (req.method === "HEAD" && url.pathname === `/v2/${repository}/manifests/3.14-slim`) {
        if (!req.headers.accept?.includes("application/vnd.oci.image.index.v1+json")) return res.writeHead(400).end();
        return res.writeHead(200, { "docker-content-digest": digest, "content-type": "application/vnd.oci.image.index.v1+json" }).end();
      }
      return res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    requests.length = 0;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("gets an anonymous token for the repository from the realm the registry names, and reads every page of tags", async () => {
    const api = new DistributionApi(baseUrl);
    expect(await api.listTags("library/python")).toEqual(tags);
    expect(requests.slice(0, 3)).toEqual([
      "GET /v2/library/python/tags/list?n=1000",
      "GET /token?service=registry.test&scope=repository%3Alibrary%2Fpython%3Apull",
      "GET /v2/library/python/tags/list?n=1000 (Bearer token-for-repository:library/python:pull)",
    ]);
    // The token is kept for the repository: the next pages and questions ask for no other.
    expect(await api.manifestDigest("library/python", "3.14-slim")).toBe(digest);
    expect(requests.filter((line) => line.startsWith("GET /token"))).toHaveLength(1);
  });

  it("asks for a token per repository", async () => {
    const api = new DistributionApi(baseUrl);
    await api.manifestDigest("library/python", "3.14-slim");
    await api.listTags("library/caddy");
    expect(requests.filter((line) => line.startsWith("GET /token")).map((line) => new URL(line.split(" ")[1]!, baseUrl).searchParams.get("scope"))).toEqual([
      "repository:library/python:pull",
      "repository:library/caddy:pull",
    ]);
  });

  it("says what the registry answered when a tag is not there, or when it wants credentials", async () => {
    const api = new DistributionApi(baseUrl);
    await expect(api.manifestDigest("library/python", "2.7-slim")).rejects.toThrow(`${baseUrl} answered 404 to HEAD /v2/library/python/manifests/2.7-slim (no such repository or tag)`);
    await expect(api.listTags("library/private")).rejects.toThrow(RegistryQuestionError);
    await expect(api.listTags("library/private")).rejects.toThrow(/answered 401 to GET \/v2\/library\/private\/tags\/list\?n=1000 \(it wants credentials \(update asks anonymously\)\)/);
  });
});
