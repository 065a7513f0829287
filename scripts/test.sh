#!/usr/bin/env bash
# Installs what the tests need (idempotent) and runs every test: unit tests, the virtual card
# in process, the same operations through a private pcscd + vpcd, third-party clients (OpenSC,
# jpki-cli, myna-card) against the virtual card, the CLI, relying-party verification (CRL, OCSP
# with OpenSSL's responder, CMS checked by openssl cms), the OIDC client against the stand-in
# provider, the browser face and the portal in headless Chromium, the uniffi bindings from Python
# and Kotlin (Swift parsed), short fuzz runs, and the offline dependency audit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TERM_COLOR=never

step() { printf '\n== %s\n' "$*" >&2; }

step "build (native, all targets)"
cargo build --locked --workspace --all-targets

step "tests: unit, virtual card, in-process, pcscd + vpcd, OpenSC, CLI"
cargo test --locked --workspace --all-targets --no-fail-fast

step "doctests"
cargo test --locked --workspace --doc

step "wasm-bindgen-test in headless Chromium: the core as wasm32 (sessions, RSA, RC-S380 driver, OIDC)"
scripts/wasm-browser-test.sh

step "browser face in headless Chromium: wasm builds, RC-S380/RC-S300/CCID over a WebUSB double, npm pack + tsc"
scripts/browser-test.sh

step "uniffi: Python bindings drive a session over a Python transport; Kotlin/Swift generated"
mobile/tests/run-python.sh

step "uniffi: Kotlin bindings on the JVM (Maven, JNA, coroutines) over a Kotlin transport"
mobile/tests/run-kotlin.sh

step "fuzzing: every parser for a few seconds from the committed corpus (tests/fuzz)"
tests/fuzz/run.sh "${FUZZ_SECONDS:-5}"

step "dependency audit (offline): licences and duplicate versions (deny.toml)"
# cargo-deny reads every package of the lock file, for all targets (e.g. tokio, an optional
# dependency of wasm-bindgen-futures on emscripten): fetch them first.
cargo fetch --locked --quiet
cargo deny --offline --log-level error check licenses bans

step "Node: verify() on material from the virtual card; OidcBackend against the stand-in provider"
MYNACARD_BIN="$PWD/target/debug/mynacard" node --test npm/test/*.test.mjs

step "the portal example end to end in Chromium (screenshots in target/portal-artifacts/)"
node --test examples/portal/test/portal.test.mjs
