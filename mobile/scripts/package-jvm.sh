#!/usr/bin/env bash
# The Kotlin/JVM artifact for desktop and kiosk apps: a jar with the generated bindings and the
# release library for linux-x86-64 (without the test card, with the OIDC backend client for
# Kotlin relying-party servers), loaded by JNA from the classpath.
# Runs here; the jar lands in mobile/kotlin/target/. Install it locally with
# `mvn -f mobile/kotlin/pom.xml install -DskipTests` after this script.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --locked --release -p mynacard-mobile --lib --features oidc-backend
native=target/uniffi/native-release/linux-x86-64
mkdir -p "$native" && cp target/release/libmynacard_mobile.so "$native/"
# The generator (feature `bindgen`) reads the shipped library's metadata.
mobile/scripts/uniffi-generate.sh "$native/libmynacard_mobile.so" kotlin target/uniffi/kotlin release oidc-backend
# The JVM tests need the test card, which this library leaves out: they run in run-kotlin.sh.
mvn -q -B -f mobile/kotlin/pom.xml package -DskipTests -Dnative.resources="$PWD/target/uniffi/native-release"
jar=mobile/kotlin/target/mynacard-0.1.0.jar
grep -qx 'linux-x86-64/libmynacard_mobile.so' <<<"$(unzip -Z1 "$jar")"
echo "$jar ($(du -k "$jar" | cut -f1) KB)"
