#!/usr/bin/env node
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ExplainedError, type RequestedMode, requestedModes } from "@dockerize-python/harness";
import { type Bump, rehearseRelease, verifyRehearsedApp } from "./rehearse-release.ts";

/** The checkout this package is part of (src/ or dist/ -> packages/release -> the root): it is never installed elsewhere. */
const checkout = fileURLToPath(new URL("../../../", import.meta.url));

const usage = `Usage: dockerize-python-release --dry-run [options]

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
      --report-dir DIR   Where verify's reports go (default: reports/release-rehearsal in this checkout)
      --repo DIR         The checkout to rehearse (default: the one this command runs from)
  -h, --help             Show this help

Exit status: 0 rehearsed; 1 a step failed (it is named, with its output and a fix); 2 the command
line is wrong.`;

/** The command line is wrong: said with the usage, and the process exits 2. */
class UsageError extends Error {}

const bumps = ["patch", "minor", "major"] as const;

interface RehearsalRequest {
  repoRoot: string;
  bump: Bump;
  templates: string[];
  verify: boolean;
  mode: RequestedMode;
  reportDir: string;
}

function parseRequest(argv: string[]): RehearsalRequest {
  const { values } = parseArgs({
    args: argv,
    options: {
      "dry-run": { type: "boolean", default: false },
      template: { type: "string", short: "t", multiple: true },
      bump: { type: "string", default: "patch" },
      verify: { type: "boolean", default: false },
      mode: { type: "string", default: "auto" },
      "report-dir": { type: "string" },
      repo: { type: "string" },
    },
    strict: true,
  });
  if (!values["dry-run"]) throw new UsageError("only --dry-run is supported: a real release is `pnpm run version-packages`, a commit, then `pnpm run release`.");
  const bump = bumps.find((known) => known === values.bump);
  if (!bump) throw new UsageError(`--bump must be one of ${bumps.join(", ")}, not "${values.bump}".`);
  const mode = requestedModes.find((known) => known === values.mode);
  if (!mode) throw new UsageError(`--mode must be one of ${requestedModes.join(", ")}, not "${values.mode}".`);
  return {
    repoRoot: resolve(values.repo ?? checkout),
    bump,
    templates: values.template ?? ["slim-uwsgi", "onbuild"],
    verify: values.verify,
    mode,
    reportDir: resolve(values["report-dir"] ?? join(checkout, "reports", "release-rehearsal")),
  };
}

/** Rehearses, prints what was published and installed, and resolves with the exit status. */
async function rehearse(request: RehearsalRequest): Promise<number> {
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`==> ${line}\n`);
  const rehearsal = await rehearseRelease({ repoRoot: request.repoRoot, bump: request.bump, templates: request.templates, log });
  try {
    for (const app of rehearsal.apps) {
      process.stdout.write(`new ${app.template}:\n  ${app.output.trim().split("\n").join("\n  ")}\n`);
      if (request.verify) {
        const reportDir = join(request.reportDir, app.template);
        log(`verify ${app.dir} (${request.mode})`);
        await verifyRehearsedApp(rehearsal, app, { mode: request.mode, reportDir });
        process.stdout.write(`verify ${app.template}: passed (report in ${reportDir})\n`);
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
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  let request: RehearsalRequest;
  try {
    request = parseRequest(argv);
  } catch (error) {
    // parseArgs's own errors (an unknown option, a missing value) are usage errors too.
    const parseArgsError = error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS_");
    if (!(error instanceof UsageError) && !parseArgsError) throw error;
    process.stderr.write(`dockerize-python-release: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  try {
    return await rehearse(request);
  } catch (error) {
    // Its message already says which step failed and how to fix it: no stack. Any other error is thrown with its stack.
    if (!(error instanceof ExplainedError)) throw error;
    process.stderr.write(`dockerize-python-release: ${error.message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
