// AAR layout: src/main/kotlin (uniffi-generated bindings) and src/main/jniLibs/<abi>/
// libmynacard_mobile.so, both written by mobile/scripts/build-android-aar.sh.
plugins {
    id("com.android.library") version "8.5.2"
    id("org.jetbrains.kotlin.android") version "2.1.20"
}

// The AAR's version: the workspace's (Cargo.toml `[workspace.package] version`), kept equal by
// tests/integration/tests/release.rs with npm, Maven and the CHANGELOG.
version = "0.1.0"

android {
    namespace = "jp.mynacard"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
}

dependencies {
    // uniffi's Kotlin bindings call the native library through JNA (the AAR carries its .so files).
    implementation("net.java.dev.jna:jna:5.14.0@aar")
    // Async functions and the NfcTransport foreign trait are suspend functions.
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
}
