#!/bin/sh
# Run by the image's entrypoint in every container, after the database wait and before the server
# (the prestart hook; PRESTART_CMD replaces it). Migrations under a lock, so several containers
# started together take turns (see visits/management/commands/migrate_locked.py and the README).
set -eu
exec python manage.py migrate_locked
