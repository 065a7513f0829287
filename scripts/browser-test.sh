#!/usr/bin/env bash
# Browser tests of the wasm face in real headless Chromium: builds the face (wasm-build.sh) and
# the test-only virtual USB readers (tests/virtual-usb-wasm), installs the npm devDependencies
# (playwright-core drives the system's Chromium; binaryen's wasm-opt; typescript for the d.ts
# check), then runs npm/test/browser/run.mjs, the packed-tarball check and the d.ts consumer.
# Screenshots: target/browser-artifacts/. Needs Chromium at /usr/bin/chromium (or $CHROMIUM):
# `apt-get install -y chromium` (never `npx playwright install`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CHROMIUM:-}" ] && ! [ -x /usr/bin/chromium ]; then
    echo "installing chromium (Debian package)" >&2
    apt-get install -y chromium >/dev/null
fi
# A Japanese font, so the screenshots show messages and 4情報 instead of empty boxes.
if ! fc-list 2>/dev/null | grep -qi -e ipa -e noto.*cjk -e vl.gothic; then
    apt-get install -y fonts-ipafont-gothic >/dev/null 2>&1 || echo "no Japanese font: screenshots show boxes" >&2
fi
(cd npm && npm ci --no-audit --no-fund --loglevel=error)
scripts/wasm-build.sh
WASM_CRATE=mynacard-virtual-usb-wasm WASM_OUT=target/browser-test/virtual-usb scripts/wasm-build.sh
node --test --test-timeout=300000 npm/test/browser/run.mjs
# Run by bash, so a lost exec bit cannot skip the type-check.
bash npm/test/consumer/check.sh
# The packed tarball in a vendor's project: Vite and webpack build it with no configuration,
# and the pages run in Chromium.
node --test --test-timeout=600000 npm/test/bundlers/check.test.mjs
