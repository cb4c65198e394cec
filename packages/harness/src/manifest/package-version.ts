import semver from "semver";

/**
 * What is wrong with `text` as a template package's version, with the fix where there is a plain
 * one; undefined when it is one. A version is semver as npm writes it (`1.2.3`, `1.2.3-rc.1`; npm
 * refuses `01.0.0` and rewrites `v1.0.0`), without build metadata: image tags are made from it,
 * and a tag cannot carry a "+".
 */
export function packageVersionProblem(text: unknown): string | undefined {
  if (typeof text !== "string") return `${text === undefined ? "there is none" : `${JSON.stringify(text)} is not a string`}; expected a semver version such as "1.0.0"`;
  const parsed = semver.parse(text);
  if (parsed?.build.length) return `"${text}" has build metadata ("+${parsed.build.join(".")}"), which npm ignores and an image tag cannot carry; write "${parsed.version}"`;
  if (parsed?.version === text) return undefined;
  const near = parsed ?? semver.parse(text, { loose: true });
  if (!near) return `"${text}" is not a semver version; expected one such as "1.0.0" or "1.2.3-rc.1"`;
  const why = /(^|[^0-9A-Za-z])0\d/.test(text) ? "a number in it has a leading zero, which npm refuses" : 'npm writes a version without a "v", "=" or spaces';
  return `"${text}" is not a semver version as npm writes it (${why}); write "${near.version}"`;
}

/** Whether `text` is an exact template package version (not a range or a dist-tag): see packageVersionProblem. */
export function isPackageVersion(text: string): boolean {
  return packageVersionProblem(text) === undefined;
}
