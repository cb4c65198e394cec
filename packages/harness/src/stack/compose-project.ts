import { copyFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { withEngineBuildLock } from "../docker/engine-build-lock.ts";
import { listAnonymousVolumes } from "../docker/list-anonymous-volumes.ts";
import { runDocker } from "../docker/run-docker.ts";
import { pathExists } from "../files/path-exists.ts";
import { lastLines } from "../process/run-process.ts";
import { removeComposeImages, type RunIdentity, runResourceName } from "./run-labels.ts";
import { waitUntilServing } from "./wait-until-serving.ts";

export interface ComposeProjectRequest {
  run: RunIdentity;
  cellId: string;
  /** The staged app, holding the template's compose file. */
  stageDir: string;
  /** The compose file inside `stageDir`, and the environment it is run with. */
  compose: { file: string; env: Record<string, string> };
}

export interface ComposeService {
  service: string;
  state: string;
  health: string;
}

/**
 * A template's compose file brought up as a user does (`cp .env.example .env && docker compose up
 * --build`; here `build`, under the engine's build lock, then `up`), under a project name of this run, so that `down --volumes` can only ever remove this
 * project's own throwaway volumes, never a user's.
 */
export interface ComposeProject {
  name: string;
  /** The published HTTP port (HTTP_PORT) on 127.0.0.1: Caddy, in front of the app; read again after each up(). */
  url: string;
  /** How long the first `up --build` took, in seconds. */
  firstUpSeconds: number;
  /** The plain progress of the first up's `docker compose build` (BuildKit's `#N` lines). */
  firstBuildLog: string;
  /**
   * `docker compose build` and `up` again: rebuilds what changed, recreates what must be; resolves
   * with its seconds. `{ build: false }`: `up` alone, as after a `down` with nothing changed.
   */
  up(options?: { build: boolean }): Promise<number>;
  /** `docker compose down`; with `removeVolumes`, `down --volumes`. */
  down(options: { removeVolumes: boolean }): Promise<void>;
  services(): Promise<ComposeService[]>;
  /** The project's volumes that exist now (compose labels them with the project's name). */
  volumes(): Promise<string[]>;
  /** `down --volumes` (and the anonymous volumes earlier plain `down`s left), and the images compose built for the project. Safe to call twice. */
  remove(): Promise<void>;
}

/** What `docker compose ps --format json` says of one container. */
interface ComposePsEntry {
  Service: string;
  State: string;
  Health: string;
  Publishers?: Array<{ URL: string; TargetPort: number; PublishedPort: number }>;
}

/** `docker compose up` failed, or a service did not become healthy. The message has the services' logs. */
export class ComposeUpFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ComposeUpFailedError";
  }
}

/** How long `up` may take to build and start every service healthy. */
const upTimeoutSeconds = 180;

/** Brings the project up for the first time; when that fails, removes it again and throws ComposeUpFailedError. */
export async function startComposeProject(request: ComposeProjectRequest): Promise<ComposeProject> {
  const { file, env } = request.compose;
  const projectDir = dirname(join(request.stageDir, file));
  const dotEnv = join(projectDir, ".env");
  if (!(await pathExists(dotEnv)) && (await pathExists(`${dotEnv}.example`))) await copyFile(`${dotEnv}.example`, dotEnv);

  const name = runResourceName(request.run, `${request.cellId}-compose`);
  // HTTP_PORT=127.0.0.1: makes the compose file publish `127.0.0.1::8080`: on loopback only, at a
  // port the engine picks when the container starts (none can be taken between a choice and its
  // use). Read after every up (publishedUrl): a re-created container may get another.
  // No default provenance attestation for compose's builds either (see buildImage).
  const environment = { ...env, HTTP_PORT: "127.0.0.1:", BUILDX_NO_DEFAULT_ATTESTATIONS: "1" };
  const composeFile = basename(file);
  /** Commands that need the compose file (down reads its volumes from it), run as `up` runs them. */
  const compose = (args: string[]) =>
    runDocker(["compose", "--project-name", name, "--file", composeFile, ...args], { cwd: projectDir, env: { ...process.env, ...environment } });
  request.run.composeProjects.add(name);

  /** `compose ps`: compose 2.2x prints one JSON object per line. */
  const listServices = async () =>
    (await compose(["ps", "--all", "--format", "json"])).stdout
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as ComposePsEntry);
  /** The one port the project publishes on 127.0.0.1 (the proxy's HTTP_PORT; a user's file may publish others elsewhere), as a URL. */
  const publishedUrl = async () => {
    const published = (await listServices()).flatMap((entry) => (entry.Publishers ?? []).filter((publisher) => publisher.PublishedPort > 0).map((publisher) => ({ ...publisher, service: entry.Service })));
    const onLoopback = published.filter((publisher) => publisher.URL === "127.0.0.1");
    const [first] = onLoopback;
    if (!first || onLoopback.length > 1) {
      const found = published.map((publisher) => `${publisher.service} ${publisher.URL}:${publisher.PublishedPort}->${publisher.TargetPort}`).join(", ") || "none";
      throw new Error(`the compose file should publish one port on 127.0.0.1, the proxy's "\${HTTP_PORT}:<port>" (the harness sets HTTP_PORT=127.0.0.1:); it publishes ${found}`);
    }
    return `http://127.0.0.1:${first.PublishedPort}`;
  };
  let removed = false;
  /**
   * Anonymous volumes (a VOLUME of an image that the compose file mounts nothing at) that a plain
   * `down` left without a container: the next `up` makes new ones, and `down --volumes` removes only
   * those of the containers it removes. They are this project's throwaway data, removed with it.
   */
  const orphanedVolumes = new Set<string>();
  const anonymousVolumesOfContainers = async (): Promise<string[]> => {
    const containers = (await compose(["ps", "--all", "--quiet"])).stdout.split("\n").filter(Boolean);
    if (!containers.length) return [];
    const mounted = (await runDocker(["inspect", "--format", '{{range .Mounts}}{{if eq .Type "volume"}}{{println .Name}}{{end}}{{end}}', ...containers])).stdout.split("\n");
    const anonymous = new Set(await listAnonymousVolumes());
    return mounted.filter((volume) => volume && anonymous.has(volume));
  };
  const project: ComposeProject = {
    name,
    url: "",
    firstUpSeconds: 0,
    firstBuildLog: "",
    async up({ build } = { build: true }) {
      const started = performance.now();
      try {
        // The docker CLI, not testcontainers' compose environment: that one takes the project down
        // when up fails, and with it the logs that say why. --wait: every service running, and
        // healthy where it has a health check (the app's HEALTHCHECK; Caddy has none).
        // Built first, on its own: the engine builds one image at a time (withEngineBuildLock).
        if (build) {
          const built = await withEngineBuildLock(() => compose(["--progress", "plain", "build"]));
          project.firstBuildLog ||= built.stdout + built.stderr;
        }
        await compose(["up", "--detach", "--wait", "--wait-timeout", String(upTimeoutSeconds)]);
        project.url = await publishedUrl();
        // Running is not listening: the proxy answers (anything) before the project counts as up.
        await waitUntilServing({ url: () => project.url, accept: () => true, watch: [], what: `the compose project's proxy at ${project.url}`, timeoutMs: 30_000 });
      } catch (error) {
        const logs = await compose(["logs", "--no-color", "--tail", "15"]).then(
          (output) => output.stdout + output.stderr,
          () => "(no logs)",
        );
        const reason = error instanceof Error ? lastLines(error.message, 8) : String(error);
        throw new ComposeUpFailedError(`docker compose up did not bring the services up healthy:\n${reason}\n--- service logs ---\n${lastLines(logs, 40)}`);
      }
      return (performance.now() - started) / 1000;
    },
    async down({ removeVolumes }) {
      if (!removeVolumes) for (const volume of await anonymousVolumesOfContainers()) orphanedVolumes.add(volume);
      await compose(["down", "--timeout", "5", ...(removeVolumes ? ["--volumes"] : [])]);
    },
    async services() {
      return (await listServices()).map((entry) => ({ service: entry.Service, state: entry.State, health: entry.Health }));
    },
    async volumes() {
      const { stdout } = await runDocker(["volume", "ls", "--quiet", "--filter", `label=com.docker.compose.project=${name}`]);
      return stdout.split("\n").filter(Boolean).sort();
    },
    async remove() {
      if (removed) return;
      removed = true;
      // The project and its volumes are the harness's own throwaway data.
      await compose(["down", "--volumes", "--remove-orphans", "--timeout", "5"]).catch(() => {});
      if (orphanedVolumes.size) await runDocker(["volume", "rm", ...orphanedVolumes]).catch(() => {});
      await removeComposeImages(name);
      request.run.composeProjects.delete(name);
    },
  };
  try {
    project.firstUpSeconds = await project.up();
  } catch (error) {
    await project.remove();
    throw error;
  }
  return project;
}

/**
 * The project of one cell, started on first use and shared by every check that uses it (compose-up,
 * data-survives-restart, static-refresh): one build and one start instead of one per check.
 */
export function composeProjectOnFirstUse(request: ComposeProjectRequest): { get(): Promise<ComposeProject>; remove(): Promise<void> } {
  let started: Promise<ComposeProject> | undefined;
  return {
    get: () => (started ??= startComposeProject(request)),
    async remove() {
      if (started) await (await started.catch(() => undefined))?.remove();
    },
  };
}
