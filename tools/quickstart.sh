#!/usr/bin/env bash
# The main job on the bundled sample corpus: install what is missing, build
# in ./build, index corpus/sample into ./build/sample-index, describe the
# index and run a few searches.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
rm -rf build/sample-index
./build/byline index corpus/sample -o build/sample-index
echo
./build/byline stats build/sample-index
for q in 'storm coast' '"interest rate" AND source:northwind-wire' \
         'oil -opec date:[2020-01-01 TO *]'; do
    echo
    echo "\$ byline search build/sample-index '$q' -k 3"
    ./build/byline search build/sample-index "$q" -k 3
done
