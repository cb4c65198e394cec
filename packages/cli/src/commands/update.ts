import { type BaseImageProposal, discoverTemplates, proposeBaseUpdates, selectTemplates, writeBaseUpdates } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { parseCommandArgs, repoPath } from "../command-args.ts";

const usage = `Usage: dockerize-python update [options]

For every base image the templates' manifests name (base-image build args' defaults, each variant's
values, the stack's database), asks its registry for the tags of the same line and the digest the
tag names now, and proposes name:tag@sha256:<digest>: the tag moved to the newest release of its
suffix where it has one (python:3.13-alpine3.22 -> python:3.13-alpine3.24), pinned by digest
(python:3.13-slim-trixie -> python:3.13-slim-trixie@sha256:..., with the patch version it is).
Where no registry answers, it says so for each image, with the cause and the fix.

Options:
      --registry URL   Where to ask about unqualified names (python, caddy, postgres): that registry,
                       or a mirror of it (http:// for 127.0.0.1). Default: the registry the Docker
                       engine pulls them from (docker info: IndexServerAddress)
      --template NAME  Only this template (repeatable)
      --templates DIR  The folder of templates (default: the repository's templates)
      --write          Write the proposals into the manifests, regenerate the generated files
                       (templates/_shared/generate.ts, where the folder has it) and list the
                       files that still name an old reference
      --strict         Exit 1 when any image could not be asked about (for CI)

Exit status: 0 proposals printed (or written), whether or not a registry answered; 1 with --strict
when one did not, or on an error; 2 the command line is wrong.`;

export const updateCommand: Command = {
  name: "update",
  summary: "Propose newer base image tags and their digests, from the registry where one answers",
  usage,
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      { registry: { type: "string" }, template: { type: "string", multiple: true }, templates: { type: "string" }, write: { type: "boolean", default: false }, strict: { type: "boolean", default: false } },
      usage,
    );
    const templatesDir = repoPath(values.templates, "--templates DIR", "templates", usage);
    const all = await discoverTemplates(templatesDir);
    const templates = values.template?.length ? selectTemplates(all, values.template) : all;
    const proposals = await proposeBaseUpdates(templates, { registry: values.registry, log: (line) => process.stderr.write(`==> ${line}\n`) });
    process.stdout.write(`${proposals.map(describeProposal).join("\n")}\n`);
    const counts = (status: BaseImageProposal["status"]) => proposals.filter((proposal) => proposal.status === status).length;
    process.stdout.write(`\n${proposals.length} base images: ${counts("update")} to update, ${counts("current")} current, ${counts("unanswered")} not answered.\n`);
    if (values.write) {
      const written = await writeBaseUpdates(templatesDir, templates, proposals);
      process.stdout.write(written.manifests.length ? `Wrote ${written.manifests.join(", ")}${written.regenerated ? "; regenerated the generated files" : ""}.\n` : "Nothing to write.\n");
      for (const left of written.leftovers) process.stdout.write(`  still names ${left.ref}: ${left.file}:${left.line} (written by hand: change it or keep it on purpose)\n`);
    } else if (counts("update")) {
      process.stdout.write("Run again with --write to write them into the manifests.\n");
    }
    return values.strict && counts("unanswered") ? 1 : 0;
  },
};

function describeProposal(proposal: BaseImageProposal): string {
  const where = `    in ${proposal.uses.map((use) => `${use.template} ${use.field}`).join(", ")}`;
  if (proposal.status === "unanswered") return `? ${proposal.ref}: not answered: ${proposal.cause}\n    Fix: ${proposal.fix}\n${where}`;
  const patch = proposal.patch ? `\n    ${proposal.patch.sameDigest ? `the same image as ${proposal.patch.tag}` : `the newest patch tag, ${proposal.patch.tag}, names another image now (the line's tag has not moved to it yet)`}` : "";
  const head = proposal.status === "current" ? `= ${proposal.ref}: current (${proposal.why})` : `↑ ${proposal.ref}\n  -> ${proposal.proposed}\n    ${proposal.why}`;
  return `${head}${patch}\n${where}`;
}
