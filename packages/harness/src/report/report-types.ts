import type { CheckName } from "../manifest/schema.ts";
import type { CellSources, RequestedMode, Sources } from "../sources/sources.ts";

export type Status = "pass" | "fail" | "skip";

export interface CheckResult {
  name: CheckName;
  status: Status;
  /** What was measured (pass), what went wrong (fail) or why it did not run (skip). */
  detail: string;
  /**
   * Its wall time (0 for one not run; absent in reports of earlier versions). Checks run side by
   * side, so a cell's add up to more than its time.
   */
  seconds?: number;
}

/** Where a cell's wall time went, in seconds; null for a step it did not reach. */
export interface CellTiming {
  /** From the cell's start to its result. */
  totalSeconds: number;
  /** Staging the app with the template's files (and, for pipenv, locking the Pipfile). */
  stageSeconds: number | null;
  /** Waiting for other builds on the engine before the cell's own image and proxy could build (one build at a time). */
  buildWaitSeconds: number;
  /** The proxy image built for the app's stack (the image's own build is CellReport.buildSeconds). */
  proxyBuildSeconds: number | null;
  /** The stack (PostgreSQL, app, proxy) from start to healthy, paid by the first check that uses it. */
  stackStartSeconds: number | null;
  /** From the first check's start to the last one's end. */
  checksSeconds: number | null;
}

/** One cell of the matrix: a template variant built and verified. */
export interface CellReport {
  /** `<template>/<variant>`. */
  id: string;
  template: string;
  templateVersion: string;
  python: string | null;
  variant: string;
  /** How the app declared its dependencies in this cell (requirements, pipenv, pyproject). */
  dependencyStyle: string | null;
  /** The kind of app the cell served (wsgi, asgi, django); null for a proxy; absent in reports of earlier versions. */
  appKind?: string | null;
  /** The platform its image was built and run for (linux/arm64 under emulation); absent in reports of earlier versions. */
  platform?: string;
  /** The image tag the harness built. */
  image: string;
  /** The base images the build used, by build arg (stand-ins when they are the source). */
  baseImages: Record<string, string>;
  /** Where this cell's base images, Python packages and Go modules came from (the kinds it used). */
  sources: CellSources;
  sizeBytes: number | null;
  sizeBudgetBytes: number;
  /** How many layers the image has, and how many (and how many bytes) it adds over its base. */
  layers: number | null;
  addedLayers: number | null;
  addedBytes: number | null;
  /** The configured user of the image, as `docker inspect` shows it. */
  user: string | null;
  buildSeconds: number | null;
  /** Where the cell's time went (absent in reports of earlier versions). */
  timing?: CellTiming;
  status: Status;
  /** Why the cell failed or was skipped; null on pass. */
  reason: string | null;
  checks: CheckResult[];
}

export interface MatrixReport {
  /** What was asked: auto (each source detected), online or hermetic (all forced). */
  requestedMode: RequestedMode;
  /** Where base images, Python packages and Go modules came from, and why; null when the run stopped before deciding. */
  sources: Sources | null;
  startedAt: string;
  finishedAt: string;
  /** False when the run was interrupted: the cells listed are the ones that finished. */
  complete: boolean;
  /** Present when `complete` is false: why the run stopped early and which selected cells did not finish. */
  incomplete?: IncompleteRun;
  engine: string;
  /** Present when the run was told to run only these checks (--check): the manifests' others did not run. */
  checksSelected?: CheckName[];
  /** Stand-ins and local package indexes the run used: built or reused, and their names; null when it used none. */
  localSources: { standins: StandinUse[]; packageIndexes: Array<{ suite: string; reused: boolean; packages: number }> } | null;
  cells: CellReport[];
  /** Present when the run was one shard of the selected cells (`matrix --shard index/count`). */
  shard?: ShardOfRun;
}

/** A stand-in a run used for an official image a template names. */
export interface StandinUse {
  /** The reference as the template names it, digest and all. */
  official: string;
  image: string;
  reused: boolean;
  /** Present when `official` is pinned by digest: why the stand-in cannot honour it (absent in reports of earlier versions). */
  digestNotHonoured?: string;
}

/** Which shard a run was, and the cells of the whole selection in every shard. */
export interface ShardOfRun {
  /** 1..count. */
  index: number;
  count: number;
  /** `cellsByShard[i]`: the ids of shard i + 1's cells, so a merge can name what a missing shard held. */
  cellsByShard: string[][];
}

/** Why a run stopped before every cell finished, and what is therefore missing from its report. */
export interface IncompleteRun {
  /** "interrupted by Ctrl-C (SIGINT)", "stopped by an error: ...", "no report from ...". */
  reason: string;
  /** The ids of the selected cells with no result (the one running when it stopped among them). */
  cellsNotFinished: string[];
}
