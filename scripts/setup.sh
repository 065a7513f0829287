#!/usr/bin/env bash
# Installs what mynacard's demo and tests need, idempotently: Debian packages for the real
# PC/SC stack (pcscd, vsmartcard's vpcd, OpenSC), OpenSSL, the wasm toolchain (Debian's
# rustc-web with std sources and wasm-ld, since rustup cannot fetch targets on these machines),
# Chromium with chromedriver and a Japanese font for the browser tests, wasm-bindgen-cli,
# jpki-cli, cargo-fuzz, cargo-deny, Maven with a JDK, a Python venv with tree-sitter, and the
# signed-PDF validators (poppler's pdfsig, qpdf, pyHanko in its own venv).
# Safe to run again: it only installs what is missing.
set -euo pipefail

# `setup.sh --demo`: only what the demo needs: the CLI links libpcsclite; the stand-in provider
# of the hand-off part checks certificates with OpenSSL.
DEMO_ONLY=0
[[ ${1:-} == --demo ]] && DEMO_ONLY=1
if ((DEMO_ONLY)); then
    PACKAGES=(libpcsclite-dev pkg-config openssl)
else
    PACKAGES=(pcscd vsmartcard-vpcd opensc libpcsclite-dev pcsc-tools pkg-config openssl
              rustc-web cargo-web rust-web-src lld-19 chromium chromium-driver fonts-ipafont-gothic
              poppler-utils qpdf)
fi

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
        $SUDO apt-get update -qq
        $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

command -v cargo >/dev/null || { echo "setup: cargo (rustup) is required" >&2; exit 1; }

((DEMO_ONLY)) && exit 0

# The test tools are built once per machine, and on CI on every run: that build is the largest
# part of a fresh run (docs/testing.md, "CI time"). They share one build folder (common crates
# are compiled once, and a re-run reuses it), and they are built for the build's speed, not
# theirs: no LTO (cargo-deny's own release profile asks fat LTO with one codegen unit),
# opt-level 1, no debug info. cargo settings from the environment outrank the tools' manifests.
tool_install() {
    CARGO_TARGET_DIR="$(cd "$(dirname "$0")/.." && pwd)/target/tools-build" \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
        cargo install --quiet "$@"
}
# wasm-bindgen-cli must equal the wasm-bindgen crate version pinned in wasm/Cargo.toml.
WASM_BINDGEN_VERSION=0.2.130
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION"; then
    echo "setup: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)" >&2
    # Not --locked: one dependency version locked in wasm-bindgen-cli's own Cargo.lock is no
    # longer on the crate registry, so cargo resolves a current compatible one.
    tool_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
# jpki-cli (siketyan/jpki-rs), a third-party client the conformance test runs against the
# virtual card through pcscd.
JPKI_CLI_VERSION=0.4.3
if ! jpki-cli --version 2>/dev/null | grep -q "$JPKI_CLI_VERSION"; then
    echo "setup: installing jpki-cli $JPKI_CLI_VERSION (a few minutes, once)" >&2
    tool_install --locked jpki-cli --version "$JPKI_CLI_VERSION"
fi
# cargo-fuzz (libFuzzer targets in tests/fuzz) and cargo-deny (licences and duplicate versions).
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    echo "setup: installing cargo-fuzz $CARGO_FUZZ_VERSION (once)" >&2
    tool_install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
CARGO_DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q "$CARGO_DENY_VERSION"; then
    echo "setup: installing cargo-deny $CARGO_DENY_VERSION (a few minutes, once)" >&2
    tool_install --locked cargo-deny --version "$CARGO_DENY_VERSION"
fi
# cargo-nextest runs the Rust tests with a deadline per test (.config/nextest.toml): a hung
# test is killed and reported with its output, and a retried test is shown as FLAKY.
CARGO_NEXTEST_VERSION=0.9.151
if ! cargo nextest --version 2>/dev/null | grep -q "cargo-nextest $CARGO_NEXTEST_VERSION"; then
    echo "setup: installing cargo-nextest $CARGO_NEXTEST_VERSION (a few minutes, once)" >&2
    tool_install --locked cargo-nextest --no-default-features --features default-no-update --version "$CARGO_NEXTEST_VERSION"
fi
command -v node >/dev/null || { echo "setup: node (20+) is required for the Node tests" >&2; exit 1; }
command -v mvn >/dev/null && command -v java >/dev/null || {
    echo "setup: installing Maven and a JDK for the Kotlin tests" >&2
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get install -y --no-install-recommends maven default-jdk-headless >/dev/null
}
# The signed-PDF tests' independent validator (issue 16): pyHanko, pinned in
# tests/integration/pdf-requirements.txt, in its own venv (tests find it at target/pyhanko).
PYHANKO="$(cd "$(dirname "$0")/.." && pwd)/target/pyhanko"
PDF_REQUIREMENTS="$(cd "$(dirname "$0")/.." && pwd)/tests/integration/pdf-requirements.txt"
if ! "$PYHANKO/bin/pip" freeze 2>/dev/null | grep -qxF "$(grep -m1 '^pyhanko==' "$PDF_REQUIREMENTS")"; then
    echo "setup: installing pyHanko into $PYHANKO" >&2
    python3 -m venv "$PYHANKO"
    "$PYHANKO/bin/pip" install --quiet --disable-pip-version-check -r "$PDF_REQUIREMENTS"
fi
# Python tools for the tests, pinned, in a private venv: tree-sitter with the Swift and Kotlin
# grammars parses the Swift/Kotlin sources that cannot be compiled here (no Xcode, no Android SDK).
PYTOOLS="$(cd "$(dirname "$0")/.." && pwd)/target/pytools"
if ! "$PYTOOLS/bin/python" -c "import tree_sitter, tree_sitter_swift, tree_sitter_kotlin" 2>/dev/null; then
    echo "setup: installing tree-sitter grammars into $PYTOOLS" >&2
    python3 -m venv "$PYTOOLS"
    "$PYTOOLS/bin/pip" install --quiet --disable-pip-version-check \
        tree-sitter==0.26.1 tree-sitter-swift==0.7.4 tree-sitter-kotlin==1.1.0
fi
