#!/bin/sh
# generated from templates/_shared/src/install-dependencies.sh by templates/_shared/generate.ts, do not edit
# Installs an app's dependencies into the active virtualenv (/opt/venv, first on PATH), from the
# dependency files in the current directory, then the extra requirements given as arguments (the
# WSGI server). Runs in the image's builder stage, before the app's code is copied in.
#
# DEPENDENCY_STYLE (a build arg) chooses the style; auto (the default) finds it from the files:
#   requirements  requirements.txt              pip install -r requirements.txt
#   pipenv        Pipfile + Pipfile.lock        pipenv install --deploy (the lock, exactly)
#   pyproject     pyproject.toml with [project] pip install of [project].dependencies
# Exactly one style must be present; with several, set DEPENDENCY_STYLE.
#
# Credentials for private dependencies arrive only as BuildKit mounts of this one step (see the
# Dockerfile), never as arguments or variables: a netrc at /root/.netrc and a pip.conf at
# /etc/pip.conf (pip, pipenv and git read them there) and an ssh agent (SSH_AUTH_SOCK) with
# /root/.ssh/known_hosts. This script names the ones it got, never their contents. A CA bundle
# mounted at /run/secrets/ca_bundle (secret id=ca_bundle) is trusted instead of the image's own.
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

detect_style() {
  found=''
  [ -f requirements.txt ] && found="$found requirements"
  [ -f Pipfile ] && found="$found pipenv"
  has_project_table && found="$found pyproject"
  # shellcheck disable=SC2086 # word splitting of the list is intended
  set -- $found
  case $# in
    1) printf '%s\n' "$1" ;;
    0) fail "no dependency declaration found in the build context's root: add requirements.txt, Pipfile + Pipfile.lock, or pyproject.toml with a [project] table" ;;
    *) fail "several dependency declarations found ($(describe_styles "$@")): choose one with --build-arg DEPENDENCY_STYLE=requirements|pipenv|pyproject (compose: build.args), or keep only one in the build context" ;;
  esac
}

describe_styles() {
  described=''
  for style in "$@"; do
    case $style in
      requirements) file=requirements.txt ;;
      pipenv) file=Pipfile ;;
      pyproject) file='pyproject.toml [project]' ;;
    esac
    described="${described:+$described, }$file"
  done
  printf '%s' "$described"
}

# --use-pep517: every sdist is built into a wheel, which the pip cache (a BuildKit cache mount)
# keeps; an older pip (before 23.1) would otherwise run `setup.py install` and keep nothing.
pip_install() {
  pip install --use-pep517 "$@"
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
  # pipenv in a venv of its own, outside /opt/venv: the runtime image copies only /opt/venv.
  python -m venv /opt/pipenv
  /opt/pipenv/bin/pip install "${PIPENV_REQUIREMENT:-pipenv}"
  # A Pipfile without [[source]] means PyPI; pipenv reads a replacement for it from
  # PIPENV_PYPI_MIRROR, so a mirror given as PIP_INDEX_URL serves pipenv as it serves pip.
  if [ -n "${PIP_INDEX_URL:-}" ] && [ -z "${PIPENV_PYPI_MIRROR:-}" ]; then
    export PIPENV_PYPI_MIRROR="$PIP_INDEX_URL"
  fi
  # VIRTUAL_ENV: install into this venv, not one pipenv would create for the project.
  # --deploy: fail when Pipfile.lock is out of date with the Pipfile, instead of installing the
  # wrong versions; the lock's hashes are checked (pip --require-hashes).
  VIRTUAL_ENV=$venv PIPENV_VERBOSITY=-1 PIPENV_NOSPIN=1 PIPENV_YES=1 \
    /opt/pipenv/bin/pipenv install --deploy
  # The server is not in the app's lock: pip adds it to the same venv.
  if [ $# -gt 0 ]; then
    pip_install "$@"
  fi
}

install_pyproject() {
  has_project_table || fail "DEPENDENCY_STYLE=pyproject, but there is no pyproject.toml with a [project] table"
  log "pyproject.toml: pip install of [project].dependencies"
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
  if [ -s /run/secrets/ca_bundle ]; then log "a CA bundle is mounted (secret id=ca_bundle): pip, pipenv and git trust it"; fi
  if [ -s /root/.netrc ]; then log "a netrc is mounted (secret id=netrc): pip, pipenv and git log in with it"; fi
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
# (through pip and requests: REQUESTS_CA_BUNDLE), git (GIT_SSL_CAINFO) and OpenSSL's default.
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
  pyproject) install_pyproject "$@" ;;
  *) fail "DEPENDENCY_STYLE=${style} is none of auto, requirements, pipenv, pyproject" ;;
esac
# Two requirements that cannot both be satisfied are caught here, not at run time.
pip check
