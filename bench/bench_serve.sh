#!/usr/bin/env bash
# bench_serve.sh - HTTP throughput and latency of `byline serve`: wrk
# replays a real query mix against /search on an index of Reuters-21578.
#
#   bench/bench_serve.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
#
# Defaults: build, 30 s, 64 connections. Environment: BYLINE_QUERIES (query
# file; the search-benchmark-game log), SERVE_THREADS (server threads; the
# cores), WRK_THREADS (load generator threads; 1), BYLINE_K (hits, 10),
# INDEX (reuse an index folder instead of building one in a temp dir).
# A shorter run of /suggest follows (prefixes of the same queries).
# Target: >= 10,000 requests/s with p99 < 10 ms on 2 cores, load generator
# included, and no errors.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
secs="${2:-30}"
conns="${3:-64}"
byline="$build/byline"
corpus="$root/../shared/corpus"
export BYLINE_QUERIES="${BYLINE_QUERIES:-$corpus/queries/search-benchmark-game/queries.txt}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
[ -x "$byline" ] || { echo "no $byline: build first"; exit 1; }
[ -f "$BYLINE_QUERIES" ] || { echo "no query file $BYLINE_QUERIES"; exit 1; }
tmp="$(mktemp -d)"
pid=""
cleanup() {
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" || true
    rm -rf "$tmp"
}
trap cleanup EXIT
index="${INDEX:-}"
if [ -z "$index" ]; then
    index="$tmp/index"
    [ -d "$corpus/reuters21578" ] || { echo "no Reuters-21578 in $corpus"; exit 1; }
    echo "indexing Reuters-21578 ..."
    "$byline" index "$corpus/reuters21578" -o "$index" >/dev/null
fi
args=("$index" --port 0 --quiet)
[ -n "${SERVE_THREADS:-}" ] && args+=(--threads "$SERVE_THREADS")
"$byline" serve "${args[@]}" 2> "$tmp/serve.log" &
pid=$!
port=""
for _ in $(seq 1 400); do
    port="$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve.log" | head -1)"
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { cat "$tmp/serve.log"; exit 1; }
echo "byline serve on port $port; $(nproc) cores; queries: $BYLINE_QUERIES"
# Warm up (page cache, suggester, allocator), then measure.
wrk -t1 -c8 -d2s -s "$root/bench/wrk_queries.lua" "http://127.0.0.1:$port" >/dev/null
wrk -t"${WRK_THREADS:-1}" -c"$conns" -d"${secs}s" --latency \
    -s "$root/bench/wrk_queries.lua" "http://127.0.0.1:$port"
echo
echo "/suggest, $(( secs / 3 > 0 ? secs / 3 : 1 )) s:"
BYLINE_ENDPOINT=suggest wrk -t"${WRK_THREADS:-1}" -c"$conns" \
    -d"$(( secs / 3 > 0 ? secs / 3 : 1 ))s" --latency \
    -s "$root/bench/wrk_queries.lua" "http://127.0.0.1:$port" | tail -1
