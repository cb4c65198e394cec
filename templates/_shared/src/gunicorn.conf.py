"""Gunicorn's settings, from environment variables, so that the image is configured at run time.

GUNICORN_CMD_ARGS (Gunicorn's own variable, e.g. "--max-requests 1000") and command-line options
override anything set here; any setting not read here keeps Gunicorn's default.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"gunicorn.conf.py: {name}={value!r} is not a whole number") from None


# What to serve: module:callable, or package:create_app() (Gunicorn calls app factories itself).
wsgi_app = os.environ.get("WSGI_APP", "wsgi:app")
# Plain HTTP for the proxy in front; several addresses may be given, separated by spaces.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split()
workers = _int("GUNICORN_WORKERS", 2)
# More than one thread makes Gunicorn use its gthread worker.
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
# SIGTERM (docker stop) is a graceful shutdown: requests in progress get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 8)
# The proxy's X-Forwarded-For/-Proto are believed from these addresses (comma-separated, or *).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
# Access log to stdout and error log to stderr: both end up in `docker logs`. The client's
# address is the proxy's X-Forwarded-For (- without a proxy), then the peer's own address.
# GUNICORN_ACCESSLOG set but empty: no access log (Gunicorn's own default).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s via %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Workers' heartbeat files in memory: /tmp may be a slow disk, or read-only.
worker_tmp_dir = "/dev/shm"
# Imports the app once in the master before forking (faster start, less memory), when set to 1.
preload_app = os.environ.get("GUNICORN_PRELOAD_APP", "") == "1"
# Recent Gunicorns (27.0 here) open a control socket (for gunicornc) under $HOME; the app's user
# has none (/nonexistent): every start would log a "Read-only file system" error. /tmp is the one
# place the image may always write (a tmpfs in compose.yaml). Older Gunicorns ignore the name.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "/tmp/gunicorn.ctl")
