import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir } from "node:os";
import { join, normalize, sep } from "node:path";
import { z } from "zod";
import { BuildFailedError } from "../docker/build-image.ts";
import { withEngineBuildLock } from "../docker/engine-build-lock.ts";
import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { type DebianSuite, debianSuites, ensureDebianRootfs, hermeticRecipeDir } from "./debian-rootfs.ts";
import { hashRecipe } from "./recipe-hash.ts";

/** The Dockerfile, build_index.py and packages.json (the one list of what the index serves). */
export const packageIndexRecipeDir = `${hermeticRecipeDir}package-index`;

/** A PEP 503 index for one Debian suite, on disk. */
export interface PackageIndex {
  suite: DebianSuite;
  /** Holds simple/ (the pages), files/ (wheels and sdists) and index.json. */
  dir: string;
  /** True when an index built by an earlier run was found complete and used as it is. */
  reused: boolean;
  /** How many projects it serves. */
  packages: number;
}

/** index.json, as build_index.py writes it. */
export interface PackageIndexListing {
  suite: string;
  python: string;
  projects: number;
  entries: Array<{
    project: string;
    version: string;
    file: string;
    kind: "wheel" | "repacked-wheel" | "sdist";
    sha256: string;
    restoredRequires?: string[];
    /** The suite whose Debian package this wheel was repacked from, when not the index's own. */
    lentBy?: string;
  }>;
}

/** The part of a packages.json "borrow" entry the harness reads: the lending suite (build_index.py checks the rest). */
const borrowEntrySchema = z.object({ from: z.enum(debianSuites) }).loose();

/**
 * The suite whose rootfs lends `suite` the packages packages.json says it borrows, or `suite`
 * itself when it borrows nothing. `recipe` is packages.json, parsed.
 */
export function lendingSuite(recipe: unknown, suite: DebianSuite): DebianSuite {
  const entry = (recipe as { borrow?: Record<string, unknown> } | null)?.borrow?.[suite];
  if (entry === undefined) return suite;
  const parsed = borrowEntrySchema.safeParse(entry);
  if (!parsed.success) {
    throw new Error(
      `${packageIndexRecipeDir}/packages.json: borrow.${suite}.from must name the lending suite, one of ${debianSuites.join(", ")} ` +
        `(${parsed.error.issues.map((issue) => issue.message).join("; ")}).\nFix: correct packages.json.`,
    );
  }
  return parsed.data.from;
}

/**
 * Where hermetic mode keeps what it generates: DOCKERIZE_PYTHON_CACHE, else
 * $XDG_CACHE_HOME/dockerize-python, else ~/.cache/dockerize-python.
 */
export function harnessCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.DOCKERIZE_PYTHON_CACHE) return env.DOCKERIZE_PYTHON_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "dockerize-python");
  return join(home, ".cache", "dockerize-python");
}

/**
 * The package index of `suite`, built from Debian packages on the suite's rootfs, or reused from the
 * cache when an earlier run built it from the same recipe and rootfs. A build takes about 30 s on a
 * cold BuildKit cache; a reuse well under a second (plus the rootfs check).
 */
export async function ensurePackageIndex(suite: DebianSuite, log: (line: string) => void = () => {}): Promise<PackageIndex> {
  const rootfs = await ensureDebianRootfs(suite, log);
  const lender = lendingSuite(JSON.parse(await readFile(join(packageIndexRecipeDir, "packages.json"), "utf8")), suite);
  const lenderRootfs = lender === suite ? rootfs : await ensureDebianRootfs(lender, log);
  const key = `${suite}-${await hashRecipe([packageIndexRecipeDir], [rootfs.image, lenderRootfs.image])}`;
  const parent = join(harnessCacheDir(), "package-index");
  const dir = join(parent, key);

  const existing = await readCompleteIndex(dir);
  if (existing) return { suite, dir, reused: true, packages: existing.projects };
  // Present but incomplete (files deleted by hand, say): rebuilt from scratch.
  await rm(dir, { recursive: true, force: true });

  await mkdir(parent, { recursive: true });
  const temporary = join(parent, `.${key}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  const logFile = join(parent, `${key}.build.log`);
  const started = performance.now();
  log(`package index ${suite}: building from Debian packages on ${rootfs.image} (about 30 s cold)`);
  try {
    await exportIndex(suite, rootfs.image, lenderRootfs.image, temporary, logFile, log);
    const built = await readCompleteIndex(temporary);
    if (!built) throw new Error(`the package index build for ${suite} wrote no complete index.json into ${temporary}; see ${logFile}`);
    try {
      // Atomic: a reader sees either no index or a whole one.
      await rename(temporary, dir);
    } catch (error) {
      // Another process finished the same index first; its copy is as good as ours.
      if (!(await readCompleteIndex(dir))) throw error;
    }
    log(`package index ${suite}: ${built.projects} projects in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${dir}`);
    return { suite, dir, reused: false, packages: built.projects };
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/** Reads index.json when the index in `dir` is complete (every file it lists is there), else undefined. */
export async function readCompleteIndex(dir: string): Promise<PackageIndexListing | undefined> {
  let listing: PackageIndexListing;
  try {
    listing = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as PackageIndexListing;
  } catch {
    return undefined;
  }
  for (const entry of listing.entries ?? []) {
    const present = await stat(join(dir, "files", entry.file)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!present) return undefined;
  }
  return Array.isArray(listing.entries) && listing.entries.length > 0 ? listing : undefined;
}

/** Builds the recipe with BuildKit's local exporter: the last stage's files land in `dest`, no image. */
async function exportIndex(suite: DebianSuite, rootfsImage: string, lenderRootfsImage: string, dest: string, logFile: string, log: (line: string) => void): Promise<void> {
  const buildArgs = { ROOTFS_IMAGE: rootfsImage, LENDER_ROOTFS_IMAGE: lenderRootfsImage, SUITE: suite };
  const args = ["buildx", "build", "--progress=plain", ...Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]), "--output", `type=local,dest=${dest}`, packageIndexRecipeDir];
  const logStream = createWriteStream(logFile);
  const shown = new Set<string>();
  const onLine = (line: string) => {
    logStream.write(`${line}\n`);
    // Step headers ("#7 [builder 3/5] RUN apt-get update ...") are the progress worth showing;
    // BuildKit prints a step's header again when it ends, and internal steps say nothing useful.
    const step = line.match(/^#\d+ \[([^\]]+)\] (.*)$/);
    if (step && !step[1]!.startsWith("internal") && !shown.has(step[1]!)) {
      shown.add(step[1]!);
      log(`package index ${suite}: [${step[1]}] ${step[2]!.slice(0, 100)}`);
    }
  };
  try {
    await withEngineBuildLock(() => runDocker(args, { onLine }), log);
  } catch (error) {
    if (error instanceof DockerCommandError) {
      throw new BuildFailedError(`the package index (${rootfsImage})`, error.output.stderr + error.output.stdout, logFile);
    }
    throw error;
  } finally {
    await new Promise<void>((resolve) => logStream.end(resolve));
  }
}

// ---------------------------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------------------------

export interface PackageIndexServer {
  /** pip's index URL for `suite`: `http://<gateway>:<port>/<suite>/simple/`. */
  urlFor(suite: DebianSuite): string;
  /** The host to give pip as PIP_TRUSTED_HOST (pip ignores plain-HTTP indexes elsewhere than localhost). */
  trustedHost: string;
  close(): Promise<void>;
}

/**
 * Serves the indexes over plain HTTP on the docker0 bridge gateway, on a free port. `docker build`
 * (BuildKit cannot join user-defined networks) and containers on the default bridge reach that
 * address with no extra flags.
 */
/**
 * The port the index is served on when it is free. The index URL is a build arg, and BuildKit keys
 * every layer after `ARG PIP_INDEX_URL` on its value: a new port each run would rebuild every
 * dependency layer of every template on every run. Taken, another port is used (a concurrent run).
 */
export const preferredIndexPort = 47_321;

export async function servePackageIndexes(indexes: PackageIndex[], options: { host?: string; port?: number } = {}): Promise<PackageIndexServer> {
  const dirs = new Map<string, string>(indexes.map((index) => [index.suite, index.dir]));
  // Another address (127.0.0.1 in unit tests) serves only what can reach it; builds need the gateway.
  const host = options.host ?? (await dockerBridgeGateway());
  const server = createServer((request, response) => {
    serveRequest(dirs, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end(`${String(error)}\n`);
    });
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRNOTAVAIL"
          ? new Error(
              `Cannot serve the package index on ${host}, the docker0 bridge gateway: that address is not on this machine ` +
                "(a remote DOCKER_HOST, or Docker Desktop?).\nFix: run the harness on the machine that runs the Docker engine.",
            )
          : error,
      );
    });
    server.listen(port, host, resolve);
  });
  try {
    await listen(options.port ?? preferredIndexPort);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    server.removeAllListeners("error");
    await listen(0);
  }
  const { port } = server.address() as AddressInfo;
  return {
    trustedHost: host,
    urlFor(suite) {
      if (!dirs.has(suite)) throw new Error(`No package index for ${suite} is served here (served: ${[...dirs.keys()].join(", ") || "none"}).`);
      return `http://${host}:${port}/${suite}/simple/`;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The docker0 bridge's gateway: the host's own address on the network builds and containers use. */
export async function dockerBridgeGateway(): Promise<string> {
  const { stdout } = await runDocker(["network", "inspect", "bridge", "--format", "{{json .IPAM.Config}}"]);
  return gatewayFromIpamConfig(stdout);
}

/** Picks the IPv4 gateway out of `docker network inspect bridge --format '{{json .IPAM.Config}}'`. */
export function gatewayFromIpamConfig(json: string): string {
  const configs = (JSON.parse(json) ?? []) as Array<{ Gateway?: string }>;
  const gateway = configs.map((c) => c.Gateway).find((g) => g && /^\d+\.\d+\.\d+\.\d+$/.test(g));
  if (!gateway) {
    throw new Error(
      `The default bridge network names no IPv4 gateway (IPAM config: ${json.trim()}).\n` +
        'Fix: start the Docker engine with its default bridge (no "bridge": "none" in daemon.json).',
    );
  }
  return gateway;
}

/** What a request path means: a file of a served index, a redirect to add a slash, or nothing. */
export type IndexRoute = { kind: "file"; suite: string; relative: string } | { kind: "redirect"; location: string } | { kind: "not-found" };

/**
 * Maps `/<suite>/<path>` to a file in that suite's index; a path ending in "/" means its index.html.
 * Never leaves the index directory (no "..", no absolute parts).
 */
export function routeIndexPath(urlPath: string, suites: ReadonlySet<string>): IndexRoute {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split("?")[0]!.split("#")[0]!);
  } catch {
    return { kind: "not-found" };
  }
  const match = path.match(/^\/([^/]+)(\/.*)?$/);
  if (!match || !suites.has(match[1]!)) return { kind: "not-found" };
  const suite = match[1]!;
  const rest = match[2] ?? "/";
  if (rest.includes("\0") || rest.split("/").some((part) => part === ".." || part === ".")) return { kind: "not-found" };
  const relative = rest.endsWith("/") ? `${rest.slice(1)}index.html` : rest.slice(1);
  // A project page asked for without its slash ("/bookworm/simple/flask"): pip follows redirects.
  if (/^simple(\/[^/.]+)?$/.test(relative) || relative === "") return { kind: "redirect", location: `${path}/` };
  return { kind: "file", suite, relative };
}

export function contentTypeOf(file: string): string {
  if (file.endsWith(".html")) return "text/html; charset=utf-8";
  if (file.endsWith(".json")) return "application/json";
  if (file.endsWith(".whl")) return "application/zip";
  if (file.endsWith(".tar.gz")) return "application/gzip";
  return "application/octet-stream";
}

async function serveRequest(dirs: Map<string, string>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  const route = routeIndexPath(request.url ?? "/", new Set(dirs.keys()));
  if (route.kind === "redirect") {
    response.writeHead(301, { location: route.location }).end();
    return;
  }
  const root = route.kind === "file" ? dirs.get(route.suite) : undefined;
  const file = route.kind === "file" && root ? normalize(join(root, route.relative)) : undefined;
  const info = file && file.startsWith(root + sep) ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !info?.isFile()) {
    response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    return;
  }
  response.writeHead(200, { "content-type": contentTypeOf(file), "content-length": info.size });
  if (request.method === "HEAD") {
    response.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on("error", reject).pipe(response).on("finish", resolve).on("error", reject);
  });
}
