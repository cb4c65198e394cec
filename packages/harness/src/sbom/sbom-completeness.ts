/**
 * Whether an SBOM lists everything an image has installed: each package its OS package database
 * records (dpkg's, or apk's on Alpine) and each Python distribution its interpreter finds, by name and
 * version. Pure: the SBOM and the image's own listing are read elsewhere (image-spdx.ts,
 * installed-packages.ts).
 */

/** The kinds of package compared: what dpkg, apk and Python's importlib.metadata each name. */
export type PackageKind = "deb" | "apk" | "python";

export interface InstalledPackage {
  kind: PackageKind;
  name: string;
  version: string;
}

export interface SbomCompleteness {
  /** Installed, and in the SBOM under neither its name nor any version. */
  missing: InstalledPackage[];
  /** In the SBOM, but only with other versions (listed after the installed one). */
  otherVersion: Array<InstalledPackage & { listed: string[] }>;
  /** How many of each kind the image has (what a pass says was proved). */
  counted: Record<PackageKind, number>;
}

/**
 * Compares what the image has installed with what the SBOM lists. A Python name is compared as
 * PEP 503 normalizes it (`Flask_SQLAlchemy` is `flask-sqlalchemy`); a Debian or Alpine package name
 * as it is. The SBOM may list more (system site-packages, Go modules of a binary): only what is
 * missing from it fails.
 */
export function compareSbomWithInstalled(listed: readonly InstalledPackage[], installed: readonly InstalledPackage[]): SbomCompleteness {
  const versions = new Map<string, Set<string>>();
  for (const item of listed) {
    const key = packageKey(item);
    versions.set(key, (versions.get(key) ?? new Set()).add(item.version));
  }
  const missing: InstalledPackage[] = [];
  const otherVersion: SbomCompleteness["otherVersion"] = [];
  const counted: Record<PackageKind, number> = { deb: 0, apk: 0, python: 0 };
  for (const item of installed) {
    counted[item.kind] += 1;
    const known = versions.get(packageKey(item));
    if (!known) missing.push(item);
    else if (!known.has(item.version)) otherVersion.push({ ...item, listed: [...known].sort() });
  }
  return { missing, otherVersion, counted };
}

/** PEP 503's normalized name: lower case, each run of `-`, `_` and `.` one `-`. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function packageKey(item: InstalledPackage): string {
  return `${item.kind}\t${item.kind === "python" ? normalizePythonName(item.name) : item.name}`;
}

/** `deb libssl3 3.0.17-1~deb12u2` for a message. */
export function describePackage(item: InstalledPackage): string {
  return `${item.kind} ${item.name} ${item.version}`;
}
