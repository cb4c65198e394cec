import { randomBytes } from "node:crypto";
import { runDocker } from "../docker/run-docker.ts";

/** Every container, network and compose project the harness starts carries this label. */
export const runLabelKey = "dockerize-python.run";

/** A run's identity: its label, and a short id that keeps names of concurrent runs apart. */
export interface RunIdentity {
  id: string;
  labels: Record<string, string>;
  /** Compose projects started in this run: compose labels its own containers, not with ours. */
  composeProjects: Set<string>;
}

export function newRunIdentity(): RunIdentity {
  const id = randomBytes(4).toString("hex");
  return { id, labels: { [runLabelKey]: id }, composeProjects: new Set() };
}

/** The run's labels as `docker` options: `--label key=value` for each. */
export function runLabelArgs(run: RunIdentity): string[] {
  return Object.entries(run.labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]);
}

/** Creates a user network `name` labelled with the run (so that cleanup by label finds it). */
export async function createRunNetwork(run: RunIdentity, name: string): Promise<void> {
  await runDocker(["network", "create", ...runLabelArgs(run), name]);
}

/** A name for a container, network or compose project of this run: `dp-<run>-<what>`. */
export function runResourceName(run: RunIdentity, what: string): string {
  // Compose project names allow only lower-case letters, digits, "-" and "_"; so do we, everywhere.
  return `dp-${run.id}-${what}`.toLowerCase().replace(/[^a-z0-9_-]+/g, "-");
}

/**
 * Removes what a run left behind: its containers (with their anonymous volumes) and networks.
 * Named volumes are not touched: they may hold data someone wants, and compose projects remove
 * their own test volumes on `down`. Ryuk cannot run here, so this is the harness's own reaper.
 */
export async function removeRunResources(run: RunIdentity): Promise<{ removed: number; problems: string[] }> {
  const problems: string[] = [];
  let removed = 0;
  const attempt = async (what: string, args: string[]) => {
    try {
      await runDocker(args);
      removed += 1;
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message.split("\n").slice(0, 3).join(" ") : String(error)}`);
    }
  };
  for (const project of run.composeProjects) {
    // Their volumes are this run's throwaway test data, created by the run itself.
    await attempt(`compose project ${project}`, ["compose", "--project-name", project, "down", "--volumes", "--remove-orphans", "--timeout", "5"]);
    await removeComposeImages(project).catch((error: unknown) => problems.push(`images of ${project}: ${String(error)}`));
  }
  run.composeProjects.clear();
  const filter = `label=${runLabelKey}=${run.id}`;
  const listed = async (args: string[]) => (await runDocker(args)).stdout.split("\n").filter(Boolean);
  for (const container of await listed(["ps", "-aq", "--filter", filter])) await attempt(`container ${container}`, ["rm", "-fv", container]);
  for (const network of await listed(["network", "ls", "-q", "--filter", filter])) await attempt(`network ${network}`, ["network", "rm", network]);
  return { removed, problems };
}

/**
 * Shell commands that remove by hand what a run may have left when it could not clean up (a second
 * Ctrl-C, a failed removal): its compose projects, then every container and network with its label.
 * First, the engine the run used (the DOCKER_HOST assertDockerEngine set): a shell whose docker CLI
 * points elsewhere would find nothing to remove.
 */
export function leftoverRemovalCommands(run: RunIdentity, env: NodeJS.ProcessEnv = process.env): string[] {
  const filter = `label=${runLabelKey}=${run.id}`;
  return [
    ...(env.DOCKER_HOST ? [`export DOCKER_HOST='${env.DOCKER_HOST.replaceAll("'", "'\\''")}'`] : []),
    ...[...run.composeProjects].flatMap((project) => [
      `docker compose --project-name ${project} down --volumes --remove-orphans`,
      `docker images --quiet --filter 'reference=${project}-*' | xargs -r docker rmi --force`,
    ]),
    `docker ps --all --quiet --filter ${filter} | xargs -r docker rm --force --volumes`,
    `docker network ls --quiet --filter ${filter} | xargs -r docker network rm`,
  ];
}

/** The images `docker compose up --build` built for a project of this run (named `<project>-<service>`). */
export async function removeComposeImages(project: string): Promise<void> {
  const images = (await runDocker(["images", "--quiet", "--filter", `reference=${project}-*`])).stdout.split("\n").filter(Boolean);
  if (images.length) await runDocker(["rmi", "--force", ...new Set(images)]);
}
