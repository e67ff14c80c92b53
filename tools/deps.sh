#!/usr/bin/env bash
# Install the Debian packages byline builds with, if any is missing; with the
# argument `test`, also what the test suite needs (chromium, node and npm,
# and playwright-core from npm for the browser test in tests/browser;
# valgrind for the memcheck run of the store's stream test).
# Quiet when everything is already there. Needs root (or sudo) only to install.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libstemmer-dev libutf8proc-dev
      libzstd-dev libxxhash-dev libjansson-dev libmicrohttpd-dev zlib1g-dev
      libsqlite3-dev libcmocka-dev)
with_tests=false
[ "${1:-}" = test ] && with_tests=true
$with_tests && pkgs+=(chromium valgrind)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing+=("$p")
done
browser="$(cd "$(dirname "$0")/../tests/browser" && pwd)"
if $with_tests; then
    # NodeSource's nodejs bundles npm, so look for the commands rather than
    # the Debian packages.
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    if [ ! -d "$browser/node_modules/playwright-core" ] &&
       command -v npm >/dev/null 2>&1; then
        (cd "$browser" && npm ci --no-audit --no-fund --silent) ||
            echo "npm ci failed: the browser test will be skipped" >&2
    fi
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if $with_tests && [ ! -d "$browser/node_modules/playwright-core" ]; then
    (cd "$browser" && npm ci --no-audit --no-fund --silent) ||
        echo "npm ci failed: the browser test will be skipped" >&2
fi
