import { type Dockerfile, DockerfileParser, type From, type Instruction, type Onbuild } from "dockerfile-ast";

/**
 * A Dockerfile parsed with dockerfile-ast and grouped into stages (dockerfile-ast has no per-stage
 * API): each FROM starts a stage holding the instructions up to the next FROM.
 */
export interface ParsedDockerfile {
  /** The path the findings name (relative to the template's files/). */
  file: string;
  ast: Dockerfile;
  /** ARGs declared before the first FROM, with their defaults (undefined when none). */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

export interface Stage {
  index: number;
  from: From;
  /** `AS name`, lower-cased as BuildKit compares it; undefined for an unnamed stage. */
  name: string | undefined;
  /** The FROM's image with global ARG defaults substituted. */
  baseRef: string;
  /** The earlier stage this one builds on, when `baseRef` names one. */
  baseStage: Stage | undefined;
  /** The stage's instructions after its FROM, in order. */
  instructions: Instruction[];
}

export function parseDockerfile(file: string, text: string): ParsedDockerfile {
  const ast = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string | undefined>();
  for (const arg of ast.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) globalArgs.set(property.getName(), property.getValue() ?? undefined);
  }
  const stages: Stage[] = [];
  for (const instruction of ast.getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const from = instruction as From;
      const baseRef = expandVariables(from.getImage() ?? "", globalArgs);
      const name = from.getBuildStage()?.toLowerCase() ?? undefined;
      const baseStage = stages.find((stage) => stage.name !== undefined && stage.name === baseRef.toLowerCase());
      stages.push({ index: stages.length, from, name, baseRef, baseStage, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { file, ast, globalArgs, stages };
}

/** The 1-based line an instruction starts on. */
export const lineOf = (instruction: Instruction): number => instruction.getRange().start.line + 1;

/** The stage and its ancestors within the file, nearest first: what it inherits ENV, USER, SHELL from. */
export function stageChain(stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let current: Stage | undefined = stage; current && !chain.includes(current); current = current.baseStage) chain.push(current);
  return chain;
}

/**
 * The stage's instructions with each ONBUILD replaced by its trigger (which runs in the child image
 * with the same rules), keeping the ONBUILD's line.
 */
export function effectiveInstructions(stage: Stage): Instruction[] {
  return stage.instructions.map((instruction) =>
    instruction.getKeyword() === "ONBUILD" ? ((instruction as Onbuild).getTriggerInstruction() ?? instruction) : instruction,
  );
}

/** A shell-form RUN (an ONBUILD trigger's too), its script, its stage, and what comes before it there. */
export interface ShellRun {
  stage: Stage;
  instruction: Instruction;
  script: string;
  /** The stage's effective instructions before this RUN (an ENV or SHELL there applies to it). */
  before: Instruction[];
}

/** Every shell-form RUN of the file, stage by stage: what the RUN rules read. */
export function shellRuns(dockerfile: ParsedDockerfile): ShellRun[] {
  return dockerfile.stages.flatMap((stage) => {
    const instructions = effectiveInstructions(stage);
    return instructions.flatMap((instruction, position) => {
      const script = instruction.getKeyword() === "RUN" ? shellScript(instruction) : undefined;
      return script ? [{ stage, instruction, script, before: instructions.slice(0, position) }] : [];
    });
  });
}

/**
 * The shell script of a shell-form RUN (or CMD...): continuation lines joined and comment lines
 * dropped, as the builder sees it. Undefined for the exec form (`RUN ["..."]`), which has no shell.
 */
export function shellScript(instruction: Instruction): string | undefined {
  const content = instruction.getArgumentsContent() ?? "";
  if (content.trimStart().startsWith("[")) return undefined;
  const withoutFlags = content.replace(/^(\s*--[a-z-]+(=\S+)?\s+)+/, "");
  return withoutFlags
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n");
}

/** The script with quoted strings blanked out, so `echo "a|b"` has no pipe. */
export function withoutQuotedText(script: string): string {
  return script.replace(/'[^']*'/g, "''").replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

/** The instruction's `--name=value` flags (e.g. RUN --mount=type=cache,target=...). */
export function flagValues(instruction: Instruction, name: string): string[] {
  const flags = (instruction as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags?.() ?? [];
  return flags.filter((flag) => flag.getName() === name).map((flag) => flag.getValue() ?? "");
}

/**
 * Substitutes `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}` and `${VAR+word}` as
 * BuildKit does, from `values` (an unset or valueless variable is empty).
 */
export function expandVariables(text: string, values: ReadonlyMap<string, string | undefined>): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_match, braced, operator, word, bare) => {
    const name = (braced ?? bare) as string;
    const isSet = values.has(name) && values.get(name) !== undefined;
    const value = values.get(name) ?? "";
    switch (operator as string | undefined) {
      case ":-":
        return value === "" ? expandVariables(word, values) : value;
      case "-":
        return isSet ? value : expandVariables(word, values);
      case ":+":
        return value === "" ? "" : expandVariables(word, values);
      case "+":
        return isSet ? expandVariables(word, values) : "";
      default:
        return value;
    }
  });
}
