import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { discoverTemplates, renderTemplatesTable, replaceTemplatesTable } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { findRepoRoot } from "../find-repo-root.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python templates-table [--templates DIR] [--write FILE]

Prints the table of templates rendered from their manifests; with --write, replaces the table
between the templates-table markers in FILE (the README) instead.

Options:
      --templates DIR  The folder of templates (default: the repository's templates)
      --write FILE     Update FILE in place
  -h, --help           Show this help`;

export const templatesTableCommand: Command = {
  name: "templates-table",
  summary: "Print (or write into the README) the table of templates, from their manifests",
  usage,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({ args, options: { templates: { type: "string" }, write: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }));
    } catch (error) {
      throw new UsageError((error as Error).message, usage);
    }
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    const repoRoot = findRepoRoot();
    if (!values.templates && !repoRoot) throw new UsageError("--templates DIR is required outside the repository.", usage);
    const table = renderTemplatesTable(await discoverTemplates(resolve(values.templates ?? `${repoRoot}/templates`)));
    if (!values.write) {
      process.stdout.write(`${table}\n`);
      return 0;
    }
    const file = resolve(values.write);
    await writeFile(file, replaceTemplatesTable(await readFile(file, "utf8"), table));
    process.stdout.write(`Updated the templates table in ${file}\n`);
    return 0;
  },
};
