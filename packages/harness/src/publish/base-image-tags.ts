import semver from "semver";
import { ExplainedError } from "../explained-error.ts";
import { packageVersionProblem } from "../manifest/package-version.ts";

/**
 * The tags a base image of Python `python` is pushed under for template version `version`:
 * `<python>` (the newest for that Python), `<python>-<version>` (exactly this release) and
 * `<python>-<major>` (the newest release without breaking changes), in that order. A prerelease
 * (1.0.0-rc.1) gets only its exact tag: the moving ones are for releases.
 */
export function baseImageTags(python: string, version: string): string[] {
  const problem = packageVersionProblem(version);
  if (problem) {
    throw new ExplainedError(
      `The onbuild base image cannot be tagged with the template's version: ${problem}.\n` +
        "Fix: give the template package a semver version in its package.json (`pnpm run version-packages` writes one).",
    );
  }
  const { major, prerelease } = semver.parse(version)!;
  const exact = `${python}-${version}`;
  return prerelease.length ? [exact] : [python, exact, `${python}-${major}`];
}
