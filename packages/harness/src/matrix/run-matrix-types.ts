import type { CellReport, MatrixReport, Mode } from "../report/report-types.ts";
import type { ReportFiles } from "../report/write-report.ts";
import type { Cell } from "./cell.ts";

export interface RunMatrixOptions {
  /** The folder whose subfolders each hold a template (template.json, package.json, files/). */
  templatesDir: string;
  /** The app every template is proven against (the repository's sample-app/). */
  appDir: string;
  /** Where matrix.json and matrix.md are written. */
  reportDir: string;
  /** Only these templates' cells; all templates when absent or empty. */
  templates?: string[];
  /**
   * Only the cells whose id matches one of these patterns (`*` matches any run of characters,
   * e.g. `slim-uwsgi/py3.13-*`); every cell of the selected templates when absent or empty.
   */
  cells?: string[];
  /** auto: online when the base images and the package index can be reached, hermetic otherwise. */
  mode: "auto" | Mode;
  /** What the app must answer at `/`; the sample app's greeting when absent. */
  expectedGreeting?: string;
  /** Aborting stops the run after the current step; the report is written marked incomplete. */
  signal?: AbortSignal;
}

/** What the run reports as it goes, for a progress display. */
export type MatrixProgressEvent =
  | { kind: "phase"; message: string }
  /** `index` is 0-based; `total` is the number of cells in the run. */
  | { kind: "cell-start"; cell: Cell; index: number; total: number }
  /** What the cell is doing now, e.g. "building...", "checking non-root...". */
  | { kind: "cell-step"; cell: Cell; message: string }
  | { kind: "cell-done"; cell: Cell; report: CellReport; index: number; total: number }
  /** A line worth showing that belongs to no cell (a stand-in being built, say). */
  | { kind: "log"; message: string };

export type MatrixProgressListener = (event: MatrixProgressEvent) => void;

export interface MatrixRunResult extends ReportFiles {
  report: MatrixReport;
}
