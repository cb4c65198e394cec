import { DockerfileParser, type Instruction, Label, Onbuild } from "dockerfile-ast";
import { provenanceArgs } from "../labels/build-provenance.ts";

/**
 * The ONBUILD base's Dockerfile made explicit, for an app that wants to own its Dockerfile: the
 * stages up to and including the one that declares the triggers, with each `ONBUILD X` turned into a
 * plain `X` at the end of that stage (where a child's build runs them, after every instruction of
 * the base). Derived from the template's own file on every eject, so the two cannot drift.
 */
export interface EjectRequest {
  /** The onbuild template's Dockerfile (docker/onbuild/Dockerfile). */
  baseDockerfile: string;
  /** Said in the header: which template and version the file was ejected from. */
  source: string;
  /** A new default for the `ARG PYTHON_IMAGE` before the first FROM (the child's Python). */
  pythonImage?: string;
  /** The child Dockerfile's own instructions after its FROM, appended as they are. */
  childInstructions?: string;
}

/** The base Dockerfile is not shaped as eject expects; names what is missing. */
export class EjectDerivationError extends Error {
  constructor(problem: string) {
    super(`Cannot derive an explicit Dockerfile from the onbuild template: ${problem}`);
    this.name = "EjectDerivationError";
  }
}

/** Label keys that describe the trigger contract: false once there are no triggers, so dropped. */
const contractLabelPrefix = "org.dockerize-python.onbuild.";

export function deriveEjectedDockerfile(request: EjectRequest): string {
  const lines = request.baseDockerfile.replace(/\r\n/g, "\n").split("\n");
  const dockerfile = DockerfileParser.parse(lines.join("\n"));
  const instructions = dockerfile.getInstructions();
  const froms = instructions.filter((i) => i.getKeyword() === "FROM");
  const triggers = instructions.filter((i): i is Onbuild => i instanceof Onbuild);
  if (!triggers.length) throw new EjectDerivationError("it has no ONBUILD instruction");

  // The stage that declares the triggers, and any later stage (the self-test built FROM it).
  const startLine = (i: Instruction) => i.getRange().start.line;
  const endLine = (i: Instruction) => i.getRange().end.line;
  const triggerStage = [...froms].reverse().find((from) => startLine(from) < startLine(triggers[0]!));
  if (!triggerStage) throw new EjectDerivationError("its ONBUILD instructions come before any FROM");
  const nextStage = froms.find((from) => startLine(from) > startLine(triggerStage));
  if (triggers.some((t) => nextStage && startLine(t) > startLine(nextStage))) {
    throw new EjectDerivationError("ONBUILD instructions appear in more than one stage");
  }
  const stageName = triggerStage.getArguments()[2]?.getValue();
  const stageEnd = nextStage ? commentBlockStart(lines, startLine(nextStage)) : lines.length;

  const drop = new Set<number>();
  const dropRange = (from: number, to: number) => {
    for (let line = from; line <= to; line++) drop.add(line);
  };
  // Everything from the first later stage on (with its comment block).
  dropRange(stageEnd, lines.length - 1);
  // The header (the first comment block) describes the base image; a new one replaces it.
  dropRange(0, firstBlankLine(lines) ?? -1);
  // The trigger-contract labels, with their comment.
  for (const label of instructions.filter((i): i is Label => i instanceof Label && startLine(i) > startLine(triggerStage) && startLine(i) < stageEnd)) {
    const keys = label.getProperties().map((property) => property.getName());
    if (keys.length && keys.every((key) => key.startsWith(contractLabelPrefix))) dropRange(commentBlockStart(lines, startLine(label)), endLine(label));
  }
  // The triggers move to the end of their stage, each with the comment lines right above it.
  const triggerLines: string[] = [];
  for (const trigger of triggers) {
    const first = commentBlockStart(lines, startLine(trigger));
    for (let line = first; line <= endLine(trigger); line++) {
      const text = lines[line]!;
      triggerLines.push(line === startLine(trigger) ? stripOnbuild(text, trigger) : text);
    }
    dropRange(first, endLine(trigger));
  }
  // The OCI labels and the ARGs that fill them (BUILD_DATE, VCS_REF) follow the former triggers: an
  // ARG declared before the install's RUN would rebuild it for every new date or commit.
  const provenanceLines: string[] = [];
  for (const instruction of instructions.filter((i) => startLine(i) > startLine(triggerStage) && startLine(i) < stageEnd && isProvenance(i))) {
    const first = commentBlockStart(lines, startLine(instruction));
    for (let line = first; line <= endLine(instruction); line++) provenanceLines.push(lines[line]!);
    dropRange(first, endLine(instruction));
  }
  // The section comment of the trigger stage speaks of the base; it is replaced too.
  dropRange(commentBlockStart(lines, startLine(triggerStage)), startLine(triggerStage) - 1);

  const out: string[] = [...header(request.source), ""];
  for (let line = 0; line < stageEnd; line++) {
    if (drop.has(line)) continue;
    let text = lines[line]!;
    if (line === startLine(triggerStage)) {
      out.push(
        "# ---------------------------------------------------------------------------------------------",
        "# app: the runtime, then what the onbuild base's ONBUILD triggers did in a child build, as plain",
        "# instructions in the same order: the dependency list, the install, the code, the app user.",
      );
      if (stageName) text = text.replace(new RegExp(`(\\s+AS\\s+)${stageName}\\s*$`, "i"), "$1app");
    } else if (request.pythonImage && line < startLine(froms[0]!)) {
      text = text.replace(/^(ARG\s+PYTHON_IMAGE=)\S+/, `$1${request.pythonImage}`);
    }
    // Dropped blocks leave their blank separators behind: keep one.
    if (text.trim() === "" && out.at(-1)?.trim() === "") continue;
    out.push(text);
  }
  while (out.at(-1) === "") out.pop();
  out.push("", "# ---- formerly ONBUILD: run after everything above, as in a child build ----", ...triggerLines);
  if (provenanceLines.length) out.push("", ...provenanceLines);
  const child = request.childInstructions?.trim();
  if (child) out.push("", "# ---- the app's own instructions (from its former one-line child Dockerfile) ----", child);
  return `${out.join("\n")}\n`;
}

/** An ARG that fills an OCI label (BUILD_DATE, VCS_REF), or the LABEL stating the image's version. */
function isProvenance(instruction: Instruction): boolean {
  if (instruction instanceof Label) return instruction.getProperties().some((property) => property.getName() === "org.opencontainers.image.version");
  const name = instruction.getKeyword() === "ARG" ? instruction.getArguments()[0]?.getValue().split("=")[0] : undefined;
  return name === provenanceArgs.created || name === provenanceArgs.revision;
}

/** `ONBUILD RUN x` -> `RUN x`, keeping the rest of the line (continuations follow unchanged). */
function stripOnbuild(text: string, trigger: Onbuild): string {
  const column = trigger.getTriggerRange()?.start.character;
  if (column === undefined) throw new EjectDerivationError(`an ONBUILD on line ${trigger.getRange().start.line + 1} has no trigger`);
  return text.slice(column);
}

/** The first line of the run of comment lines directly above `line` (or `line` itself). */
function commentBlockStart(lines: readonly string[], line: number): number {
  let first = line;
  while (first > 0 && /^\s*#/.test(lines[first - 1]!)) first--;
  return first;
}

function firstBlankLine(lines: readonly string[]): number | undefined {
  const index = lines.findIndex((text) => text.trim() === "");
  return index < 0 ? undefined : index;
}

function header(source: string): string[] {
  return [
    `# A Python WSGI app served by uWSGI: the explicit form of the dockerize-python onbuild base`,
    `# (${source}), written by \`dockerize-python eject onbuild\`. It is yours now: edit it freely.`,
    "# Build from the app's root:  docker build -f docker/Dockerfile .",
    "# Needs BuildKit (the default builder since Docker 23) and Docker 25+ (HEALTHCHECK --start-interval).",
    "#",
    "# The last section is what the base's ONBUILD triggers did in a child build. Now that nothing",
    "# forces a single stage, the slim-uwsgi template shows the same image with the compilers kept",
    "# in a builder stage and a pip cache mount.",
  ];
}

/** The name of the stage that declares ONBUILD triggers (the base image's target), if any. */
export function triggerStageName(dockerfileText: string): string | undefined {
  const instructions = DockerfileParser.parse(dockerfileText).getInstructions();
  const firstTrigger = instructions.find((i) => i instanceof Onbuild);
  if (!firstTrigger) return undefined;
  const stage = instructions
    .filter((i) => i.getKeyword() === "FROM" && i.getRange().start.line < firstTrigger.getRange().start.line)
    .at(-1);
  const args = stage?.getArguments() ?? [];
  return args[1]?.getValue().toUpperCase() === "AS" ? args[2]?.getValue() : undefined;
}
