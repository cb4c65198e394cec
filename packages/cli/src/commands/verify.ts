import { join, resolve } from "node:path";
import { leftoverRemovalCommands, newRunIdentity, summarizeReport, verifyApp } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { checkOptions, modeOption, parseCommandArgs } from "../command-args.ts";
import { interruptedExitCode, interruptOnCtrlC } from "../interrupt-on-ctrl-c.ts";
import { renderProgress } from "../progress.ts";
import { templateSourceOption } from "../template-source-option.ts";

const usage = `Usage: dockerize-python verify [options]

Runs the checks of the template copied into an app (as recorded in its .dockerize-python.json by
dockerize-python new) on the app itself, with PostgreSQL and Caddy, as the matrix runs them: one
cell per variant (Python version) in the app's dependency style, built from the app's own copies
of the template's files, edited or not. Writes matrix.json and matrix.md. On an app without the
sample app's routes, the checks that request them are reported as skip, with the reason.

Options:
      --app DIR         The app (default: the current directory)
      --variant ID      Only this variant of the template (e.g. py3.13; repeatable; default: all)
      --check NAME      Only this check (repeatable; default: every check the template's manifest
                        lists); the report names the selection
      --mode MODE       auto (default): each source found on its own: base images from a
                        registry else stand-ins built here, Python packages from PyPI (or
                        this machine's pip index) else a local index, Go modules from the Go
                        module proxy else none; hermetic: every source local; online: none local
      --report-dir DIR  Where the reports go (default: <app>/.dockerize-python/reports)
      --registry URL    Fetch the recorded template versions from this npm registry instead of
                        the recorded one
      --from PATH       Take the templates from this checkout instead of the recorded source

Ctrl-C stops after the current step, removes what the run started and writes the report.

Exit status: 0 every cell passed (a check skipped with its reason is no failure); 1 a cell failed
or the run could not start; 2 the command line is wrong; 130 interrupted.`;

export const verifyCommand: Command = {
  name: "verify",
  summary: "Run the copied template's checks on an app (after new); write its matrix report",
  usage,
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        app: { type: "string" },
        variant: { type: "string", multiple: true },
        check: { type: "string", multiple: true },
        mode: { type: "string", default: "auto" },
        "report-dir": { type: "string" },
        registry: { type: "string" },
        from: { type: "string" },
      },
      usage,
    );
    const appDir = resolve(values.app ?? ".");
    const run = newRunIdentity();
    const interrupt = interruptOnCtrlC(() => leftoverRemovalCommands(run));
    try {
      const result = await verifyApp(
        {
          appDir,
          reportDir: resolve(values["report-dir"] ?? join(appDir, ".dockerize-python", "reports")),
          mode: modeOption(values.mode, usage),
          variants: values.variant ?? [],
          checks: checkOptions(values.check, usage),
          source: templateSourceOption(values, usage),
          run,
          signal: interrupt.signal,
        },
        renderProgress(),
      );
      process.stdout.write(`${summarizeReport(result.report)}\nReports: ${result.markdownFile}\n         ${result.jsonFile}\n`);
      if (!result.report.complete) return interruptedExitCode;
      return result.report.cells.some((cell) => cell.status === "fail") ? 1 : 0;
    } finally {
      interrupt.dispose();
    }
  },
};
