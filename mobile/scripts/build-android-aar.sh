#!/usr/bin/env bash
# Builds the Android library (AAR): the core for each ABI under jniLibs/<abi>/, the generated
# Kotlin bindings, JNA's AAR and coroutines as dependencies (mobile/android/build.gradle.kts).
# Needs the Android NDK (ANDROID_NDK_HOME), cargo-ndk and Gradle with the Android SDK, which the
# project's CI machines do not have; the same Kotlin bindings are compiled and tested on the JVM
# there (mobile/tests/run-kotlin.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the Android NDK (r26 or later)}"
command -v cargo-ndk >/dev/null || cargo install --locked cargo-ndk
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
jni=mobile/android/src/main/jniLibs
rm -rf "$jni"
# API 24 (Android 7.0): the lowest level IsoDep extended-length APDUs are usable on.
cargo ndk --platform 24 -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$jni" \
    build --locked --release -p mynacard-mobile --lib
cargo build --locked --release -p mynacard-mobile --lib
mobile/scripts/uniffi-generate.sh target/release/libmynacard_mobile.so kotlin mobile/android/src/main/kotlin release
gradle -p mobile/android assembleRelease
ls -l mobile/android/build/outputs/aar/
