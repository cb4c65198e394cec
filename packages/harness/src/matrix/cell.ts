import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { AppKind, CheckName, DependencyStyle, Variant } from "../manifest/schema.ts";

/** One template variant to build and verify: the unit of the matrix and of its report. */
export interface Cell {
  /**
   * `<template>/<variant>`, then `-<dependency style>` for a template with styles, then
   * `-<app kind>` for a template that serves several kinds of app.
   */
  id: string;
  template: LoadedTemplate;
  variant: Variant;
  /** The variant's Python (major.minor), or null for an image with no Python. */
  python: string | null;
  /** How the app declares its dependencies in this cell; null for images with no Python. */
  dependencyStyle: DependencyStyle | null;
  /** The kind of app the cell builds and serves (its sample app's); null for images that serve none (a proxy). */
  appKind: AppKind | null;
  /**
   * Every build arg of an online build: the manifest's defaults, then the variant's own values,
   * then its base images. Hermetic mode overrides the base-image and package-index ones.
   */
  buildArgs: Record<string, string>;
  /** The variant's base images, by build arg. */
  baseImages: Record<string, string>;
  sizeBudgetBytes: number;
  checks: CheckName[];
}
