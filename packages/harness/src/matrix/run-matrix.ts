import { type AppAdaptation, appAdaptation } from "./app-adaptation.ts";
import { join } from "node:path";
import { assertDockerEngine } from "../docker/assert-docker-engine.ts";
import { countOf } from "../report/count-statuses.ts";
import type { BuildEnvironment } from "../sources/build-environment.ts";
import { prepareBuildEnvironment } from "../sources/prepare-build-environment.ts";
import { discoverTemplates } from "../manifest/discover-templates.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { CellReport, MatrixReport } from "../report/report-types.ts";
import { writeReport } from "../report/write-report.ts";
import { ExplainedError } from "../explained-error.ts";
import { buildProvenance } from "../labels/build-provenance.ts";
import { assertPortFree } from "../stack/free-port.ts";
import { leftoverRemovalCommands, newRunIdentity, removeRunResources, runLabelKey } from "../stack/run-labels.ts";
import type { AppProbe } from "../stack/app-probe.ts";
import type { Platform } from "../docker/platform.ts";
import type { Cell } from "./cell.ts";
import { assertCellApps, cellAppDir } from "./cell-apps.ts";
import { expandMatrix } from "./expand-matrix.ts";
import type { MatrixProgressListener, MatrixRunResult, RunMatrixOptions } from "./run-matrix-types.ts";
import type { CellToVerify } from "./cell-to-verify.ts";
import { runCells } from "./run-cells.ts";
import { selectChecks } from "./select-checks.ts";
import { verifyCell } from "./verify-cell.ts";
import { imageDemands } from "./image-demands.ts";
import { takeShard } from "./shard-cells.ts";

/** What the sample app answers at `/`; an app given with --app may answer something else. */
export const sampleAppGreeting = "Hello World From Docker!";

/** How the checks know the sample app serves: GET / answers its greeting and the PostgreSQL version. */
export const sampleAppProbe: AppProbe = { path: "/", text: sampleAppGreeting, showsDatabaseVersion: true };

/**
 * Builds and verifies every cell of the matrix, `options.jobs` at a time (see runCells), and writes
 * the report (its cells in the matrix's order). Everything the user gave (manifests, names, patterns, the app, a port) is
 * checked before anything starts. An abort stops after the current step; an error stops the run;
 * either way the report lists the cells that finished, marked incomplete with the reason and the
 * cells that did not. Whatever the run started is removed, even on failure.
 */
export async function runMatrix(options: RunMatrixOptions, progress: MatrixProgressListener): Promise<MatrixRunResult> {
  const startedAt = new Date().toISOString();
  const templates = await discoverTemplates(options.templatesDir);
  // The checks are judged against every selected cell, whichever shard runs them.
  const sharded = takeShard(selectChecks(selectCells(selectPlatforms(expandMatrix(templates, options.templates), options.platforms ?? []), options.cells ?? []), options.checks), options.shard);
  const cells = sharded.cells.map((cell) => withCompanions(cell, templates));
  await assertCellApps(cells, options.appDirs);
  // The matrix stages the templates' files unadapted, so it supplies what `new` would have written
  // for each app; `verify` gives the app's own environment, and its files are adapted already.
  const adaptations = new Map<string, AppAdaptation>();
  for (const appDir of new Set(cells.map((cell) => cellAppDir(cell, options.appDirs)!))) {
    adaptations.set(appDir, options.appEnv === undefined ? await appAdaptation(appDir) : { appEnv: options.appEnv, proxyBuildArgs: {} });
  }
  if (options.proxyPort !== undefined && (options.jobs ?? 1) > 1) {
    throw new ExplainedError(`A fixed proxy port (${options.proxyPort}) is one cell's at a time, and this run would verify ${options.jobs} cells side by side.\nFix: run with --jobs 1 beside --proxy-port, or leave --proxy-port out (each proxy then gets a free port).`);
  }
  if (options.proxyPort !== undefined) await assertPortFree(options.proxyPort, "the proxy (Caddy) of each cell", "--proxy-port");
  const engine = await assertDockerEngine();
  const log = (message: string) => progress({ kind: "log", message });
  const run = options.run ?? newRunIdentity();

  progress({ kind: "phase", message: `${cells.length} cells from ${new Set(cells.map((c) => c.template.name)).size} templates; engine ${engine}; run ${run.id} (label ${runLabelKey}=${run.id})` });
  const reports: CellReport[] = [];
  let environment: BuildEnvironment | undefined;
  let stoppedBecause: string | undefined;
  let failure: unknown;
  try {
    progress({ kind: "phase", message: `finding where base images, Python packages and Go modules come from (--mode ${options.mode}), and preparing them` });
    environment = await prepareBuildEnvironment(options.mode, imageDemands(cells), log);
    const ready = environment;
    // One build time for the whole run (the onbuild base's labels carry it: its cells then share
    // one base image), and each app's own commit.
    const startedBuilding = new Date();
    const provenances = new Map(await Promise.all([...adaptations.keys()].map(async (dir) => [dir, await buildProvenance(dir, startedBuilding)] as const)));
    const jobs = options.jobs ?? 1;
    await runCells(cells, { jobs, signal: options.signal, progress, done: (report) => reports.push(report) }, (cell, signal) => {
      const appDir = cellAppDir(cell, options.appDirs)!;
      const adaptation = adaptations.get(appDir)!;
      return verifyCell(cell, {
        appDir,
        environment: ready,
        run,
        provenance: provenances.get(appDir)!,
        logDir: join(options.reportDir, "logs"),
        probe: options.probe ?? sampleAppProbe,
        // The sample app's static folder; null (an app without one) is kept.
        staticDir: options.staticDir === undefined ? "static" : options.staticDir,
        appEnv: adaptation.appEnv,
        proxyBuildArgs: adaptation.proxyBuildArgs,
        skipChecks: options.skipChecks,
        checksSelected: options.checks,
        step: (message) => progress({ kind: "cell-step", cell, message }),
        proxyPort: options.proxyPort,
        jobs,
        signal,
      });
    });
  } catch (error) {
    if (options.signal?.aborted) {
      stoppedBecause = abortReason(options.signal);
    } else {
      stoppedBecause = `stopped by an error: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`;
      failure = error;
    }
  } finally {
    progress({ kind: "phase", message: "removing the run's containers and networks" });
    await environment?.close();
    // A failed cleanup (the engine gone, say) is reported, never allowed to lose the report.
    const cleanup = await removeRunResources(run).catch((error: unknown) => ({ removed: 0, problems: [`the run's resources: ${String(error)}`] }));
    for (const problem of cleanup.problems) log(`could not remove ${problem}`);
    if (cleanup.problems.length) log(`remove what is left by hand:\n      ${leftoverRemovalCommands(run).join("\n      ")}`);
  }

  const report: MatrixReport = {
    requestedMode: options.mode,
    sources: environment?.sources ?? null,
    startedAt,
    finishedAt: new Date().toISOString(),
    complete: stoppedBecause === undefined,
    ...(stoppedBecause === undefined ? {} : { incomplete: { reason: stoppedBecause, cellsNotFinished: cells.filter((cell) => !reports.some((report) => report.id === cell.id)).map((cell) => cell.id) } }),
    engine,
    ...(options.checks?.length ? { checksSelected: options.checks } : {}),
    localSources: environment?.summary ?? null,
    // In the matrix's order, however the cells finished.
    cells: cells.flatMap((cell) => reports.filter((report) => report.id === cell.id)),
    ...(sharded.shard ? { shard: sharded.shard } : {}),
  };
  const files = await writeReport(report, options.reportDir);
  if (failure !== undefined) {
    log(`the report of the ${countOf(reports.length, "cell")} that finished, marked incomplete: ${files.markdownFile}`);
    throw failure;
  }
  return { report, ...files };
}

/** What an abort's reason says, for the report: a string or an Error's message; "interrupted" otherwise. */
function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === "string" && reason) return reason;
  // AbortController.abort() with no reason gives a DOMException named AbortError, whose message says nothing.
  if (reason instanceof Error && reason.name !== "AbortError" && reason.message) return reason.message;
  return "interrupted";
}

/** The cells matching any of `patterns` (all of them when there is none); none matching is an error. */
export function selectCells<C extends Pick<Cell, "id">>(cells: readonly C[], patterns: readonly string[]): C[] {
  if (!patterns.length) return [...cells];
  const matchers = patterns.map((pattern) => new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`));
  const selected = cells.filter((cell) => matchers.some((matcher) => matcher.test(cell.id)));
  if (!selected.length) {
    // A pattern whose template part names a template: that template's cells, not all of the matrix's.
    const ofNamedTemplates = cells.filter((cell) => patterns.some((pattern) => pattern.includes("/") && cell.id.startsWith(`${pattern.split("/")[0]}/`)));
    const listed = ofNamedTemplates.length ? ofNamedTemplates : cells;
    throw new ExplainedError(
      `No cell matches ${patterns.map((p) => `"${p}"`).join(", ")}.\nFix: use one of${ofNamedTemplates.length ? " that template's cells" : ""}: ${listed.map((cell) => cell.id).join(", ")} (a * matches any part: ${listed[0]!.id.split("/")[0]}/*)`,
    );
  }
  return selected;
}

/** The cells built for one of `platforms` (a cell without one: its manifest's first); all of them when there is none. */
export function selectPlatforms<C extends Pick<Cell, "platform" | "template">>(cells: readonly C[], platforms: readonly Platform[]): C[] {
  if (!platforms.length) return [...cells];
  return cells.filter((cell) => platforms.includes(cell.platform ?? cell.template.manifest.platforms[0]!));
}

/** Adds to a cell the templates its manifest names as companions and as its proxy. */
function withCompanions(cell: Cell, templates: readonly LoadedTemplate[]): CellToVerify {
  const named = (name: string) => {
    const found = templates.find((template) => template.name === name);
    if (!found) throw new ExplainedError(`${cell.template.name}'s manifest names "${name}", which is not a template in this run's templates folder`);
    return found;
  };
  const manifest = cell.template.manifest;
  return {
    ...cell,
    companions: manifest.companions.map(named),
    proxy: manifest.kind === "app" && manifest.stack ? named(manifest.stack.proxy) : undefined,
  };
}
