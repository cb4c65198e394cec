/**
 * Which tags are "the same line" as a template's: the official images' tags are a version, then a
 * suffix (`3.13` + `-slim-trixie`, `3.13` + `-alpine3.22`, `17` + `-trixie`, `2.10` + `-builder`).
 * A line keeps the version the template chose (the Python, the PostgreSQL major, the Caddy minor)
 * and its suffix; what may move is the patch under it (`3.13.14-slim-trixie` is what
 * `3.13-slim-trixie` names today) and a suffix's release number (`alpine3.22` -> `alpine3.24`: the
 * Alpine releases the image is still built on). A Debian codename is not ordered and never moves.
 */

/** `tag` as a version and the rest: `3.13-alpine3.22` -> [3, 13] and `-alpine3.22`; undefined for a tag that starts with no version. */
export function splitTag(tag: string): { version: number[]; versionText: string; suffix: string } | undefined {
  const match = tag.match(/^(\d+(?:\.\d+)*)(.*)$/);
  if (!match) return undefined;
  return { version: match[1]!.split(".").map(Number), versionText: match[1]!, suffix: match[2]! };
}

/** A suffix ending in a release number (`-alpine3.22`): the name before it and the release. */
function releaseOf(suffix: string): { name: string; release: number[] } | undefined {
  const match = suffix.match(/^(.*[a-z])(\d+(?:\.\d+)+)$/);
  return match ? { name: match[1]!, release: match[2]!.split(".").map(Number) } : undefined;
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`, part by part. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference) return difference;
  }
  return 0;
}

/**
 * The newest tag among `tags` with `tag`'s version and a newer release of its suffix
 * (`3.13-alpine3.22` -> `3.13-alpine3.24`); undefined when there is none or the suffix has no release.
 */
export function newerReleaseTag(tag: string, tags: readonly string[]): string | undefined {
  const own = splitTag(tag);
  const release = own && releaseOf(own.suffix);
  if (!own || !release) return undefined;
  let best: { tag: string; release: number[] } | undefined;
  for (const candidate of tags) {
    const other = splitTag(candidate);
    const otherRelease = other && other.versionText === own.versionText ? releaseOf(other.suffix) : undefined;
    if (!otherRelease || otherRelease.name !== release.name || otherRelease.release.length !== release.release.length) continue;
    if (compareVersions(otherRelease.release, best?.release ?? release.release) > 0) best = { tag: candidate, release: otherRelease.release };
  }
  return best?.tag;
}

/**
 * The newest tag among `tags` that is a more precise version of `tag`'s with the same suffix
 * (`3.13-slim-trixie` -> `3.13.14-slim-trixie`, never a pre-release such as `3.13.0rc1-...`); undefined when none is.
 */
export function newestPatchTag(tag: string, tags: readonly string[]): string | undefined {
  const own = splitTag(tag);
  if (!own) return undefined;
  let best: { tag: string; version: number[] } | undefined;
  for (const candidate of tags) {
    const other = splitTag(candidate);
    if (!other || other.suffix !== own.suffix || other.version.length <= own.version.length) continue;
    if (own.version.some((part, i) => other.version[i] !== part)) continue;
    if (!best || compareVersions(other.version, best.version) > 0) best = { tag: candidate, version: other.version };
  }
  return best?.tag;
}
