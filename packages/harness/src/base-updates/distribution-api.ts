import { type Dispatcher, EnvHttpProxyAgent, request } from "undici";
import { ExplainedError } from "../explained-error.ts";

/**
 * The two questions `update` asks a registry, over the OCI distribution API: which tags a repository
 * has (GET /v2/<name>/tags/list, page by page) and which digest a tag names now (HEAD
 * /v2/<name>/manifests/<tag>, accepting an index or manifest list first, so a multi-platform image
 * is pinned as a whole). A registry that wants a token (401 with `WWW-Authenticate: Bearer realm=...`)
 * gets the anonymous token flow: the realm, service and scope come from its own answer, never from here.
 */

/** What a tag may name, most wanted first: the digest of an index pins every platform. */
const manifestMediaTypes = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

const timeoutMs = 20_000;
/** A registry answers tags lists in pages; enough for python's tens of thousands of tags. */
const maxPages = 100;

/** A registry that did not answer, or answered with an error: the cause, for the report. */
export class RegistryQuestionError extends ExplainedError {}

/** One registry's API (`https://host` or `http://127.0.0.1:port`), with the tokens it gave per repository. */
export class DistributionApi {
  readonly baseUrl: string;
  private readonly tokens = new Map<string, string>();
  /** Set once the registry did not answer at all: every later question gets the same answer at once, not another timeout. */
  private unreachable: RegistryQuestionError | undefined;
  /** HTTPS_PROXY / NO_PROXY as this machine sets them (none set: direct). */
  private readonly dispatcher: Dispatcher = new EnvHttpProxyAgent();

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  /** Every tag of `repository` (`library/python`). */
  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    for (let page = 0; path && page < maxPages; page++) {
      const answer = await this.ask("GET", path, repository, { accept: "application/json" });
      const body = (await answer.body.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      // RFC 5988 Link: </v2/...?last=x&n=1000>; rel="next"
      path = String(answer.headers.link ?? "").match(/<([^>]+)>;\s*rel="?next"?/)?.[1];
    }
    return tags;
  }

  /** The digest `tag` of `repository` names now (its index's, for a multi-platform image). */
  async manifestDigest(repository: string, tag: string): Promise<string> {
    const answer = await this.ask("HEAD", `/v2/${repository}/manifests/${tag}`, repository, { accept: manifestMediaTypes.join(", ") });
    await answer.body.dump();
    const digest = answer.headers["docker-content-digest"];
    if (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new RegistryQuestionError(`${this.baseUrl} gave no Docker-Content-Digest for ${repository}:${tag} (a registry implementing the distribution API does)`);
    }
    return digest;
  }

  private async ask(method: "GET" | "HEAD", path: string, repository: string, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    const send = (token: string | undefined) =>
      request(new URL(path, this.baseUrl), {
        method,
        headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        dispatcher: this.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      }).catch((error: unknown) => {
        const cause = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
        this.unreachable = new RegistryQuestionError(`${this.baseUrl} did not answer (${cause.cause?.code ?? cause.code ?? cause.cause?.message ?? cause.message})`);
        throw this.unreachable;
      });
    if (this.unreachable) throw this.unreachable;
    let answer = await send(this.tokens.get(repository));
    const challenge = answer.headers["www-authenticate"];
    if (answer.statusCode === 401 && typeof challenge === "string" && /^Bearer\s/i.test(challenge)) {
      await answer.body.dump();
      this.tokens.set(repository, await this.anonymousToken(challenge, repository));
      answer = await send(this.tokens.get(repository));
    }
    if (answer.statusCode >= 400) {
      await answer.body.dump();
      const meaning = answer.statusCode === 404 ? "no such repository or tag" : answer.statusCode === 401 ? "it wants credentials (update asks anonymously)" : "an error";
      throw new RegistryQuestionError(`${this.baseUrl} answered ${answer.statusCode} to ${method} ${path} (${meaning})`);
    }
    return answer;
  }

  /** The token flow of the distribution spec: GET the realm with the service and a pull scope, anonymously. */
  private async anonymousToken(challenge: string, repository: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!.toLowerCase(), match[2]!]));
    if (!params.realm) throw new RegistryQuestionError(`${this.baseUrl} asked for a token but named no realm (${challenge})`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", `repository:${repository}:pull`);
    const answer = await request(url, { dispatcher: this.dispatcher, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }).catch((error: unknown) => {
      throw new RegistryQuestionError(`the token service ${url.origin} did not answer (${(error as Error).message})`);
    });
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      throw new RegistryQuestionError(`the token service ${url.origin} answered ${answer.statusCode} for an anonymous pull token of ${repository}`);
    }
    const body = (await answer.body.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryQuestionError(`the token service ${url.origin} answered without a token`);
    return token;
  }
}
