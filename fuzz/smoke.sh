#!/usr/bin/env bash
# The fuzz smoke of scripts/test.sh: every target builds instrumented (cargo-afl, dev profile) and
# runs once over each file of its seed corpus without a crash or a hang (10 s per input, far above
# the 1 s of a real run: the dev profile is slow). Real fuzzing: fuzz/run.sh, see FUZZING.md.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$(pwd)/target}/fuzz-smoke
cargo afl build -q 2>&1 | { grep -v -e '^warning' -e '^ *|' -e '^ *-->' -e '^ *=' -e '^$' || true; }
seeds=$CARGO_TARGET_DIR/seeds
bash seeds.sh "$seeds" >/dev/null
failed=0
runs=0
for t in $(ls fuzz_targets | sed 's/\.rs$//'); do
    for f in "$seeds/$t"/*; do
        runs=$((runs + 1))
        if ! timeout 10 "$CARGO_TARGET_DIR/debug/$t" <"$f" >/dev/null 2>"$CARGO_TARGET_DIR/last.err"; then
            echo "fuzz smoke: $t failed on $f" >&2
            tail -5 "$CARGO_TARGET_DIR/last.err" >&2
            failed=1
        fi
    done
done
[ "$failed" = 0 ] || exit 1
echo "fuzz smoke: $(ls fuzz_targets | wc -l) targets over $runs seed inputs, no crash or hang"
