#!/usr/bin/env bash
# Runs the XCTest target of the Swift package (mobile/swift/Tests) on a Mac: the host library
# with the test-only virtual card, its generated Swift bindings as the package's sources, and
# `swift test` (each test run under a deadline). Needs macOS with Xcode 15+; on Linux the tests
# parse the sources and check their SDK calls against the bindings instead
# (mobile/tests/run-python.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "swift-test.sh needs macOS with Xcode" >&2; exit 2; }
cargo build --locked -p mynacard-mobile --lib --features virtual-card
gen=target/uniffi/swift-test
mobile/scripts/uniffi-generate.sh target/debug/libmynacard_mobile.dylib swift "$gen" debug virtual-card
pkg=target/uniffi/swift-test-package
rm -rf "$pkg" && mkdir -p "$pkg/Sources/MynacardMobile" "$pkg/Sources/mynacard_mobileFFI/include"
cp -R mobile/swift/Tests "$pkg/"
cp "$gen/mynacard_mobile.swift" "$pkg/Sources/MynacardMobile/"
cp "$gen/mynacard_mobileFFI.h" "$pkg/Sources/mynacard_mobileFFI/include/"
cp "$gen/mynacard_mobileFFI.modulemap" "$pkg/Sources/mynacard_mobileFFI/include/module.modulemap"
cat > "$pkg/Package.swift" <<SWIFT
// swift-tools-version:5.9
import PackageDescription
let package = Package(
    name: "MynacardMobile",
    platforms: [.macOS(.v13)],
    targets: [
        .systemLibrary(name: "mynacard_mobileFFI", path: "Sources/mynacard_mobileFFI"),
        .target(name: "MynacardMobile", dependencies: ["mynacard_mobileFFI"],
                linkerSettings: [.unsafeFlags(["-L$PWD/target/debug", "-lmynacard_mobile"])]),
        .testTarget(name: "MynacardMobileTests", dependencies: ["MynacardMobile"]),
    ]
)
SWIFT
DYLD_LIBRARY_PATH="$PWD/target/debug" timeout 600 swift test --package-path "$pkg" \
    -Xswiftc -enable-testing
