#!/usr/bin/env bash
# Python parse benchmark: casiscan.parse_nmap vs python-libnmap on the 83 MB generated file.
# Usage (from the repository root, with ../shared beside it): bash benches/python/run.sh [HOSTS]
# Scratch files go to $BENCH_WORK (default: <temp dir>/casiscan-pybench); nothing is written
# inside the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
hosts=${1:-20000}
work=${BENCH_WORK:-${TMPDIR:-/tmp}/casiscan-pybench}
target=${CARGO_TARGET_DIR:-$(pwd)/target}
mkdir -p "$work"

xml=$work/nmap-$hosts-seed1.xml
[ -s "$xml" ] || python3 ../shared/bench/gen_nmap_xml.py --hosts "$hosts" --seed 1 -o "$xml"

venv=$work/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check maturin python-libnmap==0.7.3
rm -rf "$work/wheels"
(cd casiscan-py && "$venv/bin/maturin" build --release -q -o "$work/wheels" -i "$venv/bin/python")
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$work"/wheels/casiscan-*.whl

echo "== Rust parse of the same file (benches/bin/nmap_parse_once.rs)"
cargo build --release -q -p casiscan-benches --bin nmap-parse-once
"$target/release/nmap-parse-once" parse "$xml" 5
"$target/release/nmap-parse-once" stream "$xml" 5
echo "== Python peers"
"$venv/bin/python" benches/python/bench_nmap_parse.py "$xml" --repeat 5 --markdown
