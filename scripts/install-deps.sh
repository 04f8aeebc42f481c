#!/usr/bin/env bash
# Installs the Debian packages casiscan's main job and tests need (idempotent; root required).
# Usage: scripts/install-deps.sh demo|test
set -euo pipefail

want=(nmap)
if [ "${1:-test}" = "test" ]; then
    # iproute2: examples/tests/scope_netns.rs runs casiscan in a network namespace it creates.
    # ndiff: the nmap diff is compared with nmap's own ndiff.
    want+=(python3-venv gcc g++ valgrind rpm createrepo-c postgresql apt-utils iproute2 ndiff)
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
