import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { DockerCommandError, ExplainedError, inspectImage, parseSteps, runDocker } from "@dockerize-python/harness";
import { layerSizes } from "./layer-bytes.ts";
import type { StagedSubject } from "./subjects.ts";

/** The app's file a code-only change touches (a comment appended), and the dependency one change adds. */
export const appChanges = {
  codeFile: "sample_app/__init__.py",
  /**
   * Small, pure Python, in the local package index of every Debian suite (bookworm and trixie) and on
   * PyPI, and not already a dependency of the app or of either server.
   */
  addedDependency: "platformdirs",
} as const;

export interface BuildFigures {
  coldBuildSeconds: number;
  codeRebuildSeconds: number;
  depRebuildSeconds: number;
  imageBytes: number;
  layers: number;
  /** What a code-only change adds to a pull: the layers whose digests differ, gzip-compressed as a registry serves them. */
  codeChangePullBytes: number;
  /** The same layers, uncompressed. */
  codeChangeLayerBytes: number;
  codeChangeLayers: number;
  /** The RUN steps the code-only rebuild ran again (none when the dependency layers were cached). */
  codeRebuildReruns: string[];
}

export interface BuildTags {
  cold: string;
  code: string;
  dependency: string;
}

/**
 * Builds the staged subject three times: cold (--no-cache), after a code-only change, after one
 * dependency is added. Each change carries `marker` (unique to the run), so no earlier run's cache
 * can answer it. The cold image is the one the runtime measurements use.
 */
export async function measureBuilds(staged: StagedSubject, tags: BuildTags, marker: string, logFile: (what: string) => string): Promise<BuildFigures> {
  const cold = await staged.build(tags.cold, { noCache: true, logFile: logFile("cold") });
  const coldFacts = await inspectImage(tags.cold);

  await appendFile(join(staged.dir, appChanges.codeFile), `\n# benchmark: a code-only change (${marker})\n`);
  const code = await staged.build(tags.code, { noCache: false, logFile: logFile("code") });
  const codeFacts = await inspectImage(tags.code);
  const before = new Set(coldFacts.layers);
  const changed = codeFacts.layers.filter((layer) => !before.has(layer));
  const sizes = changed.length ? await layerSizes(tags.code, codeFacts.layers, new Set(changed)) : new Map();
  const sizeList = [...sizes.values()];

  await appendFile(join(staged.dir, "requirements.txt"), `\n${appChanges.addedDependency}  # benchmark: one dependency added (${marker})\n`);
  const dependency = await staged.build(tags.dependency, { noCache: false, logFile: logFile("dependency") });
  await assertImports(tags.dependency, appChanges.addedDependency);

  return {
    coldBuildSeconds: cold.seconds,
    codeRebuildSeconds: code.seconds,
    depRebuildSeconds: dependency.seconds,
    imageBytes: coldFacts.sizeBytes,
    layers: coldFacts.layers.length,
    codeChangePullBytes: sizeList.reduce((sum, size) => sum + size.gzipBytes, 0),
    codeChangeLayerBytes: sizeList.reduce((sum, size) => sum + size.bytes, 0),
    codeChangeLayers: changed.length,
    codeRebuildReruns: parseSteps(code.log)
      .filter((step) => step.instruction.startsWith("RUN") && !step.cached)
      .map((step) => `${step.stage ? `[${step.stage}] ` : ""}${step.instruction.slice(0, 90)}`),
  };
}

/** The dependency rebuild really installed the added package: the image's Python imports it. */
async function assertImports(image: string, module: string): Promise<void> {
  try {
    await runDocker(["run", "--rm", "--entrypoint", "python", image, "-c", `import ${module}`]);
  } catch (error) {
    if (!(error instanceof DockerCommandError)) throw error;
    throw new ExplainedError(
      `After ${module} was added to requirements.txt and ${image} rebuilt, its Python cannot import it:\n${error.output.stderr.trim().split("\n").slice(-5).join("\n")}\n` +
        "Fix: read that subject's build log (reports/bench/logs/); its Dockerfile must install requirements.txt again when it changes.",
    );
  }
}
