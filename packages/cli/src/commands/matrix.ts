import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runMatrix, summarizeReport } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { findRepoRoot } from "../find-repo-root.ts";
import { renderProgress } from "../progress.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python matrix [options]

Builds every template variant against the app, verifies each image (non-root user, size budget,
HTTP through Caddy, ...) and writes matrix.json and matrix.md to the report folder.

Options:
  -t, --template NAME   Only this template's variants (repeat for several; default: all)
  -c, --cell PATTERN    Only the cells whose id matches (e.g. 'slim-uwsgi/py3.13-*'; repeatable)
      --mode MODE       auto (default): online when registries answer, hermetic otherwise;
                        hermetic: local stand-in images and package index; online: as published
      --app DIR         The app to verify the templates with (default: the repository's sample-app)
      --templates DIR   The folder of templates (default: the repository's templates)
      --report-dir DIR  Where the reports go (default: the repository's reports, else ./reports)
  -h, --help            Show this help

Exit status: 0 no cell failed (each passed, or was skipped with its reason); 1 a cell failed or
the run could not start;
2 the command line is wrong; 130 interrupted (the report lists the cells that finished).`;

const modes = ["auto", "hermetic", "online"] as const;
type ModeOption = (typeof modes)[number];

export const matrixCommand: Command = {
  name: "matrix",
  summary: "Build and verify every template variant; write reports/matrix.{json,md}",
  usage,
  async run(args) {
    const values = parseMatrixArgs(args);
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    const repoRoot = findRepoRoot();
    const options = {
      templatesDir: pathOption(values.templates, "--templates", repoRoot, "templates"),
      appDir: pathOption(values.app, "--app", repoRoot, "sample-app"),
      reportDir: resolve(values["report-dir"] ?? (repoRoot ? `${repoRoot}/reports` : "reports")),
      templates: values.template ?? [],
      cells: values.cell ?? [],
      mode: modeOption(values.mode),
    };

    const interrupt = new AbortController();
    const onInterrupt = () => {
      if (interrupt.signal.aborted) process.exit(130);
      process.stderr.write("\nInterrupted: stopping after the current step and writing the report (Ctrl-C again to quit at once).\n");
      interrupt.abort();
    };
    process.on("SIGINT", onInterrupt);
    try {
      const result = await runMatrix({ ...options, signal: interrupt.signal }, renderProgress());
      process.stdout.write(`${summarizeReport(result.report)}\nReports: ${result.markdownFile}\n         ${result.jsonFile}\n`);
      if (!result.report.complete) return 130;
      // A cell skipped with its reason (hermetic mode cannot build Alpine, say) is not a failure.
      return result.report.cells.some((cell) => cell.status === "fail") ? 1 : 0;
    } finally {
      process.off("SIGINT", onInterrupt);
    }
  },
};

function parseMatrixArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        template: { type: "string", short: "t", multiple: true },
        cell: { type: "string", short: "c", multiple: true },
        mode: { type: "string", default: "auto" },
        app: { type: "string" },
        templates: { type: "string" },
        "report-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (error) {
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS_")) {
      throw new UsageError(error.message, usage);
    }
    throw error;
  }
}

function modeOption(value: string): ModeOption {
  const mode = modes.find((known) => known === value);
  if (!mode) throw new UsageError(`--mode must be one of ${modes.join(", ")}, not "${value}".`, usage);
  return mode;
}

/** A folder given on the command line, or its default inside the repository the CLI runs from. */
function pathOption(value: string | undefined, flag: string, repoRoot: string | undefined, inRepo: string): string {
  if (value !== undefined) return resolve(value);
  if (repoRoot) return resolve(repoRoot, inRepo);
  throw new UsageError(
    `${flag} DIR is required: this dockerize-python is not running from its repository (no pnpm-workspace.yaml above it), so there is no default ${inRepo} folder.`,
    usage,
  );
}
