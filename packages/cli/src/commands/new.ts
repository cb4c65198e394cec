import { relative, resolve } from "node:path";
import {
  assertAppDir,
  checkDatabase,
  configuredNpmRegistry,
  decideAppSettings,
  type DependencyStyle,
  dependencyStyles,
  loadTemplateSet,
  nextCommands,
  scaffoldApp,
} from "@dockerize-python/harness";
import { askOnTerminal } from "../ask-on-terminal.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command-args.ts";
import { describeSource, templateSourceOption } from "../template-source-option.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python new <template> [dir] [options]

Copies a template's files into an app (dir, default: the current directory): its Dockerfile,
entrypoint, .dockerignore, compose file and .env.example, the files of the templates it runs with
(the Caddy proxy), and its README (beside its Dockerfile). Adapts them to the app, as its files
show it (read, never run): its dependency style and WSGI target go into .env.example (and into the
onbuild child Dockerfile); its static folder into the proxy's image; an app without a PostgreSQL
driver loses the db service; a health route it has becomes the health check's; the folders it writes
into at run time (and a Django project's SQLite file) become links into the image's data volume. Says what it found under "Found in the
app:", and records what it copied, with each file's sha256 and these settings, in
.dockerize-python.json, for verify and diff.

The template is the package @dockerize-python/template-<template> from the npm registry npm is
configured with, or a checkout of the dockerize-python repository (--from).

Options:
      --version V           The package's version or dist-tag (default: latest)
      --registry URL        The npm registry (default: npm's own setting, npm config get registry)
      --from PATH           Copy from a checkout instead: the repository's root or a template's folder
      --dependency-style S  requirements, pipenv, uv, poetry, pylock or pyproject (default: found
                            from the app's files, a lock file first; asked on a terminal when it
                            has several, else the first of those)
      --app TARGET          What the server serves, a WSGI app (uWSGI, Gunicorn) or an ASGI app
                            (Uvicorn, Granian): module:callable, or package:create_app() for an app
                            factory (default: a Django project's WSGI_APPLICATION, else asked on a
                            terminal; else wsgi:app when the app's wsgi.py defines app, or the one
                            target the code suggests). --wsgi-app is its older name
      --static-dir DIR      The app's static folder, which the proxy serves at /static/, or none
                            (default: a package's static/, the WSGI target's first, else static/)
      --database DB         postgresql or none: with none, compose.yaml has no db service and the
                            entrypoint waits for no database (default: postgresql when the app's
                            dependency files name a PostgreSQL driver: psycopg, psycopg2, asyncpg...)
      --health-path PATH    The route the health check asks, e.g. /health (default: the first of
                            /healthz, /health, /livez, /ping, /status the code routes; else /healthz,
                            where any answer below 500 counts as healthy)
      --writable DIR        A folder the app writes into at run time, made a link into the data
                            volume; repeat it for several, or none (default: Flask's instance/ and
                            the relative folders the code makes with os.makedirs, os.mkdir, Path.mkdir;
                            and a Django project's SQLite file, db.sqlite3, when it has no PostgreSQL).
                            The Django settings' SQLite file, given here, is linked as a file
      --force               Replace the template's files where they exist already (nothing else in
                            the app is touched or deleted)

Exit status: 0 copied; 1 refused (files exist: nothing written) or failed; 2 the command line is wrong.`;

export const newCommand: Command = {
  name: "new",
  summary: "Copy a template's files into an app, adapted to it, and record what was copied",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        version: { type: "string" },
        registry: { type: "string" },
        from: { type: "string" },
        "dependency-style": { type: "string" },
        app: { type: "string" },
        "wsgi-app": { type: "string" },
        "static-dir": { type: "string" },
        database: { type: "string" },
        "health-path": { type: "string" },
        writable: { type: "string", multiple: true },
        force: { type: "boolean", default: false },
      },
      usage,
      true,
    );
    const [template, dir = ".", ...extra] = positionals;
    if (!template) throw new UsageError("name the template to copy (e.g. dockerize-python new slim-uwsgi).", usage);
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(" ")}.`, usage);
    if (values.from !== undefined && values.version !== undefined) {
      throw new UsageError("--version picks a published version; a checkout (--from) has the version it has.", usage);
    }
    const dependencyStyle = dependencyStyleOption(values["dependency-style"]);
    if (values.app !== undefined && values["wsgi-app"] !== undefined && values.app !== values["wsgi-app"]) {
      throw new UsageError(`--app ${values.app} and --wsgi-app ${values["wsgi-app"]} name two targets; --wsgi-app is --app's older name: give one.`, usage);
    }
    const appDir = resolve(dir);
    await assertAppDir(appDir);

    const source = templateSourceOption(values, usage) ?? { kind: "registry" as const, registry: await configuredNpmRegistry(appDir) };
    process.stderr.write(`${source.kind === "registry" ? "Fetching" : "Reading"} ${template}${values.version ? ` ${values.version}` : ""} from ${describeSource(source)}...\n`);
    const set = await loadTemplateSet({ name: template, source, versions: values.version ? { [template]: values.version } : {}, cwd: appDir });
    const main = set.templates[0]!;
    const decided = await decideAppSettings({
      appDir,
      manifest: main.manifest,
      dependencyStyle,
      wsgiApp: values.app ?? values["wsgi-app"],
      staticDir: values["static-dir"] === "none" ? null : values["static-dir"],
      database: values.database === undefined ? undefined : checkDatabase(values.database),
      healthPath: values["health-path"],
      writableDirs: values.writable?.length === 1 && values.writable[0] === "none" ? [] : values.writable,
      ask: askOnTerminal(),
    });
    const result = await scaffoldApp({ appDir, set, settings: decided.settings, force: values.force });

    const companions = set.templates.slice(1).map((other) => `${other.name} ${other.version}`);
    const out = [`Copied ${main.name} ${main.version}${companions.length ? ` (with ${companions.join(", ")})` : ""} from ${describeSource(source)} into ${appDir}:`];
    for (const file of result.files) {
      out.push(`  ${file.replaced ? "replaced" : "wrote   "} ${file.path}${file.changes.length ? `  (${file.changes.join(", ")})` : ""}`);
    }
    out.push(`Recorded the templates, their versions and each file's sha256 in ${result.recordFile} (for dockerize-python verify and diff).`);
    if (decided.notes.length) out.push("", "Found in the app:", ...decided.notes.map((note) => `  - ${note}`));
    const where = relative(process.cwd(), appDir);
    out.push("", `Next${where ? `, in ${where}` : ""}:`, ...nextCommands(main.manifest, result.files.map((file) => file.path)).map((command) => `  ${command}`));
    process.stdout.write(`${out.join("\n")}\n`);
    return 0;
  },
};

function dependencyStyleOption(value: string | undefined): DependencyStyle | undefined {
  if (value === undefined) return undefined;
  const style = dependencyStyles.find((known) => known === value);
  if (!style) throw new UsageError(`--dependency-style must be one of ${dependencyStyles.join(", ")}, not "${value}".`, usage);
  return style;
}
