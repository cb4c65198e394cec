#!/bin/sh
# generated from templates/_shared/src/docker-entrypoint.sh by templates/_shared/generate.ts, do not edit
# Entrypoint of the app image. POSIX sh, not bash: the same script runs on Debian (dash) and on
# Alpine (BusyBox ash), which has no bash unless one installs it.
#
# - The server (the default CMD), or only server options (`docker run IMAGE --workers 4`):
#   1. wait until PostgreSQL accepts a connection,
#   2. run the prestart hook (PRESTART_CMD, else /app/prestart.sh) once; if it fails, stop with
#      its exit code,
#   3. point the server at WSGI_APP and exec it as PID 1's replacement (it gets SIGTERM).
# - Anything else (`docker run IMAGE sh`, `python -m ...`): exec'd at once, no waiting, no hook.
#
# The wait reads DATABASE_HOST, DATABASE_PORT, DATABASE_NAME, DATABASE_USER, DATABASE_PASSWORD.
#   DB_WAIT_TIMEOUT   seconds to keep trying (default 30; 0 skips the wait)
#   DB_WAIT_INTERVAL  seconds between tries (default 1)
# It connects with psycopg2 and keyword arguments, never a URI, so any password works, and the
# password is passed through the environment only: it never appears in a command line or a log.
set -eu

# The server this image runs (its default CMD).
server=uwsgi

log() { printf 'docker-entrypoint: %s\n' "$*" >&2; }

# One connection attempt. On failure it prints the driver's error (which never contains the
# password) and exits 1, or 2 when trying again cannot help (psycopg2 is not installed).
try_connect() {
  python - <<'PY'
import os, sys
try:
    import psycopg2
except ImportError as error:
    print(f"cannot import psycopg2 ({error}); fix: list psycopg2 in your dependencies, or set DB_WAIT_TIMEOUT=0")
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

is_whole_number() {
  case $1 in
    '' | *[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

wait_for_database() {
  if [ -z "${DATABASE_HOST:-}" ]; then
    log "DATABASE_HOST is not set: starting without waiting for a database"
    return 0
  fi
  timeout=${DB_WAIT_TIMEOUT:-30}
  interval=${DB_WAIT_INTERVAL:-1}
  if ! is_whole_number "$timeout" || ! is_whole_number "$interval"; then
    log "error: DB_WAIT_TIMEOUT ($timeout) and DB_WAIT_INTERVAL ($interval) must be whole numbers of seconds"
    exit 64
  fi
  if [ "$timeout" -eq 0 ]; then
    log "DB_WAIT_TIMEOUT=0: starting without waiting for the database"
    return 0
  fi

  where="${DATABASE_HOST}:${DATABASE_PORT:-5432}"
  # POSIX sh has no $SECONDS: the clock is date +%s.
  started=$(date +%s)
  deadline=$((started + timeout))
  tries=0
  log "waiting up to ${timeout}s for PostgreSQL at ${where}"
  while true; do
    tries=$((tries + 1))
    # `|| status=$?` keeps a failed attempt from ending the script under set -e.
    status=0
    error=$(try_connect 2>&1) || status=$?
    if [ "$status" -eq 0 ]; then
      log "PostgreSQL at ${where} is ready (try ${tries}, $(($(date +%s) - started))s)"
      return 0
    fi
    if [ "$status" -eq 2 ]; then
      log "error: cannot check the database: ${error}"
      exit 1
    fi
    if [ $(($(date +%s) + interval)) -ge "$deadline" ]; then
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

# The prestart hook (migrations, say): PRESTART_CMD when set (a shell command line; set it to `:`
# to skip an app's prestart.sh), else /app/prestart.sh when the app ships one. It runs once per
# container start, after the database wait and before the server, as the image's user, in /app.
# Its output goes to the container's output (docker logs). When it fails, the container stops
# with the hook's exit code and the server never starts.
run_prestart() {
  status=0
  if [ -n "${PRESTART_CMD:-}" ]; then
    log "prestart: running PRESTART_CMD"
    sh -c "$PRESTART_CMD" || status=$?
  elif [ -f /app/prestart.sh ]; then
    log "prestart: running /app/prestart.sh"
    # Executable: run it as it is, so its #! line (bash, python...) counts. Not executable (the
    # mode bit lost in a checkout): run it with sh.
    if [ -x /app/prestart.sh ]; then
      /app/prestart.sh || status=$?
    else
      sh /app/prestart.sh || status=$?
    fi
  else
    return 0
  fi
  if [ "$status" -ne 0 ]; then
    log "error: the prestart hook failed with exit code ${status}; the server is not started"
    exit "$status"
  fi
  log "prestart: done"
}

# WSGI_APP is module:callable, or module:factory(args) for an app factory. Checked here so that a
# typo is reported in one line instead of as the server's import traceback.
check_wsgi_app() {
  module=${1%%:*}
  target=${1#*:}
  name=${target%%(*}
  case $1 in *:*) ;; *) module='' ;; esac
  case $module in '' | *[!A-Za-z0-9_.]* | [0-9.]*) module='' ;; esac
  case $name in '' | *[!A-Za-z0-9_.]* | [0-9.]*) name='' ;; esac
  case $target in *'('*) case $target in *')') ;; *) name='' ;; esac ;; esac
  if [ -z "$module" ] || [ -z "$name" ]; then
    log "error: WSGI_APP=$1 is not module:callable (such as wsgi:app) or package:factory() (such as myapp:create_app())"
    exit 64
  fi
}

# uWSGI: its `module` option takes module:callable but cannot call an app factory, so a factory is
# given as UWSGI_EVAL, one line of Python that uWSGI runs to get its `application`. UWSGI_MODULE,
# when set (the variable templates before 0.2 used), is served as it is and WSGI_APP is ignored.
prepare_uwsgi() {
  if [ -n "${UWSGI_MODULE:-}" ]; then
    log "UWSGI_MODULE=${UWSGI_MODULE} is set: serving it, WSGI_APP is ignored (prefer WSGI_APP)"
    return 0
  fi
  check_wsgi_app "$WSGI_APP"
  case $target in
    *'('*)
      export UWSGI_EVAL="import ${module} as wsgi_module; application = wsgi_module.${target}"
      ;;
    *) export UWSGI_MODULE="$WSGI_APP" ;;
  esac
  log "serving WSGI_APP=${WSGI_APP} with uWSGI"
}

# Gunicorn reads WSGI_APP through its config file (wsgi_app) and calls factories itself. The
# image's --config goes first, so a -c/--config of yours given after it wins; GUNICORN_CMD_ARGS and
# other options override single settings of it.
prepare_gunicorn() {
  log "serving WSGI_APP=${WSGI_APP} with Gunicorn"
}

# Only server options given (`docker run IMAGE --workers 4`): they are for the server.
if [ $# -eq 0 ]; then
  set -- "$server"
fi
case $1 in
  -*) set -- "$server" "$@" ;;
esac

WSGI_APP=${WSGI_APP:-wsgi:app}
case $1 in
  uwsgi)
    # A malformed WSGI_APP fails at once, not after the wait and the hook.
    [ -n "${UWSGI_MODULE:-}" ] || check_wsgi_app "$WSGI_APP"
    wait_for_database
    run_prestart
    prepare_uwsgi
    ;;
  gunicorn)
    check_wsgi_app "$WSGI_APP"
    wait_for_database
    run_prestart
    prepare_gunicorn
    if [ -f /etc/gunicorn/gunicorn.conf.py ]; then
      shift
      set -- gunicorn --config /etc/gunicorn/gunicorn.conf.py "$@"
    fi
    ;;
esac

exec "$@"
