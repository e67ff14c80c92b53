#!/usr/bin/env bash
# Build the libFuzzer targets in build-fuzz (clang, ASan + UBSan) and run
# each one, one at a time, for a bounded time. Fails when any target finds
# a crash, leak, UB, timeout or broken invariant. See fuzz/README.md.
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60, all)
#   e.g. fuzz/run.sh 300 fuzz_date fuzz_analyze
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in ''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2;;
esac

out=build-fuzz
CC=clang cmake -S . -B "$out" -DBYLINE_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
mkdir -p "$out/logs"
if ! cmake --build "$out" -j2 --target fuzz > "$out/logs/build.log" 2>&1; then
    cat "$out/logs/build.log"
    exit 1
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for src in fuzz/fuzz_*.c; do
        targets+=("$(basename "$src" .c)")
    done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
    name=${t#fuzz_}
    work="$out/corpus/$name"          # grows as the fuzzer finds inputs
    crashes="$out/crashes/$name"
    mkdir -p "$work" "$crashes"
    seeds=()
    [ -d "fuzz/corpus/$name" ] && seeds=("fuzz/corpus/$name")
    dict=()
    [ -f "fuzz/$name.dict" ] && dict=("-dict=fuzz/$name.dict")
    log="$out/logs/$t.log"
    echo "== $t: ${secs}s (log $log)"
    # One process, no -fork/-jobs: the machine's cores are shared.
    if "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" \
        "$work" "${seeds[@]}" > "$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
               grep -o '[0-9]*$' || echo '?')
        rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" |
               grep -o '[0-9]*$' || echo '?')
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
        echo "   ok: $runs runs, $rate exec/s, $cov"
    else
        echo "   FAILED: see $log; inputs in $crashes/"
        grep -E 'ERROR:|runtime error|fuzz invariant|SUMMARY' "$log" |
            head -5 | sed 's/^/   /'
        failed+=("$t")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}"
    exit 1
fi
echo "all ${#targets[@]} targets ran ${secs}s without a finding"
