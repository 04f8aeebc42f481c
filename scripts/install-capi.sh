#!/usr/bin/env bash
# Installs libcasiscan (.so and .a), casiscan.h and casiscan.pc under PREFIX (default /usr/local).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
cargo build --release -q -p casiscan-capi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0644 target/release/libcasiscan.a "$prefix/lib/"
install -m 0755 target/release/libcasiscan.so "$prefix/lib/"
install -m 0644 casiscan-capi/include/casiscan.h "$prefix/include/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" casiscan-capi/casiscan.pc.in > "$prefix/lib/pkgconfig/casiscan.pc"
echo "installed under $prefix (pkg-config --cflags --libs casiscan)"
