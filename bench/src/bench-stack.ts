import { DockerCommandError, ExplainedError, type RunIdentity, runDocker, runResourceName, stackDatabase } from "@dockerize-python/harness";

/**
 * PostgreSQL and Caddy on a private network, started once; the app containers come and go under the
 * network alias `app`, which Caddy proxies to. The harness's startStack starts the app before the
 * proxy and waits for the app's HEALTHCHECK (the peers have none); here the clock must start at the
 * app's `docker run`, with everything else already up, so the stack is made with the docker CLI.
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

export async function startBenchStack(request: BenchStackRequest): Promise<BenchStack> {
  const { run } = request;
  const labels = Object.entries(run.labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]);
  const network = runResourceName(run, "net");
  const database = runResourceName(run, "db");
  const proxy = runResourceName(run, "caddy");
  const stop = async () => {
    for (const container of [proxy, database]) await runDocker(["rm", "--force", "--volumes", container]).catch(() => {});
    await runDocker(["network", "rm", network]).catch(() => {});
  };
  await runDocker(["network", "create", ...labels, network]);
  try {
    await runDocker([
      "run", "--detach", "--name", database, ...labels, "--network", network, "--network-alias", "db",
      "--env", `POSTGRES_DB=${stackDatabase.name}`, "--env", `POSTGRES_USER=${stackDatabase.user}`, "--env", `POSTGRES_PASSWORD=${stackDatabase.password}`,
      request.databaseImage,
    ]);
    // Over TCP, as the app connects: the image's first-start initialisation listens on its socket only.
    await waitFor(`PostgreSQL (${database})`, database, async () => {
      await runDocker(["exec", database, "pg_isready", "--host", "localhost", "--username", stackDatabase.user, "--dbname", stackDatabase.name]);
      return true;
    });
    await runDocker([
      "run", "--detach", "--name", proxy, ...labels, "--network", network,
      "--env", `APP_UPSTREAM=app:${request.appPort}`,
      // Loopback only: the load generator is on this machine, and nothing else should reach it.
      "--publish", `127.0.0.1::${request.proxyPort}`,
      request.proxyImage,
    ]);
    const published = (await runDocker(["port", proxy, `${request.proxyPort}/tcp`])).stdout.split("\n").find((line) => line.startsWith("127.0.0.1:"));
    if (!published) throw new Error(`docker port ${proxy} names no 127.0.0.1 address for ${request.proxyPort}`);
    const proxyUrl = `http://${published.trim()}`;
    // Any answer will do (502 while no app runs): Caddy is listening.
    await waitFor(`Caddy (${proxy})`, proxy, async () => {
      await fetch(`${proxyUrl}/`, { signal: AbortSignal.timeout(1000) });
      return true;
    });
    return { network, proxyUrl, stop };
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
 * polls GET / through Caddy until it answers 200 with `greeting`: the time from just before
 * `docker run` to that answer is the startup time.
 */
export async function runApp(
  stack: BenchStack,
  request: { run: RunIdentity; name: string; image: string; greeting: string; env: Readonly<Record<string, string>> },
): Promise<StartedApp> {
  const container = runResourceName(request.run, request.name);
  const labels = Object.entries(request.run.labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]);
  const remove = () => runDocker(["rm", "--force", "--volumes", container]).then(() => {}, () => {});
  const started = performance.now();
  await runDocker([
    "run", "--detach", "--name", container, ...labels, "--network", stack.network, "--network-alias", "app",
    "--env", "DATABASE_HOST=db", "--env", "DATABASE_PORT=5432",
    "--env", `DATABASE_NAME=${stackDatabase.name}`, "--env", `DATABASE_USER=${stackDatabase.user}`, "--env", `DATABASE_PASSWORD=${stackDatabase.password}`,
    ...Object.entries(request.env).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
    request.image,
  ]);
  try {
    await waitFor(`the app ${request.image} to answer GET / with 200 through Caddy`, container, async () => {
      const response = await fetch(`${stack.proxyUrl}/`, { signal: AbortSignal.timeout(2000) });
      const body = await response.text();
      return response.status === 200 && body.includes(request.greeting);
    }, 20);
    return { container, startupSeconds: (performance.now() - started) / 1000, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Polls `ready` until it returns true; throws an ExplainedError with the container's log after the timeout. */
async function waitFor(what: string, container: string, ready: () => Promise<boolean>, intervalMs = 250): Promise<void> {
  const deadline = performance.now() + readyTimeoutMs;
  let last = "";
  while (performance.now() < deadline) {
    try {
      if (await ready()) return;
      last = "not ready yet";
    } catch (error) {
      last = error instanceof DockerCommandError ? error.output.stderr.trim().split("\n").pop() ?? "" : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const log = await runDocker(["logs", "--tail", "30", container]).then((output) => `${output.stdout}${output.stderr}`.trim(), () => "(no log)");
  throw new ExplainedError(
    `Waited ${readyTimeoutMs / 1000} s for ${what}; the last attempt said: ${last}\n--- last lines of ${container}'s log ---\n${log}\n---\n` +
      "Fix: the log above says why it did not start; the subject's build log is under reports/bench/logs/.",
  );
}
