#!/usr/bin/env bash
# The main job: prepare this machine (scripts/setup.sh), then build and verify every cell of every
# template against the embedded sample app, one template per turbo task (cached: a template whose
# files, the sample app and the harness are unchanged is not verified again), and merge the
# per-template reports into reports/matrix.json and reports/matrix.md.
# Arguments go to each `dockerize-python matrix` run, e.g. --mode online.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo/scripts/setup.sh"
cd "$repo"
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1

# Last run's per-template reports go first: turbo restores them from its cache for templates it
# does not run again, and a template whose run fails must not leave an old, passing report behind.
rm -rf templates/*/.verify

job_started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
status=0
# One template at a time: the cells share one Docker engine and the machine's cores. --continue:
# a failing template does not stop the others, so the report shows the whole matrix.
pnpm exec turbo run verify --concurrency=1 --continue -- "$@" || status=$?
reports=()
for template in templates/*/template.json; do reports+=("$(dirname "$template")/.verify/matrix.json"); done
# --job-started: a line per template then says whether this job verified it or turbo restored its
# report from the cache.
pnpm exec dockerize-python merge-reports --job-started "$job_started" "${reports[@]}" || status=$?
exit "$status"
