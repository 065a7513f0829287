// The Android library (AAR) of the SDK; built by mobile/scripts/build-android-aar.sh.
pluginManagement {
    repositories { google(); mavenCentral(); gradlePluginPortal() }
}
dependencyResolutionManagement {
    repositories { google(); mavenCentral() }
}
rootProject.name = "mynacard-android"
