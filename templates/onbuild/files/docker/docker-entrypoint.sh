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
# The wait reads DATABASE_HOST, DATABASE_PORT (default 5432), DATABASE_USER and DATABASE_NAME.
#   DB_WAIT_TIMEOUT   seconds to keep trying (default 30; 0 skips the wait)
#   DB_WAIT_INTERVAL  seconds between tries (default 1)
# It needs no database driver: Python's standard library speaks the first step of PostgreSQL's
# protocol, as pg_isready does, so it works whatever driver the app uses (psycopg2, psycopg 3, an
# async one) or none. It never reads DATABASE_PASSWORD and never sends a password, so the password
# cannot reach a log or a command line through it. Credentials are therefore not checked by the
# wait: the app's first real connection checks them (and says so if they are wrong).
set -eu

# The server this image runs (its default CMD).
server=uwsgi

log() { printf 'docker-entrypoint: %s\n' "$*" >&2; }

# One probe, as pg_isready makes it: open TCP to the server, send a StartupMessage (protocol 3.0)
# naming a user and a database, and read the server's first reply. An authentication request ('R'),
# or an ErrorResponse ('E') with any SQLSTATE but 57P03, means the server accepts connections: it
# got as far as judging this login. 57P03 (cannot_connect_now: starting up, shutting down, in
# recovery), a refused connection, an unknown host name or no reply mean not yet. The probe then
# closes the connection without answering the authentication request: no password is sent (none is
# read). Exits 0 when ready (printing the server's error, if it answered with one, for the log), or
# 1 with the reason it is not (e.g. "connection refused", "the database system is starting up").
probe_postgres() {
  python - <<'PY'
import os, socket, struct, sys, time

host = os.environ["DATABASE_HOST"]
port = int(os.environ.get("DATABASE_PORT") or 5432)
# Without DATABASE_USER the server still needs some user name to answer; any name gets an
# authentication request or an error, both of which mean ready. Without DATABASE_NAME the
# database is left out, and the server takes the user's name, as libpq does.
parameters = {"user": os.environ.get("DATABASE_USER") or "postgres"}
if os.environ.get("DATABASE_NAME"):
    parameters["database"] = os.environ["DATABASE_NAME"]
# StartupMessage: Int32 length (itself included), Int32 protocol 3.0 (196608), then name/value
# C strings, ending with an empty one.
body = struct.pack("!i", 196608) + b"".join(f"{name}\0{value}\0".encode() for name, value in parameters.items()) + b"\0"
startup = struct.pack("!i", len(body) + 4) + body
seconds = 3  # for one probe: connecting and the reply
deadline = time.monotonic() + seconds

def receive(connection, size):
    """Exactly size bytes of the reply, or an exit saying why they did not come."""
    data = b""
    while len(data) < size:
        connection.settimeout(max(deadline - time.monotonic(), 0.01))
        chunk = connection.recv(size - len(data))
        if not chunk:
            sys.exit("the server closed the connection without answering")
        data += chunk
    return data

try:
    with socket.create_connection((host, port), timeout=seconds) as connection:
        connection.sendall(startup)
        # A message: its type byte, Int32 length (itself included), the body.
        kind, length = struct.unpack("!ci", receive(connection, 5))
        if kind not in (b"R", b"E") or not 4 <= length <= 65536:
            sys.exit(f"what answers at {host}:{port} is not PostgreSQL (its reply starts {kind!r})")
        # Read whole, even an authentication request (whose method does not matter), so that
        # closing sends a clean end of stream, not a reset the server would log.
        message = receive(connection, length - 4)
except socket.gaierror as error:
    sys.exit(f"cannot resolve the host name {host}: {error.strerror}")
except TimeoutError:
    sys.exit(f"no answer within {seconds}s")
except ConnectionRefusedError:
    sys.exit("connection refused")
except OSError as error:
    sys.exit(error.strerror or str(error))
if kind == b"R":
    sys.exit(0)
# ErrorResponse: fields, each a type byte and a C string; C is the SQLSTATE.
fields = {field[:1]: field[1:].decode("utf-8", "replace") for field in message.split(b"\0") if field}
code = fields.get(b"C", "")
# M is the message, D its detail ("Hot standby mode is disabled."), both as the server's log has them.
text = ": ".join(" ".join(fields[key].split()) for key in (b"M", b"D") if fields.get(key))
if code == "57P03":
    sys.exit(text or "the database system cannot accept connections yet (57P03)")
print(f"{text} (SQLSTATE {code})")
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
  if ! is_whole_number "${DATABASE_PORT:-5432}"; then
    log "error: DATABASE_PORT (${DATABASE_PORT}) must be a port number, such as 5432"
    exit 64
  fi

  where="${DATABASE_HOST}:${DATABASE_PORT:-5432}"
  # POSIX sh has no $SECONDS: the clock is date +%s.
  started=$(date +%s)
  deadline=$((started + timeout))
  tries=0
  log "waiting up to ${timeout}s for PostgreSQL at ${where}"
  while true; do
    tries=$((tries + 1))
    # `|| status=$?` keeps a failed probe from ending the script under set -e.
    status=0
    answer=$(probe_postgres 2>&1) || status=$?
    if [ "$status" -eq 0 ]; then
      log "PostgreSQL at ${where} accepts connections (try ${tries}, $(($(date +%s) - started))s)"
      # The server refused the probe's login (an unknown user or database, pg_hba.conf): it is
      # up, but the app may well meet the same refusal, so it is shown.
      if [ -n "$answer" ]; then
        log "  its answer to the wait's probe (user ${DATABASE_USER:-postgres}, no password): ${answer}"
      fi
      return 0
    fi
    if [ $(($(date +%s) + interval)) -ge "$deadline" ]; then
      break
    fi
    sleep "$interval"
  done

  log "error: PostgreSQL at ${where} did not accept connections within ${timeout}s (${tries} tries)"
  log "  host=${DATABASE_HOST} port=${DATABASE_PORT:-5432} database=${DATABASE_NAME:-<unset>} user=${DATABASE_USER:-<unset>}"
  log "  last error: ${answer:-<none>}"
  log "  check: is the database running and reachable from this container (same network, right"
  log "  host name and port)? If it is still starting up or in recovery, its own log says why."
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

# Folders the app writes into its own tree are links into APP_DATA_DIR, made at build time by
# link-writable-dirs, which lists their targets (for a linked file, such as db.sqlite3, its folder). A tmpfs or an empty volume mounted on APP_DATA_DIR
# has none of them yet: they are made here, for every command (a migration writes there too).
prepare_writable_dirs() {
  list=/etc/dockerize-python/writable-dirs
  [ -f "$list" ] || return 0
  while IFS= read -r target; do
    if [ -z "$target" ] || [ -d "$target" ]; then
      continue
    fi
    if ! mkdir -p "$target" 2>/dev/null; then
      log "warning: cannot create ${target}, where the app writes through a link from /app: mount a volume or a tmpfs writable by uid $(id -u) on ${APP_DATA_DIR:-/var/lib/app}"
    fi
  done < "$list"
}

prepare_writable_dirs

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
