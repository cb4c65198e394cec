/**
 * Where a run gets each kind of thing it builds from, each decided on its own: base images (a
 * registry, else stand-ins made here from Debian), Python packages (pip's default index, PyPI, or
 * the index this machine's pip is configured with, else the local index made from Debian), and Go
 * modules (the Go module proxy this machine's go command is configured with, else none: what
 * needs them is skipped with the reason).
 */

/** What the user asked for (--mode): auto detects each source; online and hermetic force all of them. */
export const requestedModes = ["auto", "hermetic", "online"] as const;
export type RequestedMode = (typeof requestedModes)[number];

export type BaseImageSource = "registry" | "stand-ins";
export type PythonPackageSource = "pypi" | "configured-index" | "local-index";
export type GoModuleSource = "proxy" | "none";

export interface SourceChoice<Kind extends string> {
  kind: Kind;
  /** Why: forced by --mode, or what detection found. */
  reason: string;
}

export interface Sources {
  baseImages: SourceChoice<BaseImageSource>;
  pythonPackages: SourceChoice<PythonPackageSource>;
  goModules: SourceChoice<GoModuleSource>;
}

/** The sources that served one cell: only the kinds it used. */
export interface CellSources {
  baseImages: BaseImageSource;
  pythonPackages?: PythonPackageSource;
  goModules?: GoModuleSource;
}

/** Each source as a person reads it, without naming any host. */
export const sourceLabels = {
  registry: "registry",
  "stand-ins": "stand-ins (from Debian)",
  pypi: "PyPI",
  "configured-index": "this machine's pip index",
  "local-index": "local index (from Debian)",
  proxy: "Go module proxy",
  none: "none",
} as const satisfies Record<BaseImageSource | PythonPackageSource | GoModuleSource, string>;

/** "base images: registry; Python packages: PyPI; Go modules: Go module proxy" for one cell. */
export function describeCellSources(sources: CellSources): string {
  return [
    `base images: ${sourceLabels[sources.baseImages]}`,
    ...(sources.pythonPackages ? [`Python packages: ${sourceLabels[sources.pythonPackages]}`] : []),
    ...(sources.goModules ? [`Go modules: ${sourceLabels[sources.goModules]}`] : []),
  ].join("; ");
}

/** A run's sources in one line: "base images: stand-ins (from Debian); Python packages: PyPI; Go modules: Go module proxy". */
export function describeSources(sources: Sources): string {
  return describeCellSources({ baseImages: sources.baseImages.kind, pythonPackages: sources.pythonPackages.kind, goModules: sources.goModules.kind });
}
