#!/usr/bin/env bash
# Builds the browser face for wasm32-unknown-unknown. rustup cannot fetch targets on these
# machines, so this uses Debian's rustc-web with its std sources (-Zbuild-std) and wasm-ld-19
# (see shared notes/toolchain.md); where rustup has the target, it uses that.
set -euo pipefail
cd "$(dirname "$0")/.."
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    exec cargo build --locked -p mynacard-wasm --target wasm32-unknown-unknown --release "$@"
fi
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/wasm-debian"
exec /usr/bin/cargo build --locked -p mynacard-wasm --target wasm32-unknown-unknown --release \
    -Zbuild-std=std,panic_abort "$@"
