import { join, resolve } from "node:path";
import { leftoverRemovalCommands, newRunIdentity, summarizeReport, verifyApp } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { checkOptions, jobsOption, modeOption, parseCommandArgs, probeOption } from "../command-args.ts";
import { interruptedExitCode, interruptOnCtrlC } from "../interrupt-on-ctrl-c.ts";
import { renderProgress } from "../progress.ts";
import { templateSourceOption } from "../template-source-option.ts";

const usage = `Usage: dockerize-python verify [options]

Runs the checks of the template copied into an app (as recorded in its .dockerize-python.json by
dockerize-python new) on the app itself, with PostgreSQL and Caddy, as the matrix runs them: one
cell per variant (Python version) in the app's dependency style, built from the app's own copies
of the template's files, edited or not. The app runs with its .env (else .env.example), with the
checks' own PostgreSQL. Writes matrix.json and matrix.md.

The checks know the app serves by its probe, the first of: --probe (and --expect); on an app with
the sample app's routes, its greeting at GET /; the path of HEALTHCHECK_URL in the app's .env
(else .env.example); GET /. Without --expect, any answer below 500 counts (the server is up and
the app loaded). The two checks that need the sample app's own routes (password-special-chars,
data-survives-restart) are reported as skip on another app, with the route they need.

Options:
      --app DIR         The app (default: the current directory)
      --variant ID      Only this variant of the template (e.g. py3.13; repeatable; default: all)
      --check NAME      Only this check (repeatable; default: every check the template's manifest
                        lists); the report names the selection. One the manifest does not list
                        is an error; a cell whose checks were all skipped is a skip, not a pass
      --mode MODE       auto (default): each source found on its own: base images from a
                        registry else stand-ins built here, Python packages from PyPI (or
                        this machine's pip index) else a local index, Go modules from the Go
                        module proxy else none; hermetic: every source local; online: none local
      --probe PATH      Ask this path (starting with /) to know the app serves
      --expect TEXT     With --probe: the answer must be 200 and contain TEXT
      --jobs N          How many variants, and checks within one, run side by side (default 1;
                        1: each in turn); builds take turns on the engine (one build at a time), and
                        a check with a time bound (sigterm-graceful...) always runs alone
      --report-dir DIR  Where the reports go (default: <app>/.dockerize-python/reports)
      --registry URL    Fetch the recorded template versions from this npm registry instead of
                        the recorded one
      --from PATH       Take the templates from this checkout instead of the recorded source

Ctrl-C stops after the current step, removes what the run started and writes the report.

Exit status: 0 no cell failed (a check or a cell skipped with its reason is no failure); 1 a cell
failed or the run could not start; 2 the command line is wrong; 130 interrupted.`;

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
        probe: { type: "string" },
        expect: { type: "string" },
        "report-dir": { type: "string" },
        registry: { type: "string" },
        from: { type: "string" },
        jobs: { type: "string" },
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
          probe: probeOption(values.probe, values.expect, usage),
          source: templateSourceOption(values, usage),
          jobs: jobsOption(values.jobs, usage),
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
