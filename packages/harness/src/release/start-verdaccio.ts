import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { request } from "undici";
import { ExplainedError } from "../explained-error.ts";
import { lastLines, type RunningProcess, startProcess } from "../process/run-process.ts";
import { freePort } from "../stack/free-port.ts";

/** A real npm registry (Verdaccio) on 127.0.0.1, in a folder of its own, for one rehearsal. */
export interface LocalNpmRegistry {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  /** Where it keeps what is published (and what it fetched from its uplink): one folder per package. */
  storageDir: string;
  /** A token of a user it created, for publishing (`//127.0.0.1:<port>/:_authToken=`). */
  token: string;
  /** Its log, one JSON object per line: every request it answered and every one it made upstream. */
  logFile: string;
  stop(): Promise<void>;
}

export interface StartVerdaccioOptions {
  /** An empty folder for its config, storage, users and log. */
  dir: string;
  /**
   * Package name patterns (Verdaccio's: `@scope/*`, `name`) that exist only here: published here,
   * served from here, never asked of an uplink. A name that was not published here is a 404.
   */
  localPackages: readonly string[];
  /**
   * The registry every other package (third-party dependencies) is fetched from, through this one;
   * none: those are 404 too.
   */
  uplink?: string;
  readyTimeoutMs?: number;
}

/** Verdaccio is not installed: it is a devDependency of the harness, present only in a checkout. */
export class VerdaccioMissingError extends ExplainedError {
  constructor(detail: string) {
    super(
      `Cannot start Verdaccio, the local npm registry of the release rehearsal: ${detail}.\n` +
        "Fix: run the rehearsal from a checkout of dockerize-python after `pnpm install` (Verdaccio is a devDependency of @dockerize-python/harness, not installed with the published package).",
    );
  }
}

/**
 * Starts Verdaccio as a child process on a free port of 127.0.0.1 with a config written for this
 * run (no web UI, users in a file of its own), waits until it answers, and creates a user to publish as.
 */
export async function startVerdaccio(options: StartVerdaccioOptions): Promise<LocalNpmRegistry> {
  const bin = verdaccioBin();
  const storageDir = join(options.dir, "storage");
  const configFile = join(options.dir, "config.yaml");
  const logFile = join(options.dir, "verdaccio.log");
  await mkdir(storageDir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  // JSON is YAML: the config is written with JSON.stringify, so no value needs quoting by hand.
  await writeFile(configFile, JSON.stringify(verdaccioConfig(options, storageDir), null, 2));

  const log = createWriteStream(logFile);
  // Its log goes to the file only: a registry serving a whole install logs too much to keep in memory.
  const server = startProcess(process.execPath, [bin, "--config", configFile, "--listen", `127.0.0.1:${port}`], {
    cwd: options.dir,
    onLine: (line) => log.write(`${line}\n`),
    keepOutput: false,
  });
  const stop = async () => {
    await server.stop();
    await new Promise<void>((resolve) => log.end(resolve));
  };
  try {
    await waitUntilAnswering(url, server, options.readyTimeoutMs ?? 30_000);
    return { url, storageDir, token: await createUser(url), logFile, stop };
  } catch (error) {
    await stop();
    const said = await readFile(logFile, "utf8").catch(() => "(no log)");
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- Verdaccio's log (${logFile}) ---\n${lastLines(said, 20)}`);
  }
}

/** The path of Verdaccio's command, from the harness's own dependencies. */
function verdaccioBin(): string {
  let manifestFile: string;
  try {
    manifestFile = createRequire(import.meta.url).resolve("verdaccio/package.json");
  } catch (error) {
    throw new VerdaccioMissingError((error as Error).message.split("\n")[0]!);
  }
  const { bin } = JSON.parse(readFileSync(manifestFile, "utf8")) as { bin?: string | Record<string, string> };
  const command = typeof bin === "string" ? bin : bin?.verdaccio;
  if (!command) throw new VerdaccioMissingError(`${manifestFile} names no verdaccio command in "bin"`);
  return join(dirname(manifestFile), command);
}

/** Verdaccio's config: storage and users in this run's folder, our packages local-only, the rest through the uplink. */
function verdaccioConfig(options: StartVerdaccioOptions, storageDir: string): Record<string, unknown> {
  const uplinks = options.uplink ? { upstream: { url: options.uplink, timeout: "60s", maxage: "30m" } } : {};
  const local = Object.fromEntries(options.localPackages.map((pattern) => [pattern, { access: "$all", publish: "$authenticated", unpublish: "$authenticated" }]));
  return {
    storage: storageDir,
    auth: { htpasswd: { file: join(dirname(storageDir), "htpasswd"), max_users: 1 } },
    uplinks,
    // First match wins: our names never have `proxy`, so they are never looked up upstream.
    packages: { ...local, "**": { access: "$all", publish: "$nobody", ...(options.uplink ? { proxy: "upstream" } : {}) } },
    web: { enable: false },
    max_body_size: "50mb",
    log: { type: "stdout", format: "json", level: "http" },
  };
}

async function waitUntilAnswering(url: string, server: RunningProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (!server.running) throw new Error(`Verdaccio exited with ${server.exitCode ?? "a signal"} before answering on ${url}`);
    try {
      const answer = await request(`${url}-/ping`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      await answer.body.dump();
      if (answer.statusCode === 200) return;
      last = `GET /-/ping answered ${answer.statusCode}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Verdaccio did not answer on ${url} within ${timeoutMs / 1000} s: ${last}`);
}

/** Registers the rehearsal's publisher, as `npm adduser` does, and returns its token. */
async function createUser(url: string): Promise<string> {
  const name = "release-rehearsal";
  const answer = await request(`${url}-/user/org.couchdb.user:${name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password: `rehearsal-${process.pid}-${Date.now()}` }),
  });
  const body = (await answer.body.json()) as { token?: string; error?: string };
  if (answer.statusCode !== 201 && answer.statusCode !== 200) throw new Error(`Verdaccio refused to create the user ${name}: ${answer.statusCode} ${body.error ?? ""}`);
  if (!body.token) throw new Error(`Verdaccio created the user ${name} but returned no token`);
  return body.token;
}
