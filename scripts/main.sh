#!/usr/bin/env bash
# The main job: prepare this machine (scripts/setup.sh), then build and verify every template cell
# against the embedded sample app. Arguments go to `dockerize-python matrix` (try --help).
# Writes reports/matrix.json and reports/matrix.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo/scripts/setup.sh"
cd "$repo"
exec pnpm exec dockerize-python matrix "$@"
