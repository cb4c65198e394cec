import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { ciWorkflowRegenerate, ciWorkflowPath, discoverTemplates, ExplainedError, renderCiWorkflow, workspacePnpmVersion } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { parseCommandArgs, repoPath } from "../command-args.ts";
import { findRepoRoot } from "../find-repo-root.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python ci-workflow [--templates DIR] [--output FILE] [--check]

Writes the GitHub Actions workflow that runs the online matrix (--mode online) in parallel shard
jobs (matrix --shard I/N), one per about four cells, and merges their reports (merge-reports),
generated from the manifests: run it again, and commit the file, when a manifest changes.

Options:
      --templates DIR  The folder of templates (default: the repository's templates)
      --output FILE    Where the workflow goes (default: the repository's ${ciWorkflowPath})
      --check          Write nothing; exit 1 when FILE differs from what the manifests give

Exit status: 0 written, or (--check) up to date; 1 (--check) out of date or missing; 2 the command
line is wrong.`;

export const ciWorkflowCommand: Command = {
  name: "ci-workflow",
  summary: `Write (or --check) ${ciWorkflowPath}: the matrix in parallel CI shard jobs`,
  usage,
  async run(args) {
    const { values } = parseCommandArgs(args, { templates: { type: "string" }, output: { type: "string" }, check: { type: "boolean", default: false } }, usage);
    const templatesDir = repoPath(values.templates, "--templates DIR", "templates", usage);
    const root = findRepoRoot();
    if (!root) throw new UsageError("ci-workflow writes the workflow of the dockerize-python repository (its package.json gives the pnpm version), and this dockerize-python is not running from one.", usage);
    const file = values.output === undefined ? join(root, ciWorkflowPath) : resolve(values.output);
    const workflow = renderCiWorkflow(await discoverTemplates(templatesDir), { pnpmVersion: await workspacePnpmVersion(root) });
    if (values.check) {
      const committed = await readFile(file, "utf8").catch(() => undefined);
      if (committed !== workflow) {
        throw new ExplainedError(
          `${file} ${committed === undefined ? "does not exist" : "differs from what the manifests give (a template.json or the pnpm version changed, or the file was edited by hand)"}.\n` +
            `Fix: run \`${ciWorkflowRegenerate}\` and commit ${ciWorkflowPath}.`,
        );
      }
      process.stdout.write(`${file} is up to date with the manifests.\n`);
      return 0;
    }
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, workflow);
    process.stdout.write(`Wrote ${file}\n`);
    return 0;
  },
};
