/**
 * The names a Dockerfile declares with ARG (or ONBUILD ARG, which a child build may set), from a
 * simple line scan: `ARG NAME`, `ARG NAME=value`
 * and several names on one line. A `--build-arg` the Dockerfile does not declare does nothing.
 */
export function declaredArgs(dockerfile: string): Set<string> {
  const names = new Set<string>();
  for (const line of dockerfile.split("\n")) {
    const declaration = line.match(/^\s*(?:ONBUILD\s+)?ARG\s+(.+)$/i)?.[1];
    if (!declaration) continue;
    for (const token of declaration.trim().split(/\s+/)) {
      const name = token.match(/^([A-Za-z_][A-Za-z0-9_]*)(=|$)/)?.[1];
      if (name) names.add(name);
    }
  }
  return names;
}

/** Whether a stage of `dockerfile` builds FROM the image of build arg `name` on the build machine's platform. */
export function buildsOnBuildPlatform(dockerfile: string, name: string): boolean {
  const from = new RegExp(`^FROM\\s+--platform=\\$\\{?BUILDPLATFORM\\}?\\s+\\$\\{?${name}\\}?(\\s|$)`, "m");
  return from.test(dockerfile);
}
