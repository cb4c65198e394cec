import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ExplainedError } from "../explained-error.ts";

/** The pnpm version the workspace at `root` declares in its package.json (devEngines.packageManager). */
export async function workspacePnpmVersion(root: string): Promise<string> {
  const file = join(root, "package.json");
  const manifest = JSON.parse(await readFile(file, "utf8")) as { devEngines?: { packageManager?: { name?: string; version?: string } } };
  const declared = manifest.devEngines?.packageManager;
  if (declared?.name !== "pnpm" || !declared.version) {
    throw new ExplainedError(`${file} declares no pnpm version (devEngines.packageManager), which the CI workflow installs.\nFix: add "devEngines": { "packageManager": { "name": "pnpm", "version": "<version>" } }.`);
  }
  return declared.version;
}
