#!/usr/bin/env bash
# Entrypoint of the slim-uwsgi image.
#
# - `uwsgi [ARGS...]` (the default CMD), or only uWSGI options (`docker run IMAGE --workers 4`):
#   wait until PostgreSQL accepts a connection, then exec uWSGI as PID 1's replacement.
# - Anything else (`docker run IMAGE sh`, `python -m ...`): exec'd at once, no waiting.
#
# The wait reads DATABASE_HOST, DATABASE_PORT, DATABASE_NAME, DATABASE_USER, DATABASE_PASSWORD.
#   DB_WAIT_TIMEOUT   seconds to keep trying (default 30; 0 skips the wait)
#   DB_WAIT_INTERVAL  seconds between tries (default 1)
# It connects with psycopg2 and keyword arguments, never a URI, so any password works, and the
# password is passed through the environment only: it never appears in a command line or a log.
set -euo pipefail

log() { printf 'docker-entrypoint: %s\n' "$*" >&2; }

# One connection attempt. On failure it prints the driver's error (which never contains the
# password) and exits 1, or 2 when trying again cannot help (psycopg2 is not installed).
try_connect() {
  python - <<'PY'
import os, sys
try:
    import psycopg2
except ImportError as error:
    print(f"cannot import psycopg2 ({error}); fix: list psycopg2 in requirements.txt, or set DB_WAIT_TIMEOUT=0")
    sys.exit(2)
try:
    psycopg2.connect(
        host=os.environ["DATABASE_HOST"],
        port=os.environ.get("DATABASE_PORT") or None,
        dbname=os.environ.get("DATABASE_NAME") or None,
        user=os.environ.get("DATABASE_USER") or None,
        password=os.environ.get("DATABASE_PASSWORD") or None,
        connect_timeout=3,
    ).close()
except psycopg2.Error as error:
    sys.exit(" ".join(str(error).split()))
PY
}

is_whole_number() { [[ $1 =~ ^[0-9]+$ ]]; }

wait_for_database() {
  if [[ -z ${DATABASE_HOST:-} ]]; then
    log "DATABASE_HOST is not set: starting without waiting for a database"
    return 0
  fi
  local timeout=${DB_WAIT_TIMEOUT:-30} interval=${DB_WAIT_INTERVAL:-1}
  if ! is_whole_number "$timeout" || ! is_whole_number "$interval"; then
    log "error: DB_WAIT_TIMEOUT ($timeout) and DB_WAIT_INTERVAL ($interval) must be whole numbers of seconds"
    exit 64
  fi
  if ((timeout == 0)); then
    log "DB_WAIT_TIMEOUT=0: starting without waiting for the database"
    return 0
  fi

  local where="${DATABASE_HOST}:${DATABASE_PORT:-5432}"
  local deadline=$((SECONDS + timeout)) tries=0 error status
  log "waiting up to ${timeout}s for PostgreSQL at ${where}"
  while true; do
    tries=$((tries + 1))
    # `|| status=$?` keeps a failed attempt from ending the script under set -e.
    status=0
    error=$(try_connect 2>&1) || status=$?
    if ((status == 0)); then
      log "PostgreSQL at ${where} is ready (try ${tries}, ${SECONDS}s)"
      return 0
    fi
    if ((status == 2)); then
      log "error: cannot check the database: ${error}"
      exit 1
    fi
    if ((SECONDS + interval >= deadline)); then
      break
    fi
    sleep "$interval"
  done

  log "error: PostgreSQL at ${where} did not accept a connection within ${timeout}s (${tries} tries)"
  log "  host=${DATABASE_HOST} port=${DATABASE_PORT:-5432} database=${DATABASE_NAME:-<unset>} user=${DATABASE_USER:-<unset>}"
  log "  last error: ${error:-<none>}"
  log "  check: is the database running and reachable from this container (same network, right"
  log "  host name and port)? Do DATABASE_USER/DATABASE_PASSWORD/DATABASE_NAME match the server's?"
  log "  A slow first start may need a larger DB_WAIT_TIMEOUT."
  exit 1
}

# Only uWSGI options given (`docker run IMAGE --workers 4`): they are for uWSGI.
if [[ $# -eq 0 || ${1:0:1} == "-" ]]; then
  set -- uwsgi "$@"
fi

if [[ $1 == "uwsgi" ]]; then
  wait_for_database
fi

exec "$@"
