#!/usr/bin/env bash
# The main job: a real nmap scan of 127.0.0.1, stored in ./casiscan.db (SQLite), printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh demo
cargo build --release -q -p casiscan-examples --bin casiscan

# Something to find: a web server on a free loopback port, stopped when we exit.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 0.5

./target/release/casiscan --db casiscan.db scan 127.0.0.1 --command "-sT -sV -p $port"
echo
./target/release/casiscan --db casiscan.db list
