#!/usr/bin/env bash
# Every test of casiscan: lint, Rust tests (real nmap, SQLite, PostgreSQL), bindings, benches build.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# About 90 test binaries each link casiscan-core: with full debug information and incremental
# caches a clean run wrote over 40 GB and filled CI's disk. Line tables keep file:line in
# backtraces at a fraction of the size; CI never reuses an incremental cache.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
export CARGO_PROFILE_DEV_DEBUG=${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}
bash scripts/install-deps.sh test

echo "== cargo fmt"
cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --all-features -q -- -D warnings
echo "== PostgreSQL for the tests"
pg=$(bash scripts/pg-start.sh)
export CASISCAN_TEST_PG_URL=$(echo "$pg" | sed -n 1p)
pgdir=$(echo "$pg" | sed -n 2p)
trap 'bash scripts/pg-stop.sh "$pgdir"' EXIT
echo "== libcasiscan for the C tests"
cargo build -p casiscan-capi
echo "== cargo test"
cargo test --workspace --all-features
bash scripts/test-python.sh
echo "== fuzz smoke: every target builds instrumented and runs over its seed corpus"
bash fuzz/smoke.sh
echo "== benches and bench tools compile (dev profile; cargo bench runs them optimised)"
cargo build -q -p casiscan-benches --benches --bins
echo "== all tests passed"
