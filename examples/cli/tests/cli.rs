//! The `mynacard` command as a user runs it, on the in-process virtual card.

// A test crate: its helpers outside #[test] may fail loudly too (clippy.toml covers #[test] only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn mynacard(args: &[&str], stdin: &str) -> Run {
    let out = harness::run(
        Command::new(env!("CARGO_BIN_EXE_mynacard")).args(args),
        Some(stdin.as_bytes()),
        harness::SHORT,
    )
    .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn demo_runs_the_whole_flow_with_no_flags() {
    let r = mynacard(&["demo"], "");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for expected in [
        "利用者証明用電子証明書",
        "signature verified",
        "chains to the test CA",
        "〓田　太郎",
        "1980-02-17",
        "remaining tries",
        "jpki_auth",
    ] {
        assert!(
            r.stdout.contains(expected),
            "missing {expected:?} in\n{}",
            r.stdout
        );
    }
    // Progress goes to stderr.
    assert!(r.stderr.contains("reading EF 000A"), "{}", r.stderr);
    // The PIN never appears.
    assert!(!r.stdout.contains("1234") && !r.stderr.contains("1234"));
}

#[test]
fn auth_with_pin_on_stdin() {
    let r = mynacard(
        &[
            "--virtual",
            "taro",
            "auth",
            "--pin-stdin",
            "--challenge",
            "00112233",
        ],
        "1234\n",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("signature verifies"));
    assert!(r.stdout.contains("challenge: 00112233"));
}

#[test]
fn malformed_wrong_and_locked_pins() {
    let r = mynacard(
        &["--virtual", "taro", "auth", "--pin-stdin", "-q"],
        "12a4\n",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PIN_FORMAT"), "{}", r.stderr);
    assert!(
        r.stderr.contains("エラー"),
        "Japanese message too: {}",
        r.stderr
    );
    let r = mynacard(
        &["--virtual", "taro", "auth", "--pin-stdin", "-q"],
        "9999\n",
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("PIN_INCORRECT") && r.stderr.contains("2 tries left"),
        "{}",
        r.stderr
    );
    let r = mynacard(
        &["--virtual", "locked", "auth", "--pin-stdin", "-q"],
        "0000\n",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PIN_LOCKED"), "{}", r.stderr);
}

#[test]
fn pins_are_never_taken_from_argv() {
    // No option takes a PIN, and a PIN given as a bare argument is refused as such (clap's
    // usage error, exit 2), not silently ignored or read as something else.
    for (args, refused) in [
        (
            &["--virtual", "taro", "auth", "--pin", "1234"][..],
            "'--pin'",
        ),
        (&["--virtual", "taro", "auth", "1234"][..], "'1234'"),
        (
            &["--virtual", "taro", "sign", "--pin", "TARO2025", "doc"][..],
            "'--pin'",
        ),
    ] {
        let r = mynacard(args, "");
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        // The refusal names the PIN-bearing argument itself, not any other usage error.
        assert!(
            r.stderr.contains(&format!("unexpected argument {refused}")),
            "{args:?}: {}",
            r.stderr
        );
        // And nothing ran: no card session was opened, no prompt shown.
        assert!(!r.stderr.contains("PIN"), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
}

#[test]
fn wrong_cards_are_named() {
    let r = mynacard(&["--virtual", "juki", "certs", "-q"], "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("WRONG_CARD"), "{}", r.stderr);
    let r = mynacard(&["--virtual", "phone", "certs", "-q"], "");
    assert!(r.stderr.contains("WRONG_CARD"), "{}", r.stderr);
}

#[test]
fn four_info_my_number_tries_face_and_sign() {
    let r = mynacard(
        &["--virtual", "taro", "four-info", "--pin-stdin", "-q"],
        "1234\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("〓田　太郎") && r.stdout.contains("外字"));
    let r = mynacard(
        &[
            "--virtual",
            "taro",
            "four-info",
            "--card-number-b",
            "--pin-stdin",
            "-q",
        ],
        "55021720352285\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = mynacard(
        &["--virtual", "taro", "my-number", "--pin-stdin", "-q"],
        "1234\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("123456789018"));
    let r = mynacard(&["--virtual", "hanako", "tries", "-q"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("jpki_sign") && r.stdout.contains('5'));
    let dir = std::env::temp_dir().join(format!("mynacard-cli-test-{}", std::process::id()));
    let r = mynacard(
        &[
            "--virtual",
            "taro",
            "face",
            "--out",
            dir.to_str().unwrap(),
            "--pin-stdin",
            "-q",
        ],
        "55021720352285\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read(dir.join("name.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    let doc = dir.join("doc.txt");
    std::fs::write(&doc, "申請書").unwrap();
    let sig = dir.join("doc.sig");
    let r = mynacard(
        &[
            "--virtual",
            "taro",
            "sign",
            doc.to_str().unwrap(),
            "--out",
            sig.to_str().unwrap(),
            "--pin-stdin",
            "-q",
        ],
        "taro2025\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(&sig).unwrap().len(), 256);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn error_code_table() {
    let r = mynacard(&["error-codes"], "");
    assert_eq!(r.code, 0);
    for code in [
        "PIN_INCORRECT",
        "PIN_LOCKED",
        "PIN_FORMAT",
        "CARD_REMOVED",
        "WRONG_CARD",
        "READER_NOT_FOUND",
    ] {
        assert!(r.stdout.lines().any(|l| l.starts_with(code)), "{code}");
    }
}

/// The test PKI's folder.
const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/virtual-card/pki");

/// `mynacard --virtual PERSONA sign-file` of a fresh document `text` into a detached CMS, in a
/// folder of its own (`tag`): (folder, document, CMS).
fn sign_file_detached(
    persona: &str,
    tag: &str,
    text: &str,
    pin: &str,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("mynacard-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = dir.join("doc.txt");
    std::fs::write(&doc, text).unwrap();
    let p7s = dir.join("doc.p7s");
    let r = mynacard(
        &[
            "--virtual",
            persona,
            "sign-file",
            doc.to_str().unwrap(),
            "--out",
            p7s.to_str().unwrap(),
            "--detached",
            "--pin-stdin",
            "-q",
        ],
        &format!("{pin}\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    (dir, doc, p7s)
}

#[test]
fn sign_file_then_verify_offline() {
    let (dir, doc, p7s) = sign_file_detached("taro", "cms", "転出届", "TARO2025");
    let pki = PKI;
    let sign_crl = format!("{pki}/sign-ca.crl.der");
    let r = mynacard(
        &[
            "verify",
            "--cms",
            p7s.to_str().unwrap(),
            "--content",
            doc.to_str().unwrap(),
            "--test-pki",
            "--crl",
            &sign_crl,
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["status"], "good");
    assert_eq!(v["four_info"]["name"], "吉田　太郎");
    // Another document: SIGNATURE_INVALID as JSON, exit 1.
    let other = dir.join("other.txt");
    std::fs::write(&other, "改ざん").unwrap();
    let r = mynacard(
        &[
            "verify",
            "--cms",
            p7s.to_str().unwrap(),
            "--content",
            other.to_str().unwrap(),
            "--test-pki",
        ],
        "",
    );
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["code"], "SIGNATURE_INVALID");
    // A revoked 利用者証明用 certificate, with both CRLs given.
    let r = mynacard(
        &[
            "verify",
            "--cert",
            &format!("{pki}/revoked-auth.crt.der"),
            "--test-pki",
            "--crl",
            &format!("{pki}/auth-ca.crl.der"),
            "--crl",
            &sign_crl,
        ],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (r.code, v["code"].as_str(), v["params"]["reason"].as_str()),
        (1, Some("REVOKED"), Some("key_compromise"))
    );
    assert!(v["message_ja"].as_str().unwrap().contains("危殆化"));
    // The real JPKI anchors do not trust the test PKI.
    let r = mynacard(
        &["verify", "--cert", &format!("{pki}/taro-auth.crt.der")],
        "",
    );
    assert!(r.stdout.contains("CHAIN_UNTRUSTED"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn verify_with_two_ca_generations_of_one_dn_ignores_crl_order() {
    // Issue 18: two CAs with one DN (as the real 2015 and 2023 JPKI CAs), a leaf of the second
    // revoked in the second CA's CRL, both CRLs given, in both orders.
    let pki = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/virtual-card/pki");
    let (ca2, crl1, crl2) = (
        format!("{pki}/auth-ca-g2.crt.der"),
        format!("{pki}/auth-ca.crl.der"),
        format!("{pki}/auth-ca-g2.crl.der"),
    );
    for (first, second) in [(&crl1, &crl2), (&crl2, &crl1)] {
        let verify = |leaf: &str| {
            let r = mynacard(
                &[
                    "verify",
                    "--cert",
                    &format!("{pki}/{leaf}.crt.der"),
                    "--test-pki",
                    "--ca",
                    &ca2,
                    "--crl",
                    first,
                    "--crl",
                    second,
                    "--at",
                    "1780272000",
                ],
                "",
            );
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            (r.code, v, r.stdout)
        };
        for (leaf, want) in [("g2-revoked-auth", "REVOKED"), ("revoked-auth", "REVOKED")] {
            let (code, v, out) = verify(leaf);
            assert_eq!((code, v["code"].as_str()), (1, Some(want)), "{leaf}: {out}");
        }
        let (code, v, out) = verify("g2-good-auth");
        assert_eq!(
            (code, v["status"].as_str(), v["source"].as_str()),
            (0, Some("good"), Some("crl")),
            "{out}"
        );
    }
}

#[test]
fn verify_with_partitioned_crls_reads_the_partition_of_the_certificate() {
    // Issue 18 (分割CRL): partitions A and B of the 利用者証明用 CA (issuingDistributionPoint
    // naming one municipality's DirName), given in both orders; a leaf of B with only A's
    // partition is not checked (never good).
    let pki = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/virtual-card/pki");
    let verify = |leaf: &str, crls: &[&str]| {
        let cert = format!("{pki}/{leaf}-auth.crt.der");
        let files: Vec<String> = crls
            .iter()
            .map(|p| format!("{pki}/auth-ca-part-{p}.crl.der"))
            .collect();
        let mut args = vec![
            "verify",
            "--cert",
            &cert,
            "--test-pki",
            "--at",
            "1780272000",
        ];
        for f in &files {
            args.extend(["--crl", f.as_str()]);
        }
        let r = mynacard(&args, "");
        let v: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr));
        (r.code, v, r.stdout)
    };
    for crls in [["a", "b"], ["b", "a"]] {
        for leaf in ["muni-a-revoked", "muni-b-revoked"] {
            let (code, v, out) = verify(leaf, &crls);
            assert_eq!(
                (code, v["code"].as_str()),
                (1, Some("REVOKED")),
                "{leaf}: {out}"
            );
        }
        for leaf in ["muni-a-good", "muni-b-good"] {
            let (code, v, out) = verify(leaf, &crls);
            assert_eq!(
                (code, v["status"].as_str(), v["source"].as_str()),
                (0, Some("good"), Some("crl")),
                "{leaf}: {out}"
            );
        }
    }
    for leaf in ["muni-b-good", "muni-b-revoked"] {
        let (_, v, out) = verify(leaf, &["a"]);
        assert_eq!(v["status"].as_str(), Some("not_checked"), "{leaf}: {out}");
    }
}

#[test]
fn no_ca_given_means_the_real_jpki_cas() {
    // The real CA's own certificate: trusted by the default anchors, then refused as a CA. A
    // CLI trusting nothing (or only the test PKI) would say CHAIN_UNTRUSTED.
    let ca = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../core/anchors/auth_ca_2023.pem"
    );
    let r = mynacard(&["verify", "--cert", ca, "--at", "1780272000"], "");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("CERTIFICATE_INVALID"), "{}", r.stdout);
    let r = mynacard(
        &["verify", "--cert", ca, "--at", "1780272000", "--test-pki"],
        "",
    );
    assert!(r.stdout.contains("CHAIN_UNTRUSTED"), "{}", r.stdout);
}

/// Issue 18: the modelled ECDSA P-384 generation through the CLI: a CMS signed by the `p384`
/// persona verifies with `--test-pki` (which holds the P-384 CAs), names its key algorithm,
/// fails for another document, and is refused with `--rsa-only`; a revoked P-384 certificate
/// is REVOKED by the P-384 CA's CRL.
#[test]
fn p384_sign_file_then_verify() {
    let (dir, doc, p7s) = sign_file_detached("p384", "p384", "転出届 P-384", "P384SIGN2028");
    let pki = PKI;
    let crl = format!("{pki}/p384-sign-ca.crl.der");
    let verify = |content: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "verify",
            "--cms",
            p7s.to_str().unwrap(),
            "--content",
            content.to_str().unwrap(),
            "--test-pki",
            "--crl",
            &crl,
            "--at",
            "1780272000",
        ];
        args.extend_from_slice(extra);
        let r = mynacard(&args, "");
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        (r.code, v)
    };
    let (code, v) = verify(&doc, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["status"], "good");
    assert_eq!(v["source"], "crl");
    assert_eq!(v["key_algorithm"], "ecdsa-p384");
    assert_eq!(v["key_bits"], 384);
    assert_eq!(v["four_info"]["name"], "鈴木　次世代");
    let other = dir.join("other.txt");
    std::fs::write(&other, "改ざん").unwrap();
    let (code, v) = verify(&other, &[]);
    assert_eq!((code, v["code"].as_str()), (1, Some("SIGNATURE_INVALID")));
    let (code, v) = verify(&doc, &["--rsa-only"]);
    assert_eq!((code, v["code"].as_str()), (1, Some("CERTIFICATE_INVALID")));
    let r = mynacard(
        &[
            "verify",
            "--cert",
            &format!("{pki}/p384-revoked-auth.crt.der"),
            "--test-pki",
            "--crl",
            &format!("{pki}/p384-auth-ca.crl.der"),
            "--at",
            "1780272000",
        ],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (r.code, v["code"].as_str(), v["params"]["reason"].as_str()),
        (1, Some("REVOKED"), Some("key_compromise"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn change_pin_asks_current_new_and_confirmation() {
    let change = |persona: &str, pin: &str, stdin: &str| {
        mynacard(
            &["--virtual", persona, "change-pin", pin, "--pin-stdin", "-q"],
            stdin,
        )
    };
    for (pin, stdin) in [
        ("auth", "1234\n5678\n5678\n"),
        ("sign", "TARO2025\nnewpass1\nNEWPASS1\n"),
        ("assist", "1234\n0000\n0000\n"),
    ] {
        let r = change("taro", pin, stdin);
        // Lower and upper case of a 署名用 password are the same password, but the
        // confirmation compares what was typed.
        if pin == "sign" {
            assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
            assert!(r.stderr.contains("INVALID_ARGUMENT"), "{}", r.stderr);
            let r = change("taro", pin, "TARO2025\nnewpass1\nnewpass1\n");
            assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
            continue;
        }
        assert_eq!(r.code, 0, "{pin}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("を変更しました"), "{}", r.stdout);
        for secret in ["1234", "5678", "0000"] {
            assert!(!r.stdout.contains(secret) && !r.stderr.contains(secret));
        }
    }
    // The confirmation differs: nothing is sent, the error says so.
    let r = change("taro", "auth", "1234\n5678\n5679\n");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("INVALID_ARGUMENT") && r.stderr.contains("confirmation"),
        "{}",
        r.stderr
    );
    // A malformed new PIN is refused before the confirmation is asked and before any APDU.
    let r = change("taro", "auth", "1234\n56a8\n");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PIN_FORMAT"), "{}", r.stderr);
    let r = change("taro", "sign", "TARO2025\nSHORT\n");
    assert!(r.stderr.contains("PIN_FORMAT"), "{}", r.stderr);
    // A wrong current PIN costs one try and says how many are left; a locked one is not sent.
    let r = change("taro", "auth", "9999\n5678\n5678\n");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("PIN_INCORRECT") && r.stderr.contains("2 tries left"),
        "{}",
        r.stderr
    );
    let r = change("locked", "auth", "0000\n5678\n5678\n");
    assert!(r.stderr.contains("PIN_LOCKED"), "{}", r.stderr);
    // 照合番号 and unknown names are not PINs that change.
    let r = change("taro", "card_number_b", "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid value"), "{}", r.stderr);
}

#[test]
fn change_pin_prompts_without_echo() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mynacard"));
    cmd.args(["--virtual", "taro", "change-pin", "assist", "-q"]);
    let mut tty = harness::Tty::spawn(cmd, harness::SHORT).unwrap();
    tty.answer_secret("現在の券面事項入力補助用の暗証番号", "1234")
        .unwrap();
    tty.answer_secret("新しい券面事項入力補助用の暗証番号", "0000")
        .unwrap();
    tty.answer_secret("（確認）", "0000").unwrap();
    let printed = tty.finish().unwrap();
    assert!(printed.contains("を変更しました"), "{printed}");
    // No echo: the PINs typed never appear on the terminal.
    assert!(
        !printed.contains("1234") && !printed.contains("0000"),
        "{printed}"
    );
}

/// Issue 23.5: no persona secret on stderr, at the CLI's most verbose (no `-q`: progress on
/// stderr; `RUST_LOG=trace` in case a logger is ever wired in), for every card command, their
/// refusals included. stdout carries only what the command was asked for, so it is not
/// scanned here (four-info prints 4情報 by design). The 4-digit PINs are scanned only in
/// the runs whose stdin carried a distinctive one.
#[test]
fn no_secret_on_stderr_of_any_command() {
    let p = mynacard_virtual_card::Persona::builtin("taro").unwrap();
    let birth_digits = p.birth.replace('-', "");
    let secrets: Vec<String> = vec![
        p.sign_pin.clone(),
        p.sign_pin.to_lowercase(),
        "WRONGPW9".into(),
        "4729".into(), // the wrong 4-digit PIN given below
        p.name.clone(),
        p.cert_name.clone(),
        "太郎".into(),
        p.address.clone(),
        "霞が関".into(),
        p.birth.clone(),
        birth_digits.clone(),
        p.my_number.clone(),
        "55021720352285".into(),
    ];
    let dir = std::env::temp_dir().join(format!("mynacard-cli-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = dir.join("doc.txt");
    std::fs::write(&doc, "保育所入所申請").unwrap();
    let (out, sig, p7s) = (dir.join("face"), dir.join("doc.sig"), dir.join("doc.p7s"));
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let runs: Vec<(Vec<String>, String)> = [
        (vec!["demo"], ""),
        (vec!["certs", "--sign", "--pin-stdin"], "TARO2025\n"),
        (vec!["auth", "--pin-stdin"], "1234\n"),
        (vec!["auth", "--pin-stdin"], "4729\n"),
        (
            vec!["sign", &path(&doc), "--out", &path(&sig), "--pin-stdin"],
            "taro2025\n",
        ),
        (
            vec!["sign", &path(&doc), "--out", &path(&sig), "--pin-stdin"],
            "WRONGPW9\n",
        ),
        (vec!["four-info", "--pin-stdin"], "1234\n"),
        (vec!["four-info", "--pin-stdin"], "4729\n"),
        (
            vec!["four-info", "--card-number-b", "--pin-stdin"],
            "55021720352285\n",
        ),
        (vec!["my-number", "--pin-stdin"], "1234\n"),
        (vec!["tries"], ""),
        (
            vec!["face", "--out", &path(&out), "--pin-stdin"],
            "55021720352285\n",
        ),
        (
            vec![
                "sign-file",
                &path(&doc),
                "--out",
                &path(&p7s),
                "--pin-stdin",
            ],
            "TARO2025\n",
        ),
        (
            vec!["change-pin", "sign", "--pin-stdin"],
            "TARO2025\nTARO2025\nTARO2025\n",
        ),
        (
            vec!["change-pin", "auth", "--pin-stdin"],
            "4729\n1234\n1234\n",
        ),
    ]
    .into_iter()
    .map(|(args, stdin)| {
        let mut all = vec!["--virtual".to_owned(), "taro".to_owned()];
        all.extend(args.iter().map(|s| s.to_string()));
        (all, stdin.to_owned())
    })
    .chain([(
        vec![
            "verify".into(),
            "--cms".into(),
            path(&p7s),
            "--test-pki".into(),
        ],
        String::new(),
    )])
    .collect();
    let mut stderr_bytes = 0;
    for (args, stdin) in &runs {
        let out = harness::run(
            Command::new(env!("CARGO_BIN_EXE_mynacard"))
                .args(args)
                .env("RUST_LOG", "trace"),
            Some(stdin.as_bytes()),
            harness::SHORT,
        )
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        stderr_bytes += stderr.len();
        // Each run reached the card: a success, or (given a wrong secret) a typed refusal.
        let wrong = stdin.contains("4729") || stdin.contains("WRONGPW9");
        assert_eq!(out.status.success(), !wrong, "{args:?}: {stderr}");
        if wrong {
            assert!(stderr.contains("PIN_INCORRECT"), "{args:?}: {stderr}");
        }
        // Control: the list is spelled as the CLI prints (4情報 on four-info's stdout).
        if args.contains(&"four-info".to_owned()) && !wrong {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let shown = secrets
                .iter()
                .filter(|s| stdout.contains(s.as_str()))
                .count();
            assert!(
                shown >= 3,
                "the secret list misses what four-info prints:\n{stdout}"
            );
        }
        for secret in &secrets {
            assert!(
                !stderr.contains(secret.as_str()),
                "{args:?}: stderr shows a secret of the persona:\n{stderr}"
            );
        }
    }
    // The scan saw real output: progress lines and the refusals' messages.
    assert!(stderr_bytes > 500, "{stderr_bytes} bytes of stderr");
    std::fs::remove_dir_all(&dir).ok();
}

/// A sysfs tree as Linux lays it out (`/sys/bus/usb/devices/BUS-PORT/{idVendor,idProduct}`,
/// the interface `BUS-PORT:1.0/{bInterfaceClass,driver}`) for `MYNACARD_DOCTOR_ROOT`.
fn fake_usb_root(name: &str, devices: &[(&str, &str, &str, &str, &str)]) -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("mynacard-doctor-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("sys/bus/usb/devices")).unwrap();
    for (port, vendor, product, class, driver) in devices {
        let dev = root.join("sys/bus/usb/devices").join(port);
        let interface = dev.join(format!("{port}:1.0"));
        std::fs::create_dir_all(&interface).unwrap();
        std::fs::write(dev.join("idVendor"), format!("{vendor}\n")).unwrap();
        std::fs::write(dev.join("idProduct"), format!("{product}\n")).unwrap();
        std::fs::write(interface.join("bInterfaceClass"), format!("{class}\n")).unwrap();
        let target = root.join("sys/bus/usb/drivers").join(driver);
        std::fs::create_dir_all(&target).unwrap();
        std::os::unix::fs::symlink(&target, interface.join("driver")).unwrap();
    }
    root
}

/// `mynacard doctor --json` with no PC/SC service (the client library pointed at a socket
/// that does not exist, so a pcscd of another test does not count) and the USB devices under
/// `root`: its exit status and findings.
fn doctor(root: &std::path::Path) -> (i32, Vec<serde_json::Value>) {
    let out = harness::run(
        Command::new(env!("CARGO_BIN_EXE_mynacard"))
            .args(["doctor", "--json"])
            .env("MYNACARD_DOCTOR_ROOT", root)
            .env("PCSCLITE_CSOCK_NAME", root.join("no-pcscd.comm")),
        None,
        harness::SHORT,
    )
    .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), rows)
}

/// Issue 17: the reader doctor names each cause it can see from the command with its fix
/// (the PC/SC causes with a real pcscd: `pcscd_vpcd.rs`, `doctor`).
#[test]
fn doctor_names_each_cause_and_its_fix() {
    let codes = |rows: &[serde_json::Value]| -> Vec<String> {
        rows.iter()
            .map(|r| r["code"].as_str().unwrap().to_owned())
            .collect()
    };
    // Nothing at all: the service is down, no reader on USB.
    let empty = fake_usb_root("empty", &[]);
    let (code, rows) = doctor(&empty);
    assert_eq!(codes(&rows), ["PCSC_SERVICE_DOWN"]);
    assert_eq!(code, 1, "no usable reader is a failure");
    assert!(rows[0]["fix_ja"].as_str().unwrap().contains("pcscd"));
    // An RC-S380 held by port100 and a mouse: the RC-S380 cannot serve the command (no PC/SC
    // driver); the mouse is not a reader.
    let root = fake_usb_root(
        "rcs380",
        &[
            ("1-1", "054c", "06c3", "ff", "port100"),
            ("1-2", "046d", "c077", "03", "usbhid"),
        ],
    );
    let (_, rows) = doctor(&root);
    assert_eq!(codes(&rows), ["PCSC_SERVICE_DOWN", "NO_PCSC_DRIVER"]);
    assert!(rows[1]["reader"].as_str().unwrap().contains("054c:06c3"));
    assert!(rows[1]["fix_en"].as_str().unwrap().contains("RC-S300"));
    assert_eq!(rows[1]["usable"], false);
    std::fs::remove_dir_all(&empty).ok();
    std::fs::remove_dir_all(&root).ok();
}

/// A one-page PDF with a classic cross-reference table.
fn one_page_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f\r\n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

#[test]
fn sign_pdf_co_sign_and_verify_pdf() {
    let dir = std::env::temp_dir().join(format!("mynacard-cli-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |n: &str| dir.join(n).to_str().unwrap().to_string();
    std::fs::write(path("in.pdf"), one_page_pdf()).unwrap();
    let sign = |persona: &str, pin: &str, input: &str, out: &str, profile: &str| {
        mynacard(
            &[
                "--virtual",
                persona,
                "sign-pdf",
                &path(input),
                "--out",
                &path(out),
                "--profile",
                profile,
                "--pin-stdin",
                "-q",
            ],
            &format!("{pin}\n"),
        )
    };
    let r = sign("taro", "TARO2025", "in.pdf", "one.pdf", "moj");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("moj profile"), "{}", r.stdout);
    let r = sign("hanako", "HANAKO77", "one.pdf", "two.pdf", "pades");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let original = std::fs::read(path("in.pdf")).unwrap();
    let one = std::fs::read(path("one.pdf")).unwrap();
    let two = std::fs::read(path("two.pdf")).unwrap();
    assert!(one.starts_with(&original) && two.starts_with(&one));

    let sign_crl = format!("{PKI}/sign-ca.crl.der");
    let r = mynacard(
        &[
            "verify",
            "--pdf",
            &path("two.pdf"),
            "--test-pki",
            "--crl",
            &sign_crl,
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let sigs = v["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0]["sub_filter"], "adbe.pkcs7.detached");
    assert_eq!(sigs[0]["covers_whole_file"], false);
    assert_eq!(sigs[0]["four_info"]["name"], "吉田　太郎");
    assert_eq!(sigs[1]["sub_filter"], "ETSI.CAdES.detached");
    assert_eq!(sigs[1]["covers_whole_file"], true);
    assert_eq!(sigs[1]["status"], "good");

    // A changed byte of the original page: SIGNATURE_INVALID, exit 1.
    let mut bad = two.clone();
    let at = bad.windows(3).position(|w| w == b"595").unwrap();
    bad[at] = b'6';
    std::fs::write(path("bad.pdf"), &bad).unwrap();
    let r = mynacard(&["verify", "--pdf", &path("bad.pdf"), "--test-pki"], "");
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["code"], "SIGNATURE_INVALID");

    // A revoked signer, with the CRL given.
    let r = sign("revoked", "REVOKED1", "in.pdf", "revoked.pdf", "moj");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = mynacard(
        &[
            "verify",
            "--pdf",
            &path("revoked.pdf"),
            "--test-pki",
            "--crl",
            &sign_crl,
        ],
        "",
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["code"], "REVOKED");

    // Profile moj refuses the P-384 key of the next card generation; a malformed PIN and a
    // file that is not a PDF are refused before any card work.
    let r = sign("p384", "P384SIGN2028", "in.pdf", "p384.pdf", "moj");
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("PDF_KEY_FORBIDDEN"), "{}", r.stderr);
    let r = sign("taro", "ab", "in.pdf", "x.pdf", "moj");
    assert!(r.stderr.contains("PIN_FORMAT"), "{}", r.stderr);
    std::fs::write(path("not.pdf"), b"hello").unwrap();
    let r = sign("taro", "TARO2025", "not.pdf", "x.pdf", "moj");
    assert!(r.stderr.contains("PDF_MALFORMED"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A time-stamp authority on 127.0.0.1: OpenSSL's `openssl ts -reply` (RFC 3161) behind a
/// minimal HTTP/1.1 server on a thread, answering `requests` POSTs, each accept and each
/// OpenSSL run under a deadline. Returns the URL, the TSA root (PEM path) and the thread.
fn start_tsa(
    dir: &std::path::Path,
    requests: usize,
) -> (
    String,
    std::path::PathBuf,
    std::thread::JoinHandle<Result<(), String>>,
) {
    use std::io::{Read, Write};
    let p = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let openssl = |args: &[&str]| {
        let out = harness::run(Command::new("openssl").args(args), None, harness::SHORT).unwrap();
        assert!(out.success(), "openssl {args:?}: {}", out.text());
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &p("tsa-ca.key"),
        "-out",
        &p("tsa-ca.pem"),
        "-subj",
        "/CN=mynacard test TSA root",
        "-days",
        "3650",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &p("tsa.key"),
        "-out",
        &p("tsa.csr"),
        "-subj",
        "/CN=mynacard test TSA",
    ]);
    std::fs::write(
        p("tsa-ext.cnf"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p("tsa.csr"),
        "-CA",
        &p("tsa-ca.pem"),
        "-CAkey",
        &p("tsa-ca.key"),
        "-CAcreateserial",
        "-out",
        &p("tsa.pem"),
        "-days",
        "3650",
        "-extfile",
        &p("tsa-ext.cnf"),
    ]);
    std::fs::write(p("tsa-serial"), "01\n").unwrap();
    std::fs::write(
        p("ts.cnf"),
        format!(
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = {}\ncrypto_device = builtin\n\
             signer_cert = {}\ncerts = {}\nsigner_key = {}\nsigner_digest = sha256\n\
             default_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\nordering = no\n\
             tsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            p("tsa-serial"),
            p("tsa.pem"),
            p("tsa-ca.pem"),
            p("tsa.key")
        ),
    )
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", listener.local_addr().unwrap());
    let root = dir.join("tsa-ca.pem");
    let dir = dir.to_path_buf();
    let thread = std::thread::spawn(move || -> Result<(), String> {
        for n in 0..requests {
            let mut stream = harness::net::accept(&listener, harness::SHORT)
                .map_err(|f| f.message().to_string())?;
            stream
                .set_read_timeout(Some(harness::SHORT))
                .map_err(|e| e.to_string())?;
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let (head_end, length) = loop {
                let k = stream.read(&mut buf).map_err(|e| e.to_string())?;
                if k == 0 {
                    return Err("client closed before the request ended".into());
                }
                data.extend_from_slice(&buf[..k]);
                if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&data[..i]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .ok_or("no Content-Length")?;
                    if !head.contains("application/timestamp-query") {
                        return Err(format!("not a timestamp query: {head}"));
                    }
                    break (i + 4, length);
                }
            };
            while data.len() < head_end + length {
                let k = stream.read(&mut buf).map_err(|e| e.to_string())?;
                if k == 0 {
                    return Err("short body".into());
                }
                data.extend_from_slice(&buf[..k]);
            }
            let query = dir.join(format!("query{n}.tsq"));
            let reply = dir.join(format!("reply{n}.tsr"));
            std::fs::write(&query, &data[head_end..head_end + length])
                .map_err(|e| e.to_string())?;
            let out = harness::run(
                Command::new("openssl")
                    .args(["ts", "-reply", "-config"])
                    .arg(dir.join("ts.cnf"))
                    .arg("-queryfile")
                    .arg(&query)
                    .arg("-out")
                    .arg(&reply),
                None,
                harness::SHORT,
            )
            .map_err(|f| f.message().to_string())?;
            if !out.success() {
                return Err(format!("openssl ts -reply: {}", out.text()));
            }
            let body = std::fs::read(&reply).map_err(|e| e.to_string())?;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream
                .write_all(head.as_bytes())
                .map_err(|e| e.to_string())?;
            stream.write_all(&body).map_err(|e| e.to_string())?;
        }
        Ok(())
    });
    (url, root, thread)
}

#[test]
fn sign_pdf_with_a_timestamp_from_a_local_tsa_is_pades_b_t() {
    let dir = std::env::temp_dir().join(format!("mynacard-cli-tsa-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = |n: &str| dir.join(n).to_str().unwrap().to_string();
    std::fs::write(path("in.pdf"), one_page_pdf()).unwrap();
    // Two for the CLI, two for pyHanko (it asks once to size the token, then for it).
    let (url, tsa_root, tsa) = start_tsa(&dir, 4);
    for (persona, pin, input, out, profile) in [
        ("taro", "TARO2025", "in.pdf", "one.pdf", "pades"),
        ("hanako", "HANAKO77", "one.pdf", "two.pdf", "moj"),
    ] {
        let r = mynacard(
            &[
                "--virtual",
                persona,
                "sign-pdf",
                &path(input),
                "--out",
                &path(out),
                "--profile",
                profile,
                "--tsa",
                &url,
                "--pin-stdin",
                "-q",
            ],
            &format!("{pin}\n"),
        );
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    // pyHanko signs with taro's software 署名用 key and a timestamp from the same TSA: the
    // SDK reads a token it did not make.
    let pyhanko = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/pyhanko/bin/pyhanko"
    );
    assert!(
        std::path::Path::new(pyhanko).exists(),
        "pyHanko missing: run scripts/setup.sh"
    );
    for (from, to) in [
        ("taro-sign.key.der", "taro.key"),
        ("taro-sign.crt.der", "taro.pem"),
    ] {
        let kind = if from.ends_with("key.der") {
            "pkey"
        } else {
            "x509"
        };
        let out = harness::run(
            Command::new("openssl").args([
                kind,
                "-inform",
                "DER",
                "-in",
                &format!("{PKI}/{from}"),
                "-out",
                &path(to),
            ]),
            None,
            harness::SHORT,
        )
        .unwrap();
        assert!(out.success(), "{}", out.text());
    }
    let out = harness::run(
        Command::new(pyhanko).args([
            "sign",
            "addsig",
            "--field",
            "PyHanko1",
            "--timestamp-url",
            &url,
            "pemder",
            "--key",
            &path("taro.key"),
            "--cert",
            &path("taro.pem"),
            "--no-pass",
            &path("in.pdf"),
            &path("pyhanko.pdf"),
        ]),
        None,
        harness::MEDIUM,
    )
    .unwrap();
    assert!(
        out.success(),
        "pyhanko addsig --timestamp-url: {}",
        out.text()
    );
    tsa.join().unwrap().unwrap();
    let r = mynacard(&["verify", "--pdf", &path("pyhanko.pdf"), "--test-pki"], "");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v["signatures"][0]["timestamp"].as_u64().is_some(),
        "{}",
        r.stdout
    );

    // The SDK: both signatures, each with a timestamp that covers it.
    let sign_crl = format!("{PKI}/sign-ca.crl.der");
    let r = mynacard(
        &[
            "verify",
            "--pdf",
            &path("two.pdf"),
            "--test-pki",
            "--crl",
            &sign_crl,
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for s in v["signatures"].as_array().unwrap() {
        let t = s["timestamp"].as_u64().expect("a timestamp");
        assert!(t.abs_diff(now) < 600, "genTime {t} vs now {now}");
        assert_eq!(s["status"], "good");
    }

    // A changed byte in the TSA's signature (the end of the last CMS: the token is the last
    // unsigned attribute) is refused: the token's own signature is checked.
    let two = std::fs::read(path("two.pdf")).unwrap();
    let range = v["signatures"][1]["byte_range"].as_array().unwrap();
    let gap = range[1].as_u64().unwrap() as usize..range[2].as_u64().unwrap() as usize;
    let hex = std::str::from_utf8(&two[gap.start + 1..gap.start + 9]).unwrap();
    assert_eq!(&hex[..4], "3082", "{hex}");
    let der_len = 4 + usize::from_str_radix(&hex[4..8], 16).unwrap();
    let at = gap.start + 1 + 2 * (der_len - 40);
    let mut bad = two.clone();
    bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(path("bad-token.pdf"), &bad).unwrap();
    let r = mynacard(
        &["verify", "--pdf", &path("bad-token.pdf"), "--test-pki"],
        "",
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("SIGNATURE_INVALID"), "{}", r.stdout);

    // pdfsig and pyHanko (test 署名用 CA and the TSA root as the only trust roots).
    let out = harness::run(
        Command::new("pdfsig").args(["-nocert", &path("two.pdf")]),
        None,
        harness::SHORT,
    )
    .unwrap();
    assert_eq!(
        out.text().matches("Signature is Valid.").count(),
        2,
        "{}",
        out.text()
    );
    let ca = dir.join("sign-ca.pem");
    let out = harness::run(
        Command::new("openssl")
            .args([
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("{PKI}/sign-ca.crt.der"),
                "-out",
            ])
            .arg(&ca),
        None,
        harness::SHORT,
    )
    .unwrap();
    assert!(out.success(), "{}", out.text());
    let out = harness::run(
        Command::new(pyhanko)
            .args(["sign", "validate", "--no-revocation-check", "--trust"])
            .arg(&ca)
            .arg("--trust")
            .arg(&tsa_root)
            .args(["--trust-replace", "--pretty-print", &path("two.pdf")]),
        None,
        harness::MEDIUM,
    )
    .unwrap();
    let text = out.text();
    assert!(out.success(), "{text}");
    assert_eq!(
        text.matches("The signature is judged VALID").count(),
        2,
        "{text}"
    );
    assert_eq!(
        text.matches("The TSA certificate is trusted").count(),
        2,
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 20: `mynacard internal-auth`, the かざし利用 card check. taro's answer verifies and its
/// key record checks against the test PKI's stand-in for J-LIS; nise (taro's files on a card
/// with other keys) is CARD_NOT_GENUINE; a malformed birth date is PIN_FORMAT, a wrong one
/// PIN_INCORRECT with the tries left.
#[test]
fn internal_auth_checks_the_card_is_genuine() {
    let args = |persona| {
        vec![
            "--virtual",
            persona,
            "internal-auth",
            "--pin-stdin",
            "--test-pki",
            "-q",
            "--challenge",
            "000102030405060708090a0b0c0d0e0f",
        ]
    };
    let r = mynacard(&args("taro"), "19800217\n");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for expected in [
        "challenge: 000102030405060708090a0b0c0d0e0f",
        "verifies against the card key",
        "issuer key 6000023/001: checked",
        "生年月日 (EF 0001): 1980-02-17",
    ] {
        assert!(r.stdout.contains(expected), "{expected:?} in\n{}", r.stdout);
    }
    // The era form is the same key.
    let r = mynacard(&args("taro"), "550217\n");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Without an issuer key the record is reported unchecked, never as trusted.
    let r = mynacard(
        &["--virtual", "taro", "internal-auth", "--pin-stdin", "-q"],
        "550217\n",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("NOT checked"), "{}", r.stdout);

    let r = mynacard(&args("nise"), "19800217\n");
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("CARD_NOT_GENUINE"), "{}", r.stderr);
    assert!(!r.stdout.contains("verifies"), "{}", r.stdout);

    let r = mynacard(&args("taro"), "551317\n");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PIN_FORMAT"), "{}", r.stderr);
    let r = mynacard(&args("taro"), "19800218\n");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("PIN_INCORRECT") && r.stderr.contains("9 tries left"),
        "{}",
        r.stderr
    );
}

/// Issue 19 part 4: `mynacard face-check`, the 窓口's PIN-less 対面確認. taro: every check OK,
/// the photo written as a PNG decoded from the card's JPEG 2000, check.json names each check;
/// nise fails the challenge answer (CARD_NOT_GENUINE, files still written for staff to see);
/// without an issuer key the key record is not checked and the exit is not success; a wrong
/// 照合番号B is PIN_INCORRECT with the tries left, a malformed one PIN_FORMAT.
#[test]
fn face_check_names_every_check_and_writes_the_photo_as_png() {
    let dir = std::env::temp_dir().join(format!("mynacard-face-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("taro");
    let args = |persona: &str, out: &std::path::Path, test_pki: bool| {
        let mut a = vec![
            "--virtual".to_string(),
            persona.to_string(),
            "face-check".into(),
            "--pin-stdin".into(),
            "-q".into(),
            "--out".into(),
            out.display().to_string(),
        ];
        if test_pki {
            a.push("--test-pki".into());
        }
        a
    };
    let run = |a: Vec<String>, stdin: &str| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        mynacard(&a, stdin)
    };
    let r = run(args("taro", &out, true), "55021720352285\n");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for expected in [
        "OK  券面事項の署名",
        "OK  鍵記録",
        "OK  チャレンジへの応答",
        "verdict: genuine card",
    ] {
        assert!(r.stdout.contains(expected), "{expected:?} in\n{}", r.stdout);
    }
    let png = std::fs::read(out.join("photo.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    // IHDR: 90 x 120, the card photo's size.
    assert_eq!(&png[16..24], &[0, 0, 0, 90, 0, 0, 0, 120]);
    assert!(std::fs::read(out.join("face.jp2")).unwrap()[4..8] == *b"jP  ");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("check.json")).unwrap()).unwrap();
    assert_eq!(json["genuine"], true);
    assert_eq!(json["checks"]["face_signature"]["result"], "passed");
    assert_eq!(json["checks"]["key_record"]["result"], "passed");
    assert_eq!(json["checks"]["challenge_answer"]["result"], "passed");
    assert_eq!(json["birth_date"], "1980-02-17");
    assert_eq!(json["expiry"], "2035-02-17");
    assert!(!r.stdout.contains("123456789018") && !r.stderr.contains("123456789018"));

    let nise_out = dir.join("nise");
    let r = run(args("nise", &nise_out, true), "55021720352285\n");
    assert_ne!(r.code, 0);
    assert!(r.stdout.contains("NG  チャレンジへの応答"), "{}", r.stdout);
    assert!(r.stderr.contains("CARD_NOT_GENUINE"), "{}", r.stderr);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(nise_out.join("check.json")).unwrap()).unwrap();
    assert_eq!(json["genuine"], false);
    assert_eq!(
        json["checks"]["challenge_answer"]["code"],
        "CARD_NOT_GENUINE"
    );

    let r = run(args("taro", &dir.join("no-key"), false), "55021720352285\n");
    assert_ne!(r.code, 0);
    assert!(r.stdout.contains("--  鍵記録"), "{}", r.stdout);
    assert!(r.stderr.contains("KEY_RECORD_UNTRUSTED"), "{}", r.stderr);

    let r = run(args("taro", &dir.join("wrong"), true), "55021720350000\n");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("PIN_INCORRECT") && r.stderr.contains("9 tries left"),
        "{}",
        r.stderr
    );
    assert!(!dir.join("wrong").exists());
    let r = run(args("taro", &dir.join("bad"), true), "5502172035228\n");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PIN_FORMAT"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}
