#!/usr/bin/env bash
# Builds a minimal Debian root filesystem with debootstrap and imports it as a local image.
# It is the bottom layer of every hermetic stand-in: no registry can be reached here, so no
# base image can be pulled. The rootfs gets the dpkg and apt settings of the official slim
# images, or every apt-get layer built on it would carry tens of MB of docs and caches.
#
# usage: build-rootfs.sh SUITE IMAGE [PLATFORM]
#   SUITE     a Debian suite (bookworm, trixie, forky: debianSuites in src/hermetic/debian-rootfs.ts)
#   IMAGE     the local image name:tag to create (a stand-in name, never an official image's)
#   PLATFORM  linux/<Debian architecture> to build for (linux/arm64); the host's own when absent.
#             Another architecture's packages are configured under emulation (scripts/setup.sh
#             registers qemu-user-static with binfmt_misc), in one debootstrap run.
set -euo pipefail

suite=${1:?usage: build-rootfs.sh SUITE IMAGE [PLATFORM]}
image=${2:?usage: build-rootfs.sh SUITE IMAGE [PLATFORM]}
platform=${3:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mirror=$("$here/../debian-mirror.sh")

command -v debootstrap >/dev/null || { echo "error: debootstrap is missing; fix: apt-get install debootstrap (scripts/setup.sh does this)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "error: debootstrap needs root; fix: run as root, or build stand-ins on a machine where you are root" >&2; exit 1; }

arch_args=()
import_args=()
if [[ -n $platform ]]; then
  arch=${platform#linux/}
  arch_args=(--arch "$arch")
  # The image's config says which architecture it is, so `FROM` and `docker run` choose it by --platform.
  import_args=(--platform "$platform")
  # qemu names arm64 aarch64; the binfmt_misc entry is named after qemu's name.
  case $arch in arm64) qemu=aarch64 ;; *) qemu=$arch ;; esac
  if [[ $arch != "$(dpkg --print-architecture)" ]] && ! grep -qsx enabled "/proc/sys/fs/binfmt_misc/qemu-$qemu"; then
    echo "error: $platform binaries cannot run on this machine (no enabled binfmt_misc entry qemu-$qemu), and debootstrap must run them to configure the packages; fix: run scripts/setup.sh as root (it registers qemu-user-static)" >&2
    exit 1
  fi
fi

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/dockerize-python-rootfs-$suite.XXXXXX")
trap 'rm -rf "$rootfs"' EXIT

# debootstrap knows a suite by a script of its name; one older than the suite (bookworm's 1.0.128
# has no forky) bootstraps it with sid's, which is what newer debootstraps link every new suite to.
script=/usr/share/debootstrap/scripts/$suite
[[ -e $script ]] || script=/usr/share/debootstrap/scripts/sid

debootstrap "${arch_args[@]}" --variant=minbase "$suite" "$rootfs" "$mirror" "$script" >&2 || { echo "error: debootstrap $suite from $mirror failed (log above); fix: check that the mirror answers, or set DEBIAN_MIRROR" >&2; exit 1; }

# The same exclusions and clean-up hooks as the official Debian slim images.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
cat >"$rootfs/etc/apt/apt.conf.d/docker-no-languages" <<'CFG'
Acquire::Languages "none";
CFG
cat >"$rootfs/etc/apt/apt.conf.d/docker-no-recommends" <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
CFG
# The machine's own mirror, so that apt-get in a template reaches Debian as it does on the host.
# Check-Valid-Until: no, because a mirror that is a snapshot keeps a testing suite's Release file
# (forky's says Valid-Until a week after it was signed) long past that date, and apt then refuses
# the whole suite. Stable suites' Release files carry no Valid-Until, so for them it changes
# nothing. Signatures are still checked against Signed-By.
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<CFG
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
Check-Valid-Until: no
CFG
rm -f "$rootfs/etc/apt/sources.list"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/*.log "$rootfs"/usr/share/doc/*/changelog*
find "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true

tar --numeric-owner -C "$rootfs" -c . | docker import "${import_args[@]}" \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --message "dockerize-python stand-in: debootstrap ${arch_args[*]} --variant=minbase $suite" \
  - "$image" >/dev/null
echo "$image"
