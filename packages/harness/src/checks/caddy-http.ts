import { chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { type EchoedHeaders, echoUpstreamCaddyfile, echoUpstreamPort } from "../caddy/echo-upstream.ts";
import { caddyPluginModules, type PluginProbe, pluginProbes, probePath } from "../caddy/plugin-probes.ts";
import { runDocker } from "../docker/run-docker.ts";
import { type CheckContainer, ContainerProblem, startCheckContainer } from "../stack/check-container.ts";
import { createRunNetwork, runResourceName } from "../stack/run-labels.ts";
import { waitUntilServing } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/** An origin the configured proxy allows, and one it does not; neither needs to resolve. */
const allowedOrigin = "https://app.example.test";
const otherOrigin = "https://elsewhere.example.test";
/** A client address a trusted proxy in front of Caddy would report (TEST-NET-3, never routed). */
const forwardedClient = "203.0.113.7";

type CaddyHttpNeeds = Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "stageDir" | "buildArgs">;

/**
 * What the Caddyfile promises, observed over HTTP on the built image. Two proxies from the image sit
 * in front of an echo upstream (the image's caddy with another config, answering with the headers it
 * got): one configured (CORS_ALLOWED_ORIGIN, CADDY_TRUSTED_PROXIES=private_ranges), one with the
 * defaults. Requests come from this machine, so the proxies see the network's gateway as the client.
 * - CORS: the allowed origin gets Access-Control-Allow-Origin on a normal request and a preflight
 *   that Caddy answers itself (204); another origin gets no CORS header; defaults allow no origin.
 * - Expiry: /static/* has Cache-Control with a max-age.
 * - Compression: a large response comes back gzip-encoded when asked.
 * - Client address: the upstream gets X-Real-IP = the connecting address, and X-Forwarded-For with
 *   the forwarded client first only from a trusted proxy; from anybody else a forged one is dropped.
 * - Plugins: each plugin in CADDY_PLUGINS that has a probe (caddy/plugin-probes.ts) has its directive
 *   exercised by a third container of the image running the probe's own Caddyfile (a rate limit
 *   answering 429, a cache answering a hit); a binary without the plugin refuses that Caddyfile.
 */
export const caddyHttp: Check<CaddyHttpNeeds> = async (context) => {
  if (context.kind !== "proxy") return fail("caddy-http runs a Caddy image in front of its own upstream; list it on proxy templates only");
  const setup = await startProxies(context);
  try {
    const failures: string[] = [];
    const passed: string[] = [];
    const expect = (ok: boolean, what: string, got: string) => (ok ? passed.push(what) : failures.push(`${what}: got ${got}`));
    const { configured, defaults, gateway } = setup;

    const normal = await get(configured, "/", { origin: allowedOrigin });
    expect(normal.headers["access-control-allow-origin"] === allowedOrigin, "CORS: GET from the allowed origin has Access-Control-Allow-Origin", show(normal.headers["access-control-allow-origin"]));
    expect(/\bOrigin\b/.test(String(normal.headers.vary)), "CORS: Vary includes Origin", show(normal.headers.vary));

    const preflight = await get(configured, "/api/items", { origin: allowedOrigin, "access-control-request-method": "PUT", "access-control-request-headers": "Content-Type" }, "OPTIONS");
    expect(
      preflight.status === 204 && preflight.headers["access-control-allow-origin"] === allowedOrigin && /\bPUT\b/.test(String(preflight.headers["access-control-allow-methods"])),
      "CORS: preflight from the allowed origin answered by Caddy (204, Allow-Origin, Allow-Methods with PUT)",
      `${preflight.status}, Allow-Origin ${show(preflight.headers["access-control-allow-origin"])}, Allow-Methods ${show(preflight.headers["access-control-allow-methods"])}`,
    );

    const foreign = await get(configured, "/", { origin: otherOrigin });
    const foreignPreflight = await get(configured, "/api/items", { origin: otherOrigin, "access-control-request-method": "PUT" }, "OPTIONS");
    expect(
      foreign.headers["access-control-allow-origin"] === undefined && foreignPreflight.headers["access-control-allow-origin"] === undefined && foreignPreflight.status !== 204,
      "CORS: another origin gets no Access-Control-Allow-Origin, and its preflight goes to the app",
      `GET ${show(foreign.headers["access-control-allow-origin"])}, preflight ${foreignPreflight.status} ${show(foreignPreflight.headers["access-control-allow-origin"])}`,
    );
    const closed = await get(defaults, "/", { origin: allowedOrigin });
    expect(closed.headers["access-control-allow-origin"] === undefined, "CORS: with the defaults no origin is allowed", show(closed.headers["access-control-allow-origin"]));

    if (setup.staticFile) {
      const served = await get(configured, `/static/${setup.staticFile}`, {});
      expect(served.status === 200 && /max-age=[1-9]/.test(String(served.headers["cache-control"])), `expiry: /static/${setup.staticFile} has Cache-Control max-age`, `${served.status}, ${show(served.headers["cache-control"])}`);
    } else {
      failures.push("expiry: the image was built from an app with no static/ files, so /static/* could not be checked");
    }

    const compressed = await get(configured, "/", { "accept-encoding": "gzip" });
    expect(compressed.headers["content-encoding"] === "gzip", "compression: gzip when the client accepts it", show(compressed.headers["content-encoding"]));

    const trusted = await echoed(configured, { "x-forwarded-for": forwardedClient });
    expect(
      trusted.x_forwarded_for === `${forwardedClient}, ${gateway}` && trusted.x_real_ip === gateway,
      `client address via a trusted proxy: the app gets X-Forwarded-For "${forwardedClient}, ${gateway}" and X-Real-IP ${gateway}`,
      JSON.stringify(trusted),
    );
    const untrusted = await echoed(defaults, { "x-forwarded-for": forwardedClient });
    expect(
      untrusted.x_forwarded_for === gateway && untrusted.x_real_ip === gateway,
      `client address, untrusted peer: a forged X-Forwarded-For is replaced by ${gateway}`,
      JSON.stringify(untrusted),
    );

    const plugins = caddyPluginModules(context.buildArgs);
    for (const probe of pluginProbes.filter((candidate) => plugins.includes(candidate.module))) {
      const outcome = await probePlugin(context, probe);
      expect(outcome.ok, `plugin ${probe.module}: its ${probe.directive} directive works over HTTP`, outcome.seen);
    }
    const unprobed = plugins.filter((plugin) => !pluginProbes.some((probe) => probe.module === plugin));
    const note = unprobed.length ? ` (no HTTP probe for ${unprobed.join(", ")}: caddy-modules shows only that it is compiled in)` : "";

    if (failures.length) return fail(`${failures.length} of ${failures.length + passed.length} failed:\n${failures.join("\n")}${note}\n--- proxy log ---\n${await setup.logs()}`);
    return pass(`${passed.length} behaviours seen: ${passed.join("; ")}${note}`);
  } finally {
    await setup.stop();
  }
};

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function get(base: string, path: string, headers: Record<string, string>, method: "GET" | "OPTIONS" = "GET"): Promise<Response> {
  const response = await request(`${base}${path}`, { method, headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const body = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body };
}

async function echoed(base: string, headers: Record<string, string>): Promise<EchoedHeaders> {
  const response = await get(base, "/", headers);
  try {
    return JSON.parse(response.body) as EchoedHeaders;
  } catch {
    throw new Error(`the echo upstream's answer through the proxy is not its JSON (${response.status}): ${response.body.slice(0, 200)}`);
  }
}

const show = (value: unknown) => (value === undefined ? "(none)" : JSON.stringify(value));

interface Proxies {
  configured: string;
  defaults: string;
  gateway: string;
  staticFile: string | undefined;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/** A network with the echo upstream and the two proxies, labelled with the run; all removed by stop(). */
async function startProxies(context: CaddyHttpNeeds): Promise<Proxies> {
  const name = (what: string) => runResourceName(context.run, `${context.cellId}-http-${what}`);
  const network = name("net");
  const containers: CheckContainer[] = [];
  const configDir = await mkdtemp(join(tmpdir(), "dockerize-python-echo-"));
  const stop = async () => {
    for (const container of containers) await container.remove();
    await runDocker(["network", "rm", network]).catch(() => {});
    await rm(configDir, { recursive: true, force: true });
  };
  try {
    // The image runs as a non-root user, which must be able to read the mounted config.
    await chmod(configDir, 0o755);
    await writeFile(join(configDir, "Caddyfile"), echoUpstreamCaddyfile, { mode: 0o644 });
    await createRunNetwork(context.run, network);
    const { stdout: gatewayOut } = await runDocker(["network", "inspect", "--format", "{{(index .IPAM.Config 0).Gateway}}", network]);
    const gateway = gatewayOut.trim();

    const echo = await startCheckContainer({
      run: context.run,
      name: name("echo"),
      image: context.image,
      network,
      aliases: ["echo"],
      options: ["--mount", `type=bind,source=${configDir},target=/dockerize-python-echo,readonly`, "--entrypoint", "caddy"],
      command: ["run", "--config", "/dockerize-python-echo/Caddyfile", "--adapter", "caddyfile"],
    });
    containers.push(echo);
    const startProxy = async (what: string, env: Record<string, string>) => {
      const proxy = await startCheckContainer({ run: context.run, name: name(what), image: context.image, network, env: { APP_UPSTREAM: `echo:${echoUpstreamPort}`, ...env }, publish: 8080 });
      containers.push(proxy);
      // The proxy answers with the echo upstream's JSON once both containers are up.
      await waitUntilServing({
        url: () => proxy.url,
        accept: (answer) => answer.status === 200 && answer.body.includes("x_forwarded_for"),
        watch: [echo, proxy],
        what: `the ${what} proxy in front of the echo upstream (often a Caddyfile error: see the log)`,
        timeoutMs: 30_000,
      });
      return proxy.url!;
    };
    const configured = await startProxy("configured", { CORS_ALLOWED_ORIGIN: allowedOrigin, CADDY_TRUSTED_PROXIES: "private_ranges" });
    const defaults = await startProxy("defaults", {});
    const staticFile = (await readdir(join(context.stageDir, "static")).catch(() => [] as string[])).sort().find((entry) => !entry.startsWith("."));
    return { configured, defaults, gateway, staticFile, logs: () => containers[1]!.logs(20), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The port the probe containers listen on inside (any unprivileged port: the image is non-root). */
const probePort = 8080;

/**
 * Runs the image with `probe`'s Caddyfile (mounted; the image's own config is not used), waits for it
 * to answer, and has the probe exercise it. A caddy that refuses the Caddyfile (no such directive:
 * the plugin is missing) exits, and the outcome says so with its log. The container is removed.
 */
async function probePlugin(context: Pick<CheckContext, "cellId" | "run" | "image">, probe: PluginProbe): Promise<{ ok: boolean; seen: string }> {
  const configDir = await mkdtemp(join(tmpdir(), "dockerize-python-probe-"));
  let container: CheckContainer | undefined;
  try {
    // The image runs as a non-root user, which must be able to read the mounted config.
    await chmod(configDir, 0o755);
    await writeFile(join(configDir, "Caddyfile"), probe.caddyfile(probePort), { mode: 0o644 });
    container = await startCheckContainer({
      run: context.run,
      name: runResourceName(context.run, `${context.cellId}-probe-${probe.directive}`),
      image: context.image,
      publish: probePort,
      options: ["--mount", `type=bind,source=${configDir},target=/dockerize-python-probe,readonly`, "--entrypoint", "caddy"],
      command: ["run", "--config", "/dockerize-python-probe/Caddyfile", "--adapter", "caddyfile"],
    });
    const probed = container;
    try {
      // Any answer on another path means caddy serves; the probe's path is left untouched for the probe.
      await waitUntilServing({ url: () => probed.url && `${probed.url}${probePath}-ready`, accept: () => true, watch: [probed], what: "caddy with the probe's Caddyfile", timeoutMs: 30_000 });
    } catch (error) {
      if (!(error instanceof ContainerProblem)) throw error;
      const refused = !(await probed.state()).running;
      return { ok: false, seen: refused ? `caddy refused the probe's Caddyfile (is the plugin compiled in?):\n${await probed.logs(10)}` : error.message };
    }
    return await probe.exercise((path) => get(probed.url!, path, {}));
  } finally {
    await container?.remove();
    await rm(configDir, { recursive: true, force: true });
  }
}
