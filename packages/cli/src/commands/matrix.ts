import { leftoverRemovalCommands, newRunIdentity, runMatrix, summarizeReport } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { appDirsOption, checkOptions, jobsOption, modeOption, parseCommandArgs, platformOptions, portOption, repoPath, reportDirOption, shardOption } from "../command-args.ts";
import { interruptedExitCode, interruptOnCtrlC } from "../interrupt-on-ctrl-c.ts";
import { renderProgress } from "../progress.ts";

const usage = `Usage: dockerize-python matrix [options]

Builds every template variant against the app, verifies each image (non-root user, size budget,
HTTP through Caddy, ...) and writes matrix.json and matrix.md to the report folder.

Options:
  -t, --template NAME   Only this template's variants (repeat for several; default: all)
  -c, --cell PATTERN    Only the cells whose id matches (e.g. 'slim-uwsgi/py3.13-*'; repeatable)
      --platform P      Only the cells built for platform P (linux/amd64: the matrix without its
                        emulated cells; linux/arm64: one cell per variant, each emulated, minutes
                        to build; repeatable or comma-separated; default: every platform the
                        manifests list)
      --check NAME      Only this check in each cell (repeatable; default: every check the
                        manifests list); the report names the selection. A check no selected
                        cell's manifest lists is an error; a cell whose manifest lists none of
                        them is a skip
      --shard I/N       Only the I-th of N shards of the selected cells (after --template,
                        --platform and --cell), for N parallel CI jobs: a cell's shard is a hash
                        of its id, so it keeps its shard when others are added; merge-reports
                        joins them
      --mode MODE       auto (default): each source found on its own: base images from a
                        registry else stand-ins built here, Python packages from PyPI (or
                        this machine's pip index) else a local index, Go modules from the Go
                        module proxy else none; hermetic: every source local; online: none local
      --app KIND=DIR    The app the cells of one kind of app build (wsgi, asgi, django; repeatable;
                        default: the repository's sample apps, sample-apps/{flask,fastapi,django})
      --templates DIR   The folder of templates (default: the repository's templates)
      --report-dir DIR  Where the reports go (default: the repository's reports, else ./reports)
      --jobs N          How many cells, and checks within a cell, run side by side (default 1; 1:
                        each in turn); builds take turns on the engine (one build at a time), and
                        a check with a time bound (sigterm-graceful...) always runs alone
      --proxy-port PORT Publish each cell's proxy (Caddy) on this port of this machine, to open the
                        app in a browser while its checks run (default: a free port each time;
                        with it, one cell at a time unless --jobs says otherwise)

Ctrl-C stops after the current step, removes the run's containers and networks and writes the
report, marked incomplete; a second Ctrl-C quits at once and prints how to remove what is left.

Exit status: 0 no cell failed (each passed, or was skipped with its reason); 1 a cell failed or
the run could not start (nothing is started or written then) or stopped on an error (the report
lists the cells that finished); 2 the command line is wrong; 130 interrupted (the report lists
the cells that finished).`;

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
        platform: { type: "string", multiple: true },
        check: { type: "string", multiple: true },
        shard: { type: "string" },
        mode: { type: "string", default: "auto" },
        app: { type: "string", multiple: true },
        templates: { type: "string" },
        "report-dir": { type: "string" },
        "proxy-port": { type: "string" },
        jobs: { type: "string" },
      },
      usage,
    );
    const options = {
      templatesDir: repoPath(values.templates, "--templates DIR", "templates", usage),
      appDirs: await appDirsOption(values.app, usage),
      reportDir: reportDirOption(values["report-dir"]),
      templates: values.template ?? [],
      cells: values.cell ?? [],
      platforms: platformOptions(values.platform, usage),
      checks: checkOptions(values.check, usage),
      shard: shardOption(values.shard, usage),
      mode: modeOption(values.mode, usage),
      proxyPort: portOption(values["proxy-port"], "--proxy-port", usage),
    };
    // A fixed proxy port serves one cell at a time: without --jobs, that is what it asks for.
    const jobs = options.proxyPort !== undefined && values.jobs === undefined ? 1 : jobsOption(values.jobs, usage);

    const run = newRunIdentity();
    const interrupt = interruptOnCtrlC(() => leftoverRemovalCommands(run));
    try {
      const result = await runMatrix({ ...options, jobs, run, signal: interrupt.signal }, renderProgress());
      process.stdout.write(`${summarizeReport(result.report)}\nReports: ${result.markdownFile}\n         ${result.jsonFile}\n`);
      if (!result.report.complete) return interruptedExitCode;
      // A cell skipped with its reason (no registry for Alpine's base image, say) is not a failure.
      return result.report.cells.some((cell) => cell.status === "fail") ? 1 : 0;
    } finally {
      interrupt.dispose();
    }
  },
};
