import { imageSpdxSbom, ensureSyft, syftName } from "../sbom/syft.ts";
import { spdxPackages } from "../sbom/image-spdx.ts";
import { type ImageInstalled, listImageInstalled } from "../sbom/installed-packages.ts";
import { compareSbomWithInstalled, describePackage, type SbomCompleteness } from "../sbom/sbom-completeness.ts";
import { runResourceName } from "../stack/run-labels.ts";
import { type Check, type CheckContext, type CheckOutcome, fail, pass, skip } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/** How many missing packages a failure names before it says how many more. */
const shownAtMost = 20;

/**
 * The image's SBOM (SPDX JSON, written by syft from the image in the engine, as
 * `dockerize-python sbom` writes it) lists every package the image's own tools say it has
 * installed, with the same version: each installed dpkg package (apk's on Alpine) and each
 * distribution the image's Python (the venv's) finds. syft is built from the Go module proxy: a run
 * without one skips, saying so.
 */
export const sbomComplete: Check<Pick<CheckContext, "image" | "cellId" | "run" | "log" | "goModules">> = failOnContainerProblem(async (context) => {
  if (context.goModules.kind === "none") {
    return skip(
      `${syftName}, which writes the SBOM, is built from the Go module proxy, and this run has none (${context.goModules.reason}). ` +
        "Run where go env GOPROXY answers (--mode auto or online) to prove the SBOM complete.",
    );
  }
  const syft = await ensureSyft(context.log);
  const started = performance.now();
  const [sbom, installed] = await Promise.all([
    imageSpdxSbom(syft, context.image),
    listImageInstalled({ image: context.image, run: context.run, name: runResourceName(context.run, `${context.cellId}-sbom-installed`) }),
  ]);
  const listed = spdxPackages(sbom);
  return judgeSbomCompleteness(compareSbomWithInstalled(listed, installed.packages), installed, { listed: listed.length, seconds: (performance.now() - started) / 1000 });
});

/** The verdict on a comparison (pure): fail naming each package the SBOM misses or lists with another version. */
export function judgeSbomCompleteness(result: SbomCompleteness, installed: Pick<ImageInstalled, "osPackages" | "python">, facts: { listed: number; seconds: number }): CheckOutcome {
  const { counted } = result;
  const os = installed.osPackages === "none" ? "no OS package database (neither dpkg nor apk)" : `${counted[installed.osPackages === "dpkg" ? "deb" : "apk"]} ${installed.osPackages} packages`;
  const python = installed.python
    ? `${counted.python} Python distributions of ${installed.python.prefix}${installed.python.venv ? " (a venv)" : " (not a venv)"}`
    : "no Python on PATH";
  const measured = `the image has ${os} and ${python}; the SBOM (${syftName}, SPDX JSON, ${facts.seconds.toFixed(1)} s) lists ${facts.listed} OS packages and Python distributions`;
  const problems = [
    ...result.missing.map((item) => `${describePackage(item)}: missing`),
    ...result.otherVersion.map((item) => `${describePackage(item)}: listed only as ${item.listed.join(", ")}`),
  ];
  if (counted.deb + counted.apk + counted.python === 0) return fail(`${measured}: nothing installed was found to compare, so nothing was proved`);
  if (problems.length === 0) return pass(`${measured}, every installed one with its version`);
  const shown = problems.slice(0, shownAtMost).join("; ");
  return fail(
    `the SBOM misses ${problems.length} installed package(s): ${shown}${problems.length > shownAtMost ? `; and ${problems.length - shownAtMost} more` : ""}; ${measured}. ` +
      "Fix: install every package so that its metadata is where package tools look: OS packages with apt or apk (not unpacked by hand, and /var/lib/dpkg or /lib/apk/db kept), " +
      "Python distributions with pip into the venv's site-packages as .dist-info directories (not zipped, vendored or copied without their metadata); " +
      "a scanner that cannot see a package cannot report its vulnerabilities.",
  );
}
