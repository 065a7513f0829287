#!/usr/bin/env bash
# Builds the Swift package (mobile/swift): the core as static libraries for iPhone and the
# simulator, an XCFramework with uniffi's C header and module map, and the generated Swift.
# Runs on macOS with Xcode 15+ and rustup (these targets cannot be added on the project's Linux
# machines, so CI only parses the Swift sources: mobile/tests/swift_parse.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 2; }
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
    cargo build --locked --release -p mynacard-mobile --lib --target "$t"
done
# Bindings from the host build (library mode reads the metadata uniffi embeds in the library).
cargo build --locked --release -p mynacard-mobile --lib
gen=target/uniffi/swift-release
mobile/scripts/uniffi-generate.sh target/release/libmynacard_mobile.dylib swift "$gen" release

headers=target/uniffi/xcframework-headers
rm -rf "$headers" && mkdir -p "$headers"
cp "$gen/mynacard_mobileFFI.h" "$headers/"
cp "$gen/mynacard_mobileFFI.modulemap" "$headers/module.modulemap"

sim=target/ios-sim-universal/release
mkdir -p "$sim"
lipo -create target/aarch64-apple-ios-sim/release/libmynacard_mobile.a \
    target/x86_64-apple-ios/release/libmynacard_mobile.a -output "$sim/libmynacard_mobile.a"

out=mobile/swift/build/mynacard_mobileFFI.xcframework
rm -rf "$out"
xcodebuild -create-xcframework \
    -library target/aarch64-apple-ios/release/libmynacard_mobile.a -headers "$headers" \
    -library "$sim/libmynacard_mobile.a" -headers "$headers" \
    -output "$out"
mkdir -p mobile/swift/Sources/MynacardMobile
cp "$gen/mynacard_mobile.swift" mobile/swift/Sources/MynacardMobile/
swift build --package-path mobile/swift -Xswiftc -sdk -Xswiftc "$(xcrun --sdk iphonesimulator --show-sdk-path)" \
    -Xswiftc -target -Xswiftc arm64-apple-ios16.0-simulator
echo "Swift package ready: mobile/swift (add it in Xcode: File > Add Package Dependencies > Add Local)"
