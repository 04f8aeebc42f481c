#!/usr/bin/env bash
# Installs the Debian packages casiscan's main job and tests need (idempotent; root required).
# Usage: scripts/install-deps.sh demo|test
set -euo pipefail

want=(nmap)
if [ "${1:-test}" = "test" ]; then
    # iproute2: examples/tests/scope_netns.rs runs casiscan in a network namespace it creates.
    # ndiff: the nmap diff is compared with nmap's own ndiff.
    # make, xz-utils, zstd, lz4: AFL++ build and the fuzz seed corpora.
    want+=(python3-venv gcc g++ make valgrind rpm createrepo-c postgresql apt-utils iproute2 ndiff xz-utils zstd lz4)
fi

missing=()
for pkg in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "${1:-test}" = "test" ]; then
    # The fuzz smoke (fuzz/smoke.sh): cargo-afl from crates.io and the AFL++ it builds from its
    # bundled source for this toolchain (FUZZING.md).
    if ! command -v cargo-afl >/dev/null; then
        echo "== installing cargo-afl"
        cargo install --locked -q cargo-afl
    fi
    # Builds AFL++ once per toolchain; "already built" is the answer on every later run.
    cargo afl config --build >/dev/null 2>&1 || true
fi
