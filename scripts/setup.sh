#!/usr/bin/env bash
# Prepares this machine for dockerize-python, idempotently: Node 24 (when node is older than the
# workspace's engines.node), pnpm, a Docker engine with BuildKit, buildx and compose v2 (started when
# it is not running), debootstrap and ShellCheck, emulation of linux/arm64 (qemu-user-static
# registered with binfmt_misc), then the workspace's own dependencies and build.
# Anything already working is left alone: an engine that answers is never reinstalled or
# reconfigured.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly repo
readonly node_major_wanted=24
readonly dockerd_log=/var/log/dockerize-python-dockerd.log

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$1" >&2; printf '[setup] fix: %s\n' "$2" >&2; exit 1; }
is_root() { [[ $(id -u) -eq 0 ]]; }

apt_updated=false
apt_install() {
  is_root || die "missing $*, and only root can install packages here." "install $* (Debian: apt-get install $*) and run this again."
  if ! $apt_updated; then
    apt-get update -qq
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Node is installed only when the one here is older than the oldest the workspace declares
# (package.json's engines.node, read by scripts/oldest-node.sh, which the tests also run on); then
# Node 24, the target. No node at all is too old.
node_is_too_old() {
  local floor current
  floor=$(bash "$repo/scripts/oldest-node.sh" --version 2>/dev/null) || return 0
  current=$(node -p process.versions.node 2>/dev/null) || return 0
  [[ $(printf '%s\n%s\n' "$floor" "$current" | sort -V | head -n 1) != "$floor" ]]
}

ensure_node() {
  if ! node_is_too_old; then return; fi
  say "node $(node --version 2>/dev/null || echo 'is missing') is older than $(bash "$repo/scripts/oldest-node.sh" --version 2>/dev/null || echo 'the oldest this workspace runs on') (package.json's engines.node): installing node@$node_major_wanted from the npm registry"
  command -v npm >/dev/null || die "npm is missing, so Node $node_major_wanted cannot be installed." "install Node.js $node_major_wanted LTS and run this again."
  is_root || die "Node $node_major_wanted is needed and installing it globally needs root." "install Node.js $node_major_wanted LTS (for example with nvm) and run this again."
  npm install --global --prefix /usr/local --no-fund --no-audit --loglevel=error "node@$node_major_wanted" >/dev/null
  hash -r
  ! node_is_too_old || die "node is still $(node --version) after installing node@$node_major_wanted into /usr/local." "put /usr/local/bin ahead of $(dirname "$(command -v node)") on PATH."
}

ensure_pnpm() {
  local wanted
  # The workspace declares its pnpm version once, in package.json's devEngines.
  wanted=$(node -p "require('$repo/package.json').devEngines.packageManager.version")
  if [[ $(pnpm --version 2>/dev/null || true) == "$wanted" ]]; then return; fi
  say "installing pnpm $wanted"
  if is_root; then
    npm install --global --prefix /usr/local --no-fund --no-audit --loglevel=error "pnpm@$wanted" >/dev/null
  else
    npm install --global --no-fund --no-audit --loglevel=error "pnpm@$wanted" >/dev/null \
      || die "could not install pnpm $wanted globally." "install pnpm $wanted (npm install -g pnpm@$wanted) and run this again."
  fi
  hash -r
}

engine_answers() { docker info >/dev/null 2>&1; }

# Debian trixie's docker.io, docker-buildx and docker-compose install on bookworm with bookworm's
# libc. The trixie source is pinned low so that nothing else is ever upgraded from it.
install_docker_from_trixie() {
  local mirror
  mirror=$("$repo/packages/harness/hermetic/debian-mirror.sh")
  say "installing Docker engine, buildx and compose v2 from Debian trixie ($mirror), pinned so nothing else comes from trixie"
  cat >/etc/apt/sources.list.d/dockerize-python-trixie.sources <<SOURCES
# Added by dockerize-python's scripts/setup.sh for docker.io, docker-buildx and docker-compose.
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  cat >/etc/apt/preferences.d/dockerize-python-trixie <<PREFS
# Added by dockerize-python's scripts/setup.sh: take from trixie only what is asked for with -t trixie.
Package: *
Pin: release n=trixie
Pin-Priority: 100
PREFS
  apt_updated=false
  apt_install -t trixie docker.io docker-buildx docker-compose
}

# dockerd leaves BuildKit's garbage collector off unless configured, and the matrix's builds (every
# cell on two platforms, stand-ins, package indexes) then fill the disk with build cache: 64 GB was
# seen here. So a dockerd this script starts, on a machine with no daemon.json of its own, gets
# scripts/dockerd.json: the collector on, keeping the 40 GB of cache used last (at 30 GB, the main
# job and the tests evicted each other's cache). A machine's own /etc/docker/daemon.json is left to
# rule (its builder.gc says how much cache to keep).
readonly dockerd_config=/etc/dockerize-python/dockerd.json

dockerd_config_args() {
  [[ -e /etc/docker/daemon.json ]] && return
  mkdir -p "$(dirname "$dockerd_config")"
  cp "$repo/scripts/dockerd.json" "$dockerd_config"
  printf '%s\n' --config-file "$dockerd_config"
}

start_dockerd() {
  local args
  mapfile -t args < <(dockerd_config_args)
  say "starting dockerd ${args[*]} (log: $dockerd_log)"
  # setsid: the daemon must outlive this script and the shell that ran it.
  setsid dockerd "${args[@]}" >>"$dockerd_log" 2>&1 </dev/null &
  local tries=60
  until engine_answers; do
    ((tries--)) || die "dockerd did not answer within 60 s; its log ends with: $(tail -n 5 "$dockerd_log")" "read $dockerd_log, fix the cause, and run this again."
    sleep 1
  done
}

ensure_docker() {
  if engine_answers; then
    docker buildx version >/dev/null 2>&1 || die "the Docker engine answers but buildx is missing." "install the docker-buildx plugin (Debian: docker-buildx) and run this again."
    docker compose version >/dev/null 2>&1 || die "the Docker engine answers but compose v2 is missing." "install the compose v2 plugin (Debian: docker-compose 2.x) and run this again."
    return
  fi
  if ! is_root; then
    if [[ -S /var/run/docker.sock ]]; then
      die "a Docker engine is running but this user may not use it ($(docker info 2>&1 | tail -n 1))." "add this user to the docker group (usermod -aG docker \$USER, then log in again), or run as root."
    fi
    die "no Docker engine answers, and only root can install or start one." "install Docker Engine with buildx and compose v2, start it, and run this again."
  fi
  if ! command -v dockerd >/dev/null || ! docker buildx version >/dev/null 2>&1 || ! docker compose version >/dev/null 2>&1; then
    install_docker_from_trixie
  fi
  start_dockerd
}

ensure_host_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  # Never from trixie: most trixie packages would pull a newer libc onto the host.
  ((${#missing[@]} == 0)) || { say "installing ${missing[*]}"; apt_install "${missing[@]}"; }
}

# linux/arm64 images are built and run here under emulation: Debian's qemu-user-static, registered
# with the kernel's binfmt_misc so that any aarch64 ELF runs through it. The F (fix-binary) flag
# makes the kernel open the interpreter once, at registration, so it also works inside containers
# and debootstrap chroots, where /usr/libexec/qemu-binfmt does not exist. Without systemd (no
# systemd-binfmt to read /usr/lib/binfmt.d) the registration is written here.
readonly binfmt_dir=/proc/sys/fs/binfmt_misc
readonly aarch64_binfmt_conf=/usr/lib/binfmt.d/qemu-aarch64.conf
# The first 20 bytes of an aarch64 ELF executable, as binfmt_misc shows an entry's magic.
readonly aarch64_magic=7f454c460201010000000000000000000200b700

# A 132-byte static aarch64 program that exits with 42: proof that the kernel hands aarch64
# binaries to the emulator (natively it fails with "Exec format error", 126). Its code:
# mov x0, #42; mov x8, #93 (exit); svc #0.
write_aarch64_probe() {
  printf '%b' '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
    '\x02\x00\xb7\x00\x01\x00\x00\x00' '\x78\x00\x40\x00\x00\x00\x00\x00' \
    '\x40\x00\x00\x00\x00\x00\x00\x00' '\x00\x00\x00\x00\x00\x00\x00\x00' \
    '\x00\x00\x00\x00\x40\x00\x38\x00\x01\x00\x00\x00\x00\x00\x00\x00' \
    '\x01\x00\x00\x00\x05\x00\x00\x00' '\x00\x00\x00\x00\x00\x00\x00\x00' \
    '\x00\x00\x40\x00\x00\x00\x00\x00' '\x00\x00\x40\x00\x00\x00\x00\x00' \
    '\x84\x00\x00\x00\x00\x00\x00\x00' '\x84\x00\x00\x00\x00\x00\x00\x00' \
    '\x00\x10\x00\x00\x00\x00\x00\x00' \
    '\x40\x05\x80\xd2\xa8\x0b\x80\xd2\x01\x00\x00\xd4' >"$1"
  chmod +x "$1"
}

# The registered entry that runs aarch64 binaries, whatever its name (Debian's qemu-aarch64, or
# another tool's), when it is enabled; empty when there is none.
aarch64_binfmt_entry() {
  local entry
  for entry in "$binfmt_dir"/*; do
    [[ -f $entry && $entry != */register && $entry != */status ]] || continue
    if grep -qx 'enabled' "$entry" && grep -qx "magic $aarch64_magic" "$entry"; then
      printf '%s\n' "$entry"
      return 0
    fi
  done
  return 0
}

register_aarch64_binfmt() {
  local line entry
  is_root || die "linux/arm64 emulation is not registered with binfmt_misc, and only root can register it." "run scripts/setup.sh as root once (after each boot), or set SETUP_SKIP_ARM64=1 to prepare this machine for linux/amd64 only."
  if [[ ! -e $binfmt_dir/register ]]; then
    say "mounting binfmt_misc on $binfmt_dir"
    mount -t binfmt_misc binfmt_misc "$binfmt_dir" \
      || die "could not mount binfmt_misc on $binfmt_dir." "use a kernel with CONFIG_BINFMT_MISC (modprobe binfmt_misc), or in a container give it --privileged; or set SETUP_SKIP_ARM64=1 for linux/amd64 only."
  fi
  entry=$(aarch64_binfmt_entry)
  if [[ -n $entry ]]; then
    # It runs aarch64 binaries on the host but not in containers: replaced by one with F.
    say "replacing the binfmt_misc entry $(basename "$entry") (no F flag: it cannot work inside containers)"
    echo -1 >"$entry"
  fi
  [[ -f $aarch64_binfmt_conf ]] || die "$aarch64_binfmt_conf is missing though qemu-user-static is installed." "reinstall it (apt-get install --reinstall qemu-user-static) and run this again."
  line=$(grep -v '^#' "$aarch64_binfmt_conf" | head -n 1)
  # The flags are the last field; Debian's are OPF, but F is what containers need, so it is ensured.
  [[ ${line##*:} == *F* ]] || line="${line}F"
  entry=${line#:}
  say "registering ${entry%%:*} with binfmt_misc (flags ${line##*:})"
  printf '%s' "$line" >"$binfmt_dir/register" \
    || die "the kernel refused the binfmt_misc registration from $aarch64_binfmt_conf." "check dmesg, and that the interpreter it names exists; or set SETUP_SKIP_ARM64=1 for linux/amd64 only."
}

# The probe, run on the host and then in a container (a one-file image, removed after): what the
# arm64 stand-ins' debootstrap and every `docker run --platform linux/arm64` rely on.
verify_aarch64_emulation() {
  local dir status=0 probe_image=dockerize-python-binfmt-probe:aarch64
  dir=$(mktemp -d)
  write_aarch64_probe "$dir/probe"
  "$dir/probe" || status=$?
  if ((status != 42)); then
    rm -rf "$dir"
    die "an aarch64 program did not run through the emulator on this machine (exit status $status; 126 means the kernel did not recognise it)." "check $binfmt_dir (mounted, an enabled aarch64 entry) and that $aarch64_binfmt_conf's interpreter exists, then run this again."
  fi
  status=0
  tar -C "$dir" -c probe | docker import --platform linux/arm64 - "$probe_image" >/dev/null \
    || die "could not import the one-file probe image $probe_image (the engine's error is above)." "make sure the Docker engine answers (docker info), then run this again."
  docker run --rm --platform linux/arm64 "$probe_image" /probe || status=$?
  docker rmi "$probe_image" >/dev/null
  rm -rf "$dir"
  ((status == 42)) || die "an aarch64 program runs on the host but not in a linux/arm64 container (exit status $status)." "register the aarch64 binfmt_misc entry with the F flag (echo -1 to its file under $binfmt_dir, then run this again)."
}

ensure_arm64_emulation() {
  if [[ ${SETUP_SKIP_ARM64:-} == 1 ]]; then return; fi
  local entry
  # qemu-user-static from the host's own suite: its binaries are static, so nothing else changes.
  command -v qemu-aarch64-static >/dev/null || { say "installing qemu-user-static (linux/arm64 emulation)"; apt_install qemu-user-static; }
  entry=$(aarch64_binfmt_entry)
  if [[ -z $entry ]] || ! grep -q '^flags: .*F' "$entry"; then register_aarch64_binfmt; fi
  verify_aarch64_emulation
}

ensure_workspace() {
  cd "$repo"
  export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
  pnpm install --frozen-lockfile --reporter=silent
  pnpm exec turbo run build --output-logs=errors-only >/dev/null
}

main() {
  ensure_node
  ensure_pnpm
  ensure_host_tools
  ensure_docker
  # Only linux/arm64 needs it: where it cannot be had (no binfmt_misc, a container without
  # privileges), the reason and the fix are printed above and everything else is prepared.
  if ! (ensure_arm64_emulation); then
    say "warning: linux/arm64 emulation is not ready (see the error above); linux/amd64 builds and tests are unaffected. SETUP_SKIP_ARM64=1 stops trying."
  fi
  ensure_workspace
  say "ready: node $(node --version), pnpm $(pnpm --version), docker engine $(docker version --format '{{.Server.Version}}')"
}

main "$@"
