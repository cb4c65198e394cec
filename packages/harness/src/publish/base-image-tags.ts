/**
 * The tags a base image of Python `python` is pushed under for template version `version`:
 * `<python>` (the newest for that Python), `<python>-<version>` (exactly this release) and
 * `<python>-<major>` (the newest release without breaking changes), in that order. A prerelease
 * (1.0.0-rc.1) gets only its exact tag: the moving ones are for releases.
 */
export function baseImageTags(python: string, version: string): string[] {
  const parsed = version.match(/^(\d+)\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  if (!parsed) throw new Error(`"${version}" is not a semver version`);
  const exact = `${python}-${version}`;
  return parsed[2] ? [exact] : [python, exact, `${python}-${parsed[1]}`];
}
