import { resolve } from "node:path";
import { diffApp, renderAppDiff } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command-args.ts";
import { templateSourceOption } from "../template-source-option.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python diff [dir] [options]

Shows how an app's copies of its template files (dir, default: the current directory) differ from
the newest version of the template, adapted to the app's settings as new adapted them: which files
you changed since they were copied (by the sha256 recorded in .dockerize-python.json), which are new
in or gone from that version, and a unified diff per file, from your file to that version's. So a
user who copied version N sees what moving to N+1 changes.

Options:
      --to VERSION    Compare with this version or dist-tag of the template (default: latest)
      --registry URL  Fetch it from this npm registry instead of the recorded one
      --from PATH     Compare with this checkout (the repository's root or a template's folder)

Exit status: 0 compared (whether or not anything differs); 1 failed; 2 the command line is wrong.`;

export const diffCommand: Command = {
  name: "diff",
  summary: "Show how an app's copied template files differ from the template's newest version",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { to: { type: "string" }, registry: { type: "string" }, from: { type: "string" } }, usage, true);
    const [dir = ".", ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(" ")}.`, usage);
    if (values.from !== undefined && values.to !== undefined) throw new UsageError("--to picks a published version; a checkout (--from) has the version it has.", usage);
    const appDiff = await diffApp({ appDir: resolve(dir), to: values.to, source: templateSourceOption(values, usage) });
    process.stdout.write(renderAppDiff(appDiff));
    return 0;
  },
};
