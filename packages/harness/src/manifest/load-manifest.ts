import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { checkTemplateFiles } from "./check-template-files.ts";
import { ManifestError, type ManifestProblem } from "./manifest-error.ts";
import { isPackageVersion, packageVersionProblem } from "./package-version.ts";
import { schemaProblems } from "./schema-problems.ts";
import { type TemplateManifest, templateManifestSchema } from "./schema.ts";
import { templatePackageName } from "./template-package-name.ts";

/** A template read from disk and validated: its manifest, its version and where its files are. */
export interface LoadedTemplate {
  name: string;
  /** The version of the template's npm package (`@dockerize-python/template-<name>`). */
  version: string;
  /** The template's directory, holding template.json, package.json and files/. */
  dir: string;
  /** What `dockerize-python new` copies into an app, laid out as in the app. */
  filesDir: string;
  manifest: TemplateManifest;
}

/**
 * Reads `<dir>/template.json` and `<dir>/package.json` and checks them against the schema and the
 * template's files. Throws a ManifestError listing every problem found, never only the first.
 */
export async function loadTemplate(templateDir: string): Promise<LoadedTemplate> {
  const dir = resolve(templateDir);
  const manifestFile = join(dir, "template.json");
  const packageFile = join(dir, "package.json");
  const filesDir = join(dir, "files");

  const problems: ManifestProblem[] = [];
  const rawManifest = await readJsonFile(manifestFile, problems);
  const rawPackage = await readJsonFile(packageFile, problems);

  let manifest: TemplateManifest | undefined;
  if (rawManifest !== undefined) {
    const parsed = templateManifestSchema.safeParse(rawManifest, { reportInput: true });
    if (parsed.success) manifest = parsed.data;
    else problems.push(...schemaProblems(manifestFile, parsed.error.issues));
  }
  if (manifest && manifest.name !== basename(dir)) {
    problems.push({ file: manifestFile, path: "name", message: `"${manifest.name}" differs from the template's directory name "${basename(dir)}"; make them the same` });
  }
  const version = rawPackage === undefined ? undefined : packageVersion(packageFile, rawPackage, basename(dir), problems);
  if (manifest) problems.push(...(await checkTemplateFiles(manifestFile, filesDir, manifest)));

  if (problems.length > 0 || !manifest || version === undefined) throw new ManifestError(problems);
  return { name: manifest.name, version, dir, filesDir, manifest };
}

/** The template package's version; records a problem when the package is not the template's. */
function packageVersion(file: string, raw: unknown, dirName: string, problems: ManifestProblem[]): string | undefined {
  const { name, version } = (typeof raw === "object" && raw !== null ? raw : {}) as { name?: unknown; version?: unknown };
  const expectedName = templatePackageName(dirName);
  if (name !== expectedName) {
    problems.push({ file, path: "name", message: `expected "${expectedName}", got ${JSON.stringify(name)}` });
  }
  if (typeof version === "string" && isPackageVersion(version)) return version;
  problems.push({ file, path: "version", message: packageVersionProblem(version)! });
  return undefined;
}

/** Parses a JSON file; records a problem (missing, unreadable JSON) and returns undefined instead of throwing. */
async function readJsonFile(file: string, problems: ManifestProblem[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    problems.push({ file, path: "", message: "the file does not exist" });
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    problems.push({ file, path: "", message: `not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
}
