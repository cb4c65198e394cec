import type { CheckName } from "../manifest/schema.ts";

export type Status = "pass" | "fail" | "skip";

export interface CheckResult {
  name: CheckName;
  status: Status;
  /** What was measured (pass), what went wrong (fail) or why it did not run (skip). */
  detail: string;
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
  /** The image tag the harness built. */
  image: string;
  /** The base images the build used, by build arg (stand-ins in hermetic mode). */
  baseImages: Record<string, string>;
  sizeBytes: number | null;
  sizeBudgetBytes: number;
  /** How many layers the image has, and how many (and how many bytes) it adds over its base. */
  layers: number | null;
  addedLayers: number | null;
  addedBytes: number | null;
  /** The configured user of the image, as `docker inspect` shows it. */
  user: string | null;
  buildSeconds: number | null;
  status: Status;
  /** Why the cell failed or was skipped; null on pass. */
  reason: string | null;
  checks: CheckResult[];
}

export type Mode = "hermetic" | "online";

export interface MatrixReport {
  mode: Mode;
  /** Why this mode was chosen (forced, or what auto detection found). */
  modeReason: string;
  startedAt: string;
  finishedAt: string;
  /** False when the run was interrupted: the cells listed are the ones that finished. */
  complete: boolean;
  /** Present when `complete` is false: why the run stopped early and which selected cells did not finish. */
  incomplete?: IncompleteRun;
  engine: string;
  /** Present when the run was told to run only these checks (--check): the manifests' others did not run. */
  checksSelected?: CheckName[];
  /** Stand-ins and package indexes: built or reused, and their names. */
  hermetic: { standins: Array<{ official: string; image: string; reused: boolean }>; packageIndexes: Array<{ suite: string; reused: boolean; packages: number }> } | null;
  cells: CellReport[];
}

/** Why a run stopped before every cell finished, and what is therefore missing from its report. */
export interface IncompleteRun {
  /** "interrupted by Ctrl-C (SIGINT)", "stopped by an error: ...", "no report from ...". */
  reason: string;
  /** The ids of the selected cells with no result (the one running when it stopped among them). */
  cellsNotFinished: string[];
}
