import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { onceMoreIfRuncFailedToStart } from "../docker/runc-start-failure.ts";
import { ExplainedError } from "../explained-error.ts";
import { caBundleRunArgs, type MachineConfig } from "./machine-config.ts";
import type { BaseImageSource, GoModuleSource, PythonPackageSource, RequestedMode, SourceChoice } from "./sources.ts";

/** A module every Go module proxy serves; asking for its version list proves the proxy answers. */
const goProbeModule = "golang.org/x/mod";

/**
 * Base images: a registry when `probeImage` (an official image a template names) can be pulled,
 * else the stand-ins made here. --mode online and hermetic force one or the other.
 */
export async function detectBaseImageSource(requested: RequestedMode, probeImage: string, log: (line: string) => void): Promise<SourceChoice<BaseImageSource>> {
  if (requested === "hermetic") return { kind: "stand-ins", reason: "--mode hermetic" };
  if (requested === "online") return { kind: "registry", reason: "--mode online" };
  log(`probing base images: can ${probeImage} be pulled?`);
  const pulled = await attempt(["pull", "--quiet", probeImage], 90_000);
  return pulled === true
    ? { kind: "registry", reason: `auto: ${probeImage} was pulled` }
    : { kind: "stand-ins", reason: `auto: ${probeImage} cannot be pulled (${pulled})` };
}

/**
 * Python packages and Go modules, each probed from a container of `pythonImage` (a local image) on
 * the default bridge, where builds run, trusting what this machine trusts: pip downloads one
 * package from its index; Python's standard library asks the Go module proxy for a version list.
 * In auto mode a probe that fails falls back to the local index, or to no Go modules; in online
 * mode it is an error that says what failed (the Go module proxy only when `goNeeded`).
 */
export async function detectPackageSources(
  requested: RequestedMode,
  machine: MachineConfig,
  pythonImage: string,
  goNeeded: boolean,
  log: (line: string) => void,
): Promise<{ pythonPackages: SourceChoice<PythonPackageSource>; goModules: SourceChoice<GoModuleSource> }> {
  if (requested === "hermetic") {
    return { pythonPackages: { kind: "local-index", reason: "--mode hermetic" }, goModules: { kind: "none", reason: "--mode hermetic" } };
  }
  log(`probing from a container of ${pythonImage}: does pip reach its index, and does the Go module proxy answer?`);
  const [pip, go] = await Promise.all([probePip(machine, pythonImage), probeGoProxy(machine, pythonImage)]);
  const indexKind: PythonPackageSource = machine.pipIndexUrl ? "configured-index" : "pypi";
  const indexName = machine.pipIndexUrl ? "the index this machine's pip is configured with" : "pip's default index (PyPI)";
  if (requested === "online") {
    const failed = [pip === true ? undefined : `pip cannot reach ${indexName}: ${pip}`, go === true || !goNeeded ? undefined : `the Go module proxy does not answer: ${go}`].filter(Boolean);
    if (failed.length) {
      throw new ExplainedError(
        `--mode online, but from a container on this machine ${failed.join("; and ")}.\n` +
          "Fix: check this machine's network and proxy settings (a TLS-inspecting proxy's CA must be in SSL_CERT_FILE or the system bundle), or run with --mode auto or --mode hermetic.",
      );
    }
  }
  return {
    pythonPackages: pip === true ? { kind: indexKind, reason: `${requested}: pip in a container reached ${indexName}` } : { kind: "local-index", reason: `auto: pip in a container cannot reach ${indexName} (${pip})` },
    goModules: go === true ? { kind: "proxy", reason: `${requested}: the Go module proxy (GOPROXY) answered from a container` } : { kind: "none", reason: `${requested}: ${go}` },
  };
}

async function probePip(machine: MachineConfig, image: string): Promise<true | string> {
  const index = machine.pipIndexUrl ? ["--env", `PIP_INDEX_URL=${machine.pipIndexUrl}`] : [];
  return attemptInContainer(
    ["run", "--rm", ...caBundleRunArgs(machine.caBundle), ...index, "--env", "PIP_DISABLE_PIP_VERSION_CHECK=1", "--env", "PIP_DEFAULT_TIMEOUT=20", "--env", "PIP_RETRIES=1",
      image, "python", "-m", "pip", "download", "--no-deps", "--quiet", "--dest", "/tmp/probe", "pip"],
    90_000,
  );
}

async function probeGoProxy(machine: MachineConfig, image: string): Promise<true | string> {
  if (!machine.goProxy) return "no Go module proxy is configured on this machine (GOPROXY, go env)";
  const script = [
    "import os, ssl, sys, urllib.request",
    "context = ssl.create_default_context(cafile=os.environ.get('SSL_CERT_FILE'))",
    "with urllib.request.urlopen(sys.argv[1], timeout=20, context=context) as answer: answer.read()",
  ].join("\n");
  return attemptInContainer(["run", "--rm", ...caBundleRunArgs(machine.caBundle), image, "python", "-c", script, `${machine.goProxy}/${goProbeModule}/@v/list`], 90_000);
}

/** docker run's own exit status when it could not run the container (the engine's failure, not the command's). */
const dockerRunFailed = 125;

/**
 * As attempt, for a `docker run` whose command is the probe: when the engine itself cannot start the
 * container (exit 125: a network it cannot attach, an image it cannot find), that says nothing about
 * the index or the proxy, and auto mode must not read it as "unreachable" and quietly build from the
 * local index. So it is an error; runc's occasional start failure gets a second try first.
 */
async function attemptInContainer(args: string[], timeoutMs: number): Promise<true | string> {
  try {
    await onceMoreIfRuncFailedToStart(() => runDocker(args, { signal: AbortSignal.timeout(timeoutMs) }));
    return true;
  } catch (error) {
    if (!(error instanceof DockerCommandError) || error.exitCode !== dockerRunFailed) return explainAttempt(error, timeoutMs);
    const stderr = error.output.stderr.trim();
    const cause = stderr.split("\n").find((line) => line.includes("Error response from daemon") || line.startsWith("docker:")) ?? stderr.split("\n")[0];
    throw new ExplainedError(
      `The Docker engine could not start the container that probes this machine's network (${withoutHostNames(`${args.slice(0, 2).join(" ")} ... ${args.at(-1)}`)}): ${withoutHostNames(cause ?? `exit ${dockerRunFailed}`)}\n` +
        "Fix: mend the engine (a container must start: try docker run --rm IMAGE true; a default bridge that lost its docker0 interface comes back when dockerd restarts), then run again.",
    );
  }
}

/** true, or the last line of why the docker command failed, with host names left out (reports are kept). */
async function attempt(args: string[], timeoutMs: number): Promise<true | string> {
  try {
    await runDocker(args, { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch (error) {
    return explainAttempt(error, timeoutMs);
  }
}

function explainAttempt(error: unknown, timeoutMs: number): string {
  if (error instanceof DockerCommandError) {
    return withoutHostNames(error.output.stderr.trim().split("\n").pop() ?? `exit ${error.exitCode}`).slice(0, 200);
  }
  if (error instanceof Error && error.name === "AbortError") return `no answer within ${timeoutMs / 1000} s`;
  throw error;
}

/**
 * `text` with URLs and host names replaced by what they are: a probe's error names the registry or
 * index it could not reach, and reports (some committed as evidence) must name none.
 */
export function withoutHostNames(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"')]+/gi, "<url>")
    .replace(/\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}\b/gi, "<host>");
}
