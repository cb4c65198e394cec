#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { ExplainedError } from "@dockerize-python/harness";
import type { Command } from "./command.ts";
import { ciWorkflowCommand } from "./commands/ci-workflow.ts";
import { diffCommand } from "./commands/diff.ts";
import { ejectCommand } from "./commands/eject.ts";
import { matrixCommand } from "./commands/matrix.ts";
import { mergeReportsCommand } from "./commands/merge-reports.ts";
import { newCommand } from "./commands/new.ts";
import { publishImageCommand } from "./commands/publish-image.ts";
import { sbomCommand } from "./commands/sbom.ts";
import { templatesTableCommand } from "./commands/templates-table.ts";
import { updateCommand } from "./commands/update.ts";
import { verifyCommand } from "./commands/verify.ts";
import { UsageError } from "./usage-error.ts";

const commands: readonly Command[] = [matrixCommand, newCommand, verifyCommand, diffCommand, mergeReportsCommand, ejectCommand, templatesTableCommand, ciWorkflowCommand, publishImageCommand, sbomCommand, updateCommand];

const usage = `Usage: dockerize-python <command> [options]

Commands:
${commands.map((command) => `  ${command.name.padEnd(17)}${command.summary}`).join("\n")}

Options:
  -h, --help     Show this help (dockerize-python <command> --help for a command's options)
  -v, --version  Print the version`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === "-h" || first === "--help" || first === "help") {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    if (first === "-v" || first === "--version") {
      process.stdout.write(`${cliVersion()}\n`);
      return 0;
    }
    if (first === undefined) throw new UsageError("no command given.", usage);
    if (first.startsWith("-")) throw new UsageError(`unknown option "${first}".`, usage);
    const command = commands.find((candidate) => candidate.name === first);
    if (!command) throw new UsageError(`unknown command "${first}". Commands: ${commands.map((c) => c.name).join(", ")}.`, usage);
    // Every command answers --help the same way, before its own arguments are parsed.
    if (rest.includes("-h") || rest.includes("--help")) {
      process.stdout.write(`${command.usage}\n\nOptions common to every command:\n  -h, --help  Show this help\n`);
      return 0;
    }
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`dockerize-python: ${error.message}\n\n${error.usage}\n`);
      return 2;
    }
    // Its message already says what went wrong and how to fix it: no stack.
    if (error instanceof ExplainedError) {
      process.stderr.write(`dockerize-python: ${(error as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`dockerize-python: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

process.exitCode = await main(process.argv.slice(2));
