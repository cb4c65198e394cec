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
