import { cp, mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

/**
 * What an app directory never contributes to a build: VCS data, local environments, caches, and
 * `dockerize-python verify`'s own reports (.dockerize-python/), which change with every run.
 */
const notCopied = new Set([".git", ".venv", "venv", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache", ".dockerize-python"]);

/**
 * Lays an app and the `files/` of one or more templates into a fresh temp directory, exactly as a
 * user has them after `dockerize-python new`: the templates' files over the app's. The harness builds
 * from this copy, so a check may change it (a code-only edit, say) without touching the user's app.
 */
export async function stageApp(appDir: string, templateFilesDirs: readonly string[], label: string): Promise<string> {
  const stageDir = await mkdtemp(join(tmpdir(), `dockerize-python-${label.replace(/[^a-z0-9.-]+/gi, "-")}-`));
  await copyInto(appDir, stageDir);
  for (const filesDir of templateFilesDirs) await copyInto(filesDir, stageDir);
  return stageDir;
}

async function copyInto(source: string, target: string): Promise<void> {
  for (const entry of await readdir(source)) {
    if (notCopied.has(entry)) continue;
    await cp(join(source, entry), join(target, entry), {
      recursive: true,
      filter: (path) => !notCopied.has(basename(path)) && !path.endsWith(".pyc"),
    });
  }
}
