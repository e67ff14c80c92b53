#!/usr/bin/env bash
# run.sh - the browser test of the search page, for ctest:
#   run.sh BYLINE_BINARY OUT_DIR
# Builds an index of the sample corpus (or a small fixture) with `byline
# index`, serves it on a free port, and runs search_page.mjs in headless
# chromium. Exit 77 (skipped) when chromium, node or playwright-core is
# missing, or when no index can be built; the screenshots land in OUT_DIR.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
byline="$1"
out="$2"
mkdir -p "$out"
[ -x /usr/bin/chromium ] ||
    { echo "SKIP: /usr/bin/chromium not installed"; exit 77; }
command -v node >/dev/null || { echo "SKIP: node not installed"; exit 77; }
[ -d "$here/node_modules/playwright-core" ] ||
    { echo "SKIP: run npm install in tests/browser"; exit 77; }
tmp="$(mktemp -d)"
pid=""
cleanup() {
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid"
    rm -rf "$tmp"
}
trap cleanup EXIT
corpus="$here/../../corpus/sample/articles.jsonl"
prefix="oi"
query="oil"
if [ ! -f "$corpus" ]; then
    corpus="$tmp/fixture.jsonl"
    for i in $(seq 1 30); do
        printf '{"id":"f%d","title":"Oil prices move on day %d",' "$i" "$i"
        printf '"body":"Crude oil prices moved on day %d as the harbour ' "$i"
        printf 'reopened.","date":"1987-03-%02d","source":"reuters"}\n' \
            "$(( (i % 28) + 1 ))"
    done > "$corpus"
fi
if ! "$byline" index "$corpus" -o "$tmp/index" > "$tmp/index.log" 2>&1; then
    echo "SKIP: byline index failed:"; cat "$tmp/index.log"; exit 77
fi
"$byline" serve "$tmp/index" --port 0 --quiet 2> "$tmp/serve.log" &
pid=$!
port=""
for _ in $(seq 1 200); do
    port="$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve.log" | head -1)"
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "byline serve did not start:"; cat "$tmp/serve.log"; exit 1; }
node "$here/search_page.mjs" "http://127.0.0.1:$port" "$out" "$prefix" "$query"
rc=$?
echo "screenshots: $out/search.png $out/search-suggest.png $out/search-phone.png"
exit $rc
