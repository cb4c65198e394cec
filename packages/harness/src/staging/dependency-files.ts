import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pathExists } from "../files/path-exists.ts";
import type { DependencyStyle } from "../manifest/schema.ts";
import { ExplainedError } from "../explained-error.ts";

/** The files that declare an app's dependencies in each style; the first one must exist. */
export const dependencyFiles: Record<DependencyStyle, readonly string[]> = {
  requirements: ["requirements.txt"],
  pipenv: ["Pipfile", "Pipfile.lock"],
  pyproject: ["pyproject.toml"],
};

/** What each style's file is, for a person choosing one. */
const acceptedFiles =
  "requirements.txt (pip's list), Pipfile (pipenv; the harness locks it into Pipfile.lock) or pyproject.toml (a PEP 621 [project] with its dependencies)";

/** The folder given as the app is not there. */
export class AppDirNotFoundError extends ExplainedError {
  constructor(appDir: string, what: string) {
    super(`The app folder ${appDir} ${what}.\nFix: give the folder that holds your app's code and its dependency file (--app KIND=DIR to matrix, --app DIR to verify).`);
  }
}

/** The app declares its dependencies in none of the files a template reads: nothing can be built. */
export class NoDependencyFileError extends ExplainedError {
  readonly appDir: string;

  constructor(appDir: string) {
    super(
      `The app in ${appDir} has no dependency file: none of requirements.txt, Pipfile or pyproject.toml is there, ` +
        "so no template can install its dependencies. Nothing was built.\n" +
        `Fix: add one of ${acceptedFiles} to ${appDir}, or give the app's root folder if they are elsewhere.`,
    );
    this.appDir = appDir;
  }
}

/** The app lacks the file of a dependency style some cells are verified with. */
export class MissingDependencyFileError extends ExplainedError {
  /** The styles the app lacks, with the cells that need each (empty when called for one staged copy). */
  readonly missing: ReadonlyArray<{ style: DependencyStyle; cells: readonly string[] }>;

  constructor(appDir: string, missing: ReadonlyArray<{ style: DependencyStyle; cells: readonly string[] }>, present: readonly DependencyStyle[] = []) {
    const cellList = (cells: readonly string[]) => (cells.length ? ` (cells ${cells.join(", ")})` : "");
    const [only] = missing;
    const what =
      missing.length === 1 && only
        ? `has no ${dependencyFiles[only.style][0]}, so the ${only.style} dependency style cannot be verified${cellList(only.cells)}.`
        : `lacks the dependency files of styles this run verifies:\n${missing
            .map(({ style, cells }) => `  - no ${dependencyFiles[style][0]}: the ${style} style${cellList(cells)}`)
            .join("\n")}`;
    const narrow = present.length ? `run only the cells of a style it has (e.g. --cell '*-${present[0]}'), or ` : "";
    super(
      `The app in ${appDir} ${what}\n` +
        `Fix: ${narrow}add ${missing.map(({ style }) => dependencyFiles[style][0]).join(" and ")} to the app (the accepted files: ${acceptedFiles}).`,
    );
    this.missing = missing;
  }
}

/**
 * Before anything is built: the app folder exists and has the dependency file of every style the
 * cells (cell id, style) are verified with. An app with no dependency file at all gets its own error.
 */
export async function assertAppDependencyFiles(appDir: string, cells: ReadonlyArray<{ id: string; dependencyStyle: DependencyStyle | null }>): Promise<void> {
  const info = await stat(appDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new AppDirNotFoundError(appDir, "does not exist");
    throw error;
  });
  if (!info.isDirectory()) throw new AppDirNotFoundError(appDir, "is not a folder");
  const needed = Map.groupBy(cells.filter((cell) => cell.dependencyStyle !== null), (cell) => cell.dependencyStyle!);
  if (needed.size === 0) return;

  const present: DependencyStyle[] = [];
  for (const style of Object.keys(dependencyFiles) as DependencyStyle[]) {
    if (await pathExists(join(appDir, dependencyFiles[style][0]!))) present.push(style);
  }
  if (present.length === 0) throw new NoDependencyFileError(appDir);
  const missing = [...needed]
    .filter(([style]) => !present.includes(style))
    .map(([style, own]) => ({ style, cells: own.map((cell) => cell.id) }));
  if (missing.length) throw new MissingDependencyFileError(appDir, missing, present);
}

/**
 * Leaves in a staged app only the dependency files of `style`, so that the template's own detection
 * (not a build arg) has to find the style, as it does in an app that uses only that one.
 */
export async function keepOnlyDependencyStyle(stageDir: string, style: DependencyStyle, appDir: string): Promise<void> {
  const [primary] = dependencyFiles[style];
  if (!(await pathExists(join(stageDir, primary!)))) throw new MissingDependencyFileError(appDir, [{ style, cells: [] }]);
  for (const [other, files] of Object.entries(dependencyFiles)) {
    if (other === style) continue;
    for (const file of files) await rm(join(stageDir, file), { force: true });
  }
}
