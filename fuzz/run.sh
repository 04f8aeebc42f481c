#!/usr/bin/env bash
# Runs AFL++ (through cargo-afl) on fuzz targets, one after the other, and prints one line of
# figures per target from AFL++'s fuzzer_stats.
#
#   bash fuzz/run.sh [-s SECONDS] [-x EXECS] [TARGET...]     (default: every target, 60 s each)
#
# -s stops a target after SECONDS, -x after EXECS executions (whichever comes first when both are
# given). The full goal of issue 21: `bash fuzz/run.sh -s 3600 -x 10000000`.
# Limits per input: 1 s (a slower input is a hang) and 512 MB of memory.
# Work files: $FUZZ_WORK (default $CARGO_TARGET_DIR/fuzz-work or fuzz/target/fuzz-work);
# crashes and hangs are left in $FUZZ_WORK/out/TARGET/default/{crashes,hangs}.
set -euo pipefail
cd "$(dirname "$0")"
seconds=60
execs=
while getopts "s:x:" opt; do
    case $opt in
        s) seconds=$OPTARG ;;
        x) execs=$OPTARG ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$(pwd)/target}
work=${FUZZ_WORK:-$CARGO_TARGET_DIR/fuzz-work}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi
cargo afl build --release -q
bash seeds.sh "$work/seeds" >/dev/null
bin=$CARGO_TARGET_DIR/release
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
for t in "${targets[@]}"; do
    out=$work/out/$t
    rm -rf "$out"
    mkdir -p "$work/out"
    limit=(-V "$seconds")
    [ -n "$execs" ] && limit+=(-E "$execs")
    cargo afl fuzz "${limit[@]}" -t 1000 -m 512 -i "$work/seeds/$t" -o "$out" "$bin/$t" \
        >"$work/$t.log" 2>&1 || { echo "$t: afl-fuzz failed, see $work/$t.log"; tail -5 "$work/$t.log"; continue; }
    stats=$out/default/fuzzer_stats
    get() { sed -n "s/^$1 *: //p" "$stats"; }
    echo "$t: execs=$(get execs_done) time=$(get run_time)s execs/s=$(get execs_per_sec)" \
        "edges=$(get edges_found)/$(get total_edges) bitmap=$(get bitmap_cvg) corpus=$(get corpus_count)" \
        "crashes=$(get saved_crashes) hangs=$(get saved_hangs) date=$(date -u +%Y-%m-%dT%H:%MZ)"
done
