#!/bin/sh
# generated from templates/_shared/src/compile-bytecode.sh by templates/_shared/generate.ts, do not edit
# Byte-compiles the app's code in /app at build time. The code is root-owned and read-only for the
# app's user (and compose.yaml runs the root filesystem read-only), so Python could never write
# the .pyc files itself: without this step every start compiles every module the app imports, in
# memory, again. Run as root right after the code is copied:  RUN compile-bytecode
# - checked-hash .pyc files (PEP 552): valid whatever the files' mtimes (a COPY, a git checkout or
#   SOURCE_DATE_EPOCH may set them to anything); Python checks each against its source's hash
#   when it imports it, so a .pyc can never serve stale code. PYTHONHASHSEED=0: the same source
#   gives the same .pyc bytes on every build (sets and frozensets are marshalled in hash order).
# - Skipped: docker/ (the template's files: gunicorn.conf.py is read with exec, never imported)
#   and any virtualenv or node_modules folder (.dockerignore leaves out only those at the root).
# - A file that does not compile (a syntax error, a Python 2 leftover) fails the build, with
#   compileall's error: an app module with a syntax error would fail at its first import anyway,
#   better now than at run time. A file the app never imports does not belong in the image: list
#   it in .dockerignore.
# - The files it writes (__pycache__/*.pyc) stay root-owned and readable by everybody, like the
#   code. PYTHONDONTWRITEBYTECODE, set in the image for run time, stops only Python's own writes
#   at import; compileall writes regardless.
set -eu

if ! PYTHONHASHSEED=0 python -m compileall -q -j 0 --invalidation-mode checked-hash \
  -x '^/app/docker/|/(\.?venv|node_modules)/' /app; then
  printf '%s\n' \
    'compile-bytecode: error: a Python file in /app does not compile (see above).' \
    'Fix: correct it; or, if the app never imports it (a Python 2 leftover, a template), leave it out of the image in .dockerignore.' >&2
  exit 1
fi
