#!/usr/bin/env bash
# Builds the browser face for wasm32-unknown-unknown. rustup cannot fetch targets on these
# machines, so this uses Debian's rustc-web with its std sources (-Zbuild-std) and wasm-ld-19
# (see shared notes/toolchain.md); where rustup has the target, it uses that. Then makes the
# JS glue with wasm-bindgen-cli (scripts/setup.sh installs the matching version).
set -euo pipefail
cd "$(dirname "$0")/.."
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    cargo build --locked -p mynacard-wasm --target wasm32-unknown-unknown --profile wasm "$@"
    WASM=target/wasm32-unknown-unknown/wasm/mynacard_wasm.wasm
else
    export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19
    /usr/bin/cargo build --locked -p mynacard-wasm --target wasm32-unknown-unknown --profile wasm \
        -Zbuild-std=std,panic_abort "$@" \
        --target-dir target/wasm-debian
    WASM=target/wasm-debian/wasm32-unknown-unknown/wasm/mynacard_wasm.wasm
fi
# JS glue for Node (ESM-importable CommonJS) and for bundlers/browsers.
wasm-bindgen --target nodejs --out-dir npm/dist/node "$WASM"
wasm-bindgen --target web --out-dir npm/dist/web "$WASM"
# The Node glue is CommonJS inside an ESM package: mark its folder so `import` works.
echo '{ "type": "commonjs" }' > npm/dist/node/package.json
ls -l npm/dist/node/*.wasm
