import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathExists } from "../files/path-exists.ts";
import { dependencyStyles, type DependencyStyle } from "../manifest/schema.ts";
import { dependencyFiles } from "../staging/dependency-files.ts";

/** The dependency declarations found in an app's root, as the templates' installer looks for them. */
export interface DetectedDependencyStyles {
  /**
   * The styles whose files are all there, in the templates' order of preference: requirements.txt;
   * Pipfile + Pipfile.lock; pyproject.toml with a [project] table (one that only configures tools
   * declares nothing) and no lock beside it; uv.lock + pyproject.toml; poetry.lock +
   * pyproject.toml; pylock.toml.
   */
  complete: DependencyStyle[];
  /** A Pipfile without its Pipfile.lock: the pipenv style once `pipenv lock` has run. */
  unlockedPipfile: boolean;
  /**
   * A pyproject.toml with a [project] table beside a lock (uv.lock, poetry.lock, pylock.toml): the
   * lock's project, so auto detection installs the lock; the pyproject style only when asked for.
   */
  pyprojectBesideLock: boolean;
}

/** The locks whose presence makes a pyproject.toml their project rather than a style of its own. */
const locksOfPyproject = [dependencyFiles.uv[0]!, dependencyFiles.poetry[0]!, dependencyFiles.pylock[0]!];

/** Finds how the app in `appDir` declares its dependencies (as install-dependencies.sh's auto does). */
export async function detectDependencyStyles(appDir: string): Promise<DetectedDependencyStyles> {
  const has = (file: string) => pathExists(join(appDir, file));
  const projectTable = (await has("pyproject.toml")) && hasProjectTable(await readFile(join(appDir, "pyproject.toml"), "utf8"));
  const lockPresent = (await Promise.all(locksOfPyproject.map(has))).some(Boolean);
  const complete: DependencyStyle[] = [];
  let unlockedPipfile = false;
  for (const style of dependencyStyles) {
    if (style === "pyproject") {
      if (projectTable && !lockPresent) complete.push(style);
      continue;
    }
    const present = await Promise.all(dependencyFiles[style].map(has));
    if (present.every(Boolean)) complete.push(style);
    else if (style === "pipenv" && present[0]) unlockedPipfile = true;
  }
  return { complete, unlockedPipfile, pyprojectBesideLock: projectTable && lockPresent };
}

/** A PEP 621 `[project]` table, as install-dependencies.sh recognizes it. */
export function hasProjectTable(pyprojectToml: string): boolean {
  return /^[ \t]*\[project\][ \t]*(#.*)?$/m.test(pyprojectToml);
}
