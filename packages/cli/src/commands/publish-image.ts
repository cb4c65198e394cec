import { resolve } from "node:path";
import { describeSources, platforms as knownPlatforms, publishBaseImage } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { listOptions, modeOption, parseCommandArgs, platformOptions, repoPath } from "../command-args.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python publish-image onbuild --registry HOST:PORT [options]

Builds the onbuild template's base image (its docker/onbuild/Dockerfile, --target onbuild) for each
Python version its manifest lists, and pushes it to HOST:PORT/dockerize-python/onbuild under three
tags from the template package's version V (major M): <python>, <python>-V and <python>-M (say
3.13, 3.13-1.2.0 and 3.13-1). The image carries its OCI labels (template, version, source, and the
build date and commit). A child Dockerfile then needs one line: FROM HOST:PORT/dockerize-python/onbuild:3.13-1

With --platform linux/amd64,linux/arm64 each tag names one multi-platform image (an index of both):
each platform is built (another than the engine's own under emulation: scripts/setup.sh registers
arm64's), pushed under <python>-V-<arch> (3.13-1.2.0-arm64), then the index is pushed under every tag.

Options:
      --registry HOST:PORT  The registry to push to (required; \`docker login\` to it first if it needs it)
      --platform LIST       Platforms (${knownPlatforms.join(", ")}), comma-separated or repeated; default: the engine's own, one image per tag
      --python LIST         Pythons of the manifest to publish (3.13), comma-separated or repeated; default: every one
      --mode MODE           auto (default): each source found on its own (a registry else
                            stand-ins; PyPI else the local index); hermetic: every source local
      --templates DIR       The folder of templates (default: the repository's templates)

Exit status: 0 every image pushed; 1 a build or a push failed; 2 the command line is wrong.`;

/** Templates with a base image to publish: the ones whose Dockerfile declares ONBUILD triggers. */
const publishable = ["onbuild"];

export const publishImageCommand: Command = {
  name: "publish-image",
  summary: "Build the onbuild base image for each Python and push it with version tags",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      { registry: { type: "string" }, platform: { type: "string", multiple: true }, python: { type: "string", multiple: true }, mode: { type: "string", default: "auto" }, templates: { type: "string" } },
      usage,
      true,
    );
    const [template, ...extra] = positionals;
    if (!template) throw new UsageError(`say which base image to publish: ${publishable.join(", ")}.`, usage);
    if (!publishable.includes(template)) throw new UsageError(`"${template}" has no base image to publish; only ${publishable.join(", ")}.`, usage);
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(" ")}.`, usage);
    if (!values.registry) throw new UsageError("--registry HOST:PORT is required.", usage);
    if (!/^[A-Za-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/.test(values.registry)) {
      throw new UsageError(`--registry must be a registry address such as 127.0.0.1:5000 (no scheme), not "${values.registry}".`, usage);
    }
    const templatesDir = repoPath(values.templates, "--templates DIR", "templates", usage);
    const result = await publishBaseImage({
      templateDir: resolve(templatesDir, template),
      registry: values.registry,
      ...(values.platform ? { platforms: platformOptions(values.platform, usage) } : {}),
      ...(values.python ? { pythons: listOptions(values.python) } : {}),
      mode: modeOption(values.mode, usage),
      log: (line) => process.stderr.write(`==> ${line}\n`),
    });
    process.stdout.write(`Published ${result.template} ${result.version} (${describeSources(result.sources)}):\n`);
    for (const image of result.images) {
      const sizes = image.platforms.map((built) => `${built.platform} ${(built.sizeBytes / 1e6).toFixed(0)} MB`).join(", ");
      process.stdout.write(`  Python ${image.python} (${sizes}): ${image.digest}\n${image.refs.map((ref) => `    ${ref}`).join("\n")}\n`);
      if (image.platforms.length > 1) {
        for (const built of image.platforms) process.stdout.write(`    ${built.platform} alone: ${built.ref} (${built.digest})\n`);
      }
    }
    return 0;
  },
};
