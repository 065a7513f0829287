//! `mynacard login` as a developer runs it: the development stand-in provider on 127.0.0.1, the
//! CLI as the relying party with a loopback redirect (RFC 8252), and with `--virtual` the
//! resident logging in on the stand-in's screen with that virtual card. Needs Node ≥ 20.19
//! (the provider; `npm ci` runs on first use).

// A test crate: its helpers outside #[test] may fail loudly too (clippy.toml covers #[test] only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use mynacard_oidc_dev::Provider;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::{Value, json};

const CLIENT: &str = "RPCLI0001";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn mynacard(args: &[&str]) -> Run {
    let out = harness::run(
        Command::new(env!("CARGO_BIN_EXE_mynacard"))
            .args(args)
            // No system browser may open during tests.
            .env("PATH", "/nonexistent"),
        None,
        harness::MEDIUM,
    )
    .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A P-256 key as a PKCS#8 PEM file.
fn key_file(name: &str, seed: u8) -> PathBuf {
    let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, pem.as_bytes()).unwrap();
    path
}

/// An RSA-2048 key as a PKCS#8 PEM file (OpenSSL, which the provider needs anyway).
fn rsa_key_file(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    if !path.exists() {
        harness::run_ok(
            Command::new("openssl")
                .args([
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:2048",
                    "-out",
                ])
                .arg(&path),
            None,
            harness::SHORT,
        )
        .unwrap();
    }
    path
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn login_with_a_loopback_redirect_against_the_stand_in() {
    let key = key_file("rp-login.pem", 0x42);
    let other_key = key_file("rp-other.pem", 0x43);

    let enc_key = rsa_key_file("rp-enc.pem");
    let document = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("申請書.txt");
    std::fs::write(&document, "電子申請書 2026\n").unwrap();
    let signature = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("申請書.sig");
    let _ = std::fs::remove_file(&signature);

    // The JWK Set to register: public halves only, the client key and the encryption key.
    let r = mynacard(&[
        "login",
        "--issuer",
        "x",
        "--client-id",
        CLIENT,
        "--key",
        s(&key),
        "--key-id",
        "rp1",
        "--enc-key",
        s(&enc_key),
        "--print-jwks",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let jwks: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], "rp1");
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
    assert_eq!(jwks["keys"][1]["use"], "enc");
    assert_eq!(jwks["keys"][1]["alg"], "RSA-OAEP-256");
    for k in jwks["keys"].as_array().unwrap() {
        assert!(
            k.get("d").is_none() && k.get("p").is_none(),
            "private part in {k}"
        );
    }

    // A native client: any loopback port is accepted for its redirect URI (RFC 8252 §7.3).
    let provider = Provider::start(&json!([{
        "client_id": CLIENT,
        "application_type": "native",
        "redirect_uris": ["http://127.0.0.1/callback"],
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "grant_types": ["authorization_code", "client_credentials"],
        "jwks": jwks,
    }]))
    .unwrap();
    let base = [
        "login",
        "--issuer",
        &provider.issuer,
        "--client-id",
        CLIENT,
        "--key-id",
        "rp1",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|a| a.to_string()).collect()
    };
    let run = |args: Vec<String>| mynacard(&args.iter().map(String::as_str).collect::<Vec<_>>());
    // The CLI as relying party and, with that virtual card, as the resident too.
    let as_resident = |persona: &str, extra: &[&str]| {
        let mut args = vec!["--virtual".to_string(), persona.to_string()];
        args.extend(with(extra));
        run(args)
    };

    // hanako logs in with 基本4情報; the result is the ID token's subject and the userinfo.
    let r = as_resident(
        "hanako",
        &[
            "--key",
            s(&key),
            "--claims",
            "name,address,birthdate,gender",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(out["subject"], "hanako");
    assert_eq!(out["issuer"], provider.issuer.as_str());
    assert_eq!(out["fourInfo"]["name"], "佐藤　花子");
    assert_eq!(out["fourInfo"]["birthDate"], "1992-11-03");
    assert_eq!(out["fourInfo"]["sex"], "2");
    assert!(
        r.stderr
            .contains("waiting for the redirect to http://127.0.0.1:"),
        "{}",
        r.stderr
    );
    // Codes and tokens never reach the terminal; personal data only on stdout.
    for secret in [
        "code=",
        "access_token",
        "client_assertion",
        "code_verifier",
        "佐藤",
    ] {
        assert!(!r.stderr.contains(secret), "{secret} in {}", r.stderr);
    }

    // Authentication only, taro, human-readable output.
    let r = as_resident("taro", &["--key", s(&key)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("subject:  taro"), "{}", r.stdout);
    assert!(!r.stdout.contains("基本4情報"), "{}", r.stdout);

    // 署名API: a sign transaction over the document's SHA-256, hanako signs with the 署名用 key,
    // the JWE result is decrypted with the encryption key and verified with the test PKI.
    let endpoint = format!("{}/api/sign-transactions", provider.origin());
    let hanako_signs = |enc: &Path, extra: &[&str]| {
        let mut args = vec![
            "--key",
            s(&key),
            "--sign",
            s(&document),
            "--enc-key",
            s(enc),
        ];
        args.extend(["--sign-endpoint", &endpoint]);
        args.extend(extra);
        as_resident("hanako", &args)
    };
    let r = hanako_signs(&enc_key, &["--test-pki", "--out", s(&signature), "--json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(out["signatureBytes"], 256);
    assert_eq!(out["signer"]["ok"], true);
    assert_eq!(out["signer"]["four_info"]["name"], "佐藤　花子");
    // OpenSSL agrees: the signature is over the document's SHA-256 with hanako's 署名用 key.
    let cert = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/virtual-card/pki/hanako-sign.crt.der");
    let public = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hanako-sign.pub.pem");
    let pem = harness::run_ok(
        Command::new("openssl").args([
            "x509",
            "-inform",
            "DER",
            "-in",
            s(&cert),
            "-pubkey",
            "-noout",
        ]),
        None,
        harness::SHORT,
    )
    .unwrap();
    std::fs::write(&public, pem.stdout).unwrap();
    // The usual 署名API mode signs the bare SHA-256 (PKCS#1 v1.5 padding, no DigestInfo:
    // docs/oidc.md), so OpenSSL checks it as a raw PKCS#1 v1.5 block over the digest.
    let hash = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("申請書.sha256");
    harness::run_ok(
        Command::new("openssl").args([
            "dgst",
            "-sha256",
            "-binary",
            "-out",
            s(&hash),
            s(&document),
        ]),
        None,
        harness::SHORT,
    )
    .unwrap();
    harness::run_ok(
        Command::new("openssl").args([
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            s(&public),
            "-in",
            s(&hash),
            "-sigfile",
            s(&signature),
        ]),
        None,
        harness::SHORT,
    )
    .unwrap();
    // The real JPKI CAs do not trust the test PKI: the result is refused, not printed.
    let r = hanako_signs(&enc_key, &["-q"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("CHAIN_UNTRUSTED"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    // The result is encrypted to another key: JWE_INVALID.
    let other_enc = rsa_key_file("rp-enc-other.pem");
    let r = hanako_signs(&other_enc, &["--test-pki", "-q"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("JWE_INVALID"), "{}", r.stderr);

    // Through a platform operator (PF事業者): no --enc-key; the result is written sealed (the
    // registered encryption key stands for the operator's here), without the certificate in
    // the clear; the operator's side (the core's SealedSignResult) opens and verifies it.
    let sealed_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("申請書.sealed.json");
    let _ = std::fs::remove_file(&sealed_path);
    let r = as_resident(
        "hanako",
        &[
            "--key",
            s(&key),
            "--sign",
            s(&document),
            "--forward-to",
            s(&sealed_path),
            "--sign-endpoint",
            &endpoint,
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(out["signTransactionId"].as_str().unwrap().len(), 36);
    assert!(out.get("signer").is_none(), "{out}");
    let record = std::fs::read_to_string(&sealed_path).unwrap();
    let cert_der = std::fs::read(&cert).unwrap();
    let cert_b64 = {
        use base64ct::Encoding;
        base64ct::Base64::encode_string(&cert_der)
    };
    assert!(!record.contains(&cert_b64[..40]), "{record}");
    let sealed = mynacard_core::oidc::SealedSignResult::from_json(&record).unwrap();
    assert_eq!(sealed.transaction_id(), out["signTransactionId"]);
    let operator =
        mynacard_core::oidc::EncryptionKey::from_pkcs8(&std::fs::read(&enc_key).unwrap()).unwrap();
    let none: [&[u8]; 0] = [];
    let now = mynacard_core::UnixTime::now();
    let rp = mynacard_core::verify::RelyingParty::from_der(
        &[mynacard_virtual_card::pki::sign_ca_der()],
        &none,
        now,
    )
    .unwrap();
    let signed = sealed.open(&operator, &rp, now).unwrap();
    assert_eq!(signed.certificate.der(), cert_der.as_slice());
    // --sign needs one of the two modes, and not both.
    let r = as_resident("hanako", &["--key", s(&key), "--sign", s(&document), "-q"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("INVALID_ARGUMENT"), "{}", r.stderr);
    let r = as_resident(
        "hanako",
        &[
            "--key",
            s(&key),
            "--sign",
            s(&document),
            "--enc-key",
            s(&enc_key),
            "--forward-to",
            s(&sealed_path),
        ],
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("--forward-to"), "{}", r.stderr);

    // A revoked card is refused on the login screen: the provider's error, no login.
    let r = as_resident("revoked", &["--key", s(&key), "-q"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("OIDC_ERROR_RESPONSE"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    // A key the provider does not know: the token endpoint refuses the client assertion.
    let r = as_resident("hanako", &["--key", s(&other_key)]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("OIDC_ERROR_RESPONSE"), "{}", r.stderr);
    assert!(r.stdout.is_empty());

    // The human path: the CLI prints the URL and waits; a browser (here the test's resident)
    // opens it and lands on the loopback callback. A stray request with another state is
    // turned away first and the wait goes on.
    let mut cli = harness::Server::spawn(
        Command::new(env!("CARGO_BIN_EXE_mynacard"))
            .args(with(&[
                "--key",
                s(&key),
                "--claims",
                "name",
                "--timeout",
                "60",
            ]))
            .env("PATH", "/nonexistent"),
    )
    .unwrap();
    let (url, redirect) = cli
        .wait_for(
            "printing the URL and the redirect it waits for",
            harness::MEDIUM,
            |c| {
                let err = c.stderr();
                let url = err
                    .lines()
                    .find(|l| l.contains("/protocol/openid-connect/auth?"))?
                    .trim()
                    .to_string();
                let redirect = err
                    .lines()
                    .find_map(|l| l.strip_prefix("waiting for the redirect to "))?
                    .trim_end_matches(" …")
                    .to_string();
                Some((url, redirect))
            },
        )
        .unwrap();
    assert!(redirect.starts_with("http://127.0.0.1:"), "{redirect}");
    let stray = ureq::get(format!("{redirect}?code=stolen&state=other"))
        .config()
        .timeout_global(Some(harness::SHORT))
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(stray.status().as_u16(), 400);
    let callback = mynacard_virtual_card::resident::Resident::new("hanako")
        .log_in(&url, &redirect)
        .unwrap();
    let landed = ureq::get(&callback)
        .config()
        .timeout_global(Some(harness::SHORT))
        .build()
        .call()
        .unwrap();
    assert_eq!(landed.status().as_u16(), 200);
    let status = cli.wait(harness::MEDIUM).unwrap();
    assert!(status.success(), "{status}\n{}", cli.printed());
    let stdout = cli.stdout();
    assert!(
        stdout.contains("subject:  hanako") && stdout.contains("佐藤　花子"),
        "{stdout}"
    );

    // No browser comes back: the login expires.
    let r = run(with(&["--key", s(&key), "--timeout", "1"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("LOGIN_EXPIRED"), "{}", r.stderr);
    assert!(
        r.stderr.contains("/protocol/openid-connect/auth?"),
        "the URL to open: {}",
        r.stderr
    );

    // Bad input: no network at all.
    let r = run(with(&["--key", "/nonexistent/key.pem"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("IO: Cannot read /nonexistent/key.pem"),
        "{}",
        r.stderr
    );
    let r = run(with(&["--key", s(&key), "--claims", "name,my_number"]));
    assert!(r.stderr.contains("INVALID_ARGUMENT"), "{}", r.stderr);
    // A sign endpoint that only looks like loopback (its host is evil.example), or cleartext
    // to another host: refused before any request, like every endpoint.
    for bad in [
        "http://localhost:@evil.example/api/sign-transactions",
        "http://sign.example/api/sign-transactions",
    ] {
        let r = as_resident(
            "hanako",
            &[
                "--key",
                s(&key),
                "--sign",
                s(&document),
                "--enc-key",
                s(&enc_key),
                "--sign-endpoint",
                bad,
            ],
        );
        assert_eq!(r.code, 2, "{bad}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("INVALID_ARGUMENT"), "{bad}: {}", r.stderr);
    }

    // The provider is gone: a network error.
    let issuer = provider.issuer.clone();
    drop(provider);
    let r = mynacard(&[
        "--virtual",
        "hanako",
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        CLIENT,
        "--key",
        s(&key),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("OIDC_NETWORK"), "{}", r.stderr);
}
