#!/bin/sh
# generated from templates/_shared/src/collect-static.sh by templates/_shared/generate.ts, do not edit
# Gathers a Django app's static files (its own, the admin's, every installed app's) into its
# STATIC_ROOT with `manage.py collectstatic`, at build time, so that they are part of the image:
# the Caddy image copies them from it (docker/caddy/Dockerfile, STATIC_ROOT) and serves them, and
# every deploy serves the files of the code it was built from. Run as root after the code is
# copied:  RUN collect-static
# - Only for a Django app, one with /app/manage.py (Django's layout); any other app: nothing to do.
# - collectstatic reaches no database, but the settings must import without the run-time
#   environment. Settings that refuse to load without a secret key get a throwaway one for this
#   step only (SECRET_KEY and DJANGO_SECRET_KEY, each unless set): a variable of this process, in
#   no layer and no history entry.
# - The files stay root-owned and readable by everybody, like the code.
set -eu

[ -f /app/manage.py ] || exit 0

throwaway_key=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')
SECRET_KEY=${SECRET_KEY:-$throwaway_key} \
DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$throwaway_key} \
  python /app/manage.py collectstatic --noinput
