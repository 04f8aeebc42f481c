#!/usr/bin/env bash
# casiscan's Debian OS patch report vs `apt list --upgradable` on this machine, in the same run.
# Usage: bash benches/ospatch_vs_apt.sh [RUNS]   (default 15; run `apt-get update` first)
# apt is measured twice: as configured here, and with a warm binary cache (pkgcache.bin) that
# it builds on the first run into a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-15}
cargo build --release -q -p casiscan-examples --bin casiscan
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CACHE=(-o "Dir::Cache::pkgcache=$WORK/pkgcache.bin" -o "Dir::Cache::srcpkgcache=$WORK/srcpkgcache.bin")
apt list --upgradable "${CACHE[@]}" >/dev/null 2>&1

# median wall seconds and peak RSS (KB) of RUNS runs of the command
measure() {
    local times=() rss=0 start end r
    for _ in $(seq "$RUNS"); do
        start=$EPOCHREALTIME
        /usr/bin/time -f "%M" -o "$WORK/rss" "$@" >/dev/null 2>&1
        end=$EPOCHREALTIME
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')")
        r=$(tail -1 "$WORK/rss")
        [ "$r" -gt "$rss" ] && rss=$r
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v rss="$rss" \
        '{ a[NR] = $1 } END { printf "%.4f %d\n", a[int((NR + 1) / 2)], rss }'
}

read -r ours ours_rss < <(measure ./target/release/casiscan ospatch --root / --json)
read -r apt apt_rss < <(measure apt list --upgradable)
read -r warm warm_rss < <(measure apt list --upgradable "${CACHE[@]}")
lists=$(du -cb /var/lib/apt/lists/*Packages* 2>/dev/null | tail -1 | cut -f1)
echo "lists: $lists compressed bytes; installed packages: $(dpkg-query -f '.\n' -W | wc -l); runs: $RUNS (median)"
printf '%-44s %8s %10s %8s\n' tool seconds "peak KB" ratio
printf '%-44s %8s %10s %8s\n' "casiscan ospatch --root / --json" "$ours" "$ours_rss" 1.0
for row in "apt list --upgradable|$apt|$apt_rss" "apt list --upgradable (warm pkgcache.bin)|$warm|$warm_rss"; do
    IFS='|' read -r name t r <<<"$row"
    printf '%-44s %8s %10s %8s\n' "$name" "$t" "$r" "$(awk -v a="$t" -v b="$ours" 'BEGIN { printf "%.1fx", a / b }')"
done
