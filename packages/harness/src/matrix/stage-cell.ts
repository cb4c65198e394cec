import { rm } from "node:fs/promises";
import { BuildFailedError } from "../docker/build-image.ts";
import { DockerCommandError } from "../docker/run-docker.ts";
import type { BuildEnvironment } from "../sources/build-environment.ts";
import { keepOnlyDependencyStyle } from "../staging/dependency-files.ts";
import { lockPipfile } from "../staging/lock-pipfile.ts";
import { stageApp } from "../staging/stage-app.ts";
import type { Cell } from "./cell.ts";
import { CellEndedEarly, type CellToVerify, cellLogFile, type VerifyCellOptions } from "./cell-to-verify.ts";

/**
 * The app copied to a temp dir with the template's files (and its companions') laid over it, as
 * `dockerize-python new` would, keeping only the cell's dependency style's files (so the template
 * has to detect the style). The caller removes the dir; a failure here removes it first.
 */
export async function stageCell(cell: CellToVerify, appDir: string): Promise<string> {
  const stageDir = await stageApp(appDir, [cell.template.filesDir, ...cell.companions.map((c) => c.filesDir)], cell.id);
  try {
    if (cell.dependencyStyle) await keepOnlyDependencyStyle(stageDir, cell.dependencyStyle, appDir);
    return stageDir;
  } catch (error) {
    await rm(stageDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * For the pipenv style: Pipfile.lock made in the staged copy against this run's package index (a
 * lock made against another index names other files' hashes). One that cannot be made ends the
 * cell before its build (CellEndedEarly).
 */
export async function lockStagedPipfile(cell: Cell, stageDir: string, options: VerifyCellOptions): Promise<void> {
  const { environment } = options;
  options.step("locking the Pipfile against this run's package index");
  try {
    const logFile = cellLogFile(options.logDir, cell, "pipenv-lock");
    await lockPipfile(stageDir, pythonImageOf(cell, environment), environment.packageIndexFor(Object.values(cell.baseImages)), environment.caBundle, options.run, logFile);
  } catch (error) {
    if (!(error instanceof DockerCommandError || error instanceof BuildFailedError)) throw error;
    throw new CellEndedEarly(`pipenv lock failed before the build: ${error.message}`, "the Pipfile could not be locked");
  }
}

/** The cell's Python image (the one Pipfile.lock is made in): its python:* base image, resolved. */
function pythonImageOf(cell: Cell, environment: BuildEnvironment): string {
  const official = Object.values(cell.baseImages).find((ref) => ref.startsWith("python:"));
  if (!official) throw new Error(`${cell.id} uses the pipenv style but builds on no python:* image to lock its Pipfile in`);
  return environment.imageFor(official, cell.platform);
}
