import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { discoverTemplates, renderTemplatesTable, replaceTemplatesTable } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { parseCommandArgs, repoPath } from "../command-args.ts";

const usage = `Usage: dockerize-python templates-table [--templates DIR] [--write FILE]

Prints the table of templates rendered from their manifests; with --write, replaces the table
between the templates-table markers in FILE (the README) instead.

Options:
      --templates DIR  The folder of templates (default: the repository's templates)
      --write FILE     Update FILE in place`;

export const templatesTableCommand: Command = {
  name: "templates-table",
  summary: "Print (or write into the README) the table of templates, from their manifests",
  usage,
  async run(args) {
    const { values } = parseCommandArgs(args, { templates: { type: "string" }, write: { type: "string" } }, usage);
    const table = renderTemplatesTable(await discoverTemplates(repoPath(values.templates, "--templates DIR", "templates", usage)));
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
