import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildImage } from "../docker/build-image.ts";
import { inspectImage } from "../docker/inspect-image.ts";
import { runDocker } from "../docker/run-docker.ts";
import { triggerStageName } from "../eject/derive-ejected-dockerfile.ts";
import { declaredArgs } from "../manifest/dockerfile-args.ts";
import { pushOncePerRun } from "../registry/push-once-per-run.ts";
import { ensureRegistryImage } from "../registry/start-local-registry.ts";
import { answersProbe, describeProbeAnswer, describeProbeMiss } from "../stack/app-probe.ts";
import { type RunningStack, startStackLike } from "../stack/start-stack.ts";
import { httpGet } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/** The child Dockerfile the check writes into the staged app, beside the template's files. */
const childDockerfile = "docker/onbuild-child.Dockerfile";

type OnbuildChildNeeds = Pick<
  CheckContext,
  "cellId" | "run" | "image" | "stageDir" | "buildArgs" | "secretFiles" | "baseImageSource" | "dependencyStyle" | "variantId" | "expectedUser" | "stack" | "probe" | "log"
>;

/**
 * The cell's Dockerfile declares ONBUILD triggers; this proves the base works as users take it:
 * its trigger stage is pushed to a real registry (CNCF distribution, on 127.0.0.1; once a run for
 * each base image, which the cells of one Python share), the local tag is removed, a two-line child
 * Dockerfile (FROM the registry reference, ENV) is built, which pulls it and runs its triggers, and
 * the child answers the app's probe through Caddy, with PostgreSQL.
 *
 * The child builds from the staged app, which holds only the cell's dependency style's files (and,
 * for pipenv, a Pipfile.lock made against this run's index), so the triggers must find that style
 * themselves; the check reads the child's build log to see that they did.
 */
export const onbuildChild: Check<OnbuildChildNeeds> = async (context) => {
  const found = await findOnbuildDockerfile(context.stageDir);
  if (!found) return fail("no Dockerfile under docker/ in the staged app declares ONBUILD triggers in a named stage");
  const cellStack = await context.stack();
  const standins = context.baseImageSource === "stand-ins";
  const args = declaredBuildArgs(context.buildArgs, declaredArgs(found.text));
  const childArgs = declaredBuildArgs(context.buildArgs, triggerArgs(found.text));
  // Tagged by variant (py3.13), as a user tags the base by Python: the style and the kind of app are the child's, not the base's.
  const variant = context.variantId;
  const baseTag = `${context.image}-onbuild-base`;
  const childTag = `${context.image}-onbuild-child`;

  context.log(`building the base (--target ${found.stage})`);
  await buildImage({ context: context.stageDir, dockerfile: join(context.stageDir, found.path), target: found.stage, tag: baseTag, buildArgs: args, secretFiles: context.secretFiles });
  const base = await inspectImage(baseTag);
  if (!base.labels || !Object.keys(base.labels).some((key) => key.startsWith("org.dockerize-python.onbuild."))) {
    return fail(`the base stage "${found.stage}" has no org.dockerize-python.onbuild.* labels describing its trigger contract`);
  }

  let childStack: RunningStack | undefined;
  try {
    // The cells of one Python share the base (the dependency style is the child's): it is pushed once a run.
    context.log(`pushing the base to a local registry (once a run for image ${base.id.slice(7, 19)})`);
    const { ref, digest: pushed } = await pushOncePerRun({
      run: context.run,
      imageId: base.id,
      tag: baseTag,
      repository: `dockerize-python/onbuild:${variant}`,
      registryName: `onbuild-${variant}-${base.id.slice(7, 19)}-registry`,
      registryImage: await ensureRegistryImage(standins, context.log),
    });
    // Neither name stays local, so the child's FROM can only be satisfied by pulling.
    await runDocker(["rmi", baseTag]);

    await writeFile(join(context.stageDir, childDockerfile), `FROM ${ref}\nENV WSGI_APP=wsgi:app\n`);
    context.log(`building a two-line child FROM ${ref}${context.dependencyStyle ? ` (${context.dependencyStyle} style)` : ""}`);
    const child = await buildImage({
      context: context.stageDir,
      dockerfile: join(context.stageDir, childDockerfile),
      tag: childTag,
      buildArgs: childArgs,
      secretFiles: context.secretFiles,
      // The triggers must really run: a child of the same base and dependency files built before
      // (an earlier run) would otherwise come from the cache, proving nothing about this base.
      noCache: true,
    });
    if (context.dependencyStyle && !child.log.includes(`found the ${context.dependencyStyle} style`)) {
      const said = child.log.match(/install-dependencies: [^\n]*/)?.[0] ?? "nothing from install-dependencies";
      return fail(`the child's triggers did not install the ${context.dependencyStyle} style its staged app has (its build log says: ${said})`);
    }
    const pulled = child.log.match(new RegExp(`FROM ${escapeRegExp(ref)}@(sha256:[0-9a-f]{64})`))?.[1];
    if (!pulled) return fail(`the child build did not resolve ${ref} through the registry (no "FROM ${ref}@sha256:..." in its log)`);
    if (pulled !== pushed) return fail(`the child pulled ${ref}@${pulled}, but the push reported ${pushed}`);
    const facts = await inspectImage(childTag);
    if (facts.user !== `${context.expectedUser.uid}:${context.expectedUser.gid}`) {
      return fail(`the child image's user is "${facts.user}"; the base's ONBUILD USER should have made it ${context.expectedUser.uid}:${context.expectedUser.gid}`);
    }

    childStack = await startStackLike(cellStack, { name: `${context.cellId}-child`, appImage: childTag });
    const page = await httpGet(`${childStack.proxyUrl}${context.probe.path}`);
    if (!answersProbe(context.probe, page)) return fail(`the child runs, but through Caddy ${describeProbeMiss(context.probe, page)}`);
    return pass(
      `${context.dependencyStyle ? `${context.dependencyStyle} style: ` : ""}the base (${mb(base.sizeBytes)}), pushed once a run; pulled ${ref}@${pulled} from ${standins ? "the registry:2 stand-in (Debian's distribution 2.8)" : "registry:2"}; ` +
        `a two-line child built in ${child.seconds.toFixed(1)} s runs as ${facts.user}; through Caddy ${describeProbeAnswer(context.probe, page)}`,
    );
  } finally {
    await childStack?.stop();
    // Only the names this check made; a name already removed above is no error.
    for (const name of [childTag, baseTag]) await runDocker(["rmi", name]).catch(() => {});
  }
};

/** The first Dockerfile under the staged app's docker/ whose named stage declares ONBUILD triggers. */
async function findOnbuildDockerfile(stageDir: string): Promise<{ path: string; stage: string; text: string } | undefined> {
  const files = (await readdir(join(stageDir, "docker"), { recursive: true }))
    .filter((path) => /(^|\/)Dockerfile$/.test(path))
    .sort();
  for (const file of files) {
    const text = await readFile(join(stageDir, "docker", file), "utf8");
    const stage = triggerStageName(text);
    if (stage) return { path: `docker/${file}`, stage, text };
  }
  return undefined;
}

/** The cell's build args (as this run resolved them) that `declared` names and that have a value. */
function declaredBuildArgs(buildArgs: Record<string, string>, declared: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(buildArgs).filter(([name, value]) => declared.has(name) && value !== ""));
}

/** The build args the base's triggers declare (ONBUILD ARG): what a child may pass. */
function triggerArgs(dockerfile: string): Set<string> {
  const names = [...dockerfile.matchAll(/^\s*ONBUILD\s+ARG\s+([A-Za-z_][A-Za-z0-9_]*)/gim)].map((match) => match[1]!);
  return new Set(names);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
