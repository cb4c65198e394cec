#!/usr/bin/env bash
# Prints the Debian mirror this machine's apt already uses, so that nothing in the repository
# names a mirror host. DEBIAN_MIRROR overrides it (for a machine whose apt uses a proxy, say).
set -euo pipefail

if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
  printf '%s\n' "${DEBIAN_MIRROR%/}"
  exit 0
fi

# deb822 sources first (Debian 12+), then the one-line format. The security archive is a
# different repository layout, so it is never the answer.
mirror=$(
  {
    grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -v -- '-security' | grep -E '/debian/?$' | head -n 1
) || true

if [[ -z "$mirror" ]]; then
  echo "error: no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources." >&2
  echo "fix: set DEBIAN_MIRROR to a Debian mirror URL (the directory that holds dists/ and pool/)." >&2
  exit 1
fi
printf '%s\n' "${mirror%/}"
