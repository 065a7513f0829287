#!/usr/bin/env bash
# Generates the Kotlin bindings, then compiles and tests them on the JVM with Maven (Kotlin,
# JNA and coroutines from Maven Central; cached in ~/.m2 after the first run).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --locked -q -p mynacard-mobile --features virtual-card
cargo run --locked -q -p mynacard-mobile --features virtual-card --bin uniffi-bindgen -- \
    generate --library target/debug/libmynacard_mobile.so --language kotlin --out-dir target/uniffi/kotlin >/dev/null
mvn -q -B -f mobile/kotlin/pom.xml test
