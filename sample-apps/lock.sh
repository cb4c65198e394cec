#!/bin/sh
# Remakes the lock files of a sample app (default sample-apps/flask) from its pyproject.toml:
#   uv.lock       uv lock
#   poetry.lock   poetry lock
#   pylock.toml   uv export --format pylock.toml (from uv.lock: universal, every wheel hashed,
#                 where `pip lock` would lock for this machine's Python and platform only)
# with the installers the templates install them with (slim-gunicorn's UV_REQUIREMENT and
# POETRY_REQUIREMENT defaults, read from its template.json: the one place they are pinned), against
# the index this machine's tools use (PyPI unless configured). Needs python3 (3.11 or newer) and
# that index; commit what it writes.
#
#   sh sample-apps/lock.sh [app-dir]
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
app_dir=${1:-$repo/sample-apps/flask}
# A build arg's default in the template's manifest.
pinned() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["buildArgs"][sys.argv[2]]["default"])' \
    "$repo/templates/slim-gunicorn/template.json" "$1"
}
uv_requirement=$(pinned UV_REQUIREMENT)
poetry_requirement=$(pinned POETRY_REQUIREMENT)

[ -f "$app_dir/pyproject.toml" ] || {
  printf 'lock.sh: %s has no pyproject.toml to lock; give a sample app folder\n' "$app_dir" >&2
  exit 1
}
# The tools in a throwaway venv, so nothing of this machine's Python changes.
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet "$uv_requirement" "$poetry_requirement"

cd "$app_dir"
# The image's Python is the one that installs; locking needs only one that satisfies requires-python.
export UV_PYTHON_DOWNLOADS=never
"$tools/bin/uv" lock
# Poetry resolves into poetry.lock only; it creates no venv for the project while locking.
POETRY_VIRTUALENVS_CREATE=false "$tools/bin/poetry" lock
# --no-emit-project: the app runs from its folder, it is not installed; --no-dev: what runs.
"$tools/bin/uv" export --quiet --locked --format pylock.toml --no-dev --no-emit-project --output-file pylock.toml
