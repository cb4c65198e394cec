import { runMatrix, summarizeReport } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { parseCommandArgs, repoPath, reportDirOption } from "../command-args.ts";
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
    const { values } = parseCommandArgs(
      args,
      {
        template: { type: "string", short: "t", multiple: true },
        cell: { type: "string", short: "c", multiple: true },
        mode: { type: "string", default: "auto" },
        app: { type: "string" },
        templates: { type: "string" },
        "report-dir": { type: "string" },
      },
      usage,
    );
    const options = {
      templatesDir: repoPath(values.templates, "--templates DIR", "templates", usage),
      appDir: repoPath(values.app, "--app DIR", "sample-app", usage),
      reportDir: reportDirOption(values["report-dir"]),
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

function modeOption(value: string): ModeOption {
  const mode = modes.find((known) => known === value);
  if (!mode) throw new UsageError(`--mode must be one of ${modes.join(", ")}, not "${value}".`, usage);
  return mode;
}
