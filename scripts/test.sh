#!/usr/bin/env bash
# The tests: prepare this machine (scripts/setup.sh), then run every vitest suite: unit tests (no
# Docker) and end-to-end tests against the real engine. The unit tests run on the oldest Node the
# workspace declares (package.json's engines.node, from scripts/oldest-node.sh), the end-to-end
# tests on the Node setup.sh provides: each Node runs the code (the CLI under e2e runs on the
# newer), and the unit tests are not run a second time (they took ~2 of CI's minutes). Arguments
# go to vitest (a file filter, say). Ends with one summary line, "N passed, N failed, N skipped".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo/scripts/setup.sh"
oldest_node=$(bash "$repo/scripts/oldest-node.sh")
cd "$repo/tests"

# Ryuk (testcontainers' reaper) is an image that cannot be pulled here; the suites remove what they
# start themselves, by label.
export TESTCONTAINERS_RYUK_DISABLED=true
results=$(mktemp -d)
status=0
# The generated template files match their sources in templates/_shared (also a unit test; here
# first, so a drift is named before anything is built), and the CI workflow its manifests.
node "$repo/templates/_shared/generate.ts" --check || status=$?
(cd "$repo" && pnpm exec dockerize-python ci-workflow --check) || status=$?
# The tests are type-checked too (vitest only strips their types): a fake that no longer has the
# shape of what it stands for fails here, not as a puzzling runtime error.
(cd "$repo/tests" && pnpm exec tsc -p tsconfig.json) || status=$?
printf '[test] unit tests on node %s (the oldest engines.node allows)\n' "$("$oldest_node/node" --version)"
PATH="$oldest_node:$PATH" pnpm exec vitest run --project unit --passWithNoTests \
  --reporter=default --reporter=json --outputFile.json="$results/unit-on-oldest-node.json" "$@" || status=$?
printf '[test] end-to-end tests on node %s\n' "$(node --version)"
pnpm exec vitest run --project e2e --passWithNoTests --reporter=default --reporter=json --outputFile.json="$results/e2e.json" "$@" || status=$?

summaries=()
for file in "$results/unit-on-oldest-node.json" "$results/e2e.json"; do
  [[ -s $file ]] && summaries+=("$file")
done
if ((${#summaries[@]})); then
  node "$repo/scripts/summarize-vitest.mjs" "${summaries[@]}"
fi
exit "$status"
