import { closestBase, type ImageFacts, inspectImage, inspectImages } from "../docker/inspect-image.ts";
import type { CellReport, CheckResult } from "../report/report-types.ts";
import { roundSeconds } from "../report/round-seconds.ts";
import type { BuildEnvironment } from "../sources/build-environment.ts";
import type { BuiltCellImage } from "./build-cell-images.ts";
import { baseImagePlatform, type ResolveImage, usesGoModules } from "./cell-build-args.ts";
import { type CellToVerify, cellImageName } from "./cell-to-verify.ts";

/**
 * The cell's report before anything is built: what it is, the base images it builds on (as
 * `resolve` names them) and its sources; it fails until its checks say otherwise.
 */
export function newCellReport(cell: CellToVerify, resolve: ResolveImage, environment: BuildEnvironment): CellReport {
  return {
    id: cell.id,
    template: cell.template.name,
    templateVersion: cell.template.version,
    python: cell.python,
    variant: cell.variant.id,
    dependencyStyle: cell.dependencyStyle,
    appKind: cell.appKind,
    platform: cell.platform ?? cell.template.manifest.platforms[0]!,
    image: cellImageName(cell),
    baseImages: Object.fromEntries(Object.entries(cell.baseImages).map(([arg, ref]) => [arg, resolve(ref, baseImagePlatform(cell, arg))])),
    sources: environment.cellSources(Boolean(cell.dependencyStyle), usesGoModules(cell)),
    sizeBytes: null,
    sizeBudgetBytes: cell.sizeBudgetBytes,
    layers: null,
    addedLayers: null,
    addedBytes: null,
    user: null,
    buildSeconds: null,
    status: "fail",
    reason: null,
    checks: [],
  };
}

/** Records the built image: its build time, size and user, and its layers against the base it was built FROM. */
export async function recordImage(report: CellReport, image: BuiltCellImage): Promise<ImageFacts> {
  report.buildSeconds = roundSeconds(image.seconds);
  const facts = await inspectImage(image.tag);
  report.sizeBytes = facts.sizeBytes;
  report.user = facts.user;
  const base = closestBase(facts, await inspectImages(Object.values(report.baseImages)));
  report.layers = facts.layers.length;
  report.addedLayers = base ? facts.layers.length - base.layers.length : null;
  report.addedBytes = base ? facts.sizeBytes - base.sizeBytes : null;
  return facts;
}

/** The part of a report its verdict is: the checks, the status and why. */
type Verdict = Pick<CellReport, "checks" | "status" | "reason">;

/**
 * Records the checks of a built cell: it passes when none fails (a skip is no failure) and one at
 * least ran; with every one skipped (`verify --check` of one the app cannot take) it is a skip.
 */
export function recordChecks<Report extends Verdict>(report: Report, results: readonly CheckResult[]): Report {
  report.checks.push(...results);
  const failed = results.filter((check) => check.status === "fail");
  const ran = results.some((check) => check.status !== "skip");
  report.status = failed.length ? "fail" : ran ? "pass" : "skip";
  report.reason = failed.length ? `failed: ${failed.map((check) => check.name).join(", ")}` : ran ? null : `no check ran: ${results.map((check) => check.name).join(", ")} ${results.length === 1 ? "was" : "were"} skipped`;
  return report;
}

/**
 * Records a cell that ended before its image could be checked: its static checks' results (the
 * others not run), `status` and why; a static check that failed fails it.
 */
export function recordEarlyEnd<Report extends Verdict>(report: Report, results: readonly CheckResult[], status: "fail" | "skip", reason: string): Report {
  report.checks.push(...results);
  report.status = results.some((check) => check.status === "fail") ? "fail" : status;
  report.reason = reason;
  return report;
}

