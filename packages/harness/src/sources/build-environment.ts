import type { Platform } from "../docker/platform.ts";
import type { GoModuleSource } from "../hermetic/standins.ts";
import type { VariantNeeds } from "../manifest/schema.ts";
import type { MatrixReport } from "../report/report-types.ts";
import type { CellSources, RequestedMode, Sources } from "./sources.ts";

/**
 * Where a run gets its base images, Python packages and Go modules (see sources.ts), made ready:
 * images pulled or stand-ins built, the local package index served when it is the source.
 * Templates see the difference only in the build args and build secrets they are given.
 */
export interface BuildEnvironment {
  requestedMode: RequestedMode;
  sources: Sources;
  /** The local image to use where a template names `official`, built for `platform` (the engine's own when absent, or named). */
  imageFor(official: string, platform?: Platform): string;
  /** Why the image for `official` (on `platform`, as imageFor) could not be made (its stand-in did not build, say), or undefined. */
  imageProblem(official: string, platform?: Platform): string | undefined;
  /**
   * Values for the package-index build args of a variant built on `baseImages`: pip's index URL and,
   * for a plain-HTTP index, the host pip may trust. None when pip's default index (PyPI) serves.
   */
  packageIndexFor(baseImages: readonly string[]): { url: string; trustedHost?: string } | undefined;
  /** This machine's Go module proxy (the GOPROXY and GOSUMDB build args) when it serves this run; none otherwise. */
  goProxy: GoModuleSource | undefined;
  /** This machine's CA bundle, given to every build as the `ca_bundle` secret; none when there is none. */
  caBundle: string | undefined;
  /** Why a variant with these needs cannot be built with this run's sources, or undefined when it can. */
  unmetNeed(needs: VariantNeeds | undefined): string | undefined;
  /** The sources a cell on these base images used: Python packages when it installs any, Go modules when it builds any. */
  cellSources(usesPython: boolean, usesGo: boolean): CellSources;
  /** What the local sources built or reused, for the report; null when none was used. */
  summary: MatrixReport["localSources"];
  close(): Promise<void>;
}
