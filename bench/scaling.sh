#!/usr/bin/env bash
# The scaling study: generate news archives of growing size, index and
# query each with `byline bench --generate N`, then write the table
# (bench/results/scaling.md) and the chart (bench/results/scaling.svg).
#
#   bench/scaling.sh                 10^4, 10^5 and 10^6 articles
#   bench/scaling.sh 10000 100000    the sizes given
#   PEER=sqlite bench/scaling.sh     FTS5 side by side too (slow at 10^6)
#
# Environment: BYLINE (the binary; default build/byline), LIKE (the corpus
# the articles imitate; default the bundled sample), SEED (1), THREADS
# (the cores), RAM (the indexing budget in MB, 256), PER_KIND (queries of
# each kind, 100), REPS (timed runs of each query, 3), OUT (bench/results).
# Each run's JSON document is kept in OUT/scaling-N.json and its table in
# OUT/scaling-N.txt; the table and chart are made from every such file in
# OUT, so sizes can be run one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
BYLINE=${BYLINE:-build/byline}
OUT=${OUT:-bench/results}
SEED=${SEED:-1}
THREADS=${THREADS:-$(nproc)}
RAM=${RAM:-256}
PER_KIND=${PER_KIND:-100}
REPS=${REPS:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
mkdir -p "$OUT"
extra=()
[ -n "${LIKE:-}" ] && extra+=(--like "$LIKE")
[ -n "${PEER:-}" ] && extra+=(--peer "$PEER")
for n in "${sizes[@]}"; do
    echo "== $n articles" >&2
    /usr/bin/time -f "%e s wall, %M KB max RSS" \
        "$BYLINE" bench --generate "$n" --seed "$SEED" --threads "$THREADS" \
        --ram "$RAM" --per-kind "$PER_KIND" --reps "$REPS" "${extra[@]}" \
        --json "$OUT/scaling-$n.json" | tee "$OUT/scaling-$n.txt"
done
"$BYLINE" bench --scaling --md "$OUT/scaling.md" --svg "$OUT/scaling.svg" \
    "$OUT"/scaling-*.json
cat "$OUT/scaling.md"
