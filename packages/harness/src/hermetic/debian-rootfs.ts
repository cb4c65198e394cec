import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { imageExists } from "../docker/inspect-image.ts";
import { hashRecipe } from "./recipe-hash.ts";

/** Where the shell and Dockerfile recipes of hermetic mode live, inside this package. */
export const hermeticRecipeDir = fileURLToPath(new URL("../../hermetic/", import.meta.url));

const rootfsRecipe = `${hermeticRecipeDir}debian`;

export type DebianSuite = "bookworm" | "trixie";

export interface EnsuredImage {
  image: string;
  /** True when an image built by an earlier run was found and used as it is. */
  reused: boolean;
}

/**
 * A minimal Debian image for `suite`, made with debootstrap (nothing can be pulled here), tagged by
 * a hash of its recipe and the mirror so that later runs reuse it.
 */
export async function ensureDebianRootfs(suite: DebianSuite, log: (line: string) => void = () => {}): Promise<EnsuredImage> {
  const mirror = await debianMirror();
  const image = `dockerize-python-standin-debian:${suite}-${await hashRecipe([rootfsRecipe], [suite, mirror])}`;
  if (await imageExists(image)) return { image, reused: true };
  log(`building ${image} with debootstrap (about 30 s)`);
  await runScript(`${rootfsRecipe}/build-rootfs.sh`, [suite, image], log);
  return { image, reused: false };
}

/** The Debian mirror the machine's apt uses (or DEBIAN_MIRROR), from the one script that knows how. */
export async function debianMirror(): Promise<string> {
  return (await runScript(`${hermeticRecipeDir}debian-mirror.sh`, [], () => {})).trim();
}

function runScript(script: string, args: string[], log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    const stderr: string[] = [];
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        stderr.push(line);
        log(line);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${script} ${args.join(" ")} failed (exit ${code}):\n${stderr.slice(-15).join("\n")}`));
    });
  });
}
