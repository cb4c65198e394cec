import { resolve } from "node:path";
import { ejectOnbuild } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { parseCommandArgs, repoPath } from "../command-args.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python eject onbuild [options] <app-dir>

Writes into the app the explicit Dockerfile its one-line child Dockerfile (FROM .../onbuild:<x.y>)
amounts to: the onbuild base's Dockerfile with its ONBUILD triggers turned into plain instructions,
then the child's own instructions. Writes <app-dir>/docker/Dockerfile and the scripts it copies,
docker/docker-entrypoint.sh and docker/install-dependencies.sh (requirements.txt, Pipfile.lock or
pyproject.toml, as the triggers did). Build it with: docker build -f docker/Dockerfile <app-dir>

Options:
      --python X.Y      The Python of the base image (default: the tag the app's docker/Dockerfile
                        builds FROM, else the template's default)
      --force           Overwrite docker/Dockerfile and the two scripts if they exist
      --templates DIR   The folder of templates (default: the repository's templates)

Exit status: 0 written; 1 refused (a file exists) or failed; 2 the command line is wrong.`;

/** What can be ejected; only the onbuild template has triggers to make explicit. */
const ejectable = ["onbuild"];

export const ejectCommand: Command = {
  name: "eject",
  summary: "Write the explicit Dockerfile of an app built FROM the onbuild base",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      { python: { type: "string" }, force: { type: "boolean", default: false }, templates: { type: "string" } },
      usage,
      true,
    );
    const [what, appDir, ...extra] = positionals;
    if (!what) throw new UsageError(`say what to eject: ${ejectable.join(", ")}.`, usage);
    if (!ejectable.includes(what)) throw new UsageError(`cannot eject "${what}"; only ${ejectable.join(", ")}.`, usage);
    if (!appDir) throw new UsageError("the app directory is missing.", usage);
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(" ")}.`, usage);
    if (values.python !== undefined && !/^3\.\d+$/.test(values.python)) throw new UsageError(`--python must look like 3.13, not "${values.python}".`, usage);

    const templatesDir = repoPath(values.templates, "--templates DIR", "templates", usage);
    const app = resolve(appDir);
    const result = await ejectOnbuild({ appDir: app, templateDir: resolve(templatesDir, what), force: values.force, python: values.python });
    for (const file of result.files) {
      process.stdout.write(`${file.replaced ? "replaced" : "wrote"} ${resolve(app, file.path)}: ${file.what}\n`);
    }
    process.stdout.write(`It builds FROM ${result.pythonImage} by default (--build-arg PYTHON_IMAGE=... changes it).\n`);
    if (result.carriedOver) process.stdout.write(`Carried over from the old child Dockerfile:\n  ${result.carriedOver.split("\n").join("\n  ")}\n`);
    process.stdout.write(`Build it: docker build -f docker/Dockerfile ${appDir}\n`);
    return 0;
  },
};
