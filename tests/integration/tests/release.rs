//! One version for every package (issue 17): the workspace's `[workspace.package] version` in
//! Cargo.toml is the one place; npm, Maven and Gradle carry the same number, every crate takes
//! it from the workspace, and CHANGELOG.md (Keep a Changelog) has a section for it or for
//! Unreleased.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The first `"…"` after `key` on a line that starts with `key` (after indentation).
fn quoted_after(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix(key)?;
        let start = rest.find('"')? + 1;
        let end = start + rest[start..].find('"')?;
        Some(rest[start..end].to_string())
    })
}

fn workspace_version() -> String {
    let cargo = read("Cargo.toml");
    let package = &cargo[cargo
        .find("[workspace.package]")
        .expect("Cargo.toml has [workspace.package]")..];
    quoted_after(package, "version =").expect("[workspace.package] version")
}

/// The version each package file carries, or why it carries none.
fn versions() -> Vec<(&'static str, Option<String>)> {
    let npm: serde_json::Value = serde_json::from_str(&read("npm/package.json")).unwrap();
    let pom = read("mobile/kotlin/pom.xml");
    // The project's own <version>: the first after its <artifactId>.
    let after_artifact = &pom[pom.find("<artifactId>mynacard</artifactId>").unwrap_or(0)..];
    let maven = after_artifact
        .split_once("<version>")
        .and_then(|(_, rest)| rest.split_once("</version>"))
        .map(|(v, _)| v.trim().to_string());
    vec![
        (
            "npm/package.json",
            npm["version"].as_str().map(String::from),
        ),
        ("mobile/kotlin/pom.xml", maven),
        (
            "mobile/android/build.gradle.kts",
            quoted_after(&read("mobile/android/build.gradle.kts"), "version ="),
        ),
    ]
}

#[test]
fn every_package_carries_the_workspace_version() {
    let version = workspace_version();
    assert!(
        version.split('.').count() == 3 && version.split('.').all(|p| p.parse::<u32>().is_ok()),
        "workspace version {version:?} is not MAJOR.MINOR.PATCH"
    );
    for (file, found) in versions() {
        assert_eq!(found.as_deref(), Some(version.as_str()), "{file}");
    }
}

#[test]
fn every_crate_takes_its_version_from_the_workspace() {
    let cargo = read("Cargo.toml");
    let members = &cargo[cargo.find("members = [").unwrap()..];
    let members = &members[..members.find(']').unwrap()];
    let crates: Vec<&str> = members
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix("\","))
        .collect();
    assert!(crates.len() >= 5, "members not found: {crates:?}");
    for krate in crates.iter().chain(&["tests/fuzz"]) {
        let manifest = read(&format!("{krate}/Cargo.toml"));
        let package = &manifest[manifest.find("[package]").unwrap()..];
        let package = &package[..package[1..].find("\n[").map_or(package.len(), |i| i + 1)];
        if *krate == "tests/fuzz" {
            // Its own workspace (cargo-fuzz); never published.
            assert!(package.contains("publish = false"), "{krate}");
            continue;
        }
        assert!(
            package.contains("version.workspace = true"),
            "{krate}/Cargo.toml has a version of its own"
        );
    }
}

#[test]
fn the_changelog_has_a_section_for_the_next_release() {
    let log = read("CHANGELOG.md");
    assert!(
        log.contains("keepachangelog.com"),
        "CHANGELOG.md: Keep a Changelog"
    );
    let version = workspace_version();
    assert!(
        log.contains("## [Unreleased]") || log.contains(&format!("## [{version}]")),
        "CHANGELOG.md has neither [Unreleased] nor [{version}]"
    );
    for heading in log.lines().filter(|l| l.starts_with("### ")) {
        assert!(
            [
                "### Added",
                "### Changed",
                "### Deprecated",
                "### Removed",
                "### Fixed",
                "### Security"
            ]
            .contains(&heading),
            "not a Keep a Changelog heading: {heading}"
        );
    }
}

/// The crates meant for users are published together: each other's dependency carries the
/// workspace version exactly (`version = "=X.Y.Z"` beside the path), every crate either
/// publishes or says why not on the line above `publish = false`, and a published crate
/// depends on no test crate (`tests/…` other than the virtual card, a product).
#[test]
fn published_crates_pin_each_other_and_depend_on_no_test_crate() {
    let version = workspace_version();
    let cargo = read("Cargo.toml");
    for name in ["mynacard-core", "mynacard-pcsc", "mynacard-virtual-card"] {
        let line = cargo
            .lines()
            .find(|l| l.starts_with(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("{name} is not a workspace dependency"));
        assert!(
            line.contains(&format!("version = \"={version}\"")),
            "{line}: not pinned to {version}"
        );
    }
    let published = ["core", "pcsc", "tests/virtual-card", "examples/cli"];
    for krate in published {
        let manifest = read(&format!("{krate}/Cargo.toml"));
        assert!(
            !manifest.contains("\npublish = false"),
            "{krate} is meant for users"
        );
        for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
            assert!(
                root().join(krate).join(file).exists(),
                "{krate}/{file} (the licence text goes into the package)"
            );
        }
        let deps = &manifest[manifest.find("[dependencies]").unwrap_or(0)..];
        let deps = &deps[..deps.find("[dev-dependencies]").unwrap_or(deps.len())];
        for line in deps.lines().filter(|l| l.contains("path = ")) {
            assert!(
                !line.contains("tests/") || line.contains("virtual-card"),
                "{krate} depends on a test crate: {line}"
            );
        }
        for test_crate in ["mynacard-oidc-dev", "mynacard-test-harness"] {
            assert!(
                !deps.contains(&format!("{test_crate} =")),
                "{krate} depends on {test_crate}"
            );
        }
    }
    for krate in [
        "wasm",
        "mobile",
        "tests/harness",
        "tests/integration",
        "tests/oidc-provider",
        "tests/virtual-usb-wasm",
        "tests/wasm-browser",
        "tests/fuzz",
    ] {
        let manifest = read(&format!("{krate}/Cargo.toml"));
        let at = manifest
            .find("\npublish = false")
            .unwrap_or_else(|| panic!("{krate}: publish = false"));
        let above = manifest[..at].lines().last().unwrap_or("");
        assert!(
            above.starts_with("# "),
            "{krate}: the line above publish = false gives the reason"
        );
    }
}
