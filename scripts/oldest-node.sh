#!/usr/bin/env bash
# Prints the bin folder of the oldest Node the workspace declares it runs on (package.json's
# engines.node, ">=X.Y"), so that the tests can run on it as well as on the Node 24 that setup.sh
# installs: what the workspace declares is what it is tested on. That Node comes from the npm
# registry npm is configured with (the `node` package) and is kept in the harness's cache folder;
# a second call only prints the folder.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
declared=$(node -p "require('$repo/package.json').engines.node")
[[ $declared =~ ^\>=([0-9]+)\.([0-9]+)$ ]] || {
  printf 'oldest-node: engines.node in %s is "%s", not ">=MAJOR.MINOR".\nfix: declare the oldest supported Node as ">=MAJOR.MINOR".\n' "$repo/package.json" "$declared" >&2
  exit 1
}
version="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.0"
cache=${DOCKERIZE_PYTHON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dockerize-python}
prefix="$cache/node-$version"
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
