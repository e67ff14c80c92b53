#!/usr/bin/env bash
# Build and run the whole test suite; ends on ctest's summary.
#   tools/test.sh            the normal build, in ./build
#   tools/test.sh sanitize   AddressSanitizer + UBSan, in ./build-asan
#   tools/test.sh thread     ThreadSanitizer, in ./build-tsan (not in CI:
#                            about 15 minutes, test_crash alone 11)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh test
dir=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBYLINE_WERROR=ON)
if [ "${1:-}" = sanitize ]; then
    dir=build-asan
    flags=(-DCMAKE_BUILD_TYPE=Debug -DBYLINE_WERROR=ON -DBYLINE_SANITIZE=ON)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
elif [ "${1:-}" = thread ]; then
    dir=build-tsan
    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBYLINE_WERROR=ON -DBYLINE_TSAN=ON)
    # A race fails the process that has it, the byline children the tests
    # start included.
    export TSAN_OPTIONS=halt_on_error=1:exitcode=66
fi
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
if ! cmake --build "$dir" -j"$(nproc)" > "$dir/build.log" 2>&1; then
    cat "$dir/build.log"
    exit 1
fi
cd "$dir" && ctest -j"$(nproc)" --output-on-failure
