#!/usr/bin/env bash
# The fuzz smoke of scripts/test.sh: every target builds instrumented (cargo-afl, dev profile),
# runs once over each file of its seed corpus without a crash or a hang (10 s per input, far above
# the 1 s of a real run: the dev profile is slow), then fuzzes a few seconds under AFL++ without a
# crash. Real fuzzing: fuzz/run.sh, see FUZZING.md.
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

# Then a short coverage-guided run of each target (FUZZ_SMOKE_SECONDS, default 5): a crash fails
# the smoke. Slow inputs are not judged here (the dev build is several times slower than the
# release build FUZZING.md's runs use, which are the hang check).
seconds=${FUZZ_SMOKE_SECONDS:-5}
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
total=0
mkdir -p "$CARGO_TARGET_DIR/smoke-out"
for t in $(ls fuzz_targets | sed 's/\.rs$//'); do
    out=$CARGO_TARGET_DIR/smoke-out/$t
    rm -rf "$out"
    if ! cargo afl fuzz -V "$seconds" -t 10000 -m 512 -i "$seeds/$t" -o "$out" \
        "$CARGO_TARGET_DIR/debug/$t" >"$CARGO_TARGET_DIR/$t.afl.log" 2>&1; then
        echo "fuzz smoke: afl-fuzz could not run $t" >&2
        tail -5 "$CARGO_TARGET_DIR/$t.afl.log" >&2
        failed=1
        continue
    fi
    stats=$out/default/fuzzer_stats
    if [ ! -f "$stats" ]; then
        echo "fuzz smoke: afl-fuzz left no fuzzer_stats for $t" >&2
        failed=1
        continue
    fi
    crashes=$(sed -n 's/^saved_crashes *: //p' "$stats")
    execs=$(sed -n 's/^execs_done *: //p' "$stats")
    total=$((total + ${execs:-0}))
    if [ "${crashes:-missing}" != 0 ]; then
        echo "fuzz smoke: $t crashed; inputs in $out/default/crashes" >&2
        failed=1
    fi
done
[ "$failed" = 0 ] || exit 1
echo "fuzz smoke: $seconds s of AFL++ per target, $total executions, no crash"
