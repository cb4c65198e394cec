import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { renderMarkdown } from "./render-markdown.ts";
import type { MatrixReport } from "./report-types.ts";

export interface ReportFiles {
  jsonFile: string;
  markdownFile: string;
}

/**
 * Writes `<reportDir>/matrix.json` (the MatrixReport, for machines) and `<reportDir>/matrix.md`
 * (for people). Each file is replaced atomically, so a reader never sees half a report.
 */
export async function writeReport(report: MatrixReport, reportDir: string): Promise<ReportFiles> {
  const dir = resolve(reportDir);
  await mkdir(dir, { recursive: true });
  const jsonFile = join(dir, "matrix.json");
  const markdownFile = join(dir, "matrix.md");
  await writeFileAtomically(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomically(markdownFile, renderMarkdown(report));
  return { jsonFile, markdownFile };
}

/** Writes beside the target, then renames over it: a rename within one folder is atomic. */
async function writeFileAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
