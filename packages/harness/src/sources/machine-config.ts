import { existsSync } from "node:fs";
import { runProcess } from "../process/run-process.ts";

/**
 * What this machine is configured to use for packages, read from its own configuration so that
 * nothing in the repository names a registry: the CA bundle it trusts, the index its pip uses,
 * the Go module proxy and checksum database its go command uses. Builds and probes get the same.
 */
export interface MachineConfig {
  /**
   * The CA bundle this machine trusts (SSL_CERT_FILE, else the system bundle). Builds get it as the
   * `ca_bundle` secret: behind a TLS-inspecting proxy, or with a mirror signed by a private CA, a
   * container trusts what the machine trusts. Absent when there is none.
   */
  caBundle: string | undefined;
  /** pip's index URL when this machine sets one (PIP_INDEX_URL, or pip's configuration); absent: pip's default, PyPI. */
  pipIndexUrl: string | undefined;
  /** The Go module proxy URL the go command uses (GOPROXY, or `go env GOPROXY`); absent when there is none to use. */
  goProxy: string | undefined;
  /** The Go checksum database (GOSUMDB, or `go env GOSUMDB`); absent: Go's default. */
  goSumDb: string | undefined;
  /** How each was found, or why it is absent: logged when a run decides its sources. */
  notes: string[];
}

/** Where a container gets the machine's CA bundle: where the templates' `ca_bundle` secret is mounted. */
export const caBundleInContainer = "/run/secrets/ca_bundle";

/**
 * docker run arguments that give a container the machine's CA bundle, read-only at
 * caBundleInContainer and trusted by pip (PIP_CERT), requests and so pipenv (REQUESTS_CA_BUNDLE)
 * and OpenSSL's default (SSL_CERT_FILE); none when the machine has no bundle.
 */
export function caBundleRunArgs(caBundle: string | undefined): string[] {
  if (!caBundle) return [];
  return ["--volume", `${caBundle}:${caBundleInContainer}:ro`, ...["PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"].flatMap((name) => ["--env", `${name}=${caBundleInContainer}`])];
}

/** System CA bundles, by distribution family: Debian and Ubuntu, Fedora and RHEL, Alpine and macOS. */
const systemCaBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

export async function readMachineConfig(env: NodeJS.ProcessEnv = process.env): Promise<MachineConfig> {
  const notes: string[] = [];
  const caBundle = [env.SSL_CERT_FILE, ...systemCaBundles].find((file): file is string => Boolean(file) && existsSync(file!));
  notes.push(caBundle ? `CA bundle: ${caBundle}` : "CA bundle: none found (SSL_CERT_FILE unset or missing, no system bundle)");
  const pipIndexUrl = env.PIP_INDEX_URL || (await pipConfiguredIndex(env));
  notes.push(pipIndexUrl ? "pip index: set by this machine's pip configuration" : "pip index: pip's default (PyPI)");
  const go = await goEnvironment(env);
  notes.push(go.note);
  return { caBundle, pipIndexUrl, goProxy: go.proxy, goSumDb: go.sumDb, notes };
}

/** The index-url of this machine's pip configuration (install or global section), if any. */
async function pipConfiguredIndex(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const python of ["python3", "python"]) {
    try {
      const { stdout } = await runProcess(python, ["-m", "pip", "config", "list"], { env, timeoutMs: 20_000 });
      return indexUrlFromPipConfigList(stdout);
    } catch {
      // No such interpreter, or no pip in it: try the next; none means pip's default.
    }
  }
  return undefined;
}

/**
 * Picks index-url out of `pip config list` lines such as `global.index-url='https://...'`: the
 * install section's, which `pip install` (what builds run) prefers, else the global one.
 */
export function indexUrlFromPipConfigList(output: string): string | undefined {
  for (const section of ["install", "global"]) {
    const match = output.match(new RegExp(`^${section}\\.index-url='([^']+)'$`, "m"));
    if (match) return match[1];
  }
  return undefined;
}

async function goEnvironment(env: NodeJS.ProcessEnv): Promise<{ proxy: string | undefined; sumDb: string | undefined; note: string }> {
  // The go command takes an empty variable as unset: its configuration (go env -w, go.env) decides.
  let proxyList = env.GOPROXY || undefined;
  let sumDb = env.GOSUMDB || undefined;
  if (proxyList === undefined || sumDb === undefined) {
    try {
      const { stdout } = await runProcess("go", ["env", "-json", "GOPROXY", "GOSUMDB"], { env, timeoutMs: 20_000 });
      const values = JSON.parse(stdout) as { GOPROXY?: string; GOSUMDB?: string };
      proxyList ??= values.GOPROXY;
      sumDb ??= values.GOSUMDB;
    } catch {
      if (proxyList === undefined) return { proxy: undefined, sumDb, note: "Go module proxy: unknown (no go command here and GOPROXY unset)" };
    }
  }
  const proxy = firstProxyUrl(proxyList ?? "");
  return {
    proxy,
    sumDb: sumDb || undefined,
    note: proxy ? "Go module proxy: from GOPROXY (go env)" : `Go module proxy: none in GOPROXY (${proxyList || "empty"})`,
  };
}

/** The first proxy URL of a GOPROXY list ("https://a,direct", "https://a|https://b"); direct and off are not proxies. */
export function firstProxyUrl(goproxy: string): string | undefined {
  return goproxy
    .split(/[,|]/)
    .map((entry) => entry.trim())
    .find((entry) => /^https?:\/\//.test(entry) || entry.startsWith("file://"))
    ?.replace(/\/+$/, "");
}
