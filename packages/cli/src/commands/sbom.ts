import { writeImageSbom } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command-args.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python sbom IMAGE --output FILE.spdx.json [options]

Writes the SBOM of a local image (SPDX JSON, by syft: its Debian or Alpine packages, Python
distributions and Go modules, with versions and purls; syft and grype read it) and, beside it,
FILE.provenance.json: an in-toto statement with an SLSA v1 provenance predicate (the image's ID and
labels, its base image, the Dockerfile's digest, the commit, the builder, the build's times), the
record BuildKit would attest if this engine's image store could hold attestations (see README,
"SBOM and provenance"). syft is built once with go install from this machine's Go module proxy.

Options:
  -o, --output FILE          Where the SBOM goes (required); the provenance is written beside it
      --dockerfile FILE      The Dockerfile the image was built from (its sha256 and commit go in the provenance)
      --build-metadata FILE  What docker buildx build --metadata-file FILE wrote for the image's build

Exit status: 0 written; 1 failed (no such image, no Go to build syft with); 2 the command line is wrong.`;

export const sbomCommand: Command = {
  name: "sbom",
  summary: "Write a built image's SBOM (SPDX JSON) and its provenance record",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      { output: { type: "string", short: "o" }, dockerfile: { type: "string" }, "build-metadata": { type: "string" } },
      usage,
      true,
    );
    const [image, ...extra] = positionals;
    if (!image) throw new UsageError("say which image: a tag or an image ID of the local engine.", usage);
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(" ")}.`, usage);
    if (!values.output) throw new UsageError("--output FILE is required.", usage);
    const written = await writeImageSbom({
      image,
      output: values.output,
      dockerfile: values.dockerfile,
      buildMetadataFile: values["build-metadata"],
      log: (line) => process.stderr.write(`==> ${line}\n`),
    });
    const { counts } = written;
    process.stdout.write(
      `SBOM of ${image} (${written.seconds.toFixed(1)} s): ${counts.deb + counts.apk} OS packages, ${counts.python} Python distributions, ${counts.all} in all\n` +
        `  ${written.sbomFile}\nProvenance:\n  ${written.provenanceFile}\n`,
    );
    return 0;
  },
};
