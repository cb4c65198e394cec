import { fileURLToPath } from "node:url";
import { imageExists } from "../docker/inspect-image.ts";
import { type Platform, platformTagSuffix } from "../docker/platform.ts";
import { type OutputStream, runProcess } from "../process/run-process.ts";
import { hashRecipe } from "./recipe-hash.ts";

/** Where the shell and Dockerfile recipes of hermetic mode live, inside this package. */
export const hermeticRecipeDir = fileURLToPath(new URL("../../hermetic/", import.meta.url));

const rootfsRecipe = `${hermeticRecipeDir}debian`;

/**
 * The Debian suites hermetic mode builds on: the one list the stand-in catalogue and packages.json
 * are checked against. A suite is data (build-rootfs.sh treats them all alike); adding one here is
 * enough for its rootfs, and hermetic/standins.json then names what is built on it.
 */
export const debianSuites = ["bookworm", "trixie", "forky"] as const;
export type DebianSuite = (typeof debianSuites)[number];

export interface EnsuredImage {
  image: string;
  /** True when an image built by an earlier run was found and used as it is. */
  reused: boolean;
}

/**
 * A minimal Debian image for `suite`, made with debootstrap (nothing can be pulled here), tagged by
 * a hash of its recipe and the mirror so that later runs reuse it. For a `platform` named (another
 * architecture's, debootstrapped under emulation) the tag says which: `trixie-arm64-<hash>`.
 */
export async function ensureDebianRootfs(suite: DebianSuite, log: (line: string) => void = () => {}, platform?: Platform): Promise<EnsuredImage> {
  const mirror = await debianMirror();
  const image = `dockerize-python-standin-debian:${suite}${platformTagSuffix(platform)}-${await hashRecipe([rootfsRecipe], [suite, mirror, ...(platform ? [platform] : [])])}`;
  if (await imageExists(image)) return { image, reused: true };
  log(`building ${image} with debootstrap (${platform ? `${platform} under emulation: minutes` : "about 30 s"})`);
  await runScript(`${rootfsRecipe}/build-rootfs.sh`, [suite, image, ...(platform ? [platform] : [])], log);
  return { image, reused: false };
}

/** The Debian mirror the machine's apt uses (or DEBIAN_MIRROR), from the one script that knows how. */
export async function debianMirror(): Promise<string> {
  return (await runScript(`${hermeticRecipeDir}debian-mirror.sh`, [], () => {})).trim();
}

/**
 * Runs a recipe script and resolves with its stdout (the result); its stderr (progress, and an
 * `error: ...; fix: ...` line on failure) goes to `log` as it comes. Failing, a ProcessFailedError
 * ends with its last lines.
 */
async function runScript(script: string, args: string[], log: (line: string) => void): Promise<string> {
  const onLine = (line: string, stream: OutputStream) => {
    if (stream === "stderr" && line) log(line);
  };
  return (await runProcess("bash", [script, ...args], { onLine })).stdout;
}
