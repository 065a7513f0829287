#!/usr/bin/env bash
# Builds the browser face for wasm32-unknown-unknown. rustup cannot fetch targets on these
# machines, so this uses Debian's rustc-web with its std sources (-Zbuild-std) and wasm-ld-19;
# where rustup has the target, it uses that. Then makes the
# JS glue with wasm-bindgen-cli (scripts/setup.sh installs the matching version) and shrinks the
# module with wasm-opt from npm's `binaryen` package when npm/node_modules has it.
#
# Output (npm/dist/), wasm-bindgen --target web glue (mynacard_wasm.js, .d.ts, _bg.wasm) twice:
#   card/   card sessions, PIN checks, errors: what a page needs (built --no-default-features)
#   web/    the same plus verify() (chains, CRL/OCSP, CMS): `mynacard/verify` for pages
#   node/   the same plus the デジタル認証アプリ backend (OidcBackend): `mynacard/node`
#   myna-error.js                           the MynaError class both glues import (one class)
# `WASM_CRATE=<package> WASM_OUT=<dir>` builds another wasm-bindgen crate the same way (the
# browser tests' virtual USB readers).
set -euo pipefail
cd "$(dirname "$0")/.."
CRATE=${WASM_CRATE:-mynacard-wasm}
LIB=${CRATE//-/_}

# SHA-2 without unrolled rounds (sha2's documented `sha2_backend_soft = "compact"`): the page
# hashes a challenge or a document, and the unrolled SHA-256/512 compressors were 19 KB of the
# module (−4.3 KB gzipped on dist/card with -Zlocation-detail=none, 2026-12-03; docs/browser.md).
SIZE_CFG='--cfg sha2_backend_soft="compact"'

# build OUT_DIR [cargo args...]: one wasm build, its glue, wasm-opt.
build() {
    local out=$1 wasm
    shift
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        RUSTFLAGS="$SIZE_CFG" cargo build --locked -p "$CRATE" --target wasm32-unknown-unknown --profile wasm "$@"
        wasm=target/wasm32-unknown-unknown/wasm/$LIB.wasm
    else
        # Nightly features through RUSTC_BOOTSTRAP: std built for wasm, and panics that trap at
        # once (no panic messages or formatting machinery in the module).
        RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19 \
        RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none $SIZE_CFG" \
        /usr/bin/cargo build --locked -p "$CRATE" --target wasm32-unknown-unknown --profile wasm \
            -Zbuild-std=std,panic_abort "$@" \
            --target-dir target/wasm-debian
        wasm=target/wasm-debian/wasm32-unknown-unknown/wasm/$LIB.wasm
    fi
    rm -rf "$out"
    wasm-bindgen --target web --out-dir "$out" "$wasm"
    local bg="$out/${LIB}_bg.wasm" opt=npm/node_modules/.bin/wasm-opt
    if [ -x "$opt" ]; then
        local before
        before=$(stat -c %s "$bg")
        # -Oz twice: the second pass finds what the first one's inlining made foldable
        # (−265 B gzipped on dist/card, 2026-12-02; a third pass gains nothing).
        "$opt" -Oz -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
            --enable-mutable-globals --enable-reference-types --enable-multivalue \
            --strip-producers "$bg" -o "$bg.opt" && mv "$bg.opt" "$bg"
        echo "wasm-opt -Oz: $before -> $(stat -c %s "$bg") bytes"
    else
        echo "wasm-opt not found (npm ci in npm/ installs binaryen): module left as linked"
    fi
    local gz
    gz=$(gzip -9 -c "$bg" | wc -c)
    printf '%s: %s bytes, %s gzipped\n' "$bg" "$(stat -c %s "$bg")" "$gz"
    # The page's card module has a budget (docs/browser.md: 100,000 B gzipped, gzip -9, after
    # wasm-opt): over it, the build fails (issue 23.6). Only an optimised module is judged.
    if [ "$out" = npm/dist/card ] && [ -x "$opt" ] && [ "$gz" -gt "${PAGE_BUDGET_BYTES:-100000}" ]; then
        echo "npm/dist/card: $gz B gzipped is over the page budget of ${PAGE_BUDGET_BYTES:-100000} B (docs/browser.md)" >&2
        exit 1
    fi
}

if [ "$CRATE" = mynacard-wasm ]; then
    build npm/dist/web "$@"
    build npm/dist/card --no-default-features "$@"
    build npm/dist/node --features oidc "$@"
    cp wasm/js/myna-error.js wasm/js/myna-error.d.ts npm/dist/
else
    build "${WASM_OUT:?WASM_OUT names the output folder}" "$@"
fi
