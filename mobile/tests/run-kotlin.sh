#!/usr/bin/env bash
# Generates the Kotlin bindings, then compiles and tests them on the JVM with Maven (Kotlin,
# JNA and coroutines from Maven Central; cached in ~/.m2 after the first run), and packages the
# jar. The tests load the native library from the classpath (linux-x86-64/), as the jar's users do.
# `--release` uses the release library (scripts/bench.sh); extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=debug
if [ "${1:-}" = "--release" ]; then profile=release; shift; fi
flag=(); [ "$profile" = release ] && flag=(--release)
cargo build --locked -q "${flag[@]}" -p mynacard-mobile --features virtual-card,oidc-backend,bindgen
mobile/scripts/uniffi-generate.sh "target/$profile/libmynacard_mobile.so" kotlin target/uniffi/kotlin \
    "$profile" virtual-card,oidc-backend
# OidcTest.kt runs the development stand-in provider (tests/oidc-provider).
[ -d tests/oidc-provider/node_modules/oidc-provider ] || (cd tests/oidc-provider && npm ci --no-audit --no-fund >/dev/null)
mkdir -p target/uniffi/native/linux-x86-64
cp "target/$profile/libmynacard_mobile.so" target/uniffi/native/linux-x86-64/
if [ $# -gt 0 ]; then
    mvn -q -B -f mobile/kotlin/pom.xml "$@"
    exit
fi
mvn -q -B -f mobile/kotlin/pom.xml verify
jar=mobile/kotlin/target/mynacard-0.1.0.jar
entries=$(unzip -Z1 "$jar")
for want in linux-x86-64/libmynacard_mobile.so uniffi/mynacard_mobile/MynaSession.class; do
    grep -qx "$want" <<<"$entries" || { echo "$want missing from $jar" >&2; exit 1; }
done
echo "packaged $jar ($(du -k "$jar" | cut -f1) KB)"
