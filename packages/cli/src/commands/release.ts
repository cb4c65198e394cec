import { rehearseRelease, verifyRehearsedApp } from "@dockerize-python/harness";
import { join } from "node:path";
import type { Command } from "../command.ts";
import { modeOption, parseCommandArgs, repoPath, reportDirOption } from "../command-args.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python release --dry-run [options]

For maintainers, before a real release: rehearses it against a throwaway local npm registry
(Verdaccio on 127.0.0.1), never the real one. On a temporary copy of the repository (the checkout is
not changed): adds a changeset bumping every public package, runs \`pnpm run version-packages\` and
\`changeset publish\` against the local registry, proves from its storage that every public package
was published there (and that it never asked its uplink for one of ours), then installs the CLI and
the templates into an empty folder from it and runs the installed CLI: --version, and new <template>
into a copy of the sample app. Every npm and pnpm run is pointed at the local registry and asked to
confirm it; third-party dependencies come through the local registry from npm's configured one.

The real release: pnpm run version-packages, commit, pnpm run release (see .changeset/README.md).

Options:
      --dry-run          Rehearse (required: this command never publishes for real)
  -t, --template NAME    Install this template and run new with it (repeatable; default:
                         slim-uwsgi and onbuild)
      --bump KIND        patch (default), minor or major: the rehearsal's changeset
      --verify           Also run the installed CLI's verify on each app (builds and checks images)
      --mode MODE        verify's mode: auto (default), hermetic or online
      --report-dir DIR   Where verify's reports go (default: the repository's reports/release-rehearsal)
      --repo DIR         The checkout to rehearse (default: the repository this CLI runs from)

Exit status: 0 rehearsed; 1 a step failed (it is named, with its output and a fix); 2 the command
line is wrong.`;

const bumps = ["patch", "minor", "major"] as const;

export const releaseCommand: Command = {
  name: "release",
  summary: "For maintainers: rehearse a release (--dry-run) against a local npm registry",
  usage,
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        "dry-run": { type: "boolean", default: false },
        template: { type: "string", short: "t", multiple: true },
        bump: { type: "string", default: "patch" },
        verify: { type: "boolean", default: false },
        mode: { type: "string", default: "auto" },
        "report-dir": { type: "string" },
        repo: { type: "string" },
      },
      usage,
    );
    if (!values["dry-run"]) throw new UsageError("only --dry-run is supported: a real release is `pnpm run version-packages`, a commit, then `pnpm run release`.", usage);
    const bump = bumps.find((known) => known === values.bump);
    if (!bump) throw new UsageError(`--bump must be one of ${bumps.join(", ")}, not "${values.bump}".`, usage);
    const mode = modeOption(values.mode, usage);
    const repoRoot = repoPath(values.repo, "--repo DIR", ".", usage);
    const reportDir = values["report-dir"] ? reportDirOption(values["report-dir"]) : join(reportDirOption(undefined), "release-rehearsal");
    const templates = values.template ?? ["slim-uwsgi", "onbuild"];

    const started = performance.now();
    const log = (line: string) => process.stderr.write(`==> ${line}\n`);
    const rehearsal = await rehearseRelease({ repoRoot, bump, templates, log });
    try {
      for (const app of rehearsal.apps) {
        process.stdout.write(`new ${app.template}:\n  ${app.output.trim().split("\n").join("\n  ")}\n`);
        if (values.verify) {
          log(`verify ${app.dir} (${mode})`);
          await verifyRehearsedApp(rehearsal, app, { mode, reportDir: join(reportDir, app.template) });
          process.stdout.write(`verify ${app.template}: passed (report in ${join(reportDir, app.template)})\n`);
        }
      }
      const lines = [
        `Rehearsed in ${((performance.now() - started) / 1000).toFixed(0)} s against ${rehearsal.registry.url} (nothing was published anywhere else):`,
        ...rehearsal.published.map((pkg) => `  published ${pkg.name}@${pkg.version} (${(pkg.bytes / 1024).toFixed(0)} KiB, sha1 ${pkg.shasum.slice(0, 12)})`),
        `  every client pointed at it: ${rehearsal.clientRegistries.length} settings checked`,
        `  installed ${rehearsal.installed.length} packages into an empty folder, all from it; the installed CLI says ${rehearsal.cli.version}`,
        rehearsal.newSkipped ? `  new: not run, ${rehearsal.newSkipped}` : `  new: ${rehearsal.apps.map((app) => app.template).join(", ")} copied into the sample app`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      return rehearsal.newSkipped ? 1 : 0;
    } finally {
      await rehearsal.close();
    }
  },
};
