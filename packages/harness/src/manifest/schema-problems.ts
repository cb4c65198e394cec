import { z } from "zod";
import type { ManifestProblem } from "./manifest-error.ts";

/**
 * Turns zod's issues into problems a person can act on: one per field, each with its JSON path
 * (`variants[1].sizeBudgetMB: expected number, got string`). Zod's issues are parsed with
 * `reportInput: true`, so that the value actually found can be named.
 */
export function schemaProblems(file: string, issues: readonly z.core.$ZodIssue[]): ManifestProblem[] {
  return issues.flatMap((issue): ManifestProblem[] => {
    const path = z.core.toDotPath(issue.path);
    switch (issue.code) {
      case "invalid_type":
        return [{ file, path, message: issue.input === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${describeValue(issue.input)}` }];
      case "unrecognized_keys":
        return issue.keys.map((key) => ({ file, path: z.core.toDotPath([...issue.path, key]), message: "unknown field (the schema does not allow it)" }));
      case "invalid_key":
        return [{ file, path, message: `invalid key: ${issue.issues.map((inner) => inner.message).join("; ")}` }];
      default:
        return [{ file, path, message: issue.message }];
    }
  });
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
