import { ExplainedError } from "../explained-error.ts";

/** --python names a version the template's manifest has no variant for (eject, publish-image). */
export class UnknownPythonError extends ExplainedError {
  constructor(template: string, asked: readonly string[], known: readonly string[]) {
    super(`The ${template} template has no Python ${asked.join(", ")} variant; it has ${known.join(", ")}.\nFix: pass --python with one of those.`);
  }
}
