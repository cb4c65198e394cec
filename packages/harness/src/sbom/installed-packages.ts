import { startCheckContainer } from "../stack/check-container.ts";
import type { RunIdentity } from "../stack/run-labels.ts";
import type { InstalledPackage, PackageKind } from "./sbom-completeness.ts";

/** What an image says it has installed, asked of its own tools. */
export interface ImageInstalled {
  packages: InstalledPackage[];
  /** The OS package database read: dpkg's, apk's, or none (neither is in the image). */
  osPackages: "dpkg" | "apk" | "none";
  /** The Python whose distributions were listed: its sys.prefix and whether that is a venv; undefined when the image has none. */
  python: { prefix: string; venv: boolean } | undefined;
}

/** Each line the listing prints begins with this, so that what an entrypoint or a shell prints besides is never read as a package. */
const mark = "dp-installed";

/**
 * Lists, in a container of the image (no network, its entrypoint bypassed): `dpkg-query`'s installed
 * packages (status "installed": a removed package whose configuration remains is not installed), or
 * Alpine's /lib/apk/db/installed (what `apk info` reads); and the distributions the image's
 * `python` (its venv's, first on PATH) finds through importlib.metadata where it looks by itself:
 * its site-packages and what their .pth files add. Run isolated (-I: no PYTHON* variables, no
 * working folder on sys.path), so that the app's own folder is not taken for installed packages.
 */
const listingScript = [
  "set -e",
  `if command -v dpkg-query >/dev/null 2>&1; then echo "${mark}\tos\tdpkg"; dpkg-query -W -f='\${db:Status-Status}\t\${Package}\t\${Version}\\n' | awk -F '\\t' '$1 == "installed" { print "${mark}\tdeb\t" $2 "\t" $3 }';`,
  `elif [ -f /lib/apk/db/installed ]; then echo "${mark}\tos\tapk"; awk '/^P:/ { name = substr($0, 3) } /^V:/ { print "${mark}\tapk\t" name "\t" substr($0, 3) }' /lib/apk/db/installed;`,
  `else echo "${mark}\tos\tnone"; fi`,
  "for python in python python3; do",
  "  if command -v $python >/dev/null 2>&1; then",
  `    $python -I -c 'import importlib.metadata as m, sys
print("${mark}\\tpython-env\\t%s\\t%d" % (sys.prefix, sys.prefix != sys.base_prefix))
for d in m.distributions():
    print("${mark}\\tpython\\t%s\\t%s" % (d.metadata["Name"], d.version))'`,
  "    break",
  "  fi",
  "done",
].join("\n");

/** Runs the listing in a container of `image`; rejects with ContainerProblem when it cannot start, or an Error when it fails. */
export async function listImageInstalled(request: { image: string; run: RunIdentity; name: string }): Promise<ImageInstalled> {
  const container = await startCheckContainer({
    run: request.run,
    name: request.name,
    image: request.image,
    network: "none",
    // Whatever USER the image sets reads these databases; the entrypoint (a database wait) is not run.
    options: ["--entrypoint", "/bin/sh"],
    command: ["-c", listingScript],
  });
  try {
    const state = await container.waitForExit(120_000);
    const output = await container.logs(1_000_000);
    if (!state) throw new Error(`listing what ${request.image} has installed did not finish within 120 s:\n${output}`);
    if (state.exitCode !== 0) throw new Error(`listing what ${request.image} has installed exited ${state.exitCode}:\n${output}`);
    return parseInstalledListing(output);
  } finally {
    await container.remove();
  }
}

/** Reads the listing's marked lines (pure). */
export function parseInstalledListing(output: string): ImageInstalled {
  const packages: InstalledPackage[] = [];
  let osPackages: ImageInstalled["osPackages"] = "none";
  let python: ImageInstalled["python"];
  for (const line of output.split("\n")) {
    const [first, what, ...rest] = line.replace(/\r$/, "").split("\t");
    if (first !== mark) continue;
    if (what === "os") osPackages = rest[0] === "dpkg" || rest[0] === "apk" ? rest[0] : "none";
    else if (what === "python-env") python = { prefix: rest[0] ?? "", venv: rest[1] === "1" };
    else if ((what === "deb" || what === "apk" || what === "python") && rest[0] && rest[1] !== undefined) {
      packages.push({ kind: what satisfies PackageKind, name: rest[0], version: rest[1] });
    }
  }
  return { packages, osPackages, python };
}
