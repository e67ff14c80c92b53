#!/usr/bin/env bash
# The main job on the bundled sample corpus: install what is missing, build
# in ./build, then analyse corpus/sample and print token statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
./build/byline analyze --stats - < corpus/sample/articles.jsonl
