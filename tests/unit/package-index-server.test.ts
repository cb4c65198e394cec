import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  contentTypeOf,
  gatewayFromIpamConfig,
  harnessCacheDir,
  type PackageIndexServer,
  readCompleteIndex,
  routeIndexPath,
  servePackageIndexes,
  preferredIndexPort,
} from "../../packages/harness/src/hermetic/package-index.ts";

describe("harnessCacheDir", () => {
  it("prefers DOCKERIZE_PYTHON_CACHE, then XDG_CACHE_HOME, then ~/.cache", () => {
    expect(harnessCacheDir({ DOCKERIZE_PYTHON_CACHE: "/c", XDG_CACHE_HOME: "/x" }, "/home/u")).toBe("/c");
    expect(harnessCacheDir({ XDG_CACHE_HOME: "/x" }, "/home/u")).toBe("/x/dockerize-python");
    expect(harnessCacheDir({}, "/home/u")).toBe("/home/u/.cache/dockerize-python");
  });
});

describe("gatewayFromIpamConfig", () => {
  it("takes the IPv4 gateway of the default bridge", () => {
    expect(gatewayFromIpamConfig('[{"Subnet":"172.17.0.0/16","Gateway":"172.17.0.1"}]')).toBe("172.17.0.1");
    expect(gatewayFromIpamConfig('[{"Subnet":"fd00::/64","Gateway":"fd00::1"},{"Subnet":"10.9.0.0/16","Gateway":"10.9.0.1"}]')).toBe("10.9.0.1");
  });

  it("says what to fix when there is none", () => {
    expect(() => gatewayFromIpamConfig("[]")).toThrow(/no IPv4 gateway[\s\S]*Fix:/);
    expect(() => gatewayFromIpamConfig("null")).toThrow(/no IPv4 gateway/);
  });
});

describe("routeIndexPath", () => {
  const suites = new Set(["bookworm", "trixie"]);

  it("maps pages to index.html and files to themselves, per suite", () => {
    expect(routeIndexPath("/bookworm/simple/", suites)).toEqual({ kind: "file", suite: "bookworm", relative: "simple/index.html" });
    expect(routeIndexPath("/trixie/simple/flask/", suites)).toEqual({ kind: "file", suite: "trixie", relative: "simple/flask/index.html" });
    expect(routeIndexPath("/trixie/files/flask-3.1.1-py3-none-any.whl", suites)).toEqual({ kind: "file", suite: "trixie", relative: "files/flask-3.1.1-py3-none-any.whl" });
    // A wheel name with a local version ("+ds") arrives percent-encoded.
    expect(routeIndexPath("/bookworm/files/virtualenv-20.17.1%2Bds-py3-none-any.whl?x=1", suites)).toEqual({
      kind: "file",
      suite: "bookworm",
      relative: "files/virtualenv-20.17.1+ds-py3-none-any.whl",
    });
  });

  it("redirects a page asked for without its trailing slash", () => {
    expect(routeIndexPath("/bookworm/simple/flask", suites)).toEqual({ kind: "redirect", location: "/bookworm/simple/flask/" });
    expect(routeIndexPath("/bookworm/simple", suites)).toEqual({ kind: "redirect", location: "/bookworm/simple/" });
  });

  it("serves nothing outside an index, nor an unknown suite", () => {
    for (const path of ["/", "/sid/simple/", "/bookworm/../../etc/passwd", "/bookworm/files/%2e%2e/%2e%2e/etc/passwd", "/bookworm/simple/%00", "/bookworm/%E0%A4%A"]) {
      expect(routeIndexPath(path, suites)).toEqual({ kind: "not-found" });
    }
  });
});

describe("contentTypeOf", () => {
  it("names the types pip and browsers expect", () => {
    expect(contentTypeOf("simple/index.html")).toBe("text/html; charset=utf-8");
    expect(contentTypeOf("files/a-1-py3-none-any.whl")).toBe("application/zip");
    expect(contentTypeOf("files/a-1.tar.gz")).toBe("application/gzip");
  });
});

describe("servePackageIndexes on loopback", () => {
  let dir: string;
  let server: PackageIndexServer;
  const wheel = "demo-1.0-py3-none-any.whl";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "package-index-unit-"));
    await mkdir(join(dir, "simple", "demo"), { recursive: true });
    await mkdir(join(dir, "files"));
    await writeFile(join(dir, "simple", "index.html"), '<a href="demo/">demo</a>');
    await writeFile(join(dir, "simple", "demo", "index.html"), `<a href="../../files/${wheel}">${wheel}</a>`);
    await writeFile(join(dir, "files", wheel), "PK");
    await writeFile(
      join(dir, "index.json"),
      JSON.stringify({ suite: "bookworm", python: "3.11", projects: 1, entries: [{ project: "demo", version: "1.0", file: wheel, kind: "wheel", sha256: "" }] }),
    );
    server = await servePackageIndexes([{ suite: "bookworm", dir, reused: true, packages: 1 }], { host: "127.0.0.1" });
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps one port across runs (a build arg in every layer key), and takes another when it is busy", async () => {
    const port = Number(new URL(server.urlFor("bookworm")).port);
    const second = await servePackageIndexes([{ suite: "bookworm", dir, reused: true, packages: 1 }], { host: "127.0.0.1", port });
    try {
      expect(port).toBe(preferredIndexPort);
      expect(Number(new URL(second.urlFor("bookworm")).port)).not.toBe(port);
      expect((await fetch(second.urlFor("bookworm"))).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it("serves pages, files, redirects and 404s over HTTP", async () => {
    const url = server.urlFor("bookworm");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/bookworm\/simple\/$/);
    expect(server.trustedHost).toBe("127.0.0.1");

    const root = await fetch(url);
    expect(root.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await root.text()).toContain('href="demo/"');

    const redirected = await fetch(`${url}demo`);
    expect(redirected.url).toBe(`${url}demo/`);
    const file = await fetch(new URL(`../files/${wheel}`, url));
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("PK");
    expect((await fetch(`${url}missing/`)).status).toBe(404);
    expect((await fetch(url, { method: "POST" })).status).toBe(405);
    expect(() => server.urlFor("trixie")).toThrow(/No package index for trixie/);
  });

  it("calls an index complete only when every file it lists is there", async () => {
    expect((await readCompleteIndex(dir))?.projects).toBe(1);
    await rm(join(dir, "files", wheel));
    expect(await readCompleteIndex(dir)).toBeUndefined();
    expect(await readCompleteIndex(join(dir, "nowhere"))).toBeUndefined();
  });
});
