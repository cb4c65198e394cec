import { createHash } from "node:crypto";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { harnessCacheDir } from "../hermetic/package-index.ts";

/**
 * This machine's record of image layers proven free of a build's secrets: each line names a
 * Dockerfile (the sha256 of its text) and one layer (its diffID, the sha256 of the layer's
 * uncompressed tar) of an image built from it with a random marker in every secret and ssh mount,
 * whose mounting steps all ran (none from the cache), and in which no-secrets-in-image then found
 * the marker nowhere (layers, config, history, build cache records, build log).
 *
 * Why layers and not BuildKit's step digests: a step's digest (its cache key) does not cover a
 * secret's content, so whichever build ran the step last, with whatever secret, fills the cache
 * under that digest (a user's `--no-cache` build, or any build after a prune). A layer's diffID is
 * its content: an image whose layers all appear here has, byte for byte, the content a marked
 * build produced and was searched, whoever's build put them in the cache.
 */
export function secretFreeLayersFile(): string {
  return join(harnessCacheDir(), "secret-free-layers");
}

/** The name a Dockerfile is recorded under: the sha256 of its text. */
export function dockerfileDigest(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;

/** The layers recorded for the Dockerfile `dockerfile` (a dockerfileDigest); none when the file is missing. */
export async function readSecretFreeLayers(file: string, dockerfile: string): Promise<Set<string>> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  const layers = new Set<string>();
  for (const line of text.split("\n")) {
    const [recordedFor, layer, ...rest] = line.split(" ");
    // A torn or foreign line proves nothing: skipped (its layers then count as unproven).
    if (recordedFor === dockerfile && layer && digestPattern.test(layer) && !rest.length) layers.add(layer);
  }
  return layers;
}

/**
 * Adds (those not yet recorded of) `layers` of an image proven free of the secrets of a build from the Dockerfile `dockerfile`.
 * One append of whole lines, so runs side by side (other cells, other engineers' runs) do not tear
 * each other's lines.
 */
export async function recordSecretFreeLayers(file: string, dockerfile: string, layers: readonly string[]): Promise<void> {
  if (!digestPattern.test(dockerfile)) throw new Error(`not a Dockerfile digest: ${dockerfile}`);
  const known = await readSecretFreeLayers(file, dockerfile);
  const lines = [...new Set(layers)].filter((layer) => digestPattern.test(layer) && !known.has(layer)).map((layer) => `${dockerfile} ${layer}\n`);
  if (!lines.length) return;
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, lines.join(""));
}
