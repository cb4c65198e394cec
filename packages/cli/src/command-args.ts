import { resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { findRepoRoot } from "./find-repo-root.ts";
import { UsageError } from "./usage-error.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a command's arguments strictly; a wrong one is a UsageError carrying the command's usage.
 * `--help` never reaches here: main.ts answers it for every command.
 */
export function parseCommandArgs<const T extends Options>(args: string[], options: T, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS_")) {
      throw new UsageError(error.message, usage);
    }
    throw error;
  }
}

/** A folder given with `flag`, or its default inside the repository the CLI runs from. */
export function repoPath(value: string | undefined, flag: string, inRepo: string, usage: string): string {
  if (value !== undefined) return resolve(value);
  const repoRoot = findRepoRoot();
  if (repoRoot) return resolve(repoRoot, inRepo);
  throw new UsageError(
    `${flag} is required: this dockerize-python is not running from its repository (no pnpm-workspace.yaml above it), so there is no default ${inRepo} folder.`,
    usage,
  );
}

/** Where reports go: the given folder, else the repository's reports/, else ./reports. */
export function reportDirOption(value: string | undefined): string {
  const repoRoot = findRepoRoot();
  return resolve(value ?? (repoRoot ? `${repoRoot}/reports` : "reports"));
}
