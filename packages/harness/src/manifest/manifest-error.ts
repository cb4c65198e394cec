import { ExplainedError } from "../explained-error.ts";
/** One thing wrong with a template: the file it is in, where in that file, and what is wrong. */
export interface ManifestProblem {
  file: string;
  /** A JSON path inside the file (`variants[1].sizeBudgetMB`), or "" for the file as a whole. */
  path: string;
  message: string;
}

/**
 * One or more templates are invalid. Lists every problem found, grouped by file, so that a broken
 * manifest is fixed in one pass rather than one error at a time.
 */
export class ManifestError extends ExplainedError {
  readonly problems: readonly ManifestProblem[];

  constructor(problems: readonly ManifestProblem[]) {
    super(describeProblems(problems));
    this.problems = problems;
  }
}

function describeProblems(problems: readonly ManifestProblem[]): string {
  const byFile = Map.groupBy(problems, (problem) => problem.file);
  const sections = [...byFile].map(([file, own]) => {
    const count = own.length === 1 ? "1 problem" : `${own.length} problems`;
    const lines = own.map((problem) => `  - ${problem.path ? `${problem.path}: ` : ""}${problem.message}`);
    return `${file} is not a valid template (${count}):\n${lines.join("\n")}`;
  });
  return (
    `${sections.join("\n")}\n` +
    "Fix: correct each field named above. The manifest's contract is the zod schema in " +
    "@dockerize-python/harness (src/manifest/schema.ts); every template is an npm package with a version."
  );
}
