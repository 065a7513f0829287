#!/usr/bin/env bash
# Installs what the benchmark needs (idempotent) and measures APDUs, bytes and time per card
# operation, in process, through pcscd + vpcd and against peers, relying-party verification,
# and the uniffi FFI overhead. Writes bench-results/bench.{json,md} ffi.json and ffi-kotlin.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo run --quiet --locked --release -p mynacard-tests --bin mynacard-bench -- "$@"
# The uniffi face: the same operations from Kotlin (JVM) and Python, per-APDU overhead against
# in-process Rust (the Python step writes the combined table).
mobile/tests/run-kotlin.sh --release test -Dbench.groups=none -Dtest=FfiBench -Dsurefire.failIfNoSpecifiedTests=false
cargo build --quiet --locked --release -p mynacard-mobile --features virtual-card
cargo run --quiet --locked --release -p mynacard-mobile --features virtual-card --bin uniffi-bindgen -- \
    generate --library target/release/libmynacard_mobile.so --language python --out-dir target/uniffi/python-release >/dev/null
cp target/release/libmynacard_mobile.so target/uniffi/python-release/
PYTHONPATH=target/uniffi/python-release python3 mobile/tests/bench_ffi.py
