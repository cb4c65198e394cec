import type { CheckContainer } from "../stack/check-container.ts";
import { startProxiedUpstream } from "../stack/start-proxied-upstream.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/** CAP_NET_BIND_SERVICE's bit: the one capability a proxy binding a port below 1024 may keep. */
const netBindService = 1n << 10n;

/**
 * The images serve with every Linux capability dropped (`--cap-drop ALL`), as Kubernetes'
 * `drop: [ALL]` and OpenShift's restricted SCC run them. An app cell runs its app and the proxy in
 * front of it both so; a proxy cell runs its proxy so, in front of a plain upstream. Caddy gets
 * NET_BIND_SERVICE back only when its port is below 1024 (ours: 8080, so never). The app's probe
 * (a proxy cell: its upstream's page) must be answered through the proxy, and /proc/1/status in each container must show the bounding and effective sets
 * empty (or that one bit). A binary with a file capability (the official caddy image sets
 * cap_net_bind_service=+ep) cannot even be executed then: the engine's error is the failure.
 */
export const capDropAll: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "port" | "stack" | "probe">> = failOnContainerProblem(async (context) => {
  const proxyPort = context.kind === "app" ? (await context.stack()).request.proxyPort : context.port;
  const proxyOptions = ["--cap-drop", "ALL", ...(proxyPort < 1024 ? ["--cap-add", "NET_BIND_SERVICE"] : [])];
  const dropped = ["--cap-drop", "ALL"];
  const common = { run: context.run, cellId: context.cellId, check: "cap-drop", proxyOptions };
  const pair =
    context.kind === "app"
      ? await startProxiedUpstream({ ...common, kind: "app", appImage: context.image, stack: await context.stack(), probe: context.probe, upstreamOptions: dropped })
      : await startProxiedUpstream({ ...common, kind: "proxy", proxyImage: context.image, proxyPort });
  try {
    const answer = await pair.waitUntilProxied(`${context.kind === "app" ? "the app and the proxy" : "the proxy"} with --cap-drop ALL`);
    const allowed = proxyPort < 1024 ? netBindService : 0n;
    const inspected = [{ container: pair.proxy, role: "the proxy", allowed }];
    if (context.kind === "app") inspected.push({ container: pair.upstream, role: "the app", allowed: 0n });
    const seen: string[] = [];
    for (const { container, role, allowed: mayKeep } of inspected) {
      const sets = await capabilitiesOf(container);
      if ((sets.bounding | sets.effective) & ~mayKeep) {
        return fail(`${role} served, but still holds capabilities: CapBnd ${hex(sets.bounding)}, CapEff ${hex(sets.effective)} (expected ${hex(mayKeep)})`);
      }
      seen.push(`${role} CapBnd ${hex(sets.bounding)}`);
    }
    return pass(
      `--cap-drop ALL${proxyPort < 1024 ? " (the proxy: --cap-add NET_BIND_SERVICE, port " + proxyPort + ")" : ""}: ` +
        `GET ${pair.path} through the proxy -> ${answer.status} from ${pair.upstreamName}; ${seen.join(", ")}`,
    );
  } finally {
    await pair.remove();
  }
});

/** A process's capability sets, from the CapBnd and CapEff lines of /proc/<pid>/status. */
export function capabilitySets(status: string): { bounding: bigint; effective: bigint } {
  const read = (field: string) => {
    const value = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, "m").exec(status)?.[1];
    if (value === undefined) throw new Error(`no ${field} line in /proc/1/status: ${status.slice(0, 200)}`);
    return BigInt(`0x${value}`);
  };
  return { bounding: read("CapBnd"), effective: read("CapEff") };
}

async function capabilitiesOf(container: CheckContainer): Promise<{ bounding: bigint; effective: bigint }> {
  const { exitCode, output } = await container.exec(["cat", "/proc/1/status"]);
  if (exitCode !== 0) throw new Error(`cat /proc/1/status in ${container.name} failed (${exitCode}): ${output.trim()}`);
  return capabilitySets(output);
}

const hex = (value: bigint) => `0x${value.toString(16).padStart(16, "0")}`;
