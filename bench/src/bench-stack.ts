import { type RunIdentity, runDocker, runResourceName, stackDatabase, startCheckContainer, startDatabase, waitUntilServing } from "@dockerize-python/harness";

/**
 * PostgreSQL and Caddy on a private network, started once; the app containers come and go under the
 * network alias `app`, which Caddy proxies to. The harness's startStack starts the app before the
 * proxy and waits for the app's HEALTHCHECK (the peers have none); here the clock must start at the
 * app's `docker run`, with everything else already up, so the stack is made of the harness's parts:
 * its database, and the proxy and app as check containers (the docker CLI, published on loopback).
 */
export interface BenchStack {
  network: string;
  /** Caddy's published port on the loopback address: `http://127.0.0.1:<port>`. */
  proxyUrl: string;
  stop(): Promise<void>;
}

export interface BenchStackRequest {
  run: RunIdentity;
  databaseImage: string;
  proxyImage: string;
  proxyPort: number;
  appPort: number;
}

const readyTimeoutMs = 120_000;
const fix = "the log above says why it did not start; the subject's build log is under reports/bench/logs/.";

export async function startBenchStack(request: BenchStackRequest): Promise<BenchStack> {
  const { run } = request;
  const labels = Object.entries(run.labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]);
  const network = runResourceName(run, "net");
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => {});
    await runDocker(["network", "rm", network]).catch(() => {});
  };
  await runDocker(["network", "create", ...labels, network]);
  try {
    const database = await startDatabase({ run, name: runResourceName(run, "db"), image: request.databaseImage, network, timeoutMs: readyTimeoutMs });
    stops.push(() => database.stop({ timeout: 5, removeVolumes: true }));
    // Loopback only: the load generator is on this machine, and nothing else should reach it.
    const proxy = await startCheckContainer({ run, name: runResourceName(run, "caddy"), image: request.proxyImage, network, env: { APP_UPSTREAM: `app:${request.appPort}` }, publish: request.proxyPort });
    stops.push(() => proxy.remove());
    // Any answer will do (502 while no app runs): Caddy is listening.
    await waitUntilServing({ url: () => proxy.url, accept: () => true, watch: [proxy], what: `Caddy (${proxy.name}); ${fix}`, timeoutMs: readyTimeoutMs });
    return { network, proxyUrl: proxy.url!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A running app container of the benchmark, and how long it took to serve its first 200 through Caddy. */
export interface StartedApp {
  container: string;
  startupSeconds: number;
  remove(): Promise<void>;
}

/**
 * `docker run`s the image as the app of the stack (alias `app`, the database's credentials) and
 * asks GET / through Caddy every 20 ms until it answers 200 with `greeting`: the time from just
 * before `docker run` to that answer is the startup time.
 */
export async function runApp(
  stack: BenchStack,
  request: { run: RunIdentity; name: string; image: string; greeting: string; env: Readonly<Record<string, string>> },
): Promise<StartedApp> {
  const started = performance.now();
  const app = await startCheckContainer({
    run: request.run,
    name: runResourceName(request.run, request.name),
    image: request.image,
    network: stack.network,
    aliases: ["app"],
    env: {
      DATABASE_HOST: "db",
      DATABASE_PORT: "5432",
      DATABASE_NAME: stackDatabase.name,
      DATABASE_USER: stackDatabase.user,
      DATABASE_PASSWORD: stackDatabase.password,
      ...request.env,
    },
  });
  try {
    await waitUntilServing({
      url: () => `${stack.proxyUrl}/`,
      accept: (answer) => answer.status === 200 && answer.body.includes(request.greeting),
      watch: [app],
      what: `the app ${request.image} answering GET / with 200 through Caddy; ${fix}`,
      timeoutMs: readyTimeoutMs,
      intervalMs: 20,
    });
    return { container: app.name, startupSeconds: (performance.now() - started) / 1000, remove: () => app.remove() };
  } catch (error) {
    await app.remove();
    throw error;
  }
}
