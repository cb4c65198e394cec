import type { Platform } from "../docker/platform.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { AppKind, CheckName, DependencyStyle, Variant, VariantNeeds } from "../manifest/schema.ts";

/** One template variant to build and verify: the unit of the matrix and of its report. */
export interface Cell {
  /**
   * `<template>/<variant>`, then `-<dependency style>` for a template with styles, then
   * `-<app kind>` for a template that serves several kinds of app, then `-<arch>` for a cell of an
   * emulated platform.
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
   * What the cell needs beyond the stand-ins and the local package index: its variant's needs and
   * its dependency style's (dependency-style-needs.ts). Unmet in a run, the cell is a skip.
   */
  needs: VariantNeeds | undefined;
  /**
   * Every build arg of an online build: the manifest's defaults, then the variant's own values,
   * then its base images. Hermetic mode overrides the base-image and package-index ones.
   */
  buildArgs: Record<string, string>;
  /** The variant's base images, by build arg. */
  baseImages: Record<string, string>;
  /**
   * The platform its image is built and run for (`--platform`), when it is one the manifest lists
   * after the first, emulated here; undefined for the first, the engine's own (built and run without
   * --platform, named as before platforms existed).
   */
  platform: Platform | undefined;
  sizeBudgetBytes: number;
  checks: CheckName[];
}
