import { readFile } from "node:fs/promises";
import { describeMergedRuns, ExplainedError, type MatrixReport, mergeReports, summarizeReport, writeReport } from "@dockerize-python/harness";
import type { Command } from "../command.ts";
import { parseCommandArgs, reportDirOption } from "../command-args.ts";
import { UsageError } from "../usage-error.ts";

const usage = `Usage: dockerize-python merge-reports [--report-dir DIR] [--job-started ISO_TIME] MATRIX_JSON...

Merges matrix.json files written by separate runs (one per template, as \`turbo run verify\` makes
them, or the shards of \`matrix --shard I/N\`) into one matrix.json and matrix.md, a table per
template. A file that does not exist (its run failed before writing it) makes the merged report
incomplete, as does a shard with no report (the report names it and the cells it held). Shard
reports merge only with the other shards of the same N, each once.

Options:
      --report-dir DIR        Where the merged reports go (default: the repository's reports, else ./reports)
      --job-started ISO_TIME  When the job that ran them started: a line per run then says whether
                              this job verified it (and which stand-ins it reused or built) or turbo
                              restored it from its cache

Exit status: 0 every merged cell passed or was skipped with a reason; 1 a cell failed, a report or
a shard is missing, or a report could not be read or merged; 2 the command line is wrong.`;

export const mergeReportsCommand: Command = {
  name: "merge-reports",
  summary: "Merge per-template or per-shard matrix.json files into reports/matrix.{json,md}",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { "report-dir": { type: "string" }, "job-started": { type: "string" } }, usage, true);
    if (!positionals.length) throw new UsageError("no matrix.json given.", usage);
    const jobStarted = values["job-started"] === undefined ? undefined : new Date(values["job-started"]);
    if (jobStarted && Number.isNaN(jobStarted.getTime())) throw new UsageError(`--job-started ${values["job-started"]} is not a time (ISO 8601, like 2026-11-29T15:40:00Z).`, usage);
    const reportDir = reportDirOption(values["report-dir"]);
    const read = await Promise.all(positionals.map(readReport));
    const missing = positionals.filter((_, index) => !read[index]);
    for (const file of missing) process.stderr.write(`dockerize-python: no report at ${file}: that run failed before writing one (see its output above)\n`);
    const reports = read.filter((report) => report !== undefined);
    if (jobStarted) for (const line of describeMergedRuns(reports, jobStarted)) process.stdout.write(`${line}\n`);
    const merged = mergeReports(reports);
    // A template whose run wrote no report is a hole in the matrix: the merged report says so.
    if (missing.length) {
      merged.complete = false;
      const reason = `no report from ${missing.join(", ")}`;
      merged.incomplete = {
        reason: merged.incomplete ? `${merged.incomplete.reason}; ${reason}` : reason,
        cellsNotFinished: merged.incomplete?.cellsNotFinished ?? [],
      };
    }
    const files = await writeReport(merged, reportDir);
    process.stdout.write(`${summarizeReport(merged, { merged: true })}\nReports: ${files.markdownFile}\n         ${files.jsonFile}\n`);
    return merged.complete && merged.cells.every((cell) => cell.status !== "fail") ? 0 : 1;
  },
};

/** The report in `file`; undefined when there is none. A file that is there but unreadable is an error. */
async function readReport(file: string): Promise<MatrixReport | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as MatrixReport;
  } catch (error) {
    throw new ExplainedError(`The report ${file} is not valid JSON: ${(error as Error).message}\nFix: run the matrix that writes it again.`);
  }
}
