import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { sampleAppRoutesNeeded } from "../checks/registry.ts";
import type { CheckName } from "../manifest/schema.ts";
import { sampleAppGreeting } from "../matrix/run-matrix.ts";

/** Folders that hold no app code. */
const notAppCode = new Set([".git", ".venv", "venv", "node_modules", "__pycache__", ".dockerize-python"]);

/**
 * Whether the app has the sample app's routes: some Python file of it answers the sample app's
 * greeting (the sample app itself, or an app grown from it). Read from the source, not by asking a
 * running app, so that a broken app still fails those checks instead of skipping them.
 */
export async function hasSampleAppRoutes(appDir: string): Promise<boolean> {
  for (const entry of await readdir(appDir, { withFileTypes: true })) {
    const path = join(appDir, entry.name);
    if (entry.isDirectory() && !notAppCode.has(entry.name) && (await hasSampleAppRoutes(path))) return true;
    if (entry.isFile() && entry.name.endsWith(".py") && (await readFile(path, "utf8")).includes(sampleAppGreeting)) return true;
  }
  return false;
}

/** The checks to report as skip on an app without the sample app's routes, each with the route it needs. */
export function sampleRouteSkips(): Partial<Record<CheckName, string>> {
  return Object.fromEntries(
    Object.entries(sampleAppRoutesNeeded).map(([name, needs]) => [
      name,
      `skipped: this check needs ${needs}, which this app does not have (none of its Python files answers the sample app's greeting); the other checks ran on it`,
    ]),
  );
}
