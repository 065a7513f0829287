// swift-tools-version:5.9
// The Swift package of the SDK: the uniffi-generated Swift sources over an XCFramework of the
// Rust core. mobile/scripts/build-xcframework.sh fills Sources/ and build/ on a Mac with Xcode.
// SwiftPM takes a package's version from its git tag: `v` + the workspace version in Cargo.toml
// (the one place every package's version comes from; CHANGELOG.md names it).
// Tests: mobile/swift/Tests runs from a separate test package (mobile/scripts/swift-test.sh),
// since the release XCFramework does not carry the test-only virtual card.
import PackageDescription

let package = Package(
    name: "MynacardMobile",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "MynacardMobile", targets: ["MynacardMobile"]),
    ],
    targets: [
        // Static libraries for iPhone (arm64) and the simulator (arm64 + x86_64), with the C header
        // and module map uniffi generates (module mynacard_mobileFFI).
        .binaryTarget(name: "mynacard_mobileFFI", path: "build/mynacard_mobileFFI.xcframework"),
        .target(
            name: "MynacardMobile",
            dependencies: ["mynacard_mobileFFI"],
            path: "Sources/MynacardMobile"
        ),
    ]
)
