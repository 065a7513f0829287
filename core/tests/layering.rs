//! The core's module graph has no cycle (issue 13): a module that another module uses must not
//! use it back, directly or through others. Read from the sources: every `crate::…` and
//! `super::…` path outside comments and test modules is an edge to the longest module it
//! names; a parent and its own child (`mod x;` + `super::`) are one unit and not an edge.
#![allow(clippy::expect_used, clippy::panic)] // a test: an unreadable source is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module name (`verify::crl`) → source text without comments and test modules.
fn modules() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read core/src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "tests") {
                    stack.push(path);
                }
                continue;
            }
            let rel = path
                .strip_prefix(&root)
                .expect("under src")
                .with_extension("");
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            if matches!(parts.last().map(String::as_str), Some("tests" | "testing")) {
                continue; // test-only modules may use anything
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            let code: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let code = match code.find("#[cfg(test)]\nmod tests") {
                Some(i) => code[..i].to_string(),
                None => code,
            };
            out.insert(parts.join("::"), code);
        }
    }
    out
}

/// The paths a source names: `crate::a::b`, `crate::{a, b::c}`, `super::x` (made absolute).
fn paths(module: &str, code: &str) -> Vec<String> {
    let ident = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ':';
    let mut out = Vec::new();
    for (prefix, base) in [("crate::", String::new()), ("super::", parent(module))] {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let join = |p: &str| {
                let p = p.trim_end_matches(':');
                if base.is_empty() {
                    p.to_string()
                } else {
                    format!("{base}::{p}")
                }
            };
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(0);
                for item in group[..end].split(',') {
                    let item: String = item.trim().chars().take_while(|&c| ident(c)).collect();
                    if !item.is_empty() {
                        out.push(join(&item));
                    }
                }
            } else {
                let path: String = rest.chars().take_while(|&c| ident(c)).collect();
                if !path.is_empty() {
                    out.push(join(&path));
                }
            }
        }
    }
    out
}

fn parent(module: &str) -> String {
    module
        .rsplit_once("::")
        .map_or(String::new(), |(p, _)| p.to_string())
}

fn related(a: &str, b: &str) -> bool {
    a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, code) in &modules {
        for path in paths(name, code) {
            let mut target = path.as_str();
            let found = loop {
                if modules.contains_key(target) {
                    break Some(target.to_string());
                }
                match target.rsplit_once("::") {
                    Some((p, _)) => target = p,
                    None => break None,
                }
            };
            if let Some(to) = found
                && !to.is_empty()
                && !name.is_empty()
                && to != *name
                && !related(name, &to)
            {
                edges.entry(name.clone()).or_default().insert(to);
            }
        }
    }
    edges
}

/// A cycle through `start`, if any (depth-first search).
fn cycle_from(edges: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in edges.get(&node).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_string());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut p = path.clone();
                p.push(next.clone());
                stack.push((next.clone(), p));
            }
        }
    }
    None
}

#[test]
fn the_core_has_no_module_cycle() {
    let edges = graph();
    assert!(edges.len() > 20, "the graph was not read: {edges:?}");
    for start in edges.keys() {
        if let Some(cycle) = cycle_from(&edges, start) {
            panic!("module cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn error_is_a_leaf_that_names_only_leaves() {
    let edges = graph();
    let from_error: Vec<&String> = edges.get("error").into_iter().flatten().collect();
    assert_eq!(from_error, ["pin::kind", "verify::reason"]);
    for leaf in from_error {
        assert!(
            edges.get(leaf).is_none_or(BTreeSet::is_empty),
            "{leaf} imports {:?}",
            edges.get(leaf)
        );
    }
}

#[test]
fn the_checker_sees_a_cycle() {
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    edges.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    edges.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycle_from(&edges, "a").map(|c| c.len()), Some(4));
    assert_eq!(
        paths(
            "verify::crl",
            "use super::reason::X; use crate::{cert, tlv::Tlv};"
        ),
        ["cert", "tlv", "verify::reason"]
    );
}
