#!/usr/bin/env bash
# Builds the browser face for wasm32-unknown-unknown. rustup cannot fetch targets on these
# machines, so this uses Debian's rustc-web with its std sources (-Zbuild-std) and wasm-ld-19
# (see shared notes/toolchain.md); where rustup has the target, it uses that. Then makes the
# JS glue with wasm-bindgen-cli (scripts/setup.sh installs the matching version) and shrinks the
# module with wasm-opt from npm's `binaryen` package when npm/node_modules has it.
#
# Output (npm/dist/, one module for browsers and Node):
#   web/mynacard_wasm.js, .d.ts, _bg.wasm   wasm-bindgen --target web glue
#   web/myna-error.js                       the MynaError class the glue imports
# `WASM_CRATE=<package> WASM_OUT=<dir>` builds another wasm-bindgen crate the same way (the
# browser tests' virtual USB readers).
set -euo pipefail
cd "$(dirname "$0")/.."
CRATE=${WASM_CRATE:-mynacard-wasm}
LIB=${CRATE//-/_}
OUT=${WASM_OUT:-npm/dist/web}
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    cargo build --locked -p "$CRATE" --target wasm32-unknown-unknown --profile wasm "$@"
    WASM=target/wasm32-unknown-unknown/wasm/$LIB.wasm
else
    export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19
    /usr/bin/cargo build --locked -p "$CRATE" --target wasm32-unknown-unknown --profile wasm \
        -Zbuild-std=std,panic_abort "$@" \
        --target-dir target/wasm-debian
    WASM=target/wasm-debian/wasm32-unknown-unknown/wasm/$LIB.wasm
fi
rm -rf "$OUT"
wasm-bindgen --target web --out-dir "$OUT" "$WASM"
if [ "$CRATE" = mynacard-wasm ]; then
    cp wasm/js/myna-error.js wasm/js/myna-error.d.ts "$OUT/"
    # The old CommonJS build is gone: Node loads the same ESM glue (npm/node.js).
    rm -rf npm/dist/node
fi
BG="$OUT/${LIB}_bg.wasm"
OPT=npm/node_modules/.bin/wasm-opt
if [ -x "$OPT" ]; then
    before=$(stat -c %s "$BG")
    "$OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        "$BG" -o "$BG.opt" && mv "$BG.opt" "$BG"
    echo "wasm-opt -Oz: $before -> $(stat -c %s "$BG") bytes"
else
    echo "wasm-opt not found (npm ci in npm/ installs binaryen): module left as linked"
fi
printf '%s: %s bytes, %s gzipped\n' "$BG" "$(stat -c %s "$BG")" "$(gzip -9 -c "$BG" | wc -c)"
