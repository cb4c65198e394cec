import { runDocker } from "../docker/run-docker.ts";
import { type AppProbe, answersProbe } from "./app-probe.ts";
import { type CheckContainer, startCheckContainer } from "./check-container.ts";
import { createRunNetwork, type RunIdentity, runResourceName } from "./run-labels.ts";
import { startAppBesideStack } from "./start-app-beside-stack.ts";
import type { RunningStack } from "./start-stack.ts";
import { type HttpAnswer, waitUntilServing } from "./wait-until-serving.ts";

/** The port the stand-in upstream of a proxy cell answers on. */
const respondPort = 9000;

export type ProxiedUpstreamRequest = {
  run: RunIdentity;
  cellId: string;
  /** The check that starts the pair, short: it names the containers and the upstream's host name. */
  check: string;
  upstreamOptions?: readonly string[];
  proxyOptions?: readonly string[];
} & (
  | {
      /** An app cell: its image behind the stack's proxy image, on the stack's network (its database there). */
      kind: "app";
      appImage: string;
      stack: RunningStack;
      /** How an answer through the proxy is known to be the app's. */
      probe: AppProbe;
    }
  | {
      /**
       * A proxy cell: its image in front of `caddy respond` from the same image (a one-line server,
       * no config to mount), on a network of its own.
       */
      kind: "proxy";
      proxyImage: string;
      /** The port the proxy image listens on. */
      proxyPort: number;
    }
);

export interface ProxiedUpstream {
  upstream: CheckContainer;
  proxy: CheckContainer;
  /** "the app" or "its upstream", for details. */
  upstreamName: string;
  /** What is asked through the proxy: the app's probe path, or `/` of a proxy cell's upstream. */
  path: string;
  /** Resolves when GET `path` through the proxy is answered by the upstream. */
  waitUntilProxied(what: string, timeoutMs?: number): Promise<HttpAnswer>;
  remove(): Promise<void>;
}

/**
 * An upstream and a proxy in front of it (APP_UPSTREAM, as the caddy template reads it), the
 * proxy's port published: for checks that run the pair in a way of their own (capabilities
 * dropped) or stop the upstream, without touching the cell's stack. Everything is labelled with
 * the run; remove() removes it.
 */
export async function startProxiedUpstream(request: ProxiedUpstreamRequest): Promise<ProxiedUpstream> {
  const name = (what: string) => runResourceName(request.run, `${request.cellId}-${request.check}-${what}`);
  // The proxy reaches the upstream by this short name: a whole container name may exceed a DNS label.
  const upstreamHost = `${request.check}-upstream`;
  const containers: CheckContainer[] = [];
  let ownNetwork: string | undefined;
  const remove = async () => {
    for (const container of containers.reverse()) await container.remove();
    if (ownNetwork) await runDocker(["network", "rm", ownNetwork]).catch(() => {});
  };
  try {
    let network: string;
    let upstream: CheckContainer;
    let upstreamPort: number;
    let proxyImage: string;
    let proxyPort: number;
    let path: string;
    let fromUpstream: (answer: HttpAnswer) => boolean;
    if (request.kind === "app") {
      network = request.stack.network;
      upstreamPort = request.stack.request.appPort;
      proxyImage = request.stack.request.proxyImage;
      proxyPort = request.stack.request.proxyPort;
      upstream = await startAppBesideStack(request.stack, { name: name("app"), aliases: [upstreamHost], image: request.appImage, options: request.upstreamOptions });
      const { probe } = request;
      path = probe.path;
      // Caddy answers 502 while the app is down, so an answer the probe counts (below 500, say) is the app's.
      fromUpstream = (answer) => answersProbe(probe, answer);
    } else {
      ownNetwork = name("net");
      await createRunNetwork(request.run, ownNetwork);
      network = ownNetwork;
      upstreamPort = respondPort;
      proxyImage = request.proxyImage;
      proxyPort = request.proxyPort;
      // A body no proxy writes by itself: only the upstream can have answered it.
      const marker = `answered by the upstream ${name("upstream")}`;
      path = "/";
      upstream = await startCheckContainer({
        run: request.run,
        name: name("upstream"),
        image: request.proxyImage,
        network,
        aliases: [upstreamHost],
        options: request.upstreamOptions,
        command: ["caddy", "respond", "--listen", `:${respondPort}`, "--body", marker],
      });
      fromUpstream = (answer) => answer.status === 200 && answer.body.includes(marker);
    }
    containers.push(upstream);
    const proxy = await startCheckContainer({
      run: request.run,
      name: name("proxy"),
      image: proxyImage,
      network,
      env: { APP_UPSTREAM: `${upstreamHost}:${upstreamPort}` },
      publish: proxyPort,
      options: request.proxyOptions,
    });
    containers.push(proxy);
    return {
      upstream,
      proxy,
      upstreamName: request.kind === "app" ? "the app" : "its upstream",
      path,
      waitUntilProxied: (what, timeoutMs) =>
        waitUntilServing({ url: () => proxy.url && `${proxy.url}${path}`, accept: fromUpstream, watch: [upstream, proxy], what, timeoutMs }),
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
