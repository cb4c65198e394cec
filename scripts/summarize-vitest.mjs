// Prints vitest's JSON results as the one closing line CI reads: "N passed, N failed, N skipped",
// summed over every results file given; with several files, a line per file comes first.
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const counts = (file) => {
  const results = JSON.parse(readFileSync(file, "utf8"));
  return { passed: results.numPassedTests, failed: results.numFailedTests, skipped: results.numPendingTests + results.numTodoTests };
};
const line = ({ passed, failed, skipped }) => `${passed} passed, ${failed} failed, ${skipped} skipped`;

const files = process.argv.slice(2);
const total = { passed: 0, failed: 0, skipped: 0 };
for (const file of files) {
  const run = counts(file);
  if (files.length > 1) console.log(`${basename(file, ".json")}: ${line(run)}`);
  for (const key of Object.keys(total)) total[key] += run[key];
}
console.log(line(total));
