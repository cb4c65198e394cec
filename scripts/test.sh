#!/usr/bin/env bash
# The tests: prepare this machine (scripts/setup.sh), then run every vitest suite: unit tests (no
# Docker) and end-to-end tests against the real engine. Arguments go to vitest (a file filter, say).
# Ends with one summary line, "N passed, N failed, N skipped".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo/scripts/setup.sh"
cd "$repo/tests"

# Ryuk (testcontainers' reaper) is an image that cannot be pulled here; the suites remove what they
# start themselves, by label.
export TESTCONTAINERS_RYUK_DISABLED=true
results=$(mktemp -d)/vitest.json
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?

if [[ -s "$results" ]]; then
  node "$repo/scripts/summarize-vitest.mjs" "$results"
fi
exit "$status"
