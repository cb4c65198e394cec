#!/bin/sh
# generated from templates/_shared/src/install-dependencies.sh by templates/_shared/generate.ts, do not edit
# Installs an app's dependencies into the active virtualenv (/opt/venv, first on PATH), from the
# dependency files in the current directory, then the extra requirements given as arguments (the
# WSGI server). Runs in the image's builder stage, before the app's code is copied in.
#
# DEPENDENCY_STYLE (a build arg) chooses the style; auto (the default) finds it from the files:
#   requirements  requirements.txt              pip install -r requirements.txt
#   pipenv        Pipfile + Pipfile.lock        pipenv install --deploy (the lock, exactly)
#   uv            uv.lock + pyproject.toml      uv sync --locked (the lock, exactly)
#   poetry        poetry.lock + pyproject.toml  poetry install --no-root --only main (the lock, exactly)
#   pylock        pylock.toml (PEP 751)         pip install -r pylock.toml (the lock, exactly)
#   pyproject     pyproject.toml with [project] pip install of [project].dependencies: no lock, so
#                                               not reproducible (a rebuild may get newer releases)
# A pyproject.toml beside uv.lock, poetry.lock or pylock.toml is the project that lock was made
# from, not a style of its own. Exactly one style must be present; with several, set DEPENDENCY_STYLE.
# The installers (pipenv, uv, Poetry, and for pylock.toml a newer pip) come from the package index,
# as the *_REQUIREMENT build args say (uv, Poetry and that pip pinned to a version); they live in
# venvs of their own outside /opt/venv, so they never reach the runtime image.
#
# Credentials for private dependencies arrive only as BuildKit mounts of this one step (see the
# Dockerfile), never as arguments or variables: a netrc at /root/.netrc (pip, pipenv, uv, Poetry
# and git read it) and a pip.conf at /etc/pip.conf (pip and pipenv only), and an ssh agent
# (SSH_AUTH_SOCK) with /root/.ssh/known_hosts. This script names the ones it got, never their
# contents. A CA bundle mounted at /run/secrets/ca_bundle (secret id=ca_bundle) is trusted instead
# of the image's own.
set -eu

venv=/opt/venv

log() { printf 'install-dependencies: %s\n' "$*" >&2; }
fail() {
  log "error: $*"
  exit 1
}

# A pyproject.toml only declares dependencies when it has a [project] table (PEP 621); one that
# only configures tools (ruff, pytest...) is not a dependency style.
has_project_table() {
  [ -f pyproject.toml ] && grep -Eq '^[[:space:]]*\[project\][[:space:]]*(#.*)?$' pyproject.toml
}

# A lock file made from pyproject.toml (uv's, Poetry's or a PEP 751 one): that pyproject.toml is
# then the lock's input, installed through the lock.
has_lock_file() {
  [ -f uv.lock ] || [ -f poetry.lock ] || [ -f pylock.toml ]
}

detect_style() {
  found=''
  [ -f requirements.txt ] && found="$found requirements"
  [ -f Pipfile ] && found="$found pipenv"
  [ -f uv.lock ] && found="$found uv"
  [ -f poetry.lock ] && found="$found poetry"
  [ -f pylock.toml ] && found="$found pylock"
  if has_project_table && ! has_lock_file; then found="$found pyproject"; fi
  # shellcheck disable=SC2086 # word splitting of the list is intended
  set -- $found
  case $# in
    1) printf '%s\n' "$1" ;;
    0) fail "no dependency declaration found in the build context's root: add requirements.txt, Pipfile + Pipfile.lock, uv.lock, poetry.lock or pylock.toml (each with the pyproject.toml it was made from), or pyproject.toml with a [project] table" ;;
    *) fail "several dependency declarations found ($(describe_styles "$@")): choose one with --build-arg DEPENDENCY_STYLE=requirements|pipenv|uv|poetry|pylock|pyproject (compose: build.args), or keep only one in the build context" ;;
  esac
}

describe_styles() {
  described=''
  for style in "$@"; do
    case $style in
      requirements) file=requirements.txt ;;
      pipenv) file=Pipfile ;;
      uv) file=uv.lock ;;
      poetry) file=poetry.lock ;;
      pylock) file=pylock.toml ;;
      pyproject) file='pyproject.toml [project]' ;;
    esac
    described="${described:+$described, }$file"
  done
  printf '%s' "$described"
}

# --use-pep517: every sdist is built into a wheel, which the pip cache (a BuildKit cache mount)
# keeps; an older pip (before 23.1) would otherwise run `setup.py install` and keep nothing.
# --no-compile: the venv is byte-compiled once, at the end of this script (see there).
pip_install() {
  pip install --use-pep517 --no-compile "$@"
}

install_requirements() {
  [ -f requirements.txt ] || fail "DEPENDENCY_STYLE=requirements, but there is no requirements.txt"
  log "requirements.txt: pip install -r requirements.txt"
  # The server goes into the same pip run, so one resolver sees every requirement.
  pip_install -r requirements.txt "$@"
}

install_pipenv() {
  [ -f Pipfile ] || fail "DEPENDENCY_STYLE=pipenv, but there is no Pipfile"
  [ -f Pipfile.lock ] || fail "Pipfile without Pipfile.lock: the image installs exactly the lock (pipenv install --deploy). Run 'pipenv lock' and commit Pipfile.lock"
  log "Pipfile.lock: pipenv install --deploy into ${venv}"
  install_tool pipenv PIPENV_REQUIREMENT "${PIPENV_REQUIREMENT:-}"
  # A Pipfile without [[source]] means PyPI; pipenv reads a replacement for it from
  # PIPENV_PYPI_MIRROR, so a mirror given as PIP_INDEX_URL serves pipenv as it serves pip.
  if [ -n "${PIP_INDEX_URL:-}" ] && [ -z "${PIPENV_PYPI_MIRROR:-}" ]; then
    export PIPENV_PYPI_MIRROR="$PIP_INDEX_URL"
  fi
  # VIRTUAL_ENV: install into this venv, not one pipenv would create for the project.
  # PIP_COMPILE=0: the pip that pipenv runs (in the environment pipenv passes on) does not
  # byte-compile; the end of this script does. pip reads a variable as the value of the option it
  # names, so it is PIP_COMPILE=0 (or PIP_NO_COMPILE=0): PIP_NO_COMPILE=1 would mean --compile.
  # --deploy: fail when Pipfile.lock is out of date with the Pipfile, instead of installing the
  # wrong versions; the lock's hashes are checked (pip --require-hashes).
  VIRTUAL_ENV=$venv PIP_COMPILE=0 PIPENV_VERBOSITY=-1 PIPENV_NOSPIN=1 PIPENV_YES=1 \
    /opt/pipenv/bin/pipenv install --deploy
  # The server is not in the app's lock: pip adds it to the same venv.
  if [ $# -gt 0 ]; then
    pip_install "$@"
  fi
}

# A tool that only installs (pipenv, uv, Poetry, pylock's pip) goes into a venv of its own under /opt, outside
# /opt/venv: the runtime image copies only /opt/venv. The requirement is a build arg (uv's and
# Poetry's pinned to a version by default).
# $2 names the build arg, $3 is its value.
install_tool() {
  [ -n "$3" ] || fail "$2 is empty, so there is no $1 to install: leave it unset (the Dockerfile's default pins one) or give a requirement, e.g. --build-arg $2='$1==<version>'"
  python -m venv "/opt/$1"
  "/opt/$1/bin/pip" install "$3"
}

# uv's own settings for an install into this image's venv:
#   UV_PROJECT_ENVIRONMENT: the project's environment is /opt/venv (not .venv in the project);
#   UV_PYTHON, UV_PYTHON_DOWNLOADS=never: the venv's interpreter (the image's Python), never one
#     uv would download;
#   UV_LINK_MODE=copy: the cache (a cache mount) is another filesystem, so copying is the mode
#     that works, said once instead of warned about on every file;
#   UV_CACHE_DIR: inside the step's cache mount, beside pip's.
# No UV_COMPILE_BYTECODE: uv's default, no .pyc files; the end of this script makes them.
# A uv.lock records the index each package was locked from and every file's URL and hash; a mirror
# given as PIP_INDEX_URL becomes uv's default index (and PIP_TRUSTED_HOST its insecure host), which
# serves a lock made against that same index: lock against your mirror (uv lock --default-index).
uv_environment() {
  export UV_PROJECT_ENVIRONMENT=$venv UV_PYTHON=$venv/bin/python UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy UV_CACHE_DIR=/root/.cache/uv
  if [ -n "${PIP_INDEX_URL:-}" ] && [ -z "${UV_DEFAULT_INDEX:-}" ]; then export UV_DEFAULT_INDEX="$PIP_INDEX_URL"; fi
  if [ -n "${PIP_TRUSTED_HOST:-}" ] && [ -z "${UV_INSECURE_HOST:-}" ]; then export UV_INSECURE_HOST="$PIP_TRUSTED_HOST"; fi
}

install_uv() {
  [ -f uv.lock ] || fail "DEPENDENCY_STYLE=uv, but there is no uv.lock: the image installs exactly the lock (uv sync --locked). Run 'uv lock' and commit uv.lock"
  [ -f pyproject.toml ] || fail "uv.lock without its pyproject.toml: uv checks the lock against the project's dependencies. Commit pyproject.toml beside uv.lock"
  log "uv.lock: uv sync --locked into ${venv}"
  install_tool uv UV_REQUIREMENT "${UV_REQUIREMENT:-}"
  uv_environment
  # Checked on its own first, so that an out-of-date lock gets its own error, not a failed install.
  /opt/uv/bin/uv lock --check ||
    fail "uv lock --check failed: uv.lock is out of date with pyproject.toml (or uv could not reach the index; uv said which above). Run 'uv lock' and commit uv.lock"
  # --no-install-project: only the dependencies (pyproject.toml and uv.lock are all that is here;
  # the app runs from /app). --no-dev: not the dev group. --inexact: keep what the venv already
  # holds (its pip, the onbuild base's uWSGI), where a plain sync would remove all the lock lacks.
  /opt/uv/bin/uv sync --locked --no-install-project --no-dev --inexact
  # The server is not in the app's lock: uv adds it to the same venv.
  if [ $# -gt 0 ]; then
    /opt/uv/bin/uv pip install "$@"
  fi
}

install_poetry() {
  [ -f poetry.lock ] || fail "DEPENDENCY_STYLE=poetry, but there is no poetry.lock: the image installs exactly the lock. Run 'poetry lock' and commit poetry.lock"
  [ -f pyproject.toml ] || fail "poetry.lock without its pyproject.toml: Poetry checks the lock against the project's dependencies. Commit pyproject.toml beside poetry.lock"
  log "poetry.lock: poetry install --no-root --only main into ${venv}"
  install_tool poetry POETRY_REQUIREMENT "${POETRY_REQUIREMENT:-}"
  # VIRTUAL_ENV + POETRY_VIRTUALENVS_CREATE=false: install into /opt/venv, not into a venv Poetry
  # would create (nor into Poetry's own). The cache goes into the step's cache mount.
  # A poetry.lock names no index URLs: Poetry finds the files on the sources pyproject.toml
  # declares ([[tool.poetry.source]]), PyPI when none; PIP_INDEX_URL does not reach it, so a mirror
  # is a source declared there (priority "primary"), locked against.
  export VIRTUAL_ENV=$venv POETRY_VIRTUALENVS_CREATE=false POETRY_NO_INTERACTION=1 \
    POETRY_CACHE_DIR=/root/.cache/pypoetry
  /opt/poetry/bin/poetry check --lock ||
    fail "poetry check --lock failed: poetry.lock is out of date with pyproject.toml (or pyproject.toml is not valid for Poetry; Poetry said which above). Run 'poetry lock' and commit poetry.lock"
  # --no-root: not the project itself (its code is not here yet; the app runs from /app).
  # --only main: not the dev groups. No --compile: the end of this script byte-compiles. Not
  # `poetry sync`: it would remove what the venv already holds (its pip, the onbuild base's uWSGI).
  # Poetry checks every file against the lock's hashes.
  /opt/poetry/bin/poetry install --no-root --only main
  # The server is not in the app's lock: pip adds it to the same venv.
  if [ $# -gt 0 ]; then
    pip_install "$@"
  fi
}

install_pylock() {
  [ -f pylock.toml ] || fail "DEPENDENCY_STYLE=pylock, but there is no pylock.toml (PEP 751; e.g. uv export --format pylock.toml -o pylock.toml, or pip lock). Make it and commit it"
  log "pylock.toml: pip install -r pylock.toml into ${venv}"
  # pip, PyPA's reference installer, reads a pylock.toml given with -r (experimental in the pinned
  # pip 26.3), checking every file's hash. The base image's pip is too old for it, so the pinned pip
  # is a tool of its own, as pipenv, uv and Poetry are (install_tool), run against the venv's Python
  # (pip --python): the venv keeps its own pip, as in every style, and the newer one never reaches
  # the runtime image (replacing the venv's, it added a whole pip to an onbuild child's layer: 6.8 MB).
  # Not `uv pip sync pylock.toml`: this style is the standard lock for those who do not use uv.
  [ -n "${PYLOCK_PIP_REQUIREMENT:-}" ] || fail "PYLOCK_PIP_REQUIREMENT is empty, so no pip new enough to read pylock.toml is installed: leave it unset (the Dockerfile's default pins one) or give one, e.g. --build-arg PYLOCK_PIP_REQUIREMENT='pip==<version>'"
  install_tool pylock-pip PYLOCK_PIP_REQUIREMENT "$PYLOCK_PIP_REQUIREMENT"
  /opt/pylock-pip/bin/pip --python "$venv/bin/python" install --use-pep517 --no-compile -r pylock.toml ||
    fail "pip install -r pylock.toml failed (pip said why above). Hashes that do not match mean the index serves other files than the lock names: remake pylock.toml against the index you build with and commit it"
  # Apart from the lock: a requirement without a hash beside hashed ones would be refused.
  if [ $# -gt 0 ]; then
    pip_install "$@"
  fi
}

install_pyproject() {
  has_project_table || fail "DEPENDENCY_STYLE=pyproject, but there is no pyproject.toml with a [project] table"
  log "pyproject.toml: pip install of [project].dependencies (no lock: each build resolves them again, so it is not reproducible; a uv.lock, poetry.lock or pylock.toml is)"
  # Only the declared dependencies, read from pyproject.toml alone (the code is not here yet, so
  # this layer survives code changes). The project itself is not installed: the app runs from /app.
  python - > /tmp/pyproject-requirements.txt <<'PY'
import sys

try:
    import tomllib
except ImportError:
    sys.exit("pyproject.toml needs Python 3.11 or newer to be read (tomllib); use requirements.txt on older Pythons")

with open("pyproject.toml", "rb") as file:
    project = tomllib.load(file).get("project", {})
if "dependencies" in project.get("dynamic", []):
    sys.exit(
        "pyproject.toml declares its dependencies as dynamic: they are only known once the code is "
        "built, which would reinstall them on every code change; list them in [project].dependencies, "
        "or use requirements.txt"
    )
for requirement in project.get("dependencies", []):
    print(requirement)
PY
  pip_install -r /tmp/pyproject-requirements.txt "$@"
}

# Which credentials BuildKit mounted for this step: the build log then shows they arrived. An empty
# file is a secret the build was not given (compose passes an empty one by default).
report_credentials() {
  if [ -s /run/secrets/ca_bundle ]; then log "a CA bundle is mounted (secret id=ca_bundle): pip, pipenv, uv, Poetry and git trust it"; fi
  if [ -s /root/.netrc ]; then log "a netrc is mounted (secret id=netrc): pip, pipenv, uv, Poetry and git log in with it"; fi
  if [ -s /etc/pip.conf ]; then log "a pip.conf is mounted (secret id=pip_conf)"; fi
  if [ -S "${SSH_AUTH_SOCK:-}" ]; then log "an ssh agent is forwarded (--ssh default): git+ssh:// requirements authenticate with it"; fi
  if [ -s /root/.ssh/known_hosts ]; then log "known_hosts is mounted (secret id=known_hosts)"; fi
}

report_credentials
# An empty PIP_INDEX_URL or PIP_TRUSTED_HOST means unset (compose passes `${PIP_INDEX_URL:-}` when
# the shell has none): pipenv would otherwise count an empty index into the Pipfile's hash and
# refuse a Pipfile.lock made without one as out of date.
if [ -z "${PIP_INDEX_URL:-}" ]; then unset PIP_INDEX_URL; fi
if [ -z "${PIP_TRUSTED_HOST:-}" ]; then unset PIP_TRUSTED_HOST; fi
# The CA bundle, when given, for every tool that reaches an index over TLS: pip (PIP_CERT), pipenv
# and Poetry (through requests: REQUESTS_CA_BUNDLE), git (GIT_SSL_CAINFO), and uv and OpenSSL
# (SSL_CERT_FILE).
if [ -s /run/secrets/ca_bundle ]; then
  export PIP_CERT=/run/secrets/ca_bundle REQUESTS_CA_BUNDLE=/run/secrets/ca_bundle \
    GIT_SSL_CAINFO=/run/secrets/ca_bundle SSL_CERT_FILE=/run/secrets/ca_bundle
fi
style=${DEPENDENCY_STYLE:-auto}
if [ "$style" = auto ]; then
  style=$(detect_style)
  log "found the ${style} style (set DEPENDENCY_STYLE to choose another)"
fi
case $style in
  requirements) install_requirements "$@" ;;
  pipenv) install_pipenv "$@" ;;
  uv) install_uv "$@" ;;
  poetry) install_poetry "$@" ;;
  pylock) install_pylock "$@" ;;
  pyproject) install_pyproject "$@" ;;
  *) fail "DEPENDENCY_STYLE=${style} is none of auto, requirements, pipenv, uv, poetry, pylock, pyproject" ;;
esac
# Two requirements that cannot both be satisfied are caught here, not at run time.
pip check
# The venv byte-compiled here, once, the same way whichever installer wrote it (each was told not
# to compile: pip --no-compile, pipenv's pip PIP_COMPILE=0, uv and Poetry by default). The .pyc
# files are made at build time because the app user cannot write them next to root's files at run
# time, and the first requests then need not compile. Hash-based (checked-hash: valid while the
# .py's content is the same, whatever its mtime), so two builds of the same lock give the same
# bytes (pip's own .pyc files would record each .py's mtime, the time of the install), and a .pyc
# stays valid when an exporter clamps the files' mtimes to SOURCE_DATE_EPOCH (BuildKit's
# rewrite-timestamp). PYTHONHASHSEED=0: the order of a frozenset constant in the compiled code
# does not depend on a random string hash. The __pycache__ removed first: those the venv already
# held (its own pip's, compiled when the venv was made; the onbuild base's) are timestamp-based.
find "$venv" -name __pycache__ -type d -prune -exec rm -rf {} +
PYTHONHASHSEED=0 python -m compileall -q -j 0 --invalidation-mode checked-hash "$venv"
