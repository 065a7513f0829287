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
