import { createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { lastLines, type RunningProcess, startProcess } from "@dockerize-python/harness";
import { request } from "undici";

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

/**
 * What the child process runs: Verdaccio's server (runServer, its programmatic API) listening on a
 * port the OS gives it, which it then prints on a line of its own. A port picked first and handed
 * over could be taken by another program in between, and Verdaccio's --listen reads port 0 as none.
 * A child, not this process: Verdaccio's logger is global and set from its config, and its log
 * must go to a file of its own.
 */
const serveOnAnyPort = `
const { runServer } = await import(process.argv[1]);
const server = (await runServer(process.argv[2])).listen(0, "127.0.0.1", () => console.log(JSON.stringify({ listening: server.address().port })));
`;

/**
 * Starts Verdaccio in a child process on a port of 127.0.0.1 the OS picks, with a config written
 * for this run (no web UI, users in a file of its own), waits until it answers, and creates a user
 * to publish as.
 */
export async function startVerdaccio(options: StartVerdaccioOptions): Promise<LocalNpmRegistry> {
  const storageDir = join(options.dir, "storage");
  const configFile = join(options.dir, "config.yaml");
  const logFile = join(options.dir, "verdaccio.log");
  await mkdir(storageDir, { recursive: true });
  // JSON is YAML: the config is written with JSON.stringify, so no value needs quoting by hand.
  await writeFile(configFile, JSON.stringify(verdaccioConfig(options, storageDir), null, 2));

  const log = createWriteStream(logFile);
  let port: number | undefined;
  const verdaccio = pathToFileURL(createRequire(import.meta.url).resolve("verdaccio")).href;
  // Its log goes to the file only: a registry serving a whole install logs too much to keep in memory.
  const server = startProcess(process.execPath, ["--input-type=module", "--eval", serveOnAnyPort, verdaccio, configFile], {
    cwd: options.dir,
    onLine: (line) => {
      log.write(`${line}\n`);
      port ??= Number(/^\{"listening":(\d+)\}$/.exec(line)?.[1]) || undefined;
    },
    keepOutput: false,
  });
  const stop = async () => {
    await server.stop();
    await new Promise<void>((resolve) => log.end(resolve));
  };
  try {
    const url = await waitUntilAnswering(() => port, server, options.readyTimeoutMs ?? 30_000);
    return { url, storageDir, token: await createUser(url), logFile, stop };
  } catch (error) {
    await stop();
    const said = await readFile(logFile, "utf8").catch(() => "(no log)");
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- Verdaccio's log (${logFile}) ---\n${lastLines(said, 20)}`);
  }
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

/** Resolves with its URL once it has said its port and answers a ping there. */
async function waitUntilAnswering(port: () => number | undefined, server: RunningProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "it has not said which port it listens on";
  while (Date.now() < deadline) {
    if (!server.running) throw new Error(`Verdaccio exited with ${server.exitCode ?? "a signal"} before answering`);
    const listening = port();
    if (listening !== undefined) {
      const url = `http://127.0.0.1:${listening}/`;
      try {
        const answer = await request(`${url}-/ping`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
        await answer.body.dump();
        if (answer.statusCode === 200) return url;
        last = `GET ${url}-/ping answered ${answer.statusCode}`;
      } catch (error) {
        last = `GET ${url}-/ping: ${(error as Error).message}`;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Verdaccio did not answer within ${timeoutMs / 1000} s: ${last}`);
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
