import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type BuildEnvironment,
  buildImage,
  type BuiltImage,
  type Cell,
  ExplainedError,
  keepOnlyDependencyStyle,
  resolvedBuildArgs,
  runDocker,
  stageApp,
  triggerStageName,
  trustSecrets,
} from "@dockerize-python/harness";

/** Every image of the benchmark installs from requirements.txt: the one style every peer reads. */
export const dependencyStyle = "requirements";

export const subjectIds = ["naive", "ordered", "docker-init", "slim-uwsgi", "slim-gunicorn", "onbuild", "slim-asgi-uvicorn", "slim-asgi-granian"] as const;
export type SubjectId = (typeof subjectIds)[number];

/**
 * The sample app a subject builds (a folder of sample-apps/): the WSGI subjects and every peer build
 * the Flask app, the ASGI ones the FastAPI app, which keeps the same contract (GET / reads through
 * PostgreSQL; the same static files). Ratios and targets compare only subjects of the same app.
 */
export type BenchApp = "flask" | "fastapi";

/** One way of building the sample app: a peer's Dockerfile, or one of our templates. */
export interface Subject {
  id: SubjectId;
  kind: "peer" | "ours";
  app: BenchApp;
  /** What its cell needs beyond stand-ins and the local index (Granian: PyPI's own files); a peer needs nothing. */
  cell?: Cell;
  /** Its Dockerfile, from the repository's root. */
  dockerfile: string;
  /** What it is, in a few words. */
  description: string;
  /** The server it runs and how many workers and threads (the same worker count for every subject). */
  server: string;
  /** Lays the app out as this subject's users have it, and says how to build it from there. */
  stage(context: StageContext): Promise<StagedSubject>;
}

export interface StageContext {
  appDir: string;
  environment: BuildEnvironment;
  /** An image name of this benchmark run (the dp-bench- prefix and the run's id). */
  imageName(what: string): string;
  /** Where the build log of `what` goes. */
  logFile(what: string): string;
}

export interface StagedSubject {
  /** The staged app; the benchmark changes its code and requirements.txt there, never in sample-apps/. */
  dir: string;
  build(tag: string, options: { noCache: boolean; logFile: string }): Promise<BuiltImage>;
  /** Seconds the onbuild base took to build while staging (built once per Python, pushed, pulled by every app). */
  baseBuildSeconds?: number;
  /** Removes the staged copy and any image staging built. */
  remove(): Promise<void>;
}

/** The same count for every server, so throughput compares Dockerfiles, not worker counts. */
export const workers = { processes: 2, threads: 4 } as const;

/** The Python image (official name) and the templates' cells the benchmark builds, for one Python. */
export interface BenchCells {
  pythonImage: string;
  slimUwsgi: Cell;
  slimGunicorn: Cell;
  onbuild: Cell;
  /** slim-asgi's two servers (its variants' ASGI_SERVER build arg). */
  slimAsgiUvicorn: Cell;
  slimAsgiGranian: Cell;
}

export function benchSubjects(repoDir: string, cells: BenchCells): Subject[] {
  const gunicorn = `Gunicorn, ${workers.processes} workers × ${workers.threads} threads`;
  const uwsgi = `uWSGI, ${workers.processes} workers × ${workers.threads} threads`;
  // FastAPI runs a sync route (the sample's GET /) in each worker's thread pool (AnyIO's, 40 threads).
  const asgi = (server: string) => `${server}, ${workers.processes} workers (the template's WEB_CONCURRENCY); sync routes in each worker's thread pool`;
  const peer = (id: SubjectId, description: string): Subject => ({
    id,
    kind: "peer",
    app: "flask",
    dockerfile: `bench/peers/${id}/Dockerfile`,
    description,
    server: gunicorn,
    stage: (context) => stagePeer(join(repoDir, "bench", "peers", id), cells.pythonImage, context),
  });
  const template = (id: SubjectId, cell: Cell, description: string, server: string, app: BenchApp = "flask"): Subject => ({
    id,
    kind: "ours",
    app,
    cell,
    dockerfile: `templates/${cell.template.name}/files/${cell.template.manifest.dockerfile}`,
    description,
    server,
    stage: (context) => (id === "onbuild" ? stageOnbuildChild(cell, context) : stageTemplate(cell, context)),
  });
  return [
    peer("naive", "the seed article's first Dockerfile: one stage, the code copied before the install"),
    peer("ordered", "the seed article's second Dockerfile: requirements first, one stage with the compiler"),
    peer("docker-init", "what `docker init` writes: one stage, pip cache and bind mounts, user 10001"),
    template("slim-uwsgi", cells.slimUwsgi, "our slim-uwsgi template: builder stage, venv, non-root, health check", uwsgi),
    template("slim-gunicorn", cells.slimGunicorn, "our slim-gunicorn template: the same with Gunicorn", gunicorn),
    template("onbuild", cells.onbuild, "a one-line child of our onbuild base (its triggers install, then purge the compiler)", uwsgi),
    template("slim-asgi-uvicorn", cells.slimAsgiUvicorn, "our slim-asgi template (ASGI_SERVER=uvicorn) on the FastAPI sample app", asgi("Uvicorn"), "fastapi"),
    template("slim-asgi-granian", cells.slimAsgiGranian, "our slim-asgi template (ASGI_SERVER=granian) on the FastAPI sample app", asgi("Granian"), "fastapi"),
  ];
}

/** The subjects `ids` names (all when empty); an unknown id is an error naming the known ones. */
export function selectSubjects(subjects: readonly Subject[], ids: readonly string[]): Subject[] {
  if (ids.length === 0) return [...subjects];
  const unknown = ids.filter((id) => !subjects.some((subject) => subject.id === id));
  if (unknown.length) {
    throw new ExplainedError(`No subject ${unknown.map((id) => `"${id}"`).join(", ")}.\nFix: choose among ${subjects.map((s) => s.id).join(", ")} (--subjects a,b).`);
  }
  return subjects.filter((subject) => ids.includes(subject.id));
}

/** A peer: the app with the peer's Dockerfile and .dockerignore at its root, as its users keep them. */
async function stagePeer(peerDir: string, pythonImage: string, context: StageContext): Promise<StagedSubject> {
  const dir = await stageApp(context.appDir, [peerDir], "bench-peer");
  await keepOnlyDependencyStyle(dir, dependencyStyle, context.appDir);
  // The same base image and package index as the templates get, through the same build arg names.
  const index = context.environment.packageIndexFor([pythonImage]);
  const buildArgs: Record<string, string> = {
    PYTHON_IMAGE: context.environment.imageFor(pythonImage),
    ...(index ? { PIP_INDEX_URL: index.url } : {}),
    ...(index?.trustedHost ? { PIP_TRUSTED_HOST: index.trustedHost } : {}),
  };
  return {
    dir,
    build: (tag, { noCache, logFile }) => buildImage({ context: dir, dockerfile: join(dir, "Dockerfile"), tag, buildArgs, noCache, logFile }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** One of our multi-stage templates, laid over the app as `dockerize-python new` lays it. */
async function stageTemplate(cell: Cell, context: StageContext): Promise<StagedSubject> {
  const dir = await stageApp(context.appDir, [cell.template.filesDir], "bench-template");
  await keepOnlyDependencyStyle(dir, dependencyStyle, context.appDir);
  const buildArgs = resolvedBuildArgs(cell, context.environment);
  const dockerfile = join(dir, cell.template.manifest.dockerfile);
  return {
    dir,
    build: (tag, { noCache, logFile }) => buildImage({ context: dir, dockerfile, tag, buildArgs, secretFiles: trustSecrets(context.environment), noCache, logFile }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * The onbuild template as its users have it: the base (its trigger stage) built once, and the app's
 * own one-line Dockerfile (the template's docker/Dockerfile) FROM it. The template's child names the
 * registry the base was pushed to; here the base stays a local image, so that FROM line names it.
 */
async function stageOnbuildChild(cell: Cell, context: StageContext): Promise<StagedSubject> {
  const dir = await stageApp(context.appDir, [cell.template.filesDir], "bench-onbuild");
  try {
    await keepOnlyDependencyStyle(dir, dependencyStyle, context.appDir);
    const baseDockerfile = join(dir, cell.template.manifest.dockerfile);
    const stage = triggerStageName(await readFile(baseDockerfile, "utf8"));
    if (!stage) throw new ExplainedError(`${cell.template.manifest.dockerfile} of the onbuild template declares no ONBUILD triggers in a named stage.\nFix: restore the template's trigger stage.`);
    const base = context.imageName(`onbuild-base`);
    const built = await buildImage({
      context: dir,
      dockerfile: baseDockerfile,
      target: stage,
      tag: base,
      buildArgs: resolvedBuildArgs(cell, context.environment),
      secretFiles: trustSecrets(context.environment),
      logFile: context.logFile("onbuild-base"),
    });
    const child = join(dir, "docker", "Dockerfile");
    const text = await readFile(child, "utf8");
    const fromLine = /^FROM\s+\S+/m;
    if (!fromLine.test(text)) throw new ExplainedError(`The onbuild template's docker/Dockerfile has no FROM line.\nFix: restore the template's child Dockerfile.`);
    await writeFile(child, text.replace(fromLine, `FROM ${base}`));
    // The triggers' ONBUILD ARGs: the same package index as every other image.
    const index = context.environment.packageIndexFor(Object.values(cell.baseImages));
    const buildArgs: Record<string, string> = { ...(index ? { PIP_INDEX_URL: index.url } : {}), ...(index?.trustedHost ? { PIP_TRUSTED_HOST: index.trustedHost } : {}) };
    return {
      dir,
      baseBuildSeconds: built.seconds,
      build: (tag, { noCache, logFile }) => buildImage({ context: dir, dockerfile: child, tag, buildArgs, secretFiles: trustSecrets(context.environment), noCache, logFile }),
      remove: async () => {
        await rm(dir, { recursive: true, force: true });
        await removeImages([base]);
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Removes images this benchmark built; one already gone is no error. */
export async function removeImages(tags: readonly string[]): Promise<void> {
  for (const tag of tags) await runDocker(["rmi", tag]).catch(() => {});
}
