import type { MatrixReport, Mode } from "../report/report-types.ts";

/**
 * Where a matrix run gets its base images and Python packages: the official images and PyPI
 * (online), or stand-ins and a local package index (hermetic). Templates see the difference only
 * in the build args they are given.
 */
export interface BuildEnvironment {
  mode: Mode;
  modeReason: string;
  /** The local image to use where a template names `official`. */
  imageFor(official: string): string;
  /**
   * Values for the package-index build args of a variant built on `baseImages`: pip's index URL and
   * the host pip may reach over plain HTTP. Online, none: pip uses its own default index.
   */
  packageIndexFor(baseImages: readonly string[]): { url: string; trustedHost: string } | undefined;
  /** What hermetic mode built or reused, for the report; null online. */
  summary: MatrixReport["hermetic"];
  close(): Promise<void>;
}
