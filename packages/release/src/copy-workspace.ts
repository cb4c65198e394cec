import { copyFile, mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ExplainedError, ProcessFailedError, runProcess } from "@dockerize-python/harness";

/** The rehearsal needs the repository's file list from git. */
export class NotAGitCheckoutError extends ExplainedError {
  constructor(dir: string, detail: string) {
    super(`${dir} is not a git checkout of dockerize-python (${detail.trim().split("\n")[0]}).\nFix: run the release rehearsal from a clone of the repository (--repo DIR names one).`);
  }
}

/**
 * Copies the workspace as git sees it (tracked files and new ones not ignored, as they are in the
 * working tree: uncommitted edits included) into `to`: no .git, node_modules, build output or
 * reports. The rehearsal versions and publishes the copy, never the checkout itself.
 */
export async function copyWorkspace(repoRoot: string, to: string): Promise<number> {
  let listing: string;
  try {
    ({ stdout: listing } = await runProcess("git", ["-C", repoRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]));
  } catch (error) {
    if (!(error instanceof ProcessFailedError)) throw error;
    throw new NotAGitCheckoutError(repoRoot, error.output.stderr || error.message);
  }
  let copied = 0;
  for (const file of listing.split("\0").filter(Boolean)) {
    const from = join(repoRoot, file);
    // Listed by git but deleted in the working tree: the copy matches the working tree.
    const mode = await stat(from).then((s) => (s.isFile() ? s.mode : undefined), () => undefined);
    if (mode === undefined) continue;
    await mkdir(dirname(join(to, file)), { recursive: true });
    await copyFile(from, join(to, file));
    copied += 1;
  }
  return copied;
}
