import { runDocker } from "../docker/run-docker.ts";
import { type CheckContainer, ContainerProblem, startCheckContainer } from "./check-container.ts";
import { createRunNetwork, runResourceName } from "./run-labels.ts";
import { type StackRequest, stackAppEnvironment, startDatabase } from "./start-stack.ts";
import type { StartedPostgreSqlContainer } from "./testcontainers-runtime.ts";

export interface OwnStack {
  database: StartedPostgreSqlContainer;
  /** The app (reached as `app` on the network) and the proxy in front of it, published on 127.0.0.1. */
  app: CheckContainer;
  proxy: CheckContainer;
  /** The proxy's address on this machine: `http://127.0.0.1:<port>`. */
  proxyUrl: string;
  /** Removes the three containers and the network; never rejects. */
  remove(): Promise<void>;
}

/**
 * A stack like the cell's (its database image, the app's environment, its proxy image and ports),
 * for a check that restarts or stops its parts: PostgreSQL, `appImage` and the proxy on a network
 * of their own, started at once (the app's entrypoint waits for its database, the proxy answers
 * 502 until the app is up; the caller waits until it serves, see waitUntilServing). Resolves once
 * PostgreSQL accepts connections. The app and the proxy are check containers, so a check reads
 * their state and logs, and restarts them, as any other.
 */
export async function startOwnStack(like: StackRequest, name: string, appImage: string): Promise<OwnStack> {
  const named = (what: string) => runResourceName(like.run, `${name}-${what}`);
  const network = named("net");
  await createRunNetwork(like.run, network);
  const started = {
    database: startDatabase({ run: like.run, name: named("db"), image: like.databaseImage, network, timeoutMs: like.startupTimeoutMs ?? 120_000 }),
    app: startCheckContainer({ run: like.run, name: named("app"), image: appImage, platform: like.appPlatform, network, aliases: ["app"], env: stackAppEnvironment(like) }),
    proxy: startCheckContainer({ run: like.run, name: named("proxy"), image: like.proxyImage, network, env: { APP_UPSTREAM: `app:${like.appPort}` }, publish: like.proxyPort }),
  };
  const remove = async () => {
    const gone = () => undefined;
    await Promise.all([
      started.proxy.then((proxy) => proxy.remove(), gone),
      started.app.then((app) => app.remove(), gone),
      started.database.then((database) => database.stop({ timeout: 5, removeVolumes: true }), gone).catch(gone),
    ]);
    await runDocker(["network", "rm", network]).catch(() => {});
  };
  try {
    const [database, app, proxy] = await Promise.all([started.database, started.app, started.proxy]);
    if (!proxy.url) throw new ContainerProblem(`${proxy.name} exited at once (no published port)\n--- its log ---\n${await proxy.logs()}`);
    return { database, app, proxy, proxyUrl: proxy.url, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
