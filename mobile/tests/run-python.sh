#!/usr/bin/env bash
# Builds the uniffi library with the test-only virtual card, generates the Python bindings with
# this crate's uniffi-bindgen, and runs the Python tests against them.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --locked -q -p mynacard-mobile --features virtual-card,oidc-backend,bindgen
OUT=target/uniffi/python
mobile/scripts/uniffi-generate.sh target/debug/libmynacard_mobile.so python "$OUT" debug virtual-card,oidc-backend
cp target/debug/libmynacard_mobile.so "$OUT/"
# test_oidc.py runs the development stand-in provider (tests/oidc-provider).
[ -d tests/oidc-provider/node_modules/oidc-provider ] || (cd tests/oidc-provider && npm ci --no-audit --no-fund >/dev/null)
# The tests run in the private venv of scripts/setup.sh with the pinned oracle
# (pyca/cryptography, mobile/tests/python/requirements.txt); a pip with it satisfied is a no-op.
PY=target/pytools/bin/python
[ -x "$PY" ] || python3 -m venv target/pytools
"$PY" -m pip install --quiet --disable-pip-version-check -r mobile/tests/python/requirements.txt
PYTHONPATH="$OUT" "$PY" -m unittest discover -s mobile/tests/python -v

# Kotlin and Swift bindings are generated too (the generator refuses types a language cannot
# express); compiling them needs the Kotlin toolchain / a Mac (see the mobile issue).
for lang in kotlin swift; do
    mobile/scripts/uniffi-generate.sh target/debug/libmynacard_mobile.so "$lang" "target/uniffi/$lang" debug virtual-card,oidc-backend
done
ls target/uniffi/kotlin/uniffi/mynacard_mobile/*.kt target/uniffi/swift/*.swift

# Swift (generated bindings, package manifest, iOS sample) and the Android Kotlin sources cannot be
# compiled here: a real parser must at least accept them.
target/pytools/bin/python mobile/tests/parse_sources.py
# Issue 23.7: every SDK identifier the samples use exists in the generated bindings with the
# right arity / labels (the samples cannot be compiled here; the XCTest target and the Android
# build run on a Mac / with the Android SDK, see mobile/README.md).
target/pytools/bin/python mobile/tests/check_symbols.py
