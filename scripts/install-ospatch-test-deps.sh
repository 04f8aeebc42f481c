#!/usr/bin/env bash
# Debian packages the OS patch tests need: rpm (rpm, rpmbuild), createrepo-c (createrepo_c, modifyrepo_c).
# Idempotent: installs only what is missing.
set -euo pipefail
need=()
command -v rpm >/dev/null || need+=(rpm)
command -v rpmbuild >/dev/null || need+=(rpm)
command -v createrepo_c >/dev/null || need+=(createrepo-c)
command -v modifyrepo_c >/dev/null || need+=(createrepo-c)
if ((${#need[@]})); then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi
