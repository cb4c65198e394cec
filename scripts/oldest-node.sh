#!/usr/bin/env bash
# The oldest Node the workspace declares it runs on (package.json's engines.node, ">=X.Y"): the one
# place that reads that floor. With --version, prints it (X.Y.0; setup.sh installs Node 24 below
# it). Without, prints the bin folder of that Node, so that the tests run on it as well as on the
# Node 24 that setup.sh installs: what the workspace declares is what it is tested on. That Node
# comes from the registry npm is configured with (the `node` package) into node_modules/.cache; a
# second call only prints the folder.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
declared=$(node -p "require('$repo/package.json').engines.node")
[[ $declared =~ ^\>=([0-9]+)\.([0-9]+)$ ]] || {
  printf 'oldest-node: engines.node in %s is "%s", not ">=MAJOR.MINOR".\nfix: declare the oldest supported Node as ">=MAJOR.MINOR".\n' "$repo/package.json" "$declared" >&2
  exit 1
}
version="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.0"
if [[ ${1:-} == --version ]]; then
  printf '%s\n' "$version"
  exit 0
fi

prefix="$repo/node_modules/.cache/oldest-node/$version"
bin="$prefix/node_modules/node/bin"
if [[ $("$bin/node" --version 2>/dev/null || true) != "v$version" ]]; then
  printf '[oldest-node] installing node@%s into %s\n' "$version" "$prefix" >&2
  npm install --prefix "$prefix" --no-save --no-fund --no-audit --loglevel=error "node@$version" >/dev/null
  [[ $("$bin/node" --version 2>/dev/null || true) == "v$version" ]] || {
    printf 'oldest-node: npm installed node@%s, but %s/node does not run it.\nfix: remove %s and run this again.\n' "$version" "$bin" "$prefix" >&2
    exit 1
  }
fi
printf '%s\n' "$bin"
