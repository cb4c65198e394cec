import type { Platform } from "../docker/platform.ts";
import type { CheckName } from "../manifest/schema.ts";
import type { CellReport, MatrixReport } from "../report/report-types.ts";
import type { RequestedMode } from "../sources/sources.ts";
import type { ReportFiles } from "../report/write-report.ts";
import type { AppProbe } from "../stack/app-probe.ts";
import type { RunIdentity } from "../stack/run-labels.ts";
import type { Cell } from "./cell.ts";
import type { AppDirs } from "./cell-apps.ts";
import type { Shard } from "./shard-cells.ts";

export interface RunMatrixOptions {
  /** The folder whose subfolders each hold a template (template.json, package.json, files/). */
  templatesDir: string;
  /**
   * The app each cell builds, by the kind of app it serves (the repository's sample apps:
   * sampleAppDirs; one app for all: oneAppForEveryKind). A proxy's cells front the first kind's.
   */
  appDirs: AppDirs;
  /** Where matrix.json and matrix.md are written. */
  reportDir: string;
  /** Only these templates' cells; all templates when absent or empty. */
  templates?: string[];
  /**
   * Only the cells whose id matches one of these patterns (`*` matches any run of characters,
   * e.g. `slim-uwsgi/py3.13-*`); every cell of the selected templates when absent or empty.
   */
  cells?: string[];
  /**
   * Only the cells built for these platforms (`--platform linux/amd64`: the matrix without its
   * emulated cells); every platform's when absent or empty. Applied before `cells`.
   */
  platforms?: Platform[];
  /**
   * Only these checks, in every selected cell that lists them; the manifests' other checks are not
   * run, and the report says so. Every check each manifest lists when absent or empty.
   */
  checks?: CheckName[];
  /** Only this shard of the selected cells (each cell's shard a hash of its id); the report records the shard. */
  shard?: Shard;
  /**
   * auto: each source detected on its own (a registry else stand-ins, PyPI or the configured index
   * else the local index, the Go module proxy else none); online and hermetic force them all.
   */
  mode: RequestedMode;
  /** How the checks know the app serves; the sample app's probe (sampleAppProbe) when absent. */
  probe?: AppProbe;
  /** The app's static folder, relative to its root, or null when it has none; `static` (the sample app's) when absent. */
  staticDir?: string | null;
  /** Environment for the app's container in each cell's stack (a user's WSGI_APP, say). */
  appEnv?: Record<string, string>;
  /**
   * Checks reported as skip with this reason instead of run: they need something the app lacks
   * (the sample app's routes, for a user's app). Never a pass.
   */
  skipChecks?: Partial<Record<CheckName, string>>;
  /**
   * How much waits side by side: this many cells at once (their builds take turns on the engine,
   * one build at a time), and in each cell this many checks at once beside the lane of those that
   * use the staged app. 1 (the default): every cell and every check in turn.
   */
  jobs?: number;
  /**
   * Publish each cell's proxy (Caddy) on this host port instead of a free one (so: one cell at a time). Checked before
   * anything starts: a port in use is a PortInUseError.
   */
  proxyPort?: number;
  /**
   * The label its containers and networks carry; a new one when absent. A caller that may quit
   * before the run cleans up (a second Ctrl-C) passes its own, to say what to remove by hand.
   */
  run?: RunIdentity;
  /**
   * Aborting stops the run after the current step; the report is written marked incomplete, with
   * the abort's reason (a string or an Error's message, e.g. "interrupted by Ctrl-C (SIGINT)").
   */
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
