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
   * declares nothing).
   */
  complete: DependencyStyle[];
  /** A Pipfile without its Pipfile.lock: the pipenv style once `pipenv lock` has run. */
  unlockedPipfile: boolean;
}

/** Finds how the app in `appDir` declares its dependencies. */
export async function detectDependencyStyles(appDir: string): Promise<DetectedDependencyStyles> {
  const complete: DependencyStyle[] = [];
  let unlockedPipfile = false;
  for (const style of dependencyStyles) {
    const present = await Promise.all(dependencyFiles[style].map((file) => pathExists(join(appDir, file))));
    if (style === "pyproject") {
      if (present[0] && hasProjectTable(await readFile(join(appDir, "pyproject.toml"), "utf8"))) complete.push(style);
    } else if (present.every(Boolean)) {
      complete.push(style);
    } else if (style === "pipenv" && present[0]) {
      unlockedPipfile = true;
    }
  }
  return { complete, unlockedPipfile };
}

/** A PEP 621 `[project]` table, as install-dependencies.sh recognizes it. */
export function hasProjectTable(pyprojectToml: string): boolean {
  return /^[ \t]*\[project\][ \t]*(#.*)?$/m.test(pyprojectToml);
}
