#!/usr/bin/env bash
# The benchmark: prepares this machine (scripts/setup.sh: Node, pnpm, Docker, the workspace), then
# builds the sample app with the peers' Dockerfiles (bench/peers/) and with our templates, measures
# each the same way, times the main command, and writes bench/results.json, bench/results.md and
# bench/results.svg. Not part of the test suite: it takes an hour and wants a quiet machine.
# Arguments go to the runner (bash bench/run.sh --help lists them).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly repo

# --help needs no machine setup.
for argument in "$@"; do
  if [[ $argument == -h || $argument == --help ]]; then exec node "$repo/bench/src/main.ts" --help; fi
done

bash "$repo/scripts/setup.sh"
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
# The runner is TypeScript that Node runs as it is (type stripping); setup.sh built the harness it imports.
exec node "$repo/bench/src/main.ts" "$@"
