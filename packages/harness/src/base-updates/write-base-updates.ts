import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { pathExists } from "../files/path-exists.ts";
import { loadTemplate, type LoadedTemplate } from "../manifest/load-manifest.ts";
import { runProcess } from "../process/run-process.ts";
import type { BaseImageProposal } from "./propose-base-updates.ts";

/** What `update --write` changed, and what still names an old reference (files written by hand). */
export interface WrittenBaseUpdates {
  /** The manifests rewritten, as paths under the templates folder. */
  manifests: string[];
  /** Whether templates/_shared/generate.ts ran (the generated files follow the manifests' defaults). */
  regenerated: boolean;
  /** Files under the templates folder that still name a replaced reference, by line: to be changed by hand or left on purpose. */
  leftovers: Array<{ file: string; line: number; ref: string }>;
}

/** The generator of the Python templates' files, when the templates folder is a checkout's. */
const generator = join("_shared", "generate.ts");

/**
 * Writes the proposals marked `update` into the manifests that name them (each JSON string equal to
 * the old reference becomes the proposed one, the rest of the file as it was), validates each
 * manifest again, regenerates the generated files where the folder has the generator, and lists
 * what else still names an old reference (a hand-written README or Dockerfile).
 */
export async function writeBaseUpdates(templatesDir: string, templates: readonly LoadedTemplate[], proposals: readonly BaseImageProposal[]): Promise<WrittenBaseUpdates> {
  const updates = proposals.flatMap((proposal) => (proposal.status === "update" ? [{ ref: proposal.ref, proposed: proposal.proposed, templates: new Set(proposal.uses.map((use) => use.template)) }] : []));
  const manifests: string[] = [];
  for (const template of templates) {
    const mine = updates.filter((update) => update.templates.has(template.name));
    if (!mine.length) continue;
    const file = join(template.dir, "template.json");
    let text = await readFile(file, "utf8");
    for (const update of mine) text = text.replaceAll(JSON.stringify(update.ref), JSON.stringify(update.proposed));
    await writeFile(file, text);
    await loadTemplate(template.dir);
    manifests.push(relative(templatesDir, file));
  }
  const regenerated = manifests.length > 0 && (await pathExists(join(templatesDir, generator)));
  if (regenerated) await runProcess(process.execPath, [join(templatesDir, generator)], { cwd: templatesDir, timeoutMs: 60_000 });
  return { manifests, regenerated, leftovers: updates.length ? await findLeftovers(templatesDir, updates.map((update) => update.ref)) : [] };
}

/** Lines under `dir` (node_modules left out) that name one of `refs` as a whole reference (not as the start of a longer one). */
async function findLeftovers(dir: string, refs: readonly string[]): Promise<WrittenBaseUpdates["leftovers"]> {
  const found: WrittenBaseUpdates["leftovers"] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || relative(dir, path).split("/").includes("node_modules")) continue;
    const text = await readFile(path, "utf8");
    text.split("\n").forEach((line, index) => {
      for (const ref of refs) if (namesWhole(line, ref)) found.push({ file: relative(dir, path), line: index + 1, ref });
    });
  }
  return found;
}

/** Whether `line` has `ref` with no name character just before it and no tag, digest or name character just after it. */
function namesWhole(line: string, ref: string): boolean {
  for (let at = line.indexOf(ref); at >= 0; at = line.indexOf(ref, at + 1)) {
    const before = line[at - 1] ?? " ";
    const after = line[at + ref.length] ?? " ";
    if (!/[\w.@/:-]/.test(before) && !/[\w.@-]/.test(after)) return true;
  }
  return false;
}
