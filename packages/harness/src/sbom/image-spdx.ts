import type { InstalledPackage, PackageKind } from "./sbom-completeness.ts";

/** The part of an SPDX 2.x JSON document read here. */
interface SpdxDocument {
  spdxVersion?: string;
  packages?: Array<{
    name?: string;
    versionInfo?: string;
    externalRefs?: Array<{ referenceType?: string; referenceLocator?: string }>;
  }>;
}

/** The purl types (package-url) that name the kinds compared: Debian's, Alpine's and PyPI's. */
const kindOfPurlType: Record<string, PackageKind> = { deb: "deb", apk: "apk", pypi: "python" };

/**
 * The Debian, Alpine and Python packages an SPDX JSON SBOM lists, each known by its purl's type
 * (`pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64`, `pkg:pypi/flask@3.1.1`) and named by the
 * package's own name and version. Other packages (Go modules, binaries, files) are left out.
 * Throws when the text is not an SPDX JSON document.
 */
export function spdxPackages(json: string): InstalledPackage[] {
  let document: SpdxDocument;
  try {
    document = JSON.parse(json) as SpdxDocument;
  } catch (error) {
    throw new Error(`the SBOM is not JSON: ${(error as Error).message}`);
  }
  if (!document.spdxVersion?.startsWith("SPDX-") || !Array.isArray(document.packages)) throw new Error("the SBOM is not an SPDX JSON document (no spdxVersion or packages)");
  const packages: InstalledPackage[] = [];
  for (const entry of document.packages) {
    const purl = entry.externalRefs?.find((ref) => ref.referenceType === "purl")?.referenceLocator;
    const kind = purl ? kindOfPurlType[purl.match(/^pkg:([^/]+)\//)?.[1] ?? ""] : undefined;
    if (!kind || !entry.name || entry.versionInfo === undefined) continue;
    packages.push({ kind, name: entry.name, version: entry.versionInfo });
  }
  return packages;
}
