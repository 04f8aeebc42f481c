#!/usr/bin/env bash
# casiscan's nmap parser vs its peers on the same generated file, in the same run.
# Usage: bash benches/nmap_peers.sh [HOSTS]   (default 20000 hosts = 83 MB; needs ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${1:-20000}
WORK=${BENCH_WORK:-/tmp/casiscan-nmapbench}
mkdir -p "$WORK"
BIG=$WORK/scan-$HOSTS.xml
[ -f "$BIG" ] || python3 ../shared/bench/gen_nmap_xml.py --hosts "$HOSTS" --seed 1 -o "$BIG"
if [ ! -x "$WORK/venv/bin/python" ]; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q python-libnmap==0.7.3
fi
if [ ! -x "$WORK/rustpeer/target/release/rustpeer" ]; then
    rm -rf "$WORK/rustpeer" && mkdir -p "$WORK/rustpeer/src"
    cp ../shared/bench/rustpeer/Cargo.toml "$WORK/rustpeer/"
    cp ../shared/bench/rustpeer/src/main.rs "$WORK/rustpeer/src/"
    (cd "$WORK/rustpeer" && cargo build --release -q)
fi
cargo build --release -q -p casiscan-benches --bin nmap-parse-once
rss() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "file: $BIG ($(stat -c %s "$BIG") bytes)"
for mode in parse parse-file stream; do
    ./target/release/nmap-parse-once "$mode" "$BIG" 3
    echo "  peak RSS KB: $(rss ./target/release/nmap-parse-once "$mode" "$BIG" 1)"
done
"$WORK/rustpeer/target/release/rustpeer" nmap_xml_parser "$BIG" 3 || true
echo "  peak RSS KB: $(rss "$WORK/rustpeer/target/release/rustpeer" nmap_xml_parser "$BIG" 1)"
"$WORK/venv/bin/python" ../shared/bench/peers_nmap_parse.py "$BIG" --repeat 1 --peers python-libnmap
