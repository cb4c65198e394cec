#!/usr/bin/env bash
# Start time of an app image with and without its code byte-compiled at build time: from just
# before `docker run` to the first 200 on GET /healthz, polled every 20 ms from this machine (the
# app's port published on 127.0.0.1). Run as compose runs it: root filesystem read-only, /tmp a
# tmpfs, a new volume at APP_DATA_DIR; DATABASE_HOST empty, so the entrypoint waits for no
# database, and PRESTART_CMD=: (the Django sample's migrate would need its SQLite file linked
# into the volume, which the matrix's cells do not do): the server's start, importing the app.
# The two images' runs alternate (before, after, before, ...), so a slow phase of a shared machine
# falls on both. Writes results.md beside this script (or --out FILE).
#
#   bash bench/start-time/measure.sh --before IMAGE --after IMAGE [--runs 5] [--out FILE]
#       [--app-env NAME=VALUE ...] [--built-by TEXT]
# --app-env: more of the app's environment, such as WSGI_APP=sample_site.wsgi:application.
set -euo pipefail

runs=5
out="$(dirname "$0")/results.md"
before="" after="" built_by=""
app_env=() app_env_options=""
while [ $# -gt 0 ]; do
  case "$1" in
    --before) before=$2; shift 2 ;;
    --after) after=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --app-env) app_env+=(-e "$2"); app_env_options+=" --app-env $2"; shift 2 ;;
    --built-by) built_by=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "measure.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$before" ] || [ -z "$after" ]; then
  echo "measure.sh: --before IMAGE and --after IMAGE are both needed (see --help)" >&2
  exit 2
fi

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# One start of IMAGE: prints the milliseconds to the first 200 on /healthz.
start_once() {
  local image=$1 name="dp-appc-start-$$-$RANDOM" started port ms=""
  started=$(now_ms)
  docker run -d --name "$name" --read-only --tmpfs /tmp --mount type=volume,dst=/var/lib/app \
    -e DATABASE_HOST= -e PRESTART_CMD=: -e SECRET_KEY=bench-start-time-only "${app_env[@]}" -p 127.0.0.1::8000 "$image" > /dev/null
  port=$(docker port "$name" 8000/tcp | head -n 1 | sed 's/.*://')
  for try in $(seq 1 3000); do
    # Every 50th try: a container that stopped will never answer.
    if [ $((try % 50)) = 0 ] && [ "$(docker inspect --format '{{.State.Running}}' "$name")" != true ]; then
      break
    fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; then
      ms=$(( $(now_ms) - started ))
      break
    fi
    sleep 0.02
  done
  if [ -z "$ms" ]; then
    echo "measure.sh: $image gave no 200 on /healthz (stopped, or not within a minute); its log:" >&2
    docker logs "$name" >&2 || true
    docker rm -fv "$name" > /dev/null
    exit 1
  fi
  # What the read-only start changed under /app: nothing, or the measure would be of another setup.
  docker diff "$name" | grep -E ' /app(/|$)' >&2 || true
  docker rm -fv "$name" > /dev/null
  echo "$ms"
}

# "median (min–max)" of the numbers given, in seconds with two decimals.
summary() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.3f s (%.3f–%.3f)", m / 1000, v[1] / 1000, v[NR] / 1000 }'
}

# One in-process import of the app in IMAGE (read-only, as above): prints the milliseconds that
# importing the WSGI app and Django's URLconf takes, without docker run's and the server's own
# start around it: where compiling the app's modules shows, if at all.
import_once() {
  docker run --rm --read-only --tmpfs /tmp -e DATABASE_HOST= -e SECRET_KEY=bench-start-time-only \
    "${app_env[@]}" --entrypoint python "$1" -c '
import importlib, os, time
started = time.perf_counter()
module, _, name = os.environ["WSGI_APP"].partition(":")
getattr(importlib.import_module(module), name)
from django.conf import settings
importlib.import_module(settings.ROOT_URLCONF)
print(round((time.perf_counter() - started) * 1000))'
}

pycs() { docker run --rm --entrypoint sh "$1" -c 'find /app -name "*.pyc" | wc -l'; }

load_start=$(cut -d' ' -f1 /proc/loadavg)
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
before_ms=() after_ms=() before_import=() after_import=()
for run in $(seq 1 "$runs"); do
  before_ms+=("$(start_once "$before")")
  after_ms+=("$(start_once "$after")")
  before_import+=("$(import_once "$before")")
  after_import+=("$(import_once "$after")")
  echo "run $run/$runs: before ${before_ms[-1]} ms (import ${before_import[-1]} ms), after ${after_ms[-1]} ms (import ${after_import[-1]} ms)" >&2
done
load_end=$(cut -d' ' -f1 /proc/loadavg)

{
  echo "# Start time with and without the app's code byte-compiled at build time"
  echo
  echo "Written by \`bash bench/start-time/measure.sh --before $before --after $after --runs $runs$app_env_options\`."
  [ -z "$built_by" ] || echo "The images: $built_by."
  echo
  echo "From just before \`docker run\` to the first 200 on GET /healthz (polled every 20 ms on a"
  echo "published 127.0.0.1 port), run as compose runs it: \`--read-only --tmpfs /tmp\`, a new volume at"
  echo "/var/lib/app, \`DATABASE_HOST=\` (no database to wait for) and \`PRESTART_CMD=:\` (no migrate): the"
  echo "server's start, its workers importing the app. The two images' runs alternate. Median of $runs runs (min–max)."
  echo
  echo "Import: in a container of the same image, run the same way, the time Python takes to import the"
  echo "app (WSGI_APP, then Django's ROOT_URLCONF), measured inside the process: the part of the start"
  echo "that compiling the app's modules is in, without docker run's and the server's own time around it."
  echo
  echo "| image | .pyc files under /app | start to first 200 | each run (ms) | import of the app | each run (ms) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  echo "| before: \`$before\` | $(pycs "$before") | $(summary "${before_ms[@]}") | ${before_ms[*]} | $(summary "${before_import[@]}") | ${before_import[*]} |"
  echo "| after: \`$after\` | $(pycs "$after") | $(summary "${after_ms[@]}") | ${after_ms[*]} | $(summary "${after_import[@]}") | ${after_import[*]} |"
  echo
  echo "Machine: $(nproc) cores, $(uname -r), Docker $(docker version --format '{{.Server.Version}}'); load average (1 min) $load_start at start, $load_end at end; $when."
} > "$out"
echo "wrote $out" >&2
