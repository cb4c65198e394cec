import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type LoadedTemplate, loadTemplate } from "./load-manifest.ts";
import { ManifestError, type ManifestProblem } from "./manifest-error.ts";
import { ExplainedError } from "../explained-error.ts";
import { pathExists } from "../files/path-exists.ts";

/** The templates folder is missing or holds no template. */
export class NoTemplatesError extends ExplainedError {
  readonly templatesDir: string;

  constructor(templatesDir: string, cause: string) {
    super(
      `No templates found in ${templatesDir}: ${cause}.\n` +
        "Fix: point at the folder whose subfolders each hold a template.json (the repository's templates/), " +
        "e.g. dockerize-python matrix --templates DIR.",
    );
    this.templatesDir = templatesDir;
  }
}

/** A template was asked for by a name no template has. */
export class UnknownTemplateError extends ExplainedError {
  readonly unknown: readonly string[];
  readonly known: readonly string[];

  constructor(unknown: readonly string[], known: readonly string[]) {
    const lines = unknown.map((name) => {
      const nearest = closestName(name, known);
      return `Unknown template "${name}".${nearest ? ` Did you mean "${nearest}"?` : ""}`;
    });
    super(`${lines.join("\n")}\nKnown templates: ${known.join(", ")}.\nFix: name one of the known templates.`);
    this.unknown = unknown;
    this.known = known;
  }
}

/**
 * Loads every template under `templatesDir` (each subfolder with a template.json), sorted by name.
 * Every broken template is reported at once, in one ManifestError.
 */
export async function discoverTemplates(templatesDir: string): Promise<LoadedTemplate[]> {
  const root = resolve(templatesDir);
  const dirs = await templateDirs(root);
  if (dirs.length === 0) throw new NoTemplatesError(root, "no subfolder has a template.json");

  const templates: LoadedTemplate[] = [];
  const problems: ManifestProblem[] = [];
  for (const result of await Promise.allSettled(dirs.map((dir) => loadTemplate(dir)))) {
    if (result.status === "fulfilled") templates.push(result.value);
    else if (result.reason instanceof ManifestError) problems.push(...result.reason.problems);
    else throw result.reason;
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return templates.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The templates named, in the order of `all`; every name must be known. */
export function selectTemplates(all: readonly LoadedTemplate[], names: readonly string[]): LoadedTemplate[] {
  const known = all.map((template) => template.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UnknownTemplateError(unknown, known);
  return all.filter((template) => names.includes(template.name));
}

/** The subfolders of `root` that hold a template.json. */
export async function templateDirs(root: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new NoTemplatesError(root, "the folder does not exist");
    throw error;
  }
  const dirs: string[] = [];
  for (const entry of entries) {
    // No template.json: not a template (a folder such as node_modules, or one being written).
    if (entry.isDirectory() && (await pathExists(join(root, entry.name, "template.json")))) dirs.push(join(root, entry.name));
  }
  return dirs;
}

/** The known name nearest to `name` by edit distance, if it is near enough to be a likely typo. */
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  const nearEnough = Math.max(2, Math.floor(name.length / 3));
  return best && best.distance <= nearEnough ? best.name : undefined;
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions turning a into b. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
