#!/usr/bin/env bash
# wasm-bindgen-test in headless Chromium: the core compiled to wasm32 (card sessions on the
# virtual card, RSA verification, the RC-S380 driver over its emulator, OIDC randomness from
# crypto.getRandomValues), run by wasm-bindgen-test-runner (installed with wasm-bindgen-cli)
# through chromedriver. Same toolchain route as scripts/wasm-build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromedriver >/dev/null || apt-get install -y chromium-driver >/dev/null
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver)}
export WASM_BINDGEN_TEST_TIMEOUT=120
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    cargo test --locked -p mynacard-wasm-browser-tests --target wasm32-unknown-unknown
else
    RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19 \
    /usr/bin/cargo test --locked -p mynacard-wasm-browser-tests --target wasm32-unknown-unknown \
        -Zbuild-std=std,panic_abort --target-dir target/wasm-debian-test
fi
