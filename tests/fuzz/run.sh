#!/usr/bin/env bash
# Runs every fuzz target for a fixed time over its seed corpus.
#
#   tests/fuzz/run.sh [-t SECONDS] [-r RANDOM_SEED] [-b BUILD_DIR] [-s SEED_DIR] [-w WORK_DIR] [TARGET...]
#
# -r fixes libFuzzer's random seed, so that a short run over the same seeds mutates the same way on any
# machine (a failure seen elsewhere is reproduced with the same -r); without it each run draws its own.
# Defaults: 60 s per target, build dir build-fuzz (configured with clang and -DREVO_FUZZ=ON; built here
# if needed), seeds made by make-seeds.sh into WORK_DIR/seeds when SEED_DIR is not given. Each target's
# growing corpus is kept in WORK_DIR/corpus/<target>, crashes in WORK_DIR/crashes/<target>. Prints one
# line per target with the executions run; exits non-zero if any target found a crash.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=60
build=$src/build-fuzz
seeds=
rseed=
work=${REVO_FUZZ_WORK:-/tmp/revo-fuzz}
while getopts "t:r:b:s:w:" o; do
    case $o in
        t) secs=$OPTARG ;;
        r) rseed=$OPTARG ;;
        b) build=$OPTARG ;;
        s) seeds=$OPTARG ;;
        w) work=$OPTARG ;;
        *) echo "usage: $0 [-t SECONDS] [-r RANDOM_SEED] [-b BUILD_DIR] [-s SEED_DIR] [-w WORK_DIR] [TARGET...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pipeline tls http ocsp dns reassembly)

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S "$src" -B "$build" -DREVO_FUZZ=ON -DREVO_BUILD_TESTS=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
fi
cmake --build "$build" -j2 --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null || { echo "fuzz build failed" >&2; exit 1; }

mkdir -p "$work"
if [ -z "$seeds" ]; then
    seeds=$work/seeds
    [ -d "$seeds/tls" ] || "$src/tests/fuzz/make-seeds.sh" "$seeds" || exit 1
fi

declare -A max_len=([pipeline]=65536 [tls]=65536 [http]=16384 [ocsp]=16384 [dns]=4096 [reassembly]=4096)
# The pipeline target reaches some 25,000 coverage features; the entropic schedule's per-run bookkeeping
# over them took 43 % of its time (perf), so it runs with the plain schedule (3x the executions).
declare -A extra=([pipeline]="-entropic=0")
status=0
failed=()
for t in "${targets[@]}"; do
    bin=$build/tests/fuzz/fuzz_$t
    [ -x "$bin" ] || { echo "fuzz_$t: not built" >&2; status=1; continue; }
    mkdir -p "$work/corpus/$t" "$work/crashes/$t" "$seeds/$t"
    log=$work/fuzz_$t.log
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$secs" -max_len="${max_len[$t]:-4096}" -timeout=25 -rss_limit_mb=2048 ${extra[$t]:-} \
        ${rseed:+-seed=$rseed} -print_final_stats=1 -artifact_prefix="$work/crashes/$t/" \
        "$work/corpus/$t" "$seeds/$t" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    used_seed=$(sed -n 's/^INFO: Seed: *//p' "$log" | head -1)
    crashes=$(find "$work/crashes/$t" -type f | wc -l)
    printf 'fuzz_%-11s %6ss  %12s executions  %s crash file(s)  exit %s  seed %s\n' "$t" "$secs" "${execs:-?}" "$crashes" "$rc" "${used_seed:-?}"
    if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        status=1
        failed+=("$t")
    fi
done
# A failure is reported after the summary lines, so that the end of the output (what a CI log keeps) holds the
# sanitizer's report and the input that caused it.
for t in "${failed[@]}"; do
    log=$work/fuzz_$t.log
    echo "---- fuzz_$t: report ($log)"
    grep -n -m1 -E '^==[0-9]+==|ERROR: libFuzzer|runtime error|deadly signal|out-of-memory|timeout' "$log" >/dev/null &&
        sed -n "$(grep -n -m1 -E '^==[0-9]+==|ERROR: libFuzzer|runtime error|deadly signal|out-of-memory|timeout' "$log" | cut -d: -f1),+60p" "$log"
    for f in $(find "$work/crashes/$t" -type f | head -3); do
        packed=$(gzip -9c "$f" | base64 -w0)
        if [ ${#packed} -le 12000 ]; then
            echo "---- fuzz_$t: input $(basename "$f") ($(stat -c %s "$f") bytes), gzip+base64:"
            echo "$packed"
        else
            echo "---- fuzz_$t: input $(basename "$f") ($(stat -c %s "$f") bytes) is too large to print"
        fi
    done
done
exit $status
