#!/usr/bin/env bash
# The linux/arm64 tests (tests/arm64, the vitest project "arm64"): the matrix's arm64 cell and the
# multi-platform images, built and run under emulation (qemu-user-static, which scripts/setup.sh
# registers with binfmt_misc). Not in scripts/test.sh: an emulated build alone takes 8 to 16 minutes,
# and the default suites stay within CI's 35. Arguments go to vitest (a file filter, say).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo/scripts/setup.sh"
cd "$repo/tests"
# Ryuk (testcontainers' reaper) is an image that cannot be pulled here; the tests remove what they
# start themselves, by label.
export TESTCONTAINERS_RYUK_DISABLED=true
pnpm exec vitest run --project arm64 "$@"
