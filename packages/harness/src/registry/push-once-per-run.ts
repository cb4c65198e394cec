import { runDocker } from "../docker/run-docker.ts";
import type { RunIdentity } from "../stack/run-labels.ts";
import { pushImage, startLocalRegistry } from "./start-local-registry.ts";

/** An image in a local registry of the run's: what a build FROM `ref` pulls, and the digest the push reported. */
export interface PushedImage {
  ref: string;
  digest: string;
}

/** Per run, per image id: the push that put it in a registry (or is putting it there). */
const pushes = new WeakMap<RunIdentity, Map<string, Promise<PushedImage>>>();

/**
 * Pushes the local image `tag` (whose id is `imageId`) as `<registry>/<repository>` to a registry
 * started for it, once per run and image id: the cells whose image is the same (onbuild's cells of
 * one Python, whose dependency style is their child's, not their base's) share one push, which cost
 * each of them a registry and 15-25 s. The tag pushed is removed again (and `tag` is the caller's to
 * remove), so a build FROM the reference can only be satisfied by pulling. The registry is labelled
 * with the run and removed with the run's other containers when it ends; a failed push is forgotten,
 * so that the next cell tries again and says why itself.
 */
export function pushOncePerRun(options: { run: RunIdentity; imageId: string; tag: string; repository: string; registryName: string; registryImage: string }): Promise<PushedImage> {
  const ofRun = pushes.get(options.run) ?? new Map<string, Promise<PushedImage>>();
  pushes.set(options.run, ofRun);
  const known = ofRun.get(options.imageId);
  if (known) return known;
  const pushing = pushToNewRegistry(options);
  ofRun.set(options.imageId, pushing);
  pushing.catch(() => ofRun.delete(options.imageId));
  return pushing;
}

async function pushToNewRegistry(options: { run: RunIdentity; tag: string; repository: string; registryName: string; registryImage: string }): Promise<PushedImage> {
  const registry = await startLocalRegistry({ run: options.run, name: options.registryName, image: options.registryImage });
  const ref = `${registry.host}/${options.repository}`;
  try {
    const digest = await pushImage(options.tag, ref);
    return { ref, digest };
  } catch (error) {
    await registry.stop();
    throw error;
  } finally {
    await runDocker(["rmi", ref]).catch(() => {});
  }
}
