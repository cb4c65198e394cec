import { join } from "node:path";
import { platformTagSuffix } from "../docker/platform.ts";
import type { BuildProvenance } from "../labels/build-provenance.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { CheckName } from "../manifest/schema.ts";
import type { BuildEnvironment } from "../sources/build-environment.ts";
import type { AppProbe } from "../stack/app-probe.ts";
import type { RunIdentity } from "../stack/run-labels.ts";
import type { Cell } from "./cell.ts";

/** A cell with the templates it needs beside it. */
export interface CellToVerify extends Cell {
  /** The templates named in the manifest's `companions`, whose files are laid out with it. */
  companions: LoadedTemplate[];
  /** The proxy template an app is verified behind (one of the companions). */
  proxy: LoadedTemplate | undefined;
}

export interface VerifyCellOptions {
  appDir: string;
  environment: BuildEnvironment;
  run: RunIdentity;
  /**
   * When and from which commit the images are built (their OCI labels; the oci-labels check reads
   * them back): the run's, one for all its cells, so that the cells of one template variant build
   * the same base (onbuild's, which its app stage inherits BUILD_DATE from; onbuild-child pushes it once a run).
   */
  provenance: BuildProvenance;
  /** Build logs go here, one file per image. */
  logDir: string;
  /** How the checks know the app serves (see CheckContext.probe). */
  probe: AppProbe;
  /** The app's static folder, relative to its root; null when it has none (see CheckContext.staticDir). */
  staticDir: string | null;
  /** Progress within the cell: "building", "check non-root", ... */
  step(message: string): void;
  /** Publish the stack's proxy on this host port (a user's --proxy-port); a free port when absent. */
  proxyPort?: number;
  /** Environment for the stack's app container (a user's WSGI_APP, say); its WSGI_APP also the compose project's. */
  appEnv?: Record<string, string>;
  /** Build args of the app's proxy beside the template's (a Django app's STATIC_ROOT), also given to the compose project. */
  proxyBuildArgs?: Record<string, string>;
  /** Checks reported as skip with this reason instead of run (they need something the app lacks). */
  skipChecks?: Partial<Record<CheckName, string>>;
  /** The checks `--check` selected, which narrowed the cell's (see selectChecks): named when that left it none. */
  checksSelected?: readonly CheckName[];
  /**
   * How many checks of the cell run side by side, beside the lane of those that use the staged app
   * (see runCellChecks); 1 (the default): every check in turn.
   */
  jobs?: number;
  /** Aborted: the cell stops at its next step (a running docker command is stopped at once). */
  signal?: AbortSignal;
}

/**
 * A step could not give the cell what its checks need (the Pipfile did not lock, an image did not
 * build): the cell fails with `reason`, its static checks still run, and the others are reported
 * as not run because of `notRun`.
 */
export class CellEndedEarly extends Error {
  readonly notRun: string;

  constructor(reason: string, notRun: string) {
    super(reason);
    this.name = "CellEndedEarly";
    this.notRun = notRun;
  }
}

/** The image a cell builds: `dockerize-python-cell/<template>:<variant>[-<dependency style>][-<arch>]`. */
export function cellImageName(cell: Cell): string {
  return `dockerize-python-cell/${cell.template.name}:${cell.variant.id}${cell.dependencyStyle ? `-${cell.dependencyStyle}` : ""}${platformTagSuffix(cell.platform)}`;
}

/** Where a log of the cell's goes: `<cell>.log` for its build, `<cell>--<what>.log` beside it for the others. */
export function cellLogFile(logDir: string, cell: Cell, what?: string): string {
  return join(logDir, `${cell.id.replace("/", "--")}${what === undefined ? "" : `--${what}`}.log`);
}
