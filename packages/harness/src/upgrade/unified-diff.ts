import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";

/**
 * The unified diff (as `diff -u` prints it, three lines of context) turning `oldText` into
 * `newText`, headed `--- oldLabel` / `+++ newLabel`; "" when they are equal. jsdiff's Myers diff
 * costs time in the size of the change, not the product of the files' lengths; a missing final
 * newline is marked as diff marks it. Only the file headers: no `Index:` line, no `===` rule.
 */
export function unifiedDiff(oldText: string, newText: string, oldLabel: string, newLabel: string, context = 3): string {
  if (oldText === newText) return "";
  return createTwoFilesPatch(oldLabel, newLabel, oldText, newText, undefined, undefined, { context, headerOptions: FILE_HEADERS_ONLY });
}
