import {
  GenericContainer,
  type HealthCheck,
  PostgreSqlContainer,
  PullPolicy,
  type StartedPostgreSqlContainer,
  type StartedTestContainer,
  Wait,
} from "./testcontainers-runtime.ts";
import type { Readable } from "node:stream";
import type { Platform } from "../docker/platform.ts";
import { inspectImage } from "../docker/inspect-image.ts";
import { runDocker } from "../docker/run-docker.ts";
import { createRunNetwork, type RunIdentity, runResourceName } from "./run-labels.ts";
import { ExplainedError } from "../explained-error.ts";
import { assertPortFree } from "./free-port.ts";

/**
 * The database credentials every stack uses. The password holds the characters that break naive
 * connection URIs (the seed article's `P@ssw0rd` is one), so every stack proves they work.
 */
export const stackDatabase = {
  name: "app",
  user: "app",
  password: "P@ss:w/o%rd #?x",
} as const;

/**
 * How long an emulated app container may take to become healthy: an arm64 app under qemu-user-static
 * on this project's amd64 machines first answered after 110 to 120 s (bench/arm64/results.md).
 */
export const emulatedAppStartupTimeoutMs = 300_000;

export interface StackRequest {
  run: RunIdentity;
  /** Names this stack's containers and network. */
  name: string;
  databaseImage: string;
  appImage: string;
  /** The app image's platform when it is not the engine's own (emulated: it gets emulatedAppStartupTimeoutMs to become healthy). */
  appPlatform?: Platform;
  appPort: number;
  /** Extra environment for the app (the WSGI target, say). */
  appEnv?: Record<string, string>;
  proxyImage: string;
  proxyPort: number;
  /** Publish the proxy on this port of the host (a user's --proxy-port); a free port when absent. */
  proxyHostPort?: number;
  /** How long each container may take to become ready. */
  startupTimeoutMs?: number;
}

export interface RunningStack {
  network: string;
  database: StartedPostgreSqlContainer;
  app: StartedTestContainer;
  proxy: StartedTestContainer;
  /** The proxy's address on this machine: `http://127.0.0.1:<port>`. */
  proxyUrl: string;
  /** What the stack was started with: another app image can be run the same way (see startStackLike). */
  request: StackRequest;
  stop(): Promise<void>;
}

/**
 * PostgreSQL, the app and the proxy on a private network, as compose would run them: the app reaches
 * the database as `db`, the proxy reaches the app as `app`. Each container is labelled with the run
 * so that an interrupted run can still remove it.
 */
export async function startStack(request: StackRequest): Promise<RunningStack> {
  const network = runResourceName(request.run, `${request.name}-net`);
  await createRunNetwork(request.run, network);
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    for (const container of started.reverse()) await container.stop({ timeout: 5, removeVolumes: true }).catch(() => {});
    await runDocker(["network", "rm", network]).catch(() => {});
  };
  const timeout = request.startupTimeoutMs ?? 120_000;
  const appTimeout = request.appPlatform ? Math.max(timeout, emulatedAppStartupTimeoutMs) : timeout;
  const tails = { app: new LogTail(), proxy: new LogTail() };
  const names = {
    db: runResourceName(request.run, `${request.name}-db`),
    app: runResourceName(request.run, `${request.name}-app`),
    proxy: runResourceName(request.run, `${request.name}-proxy`),
  };
  try {
    const database = await startDatabase({ run: request.run, name: names.db, image: request.databaseImage, network, timeoutMs: timeout });
    started.push(database);

    /** A container of the stack: named, its output kept, never pulled, labelled with the run, on the network. */
    const stackContainer = (image: string, name: string, tail: LogTail) =>
      new GenericContainer(image).withName(name).withLogConsumer(tail.consume).withPullPolicy(PullPolicy.neverPull()).withLabels(request.run.labels).withNetworkMode(network);
    const appContainer = stackContainer(request.appImage, names.app, tails.app);
    if (request.appPlatform) {
      appContainer.withPlatform(request.appPlatform);
      const healthCheck = await emulatedHealthCheck(request.appImage);
      if (healthCheck) appContainer.withHealthCheck(healthCheck);
    }
    const app = await startExplained("app", names.app, tails.app, appTimeout, appContainer
      .withNetworkAliases("app")
      .withEnvironment(stackAppEnvironment(request))
      .withExposedPorts(request.appPort)
      // The image's own HEALTHCHECK decides when the app is ready, as compose's depends_on does.
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(appTimeout), "the app must answer its HEALTHCHECK; its log above says why it did not (a wrong WSGI target, a failed import, a database it could not reach)");
    started.push(app);

    // Checked again here, not only before the run: something may have taken it since.
    if (request.proxyHostPort) await assertPortFree(request.proxyHostPort, "the proxy (Caddy) of each cell", "--proxy-port");
    const proxy = await startExplained("proxy", names.proxy, tails.proxy, timeout, stackContainer(request.proxyImage, names.proxy, tails.proxy)
      .withEnvironment({ APP_UPSTREAM: `app:${request.appPort}` })
      .withExposedPorts(request.proxyHostPort ? { container: request.proxyPort, host: request.proxyHostPort } : request.proxyPort)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(timeout), `the proxy must listen on ${request.proxyPort}; its log above says why it did not (often a Caddyfile error)`);
    started.push(proxy);

    return {
      network,
      database,
      app,
      proxy,
      proxyUrl: `http://${proxy.getHost()}:${proxy.getMappedPort(request.proxyPort)}`,
      request,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The image's own HEALTHCHECK test, timed for emulation. Under qemu-user-static the app first
 * answered after 110 to 120 s, past the templates' 60 s start period, and the test's own python
 * can take longer to start than its 5 s timeout: with the image's timing a slow app that serves is
 * marked unhealthy (seen: unhealthy after 175 s, its workers booted). Failures within the start
 * period do not count; what counts as healthy stays the image's. None when the image has no test.
 */
async function emulatedHealthCheck(image: string): Promise<HealthCheck | undefined> {
  const test = (await inspectImage(image)).healthcheck;
  if (test?.[0] !== "CMD" && test?.[0] !== "CMD-SHELL") return undefined;
  return { test: test as HealthCheck["test"], interval: 5_000, timeout: 30_000, retries: 3, startPeriod: emulatedAppStartupTimeoutMs };
}

export interface DatabaseRequest {
  run: RunIdentity;
  /** The container's whole name (see runResourceName). */
  name: string;
  image: string;
  /** The network it joins, reached there as `db`. */
  network: string;
  timeoutMs: number;
}

/**
 * PostgreSQL with the stack's credentials (stackDatabase), on `network` as `db`, labelled with the
 * run, resolved once it accepts connections (pg_isready as its health check).
 */
export async function startDatabase(request: DatabaseRequest): Promise<StartedPostgreSqlContainer> {
  const tail = new LogTail();
  return startExplained("database", request.name, tail, request.timeoutMs, new PostgreSqlContainer(request.image)
    .withName(request.name)
    .withLogConsumer(tail.consume)
    // Never pull: every image is built or stood in locally before a stack starts.
    .withPullPolicy(PullPolicy.neverPull())
    .withLabels(request.run.labels)
    .withNetworkMode(request.network)
    .withNetworkAliases("db")
    .withDatabase(stackDatabase.name)
    .withUsername(stackDatabase.user)
    .withPassword(stackDatabase.password)
    // PostgreSqlContainer's own health check puts the password unquoted into a shell command,
    // which this password (a space, a #) breaks; pg_isready needs no password at all.
    .withHealthCheck({ test: ["CMD", "pg_isready", "--host", "localhost", "--username", stackDatabase.user, "--dbname", stackDatabase.name], interval: 250, timeout: 1000, retries: 1000 })
    .withStartupTimeout(request.timeoutMs), "check that the image is PostgreSQL with the official image's environment contract (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB)");
}

/** How the app in a stack reaches the stack's database: as `db`, with the stack's credentials. */
export const stackDatabaseEnvironment: Readonly<Record<string, string>> = {
  DATABASE_HOST: "db",
  DATABASE_PORT: "5432",
  DATABASE_NAME: stackDatabase.name,
  DATABASE_USER: stackDatabase.user,
  DATABASE_PASSWORD: stackDatabase.password,
};

/** The app's environment in a stack: the stack's database, then the request's own. */
export function stackAppEnvironment(request: StackRequest): Record<string, string> {
  return { ...stackDatabaseEnvironment, ...request.appEnv };
}

/**
 * Another stack with the same database image, proxy, ports and run as `like`, for a different app
 * image (a child image built FROM the cell's, say). It has its own name, network and containers.
 */
export function startStackLike(like: RunningStack, changes: { name: string; appImage: string; appEnv?: Record<string, string> }): Promise<RunningStack> {
  // Not on `like`'s fixed proxy port: `like` is still running and holds it.
  return startStack({ ...like.request, proxyHostPort: undefined, ...changes });
}

/** A stack container that did not start or become ready; carries the end of its own log. */
export class StackStartError extends ExplainedError {
  constructor(role: string, name: string, cause: unknown, log: string, fix: string) {
    super(
      `The ${role} container ${name} did not become ready: ${cause instanceof Error ? cause.message : String(cause)}\n` +
        `--- last lines of its log ---\n${log || "(no output)"}\n---\nFix: ${fix}.`,
      { cause },
    );
  }
}

async function startExplained<T>(role: string, name: string, tail: LogTail, timeoutMs: number, container: { start(): Promise<T> }, fix: string): Promise<T> {
  try {
    return await container.start();
  } catch (error) {
    throw new StackStartError(role, name, error, tail.text(), `${fix} (waited up to ${Math.round(timeoutMs / 1000)} s)`);
  }
}

/**
 * The last lines a container printed, kept as they stream: testcontainers removes a container that
 * fails to start before anyone could ask the engine for its log.
 */
class LogTail {
  private lines: string[] = [];
  readonly consume = (stream: Readable) => {
    stream.on("data", (chunk: Buffer | string) => {
      this.lines.push(...chunk.toString().split("\n").filter((line) => line.trim()));
      this.lines = this.lines.slice(-40);
    });
  };
  text(): string {
    return this.lines.join("\n");
  }
}
