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
