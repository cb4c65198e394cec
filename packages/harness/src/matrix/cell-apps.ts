import { join } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { isDirectory } from "../files/is-directory.ts";
import { type AppKind, appKinds } from "../manifest/schema.ts";
import { assertAppDependencyFiles } from "../staging/dependency-files.ts";
import type { Cell } from "./cell.ts";

/** The app each kind of cell builds, by app kind (a run may give only some kinds). */
export type AppDirs = Partial<Record<AppKind, string>>;

/** The repository's sample app of each kind: sample-apps/<folder>/. */
const sampleAppFolders: Record<AppKind, string> = { wsgi: "flask", asgi: "fastapi", django: "django" };

/** The repository's sample apps, by kind: those of sample-apps/ that exist. */
export async function sampleAppDirs(repoRoot: string): Promise<AppDirs> {
  const found: AppDirs = {};
  for (const kind of appKinds) {
    const dir = join(repoRoot, "sample-apps", sampleAppFolders[kind]);
    if (await isDirectory(dir)) found[kind] = dir;
  }
  return found;
}

/** One app for every cell, whatever kind it serves: verify's (the user's own app) or a test's. */
export function oneAppForEveryKind(appDir: string): AppDirs {
  return Object.fromEntries(appKinds.map((kind) => [kind, appDir]));
}

/** Cells of a kind the run was given no app for. */
export class NoAppForKindError extends ExplainedError {
  constructor(missing: ReadonlyArray<{ kind: AppKind | "any"; cells: readonly string[] }>) {
    super(
      `No app was given for ${missing.map(({ kind, cells }) => `${kind === "any" ? "a proxy to front" : `the ${kind} app kind`} (cells ${cells.join(", ")})`).join(" and ")}. Nothing was built.\n` +
        `Fix: give one with --app KIND=DIR (${appKinds.join(", ")}), or leave those cells out (--template, --cell).`,
    );
  }
}

/**
 * The app a cell builds: its kind's, or for a proxy (no kind) the first kind's the run has, so
 * there is an app behind the proxy. Undefined when the run has none for it.
 */
export function cellAppDir(cell: Pick<Cell, "appKind">, appDirs: AppDirs): string | undefined {
  if (cell.appKind) return appDirs[cell.appKind];
  return appKinds.map((kind) => appDirs[kind]).find((dir) => dir !== undefined);
}

/**
 * Before anything is built: every cell has an app, each app folder exists and has the dependency
 * files of the styles its cells are verified with.
 */
export async function assertCellApps(cells: readonly Cell[], appDirs: AppDirs): Promise<void> {
  const orphans = Map.groupBy(cells.filter((cell) => cellAppDir(cell, appDirs) === undefined), (cell) => cell.appKind ?? "any");
  if (orphans.size) throw new NoAppForKindError([...orphans].map(([kind, own]) => ({ kind, cells: own.map((cell) => cell.id) })));
  for (const [appDir, own] of Map.groupBy(cells, (cell) => cellAppDir(cell, appDirs)!)) await assertAppDependencyFiles(appDir, own);
}
