//! # Contributor manual
//!
//! How mynacard is built and how to change it without breaking its rules. The pages are the
//! Markdown files in `core/manual/` (inside the crate, so the published crate carries them), included here so that their examples run as doctests
//! (`cargo test -p mynacard-core --doc`) and the face-parity table is checked against the
//! faces' sources (`cargo test -p mynacard-core manual`).
//!
//! - [`architecture`]: the layering — a core without I/O, faces that only forward, test crates
//!   that depend on the core;
//! - [`adding_a_reader`]: a new USB reader;
//! - [`adding_an_operation`]: a new card operation, or a new face;
//! - [`error_codes`]: how a new error variant gets its code and its English/Japanese row;
//! - [`security`]: PINs, personal data and revocation sources;
//! - [`testing`]: deadlines, the virtual card, lints;
//! - [`face_parity`]: which operation each face offers, by name.
//!
//! Nothing in this module is code: every item is a page.

pub mod architecture {
    #![doc = include_str!("../../manual/architecture.md")]
}

pub mod adding_a_reader {
    #![doc = include_str!("../../manual/adding_a_reader.md")]
}

pub mod adding_an_operation {
    #![doc = include_str!("../../manual/adding_an_operation.md")]
}

pub mod error_codes {
    #![doc = include_str!("../../manual/error_codes.md")]
}

pub mod security {
    #![doc = include_str!("../../manual/security.md")]
}

pub mod testing {
    #![doc = include_str!("../../manual/testing.md")]
}

pub mod face_parity {
    #![doc = include_str!("../../manual/face_parity.md")]
}

#[cfg(test)]
mod tests {
    const TABLE: &str = include_str!("../../manual/face_parity.md");

    const RUST: &[&str] = &[
        include_str!("../lib.rs"),
        include_str!("../card/mod.rs"),
        include_str!("../card/jpki.rs"),
        include_str!("../card/assist.rs"),
        include_str!("../card/change.rs"),
        include_str!("../card/internal_auth.rs"),
        include_str!("../pin/mod.rs"),
        include_str!("../cms/mod.rs"),
        include_str!("../cms/build.rs"),
        include_str!("../verify/signed_document.rs"),
        include_str!("../verify/mod.rs"),
        include_str!("../verify/chain.rs"),
        include_str!("../verify/signature.rs"),
        include_str!("../verify/relying_party.rs"),
        include_str!("../oidc/mod.rs"),
        include_str!("../oidc/authorize.rs"),
        include_str!("../oidc/browser.rs"),
        include_str!("../oidc/flow.rs"),
        include_str!("../oidc/sign_flow.rs"),
    ];
    const JS: &[&str] = &[
        include_str!("../../../wasm/src/lib.rs"),
        include_str!("../../../wasm/src/session.rs"),
        include_str!("../../../wasm/src/verify.rs"),
        include_str!("../../../wasm/src/oidc.rs"),
        include_str!("../../../npm/handoff.d.ts"),
    ];
    const UNIFFI: &[&str] = &[
        include_str!("../../../mobile/src/lib.rs"),
        include_str!("../../../mobile/src/oidc.rs"),
    ];
    const CLI: &str = include_str!("../../../examples/cli/src/main.rs");

    const OPERATIONS: [&str; 17] = [
        "connect",
        "read certificates",
        "authenticate",
        "sign",
        "4情報",
        "My Number",
        "PIN tries",
        "change a PIN",
        "かざし利用 1: 公的個人認証AP (9)",
        "かざし利用 2: 券面事項入力補助AP (9)",
        "かざし利用 3: 券面事項確認AP 内部認証 (9)",
        "verify 内部認証",
        "PIN format check",
        "verify",
        "OIDC login",
        "署名API",
        "署名API through a platform operator (PF事業者)",
    ];
    const FACES: [&str; 6] = ["Rust", "JS", "Kotlin", "Swift", "Python", "CLI"];

    /// The table's rows after the header and the separator: operation, then one cell per face.
    fn rows() -> Vec<Vec<String>> {
        let mut lines = TABLE.lines().filter(|l| l.starts_with('|'));
        let header = lines.next().unwrap_or_default();
        let cells = |l: &str| -> Vec<String> {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        };
        let header = cells(header);
        assert_eq!(header.len(), 1 + FACES.len(), "header: {header:?}");
        for (cell, face) in header[1..].iter().zip(FACES) {
            assert!(cell.starts_with(face), "column {cell:?} should be {face}");
        }
        assert!(lines.next().is_some_and(|l| l.contains("---")));
        lines.map(cells).collect()
    }

    /// The `backticked` names of a cell.
    fn names(cell: &str) -> Vec<&str> {
        cell.split('`').skip(1).step_by(2).collect()
    }

    fn ident_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_'
    }

    /// Whether `name` follows one of `prefixes` in one of `sources`, as a whole identifier.
    fn occurs(sources: &[&str], prefixes: &[&str], name: &str) -> bool {
        sources.iter().any(|src| {
            prefixes.iter().any(|p| {
                let needle = format!("{p}{name}");
                src.match_indices(&needle).any(|(i, _)| {
                    !src[i + needle.len()..]
                        .chars()
                        .next()
                        .is_some_and(ident_char)
                })
            })
        })
    }

    /// `readFourInfo` → `read_four_info` (uniffi's Kotlin/Swift spelling of a Rust name).
    fn snake(name: &str) -> String {
        let mut out = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    /// Whether every segment of `A::b` / `A.b` is defined in `sources` the way `face` exports it.
    fn defined(face: &str, path: &str) -> bool {
        let sources = match face {
            "Rust" => RUST,
            "JS" => JS,
            _ => UNIFFI,
        };
        path.split("::").flat_map(|s| s.split('.')).all(|segment| {
            if segment.starts_with(|c: char| c.is_ascii_uppercase()) {
                match face {
                    // Types made by macros (the PIN types) are found in the re-exports.
                    "Rust" => {
                        occurs(sources, &["struct ", "enum ", "trait "], segment)
                            || sources.iter().any(|s| {
                                s.lines()
                                    .filter(|l| l.starts_with("pub use"))
                                    .any(|l| occurs(&[l], &[" ", "{"], segment))
                            })
                    }
                    "JS" => occurs(
                        sources,
                        &["js_name = ", "js_class = ", "class ", "interface "],
                        segment,
                    ),
                    _ => occurs(sources, &["struct ", "enum "], segment),
                }
            } else {
                let name = match face {
                    "Kotlin" | "Swift" => snake(segment),
                    _ => segment.to_string(),
                };
                let fns: &[&str] = match face {
                    "Rust" => &["fn ", "mod "],
                    "JS" => &["fn ", "js_name = ", "function "],
                    _ => &["fn "],
                };
                occurs(sources, fns, &name)
            }
        })
    }

    /// `mynacard four-info --card-number-b`: the subcommand is a `Command` variant, each
    /// `--flag` a clap field (or an explicit `long = "flag"`).
    fn cli_defined(line: &str) -> bool {
        let mut words = line.split_whitespace();
        if words.next() != Some("mynacard") {
            return false;
        }
        words.all(|w| {
            if let Some(flag) = w.strip_prefix("--") {
                occurs(&[CLI], &["long = \""], &format!("{flag}\""))
                    || occurs(&[CLI], &[" "], &format!("{}:", flag.replace('-', "_")))
            } else if w.chars().all(|c| c.is_ascii_uppercase()) {
                true // a placeholder such as FILE
            } else {
                let variant: String = w
                    .split('-')
                    .map(|p| {
                        let mut c = p.chars();
                        c.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    })
                    .collect();
                [" {", ",", "("]
                    .iter()
                    .any(|end| CLI.contains(&format!("\n    {variant}{end}")))
            }
        })
    }

    #[test]
    fn face_parity_table_has_every_operation_and_face() {
        let rows = rows();
        let ops: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ops, OPERATIONS);
        for row in &rows {
            assert_eq!(row.len(), 1 + FACES.len(), "row {:?}", row[0]);
            for (cell, face) in row[1..].iter().zip(FACES) {
                assert!(
                    !names(cell).is_empty() || cell.starts_with('—'),
                    "{} × {face}: a name in backticks, or — for not offered",
                    row[0]
                );
            }
        }
    }

    #[test]
    fn face_parity_table_names_exist() {
        let mut missing = Vec::new();
        for row in rows() {
            for (cell, face) in row[1..].iter().zip(FACES) {
                for name in names(cell) {
                    let ok = if face == "CLI" {
                        cli_defined(name)
                    } else {
                        defined(face, name)
                    };
                    if !ok {
                        missing.push(format!("{} × {face}: `{name}`", row[0]));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "names in core/manual/face_parity.md not found in the faces' sources:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn face_parity_check_rejects_unknown_names() {
        assert!(defined("JS", "MynaCard.readFourInfo"));
        assert!(!defined("JS", "MynaCard.readFourInfoTwice"));
        assert!(!defined("JS", "MynaSession.readFourInfo"));
        assert!(defined("Kotlin", "MynaSession.readFourInfoWithCardNumberB"));
        assert!(!defined("Python", "MynaSession.readFourInfo"));
        assert!(defined("Rust", "AuthPin::new"));
        assert!(!defined("Rust", "MynaCard::read_everything"));
        assert!(cli_defined("mynacard four-info --card-number-b"));
        assert!(!cli_defined("mynacard five-info"));
        assert!(!cli_defined("mynacard tries --all"));
        assert_eq!(
            snake("readFourInfoWithCardNumberB"),
            "read_four_info_with_card_number_b"
        );
    }
}
