#!/usr/bin/env bash
# Install the Debian packages byline builds and tests with, if any is missing.
# Quiet when everything is already there. Needs root (or sudo) only to install.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libstemmer-dev libutf8proc-dev
      libzstd-dev libxxhash-dev libjansson-dev libmicrohttpd-dev zlib1g-dev
      libsqlite3-dev libcmocka-dev chromium)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing+=("$p")
done
# node and npm drive the browser test (tests/browser); NodeSource's nodejs
# bundles npm, so look for the commands rather than the Debian packages.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
browser="$(cd "$(dirname "$0")/../tests/browser" && pwd)"
if [ ! -d "$browser/node_modules/playwright-core" ] &&
   command -v npm >/dev/null 2>&1; then
    (cd "$browser" && npm ci --no-audit --no-fund --silent)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ ! -d "$browser/node_modules/playwright-core" ]; then
    (cd "$browser" && npm ci --no-audit --no-fund --silent)
fi
