import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { ExplainedError } from "../explained-error.ts";
import type { BuildEnvironment } from "./build-environment.ts";
import type { ModeChoice } from "./choose-mode.ts";
import type { DebianSuite } from "./debian-rootfs.ts";
import { ensurePackageIndex, type PackageIndex, servePackageIndexes } from "./package-index.ts";
import { ensureStandin, standinFor } from "./standins.ts";

/**
 * Makes every image in `images` available locally and, in hermetic mode, the package indexes the
 * Python ones need. Online, images are pulled as they are; hermetic, each is replaced by its
 * stand-in (built, or reused when its recipe is unchanged).
 */
export async function prepareBuildEnvironment(choice: ModeChoice, images: readonly string[], log: (line: string) => void): Promise<BuildEnvironment> {
  return choice.mode === "online" ? prepareOnline(choice, images, log) : prepareHermetic(choice, images, log);
}

async function prepareOnline(choice: ModeChoice, images: readonly string[], log: (line: string) => void): Promise<BuildEnvironment> {
  for (const image of images) {
    log(`pulling ${image}`);
    try {
      await runDocker(["pull", "--quiet", image]);
    } catch (error) {
      if (!(error instanceof DockerCommandError)) throw error;
      throw new ExplainedError(`Online mode could not pull ${image}: ${error.output.stderr.trim().split("\n").pop()}\nFix: check this machine's access to the registry, or run with --mode hermetic.`);
    }
  }
  return {
    mode: "online",
    modeReason: choice.reason,
    imageFor: (official) => official,
    packageIndexFor: () => undefined,
    summary: null,
    close: async () => {},
  };
}

async function prepareHermetic(choice: ModeChoice, images: readonly string[], log: (line: string) => void): Promise<BuildEnvironment> {
  const standins = new Map<string, { official: string; image: string; reused: boolean }>();
  for (const official of images) {
    const ensured = await ensureStandin(official, log);
    log(`${official} -> ${ensured.image} (${ensured.reused ? "reused" : "built"})`);
    standins.set(official, { official, image: ensured.image, reused: ensured.reused });
  }
  const suites = [...new Set(images.map((image) => standinFor(image)).filter((spec) => spec?.recipe === "python").map((spec) => spec!.suite))];
  const indexes: PackageIndex[] = [];
  for (const suite of suites) {
    const index = await ensurePackageIndex(suite, log);
    log(`package index for ${suite}: ${index.packages} files (${index.reused ? "reused" : "built"}) in ${index.dir}`);
    indexes.push(index);
  }
  const server = indexes.length ? await servePackageIndexes(indexes) : undefined;
  const pythonSuite = (refs: readonly string[]): DebianSuite | undefined =>
    refs.map((ref) => standinFor(ref)).find((spec) => spec?.recipe === "python")?.suite;
  return {
    mode: "hermetic",
    modeReason: choice.reason,
    imageFor(official) {
      const standin = standins.get(official);
      if (!standin) throw new Error(`hermetic mode prepared no stand-in for ${official}; it was not among the images this run declared`);
      return standin.image;
    },
    packageIndexFor(baseImages) {
      const suite = pythonSuite(baseImages);
      return suite && server ? { url: server.urlFor(suite), trustedHost: server.trustedHost } : undefined;
    },
    summary: {
      standins: [...standins.values()],
      packageIndexes: indexes.map((index) => ({ suite: index.suite, reused: index.reused, packages: index.packages })),
    },
    close: async () => server?.close(),
  };
}
