import { access, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DependencyStyle } from "../manifest/schema.ts";
import { ExplainedError } from "../explained-error.ts";

/** The files that declare an app's dependencies in each style; the first one must exist. */
export const dependencyFiles: Record<DependencyStyle, readonly string[]> = {
  requirements: ["requirements.txt"],
  pipenv: ["Pipfile", "Pipfile.lock"],
  pyproject: ["pyproject.toml"],
};

/** The app has none of the files a dependency style needs. */
export class MissingDependencyFileError extends ExplainedError {
  constructor(style: DependencyStyle, appDir: string) {
    const file = dependencyFiles[style][0];
    super(
      `The app in ${appDir} has no ${file}, so it cannot be verified with the ${style} dependency style.\n` +
        `Fix: add ${file} to the app (${Object.entries(dependencyFiles).map(([s, files]) => `${s}: ${files.join(" + ")}`).join("; ")}).`,
    );
  }
}

/**
 * Leaves in a staged app only the dependency files of `style`, so that the template's own detection
 * (not a build arg) has to find the style, as it does in an app that uses only that one.
 */
export async function keepOnlyDependencyStyle(stageDir: string, style: DependencyStyle, appDir: string): Promise<void> {
  const [primary] = dependencyFiles[style];
  if (!(await exists(join(stageDir, primary!)))) throw new MissingDependencyFileError(style, appDir);
  for (const [other, files] of Object.entries(dependencyFiles)) {
    if (other === style) continue;
    for (const file of files) await rm(join(stageDir, file), { force: true });
  }
}

const exists = (path: string) => access(path).then(() => true, () => false);
