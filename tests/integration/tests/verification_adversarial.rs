//! Issue 23.2 / 23.11: forged certificates, judged by the SDK and by OpenSSL on the same bytes.
//! Each forgery must be refused by both (CHAIN_UNTRUSTED, SIGNATURE_INVALID or
//! CERTIFICATE_INVALID); the genuine certificate is accepted by both, so the oracle can say yes.
//!
//! - an issuer with the test CA's DN and another key (`openssl req -x509 -subj` with that DN),
//!   re-issuing taro's certificate with its extensions;
//! - a resident's certificate used as an issuer (taro's key signs another certificate);
//! - the outer signatureAlgorithm changed to another RSA OID (RFC 5280 §4.1.1.2: it must equal
//!   the TBS signature field);
//! - one bit flipped at every byte of the certificate.

use std::path::{Path, PathBuf};
use std::process::Command;

use mynacard_core::error::VerifyError;
use mynacard_core::verify::{self, CertificateKind, StatusEvidence, TrustAnchors};
use mynacard_core::{Error, JpkiCertificate, UnixTime};
use mynacard_virtual_card::pki;

/// 2026-06-01: inside taro's validity.
const NOW: UnixTime = UnixTime(1_780_272_000);
/// OpenSSL's notion of the same instant, for `openssl verify -attime`.
const NOW_ATTIME: &str = "1780272000";

fn pki_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../virtual-card/pki")
}

fn openssl(dir: &Path, args: &[&str]) -> harness::Output {
    harness::run(
        Command::new("openssl").args(args).current_dir(dir),
        None,
        harness::SHORT,
    )
    .unwrap()
}

fn openssl_ok(dir: &Path, args: &[&str]) {
    let o = openssl(dir, args);
    assert!(o.success(), "openssl {args:?}: {}", o.stderr_text());
}

/// What the SDK says of `der` as a 利用者証明用 certificate under the test CAs.
fn sdk(der: &[u8]) -> Result<(), Error> {
    let cert = JpkiCertificate::from_der(der)?;
    let anchors = TrustAnchors::new(vec![
        JpkiCertificate::from_der(pki::auth_ca_der()).unwrap(),
        JpkiCertificate::from_der(pki::sign_ca_der()).unwrap(),
    ]);
    verify::verify_certificate(
        &cert,
        CertificateKind::Authentication,
        &anchors,
        NOW,
        StatusEvidence::NotChecked,
    )
    .map(|_| ())
}

/// What OpenSSL says of `der` under the test 利用者証明用 CA (chain and signature only: the
/// 利用者証明用 key usage is not a TLS purpose).
fn openssl_accepts(dir: &Path, der: &[u8]) -> bool {
    std::fs::write(dir.join("subject.der"), der).unwrap();
    let pem = openssl(
        dir,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "subject.der",
            "-out",
            "subject.pem",
        ],
    );
    if !pem.success() {
        return false; // OpenSSL cannot even parse it
    }
    openssl(
        dir,
        &[
            "verify",
            "-CAfile",
            "ca.pem",
            "-attime",
            NOW_ATTIME,
            "-purpose",
            "any",
            "subject.pem",
        ],
    )
    .success()
}

fn pem_to_der(dir: &Path, pem: &str) -> Vec<u8> {
    openssl_ok(
        dir,
        &["x509", "-in", pem, "-outform", "DER", "-out", "out.der"],
    );
    std::fs::read(dir.join("out.der")).unwrap()
}

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mynacard-adv-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let p = pki_dir();
    let der = |f: &str| p.join(f).to_str().unwrap().to_owned();
    openssl_ok(
        &dir,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            &der("auth-ca.crt.der"),
            "-out",
            "ca.pem",
        ],
    );
    openssl_ok(
        &dir,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            &der("taro-auth.crt.der"),
            "-out",
            "taro.pem",
        ],
    );
    openssl_ok(
        &dir,
        &[
            "pkey",
            "-inform",
            "DER",
            "-in",
            &der("taro-auth.key.der"),
            "-out",
            "taro.key",
        ],
    );
    // taro's certificate as a request (its subject, key and extensions), for re-issuing.
    openssl_ok(
        &dir,
        &[
            "x509",
            "-x509toreq",
            "-in",
            "taro.pem",
            "-signkey",
            "taro.key",
            "-copy_extensions",
            "copyall",
            "-out",
            "taro.csr",
        ],
    );
    dir
}

fn assert_refused(what: &str, r: Result<(), Error>) {
    match r {
        Err(Error::Verify(
            VerifyError::ChainUntrusted
            | VerifyError::SignatureInvalid
            | VerifyError::CertificateInvalid { .. },
        )) => {}
        other => panic!("{what}: the SDK said {other:?}"),
    }
}

#[test]
fn the_genuine_certificate_is_accepted_by_both() {
    let dir = workdir("genuine");
    let der = pki::persona("taro").unwrap().auth_cert;
    sdk(der).unwrap();
    assert!(
        openssl_accepts(&dir, der),
        "the oracle refuses the genuine certificate"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_issuer_with_the_cas_name_and_another_key_is_refused() {
    let dir = workdir("same-dn");
    let subject = openssl(
        &dir,
        &[
            "x509", "-in", "ca.pem", "-noout", "-subject", "-nameopt", "compat",
        ],
    );
    let subject = subject
        .stdout_text()
        .trim()
        .trim_start_matches("subject=")
        .to_owned();
    openssl_ok(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "evil.key",
            "-out",
            "evil.pem",
            "-days",
            "3650",
            "-subj",
            &subject,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl_ok(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "taro.csr",
            "-CA",
            "evil.pem",
            "-CAkey",
            "evil.key",
            "-copy_extensions",
            "copyall",
            "-days",
            "3650",
            "-set_serial",
            "4242",
            "-out",
            "forged.pem",
        ],
    );
    let forged = pem_to_der(&dir, "forged.pem");
    // The forgery names the real CA as its issuer, byte for byte.
    let issuer =
        |pem: &str, flag: &str| openssl(&dir, &["x509", "-in", pem, "-noout", flag]).stdout_text();
    assert_eq!(
        issuer("forged.pem", "-issuer").trim_start_matches("issuer="),
        issuer("ca.pem", "-subject").trim_start_matches("subject=")
    );
    assert_refused("same DN, other key", sdk(&forged));
    assert!(!openssl_accepts(&dir, &forged), "OpenSSL took the forgery");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_residents_certificate_is_no_issuer() {
    let dir = workdir("leaf-issuer");
    openssl_ok(
        &dir,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.csr",
            "-subj",
            "/C=JP/CN=someone else",
        ],
    );
    openssl_ok(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "other.csr",
            "-CA",
            "taro.pem",
            "-CAkey",
            "taro.key",
            "-days",
            "365",
            "-set_serial",
            "7",
            "-out",
            "by-taro.pem",
        ],
    );
    let by_taro = pem_to_der(&dir, "by-taro.pem");
    assert_refused("issued by a resident's key", sdk(&by_taro));
    // OpenSSL with taro's certificate offered as an intermediate: still refused (not a CA).
    std::fs::write(dir.join("subject.der"), &by_taro).unwrap();
    let o = openssl(
        &dir,
        &[
            "verify",
            "-CAfile",
            "ca.pem",
            "-untrusted",
            "taro.pem",
            "-attime",
            NOW_ATTIME,
            "-purpose",
            "any",
            "by-taro.pem",
        ],
    );
    assert!(
        !o.success(),
        "OpenSSL took a certificate issued by a resident"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn another_outer_signature_algorithm_is_refused() {
    let dir = workdir("sigalg");
    let der = pki::persona("taro").unwrap().auth_cert.to_vec();
    // sha256WithRSAEncryption, 1.2.840.113549.1.1.11: once in the TBS, once outside it.
    let oid = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B,
    ];
    let at: Vec<usize> = (0..der.len() - oid.len())
        .filter(|&i| der[i..i + oid.len()] == oid)
        .collect();
    assert_eq!(at.len(), 2, "the OID appears in the TBS and outside it");
    for last in [0x05, 0x0C, 0x0D, 0x0E] {
        // sha1, sha384, sha512, sha224 with RSA in the outer field only.
        let mut forged = der.clone();
        forged[at[1] + oid.len() - 1] = last;
        assert_refused(&format!("outer OID …1.1.{last}"), sdk(&forged));
        assert!(
            !openssl_accepts(&dir, &forged),
            "OpenSSL took outer OID …1.1.{last}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bit_flipped_anywhere_is_refused() {
    let dir = workdir("flips");
    let der = pki::persona("taro").unwrap().auth_cert.to_vec();
    let mut oracle_checked = 0;
    for i in 0..der.len() {
        let mut forged = der.clone();
        forged[i] ^= 0x01;
        let verdict = sdk(&forged);
        assert!(
            verdict.is_err(),
            "a flip at byte {i} of {} was accepted",
            der.len()
        );
        if let Err(e) = verdict {
            assert!(!e.code().is_empty(), "byte {i}");
        }
        // OpenSSL agrees on a spread of positions (every 53rd byte: each field of the TBS,
        // the outer algorithm and the signature are hit; all of them would take minutes).
        if i % 53 == 0 {
            assert!(
                !openssl_accepts(&dir, &forged),
                "OpenSSL took a flip at byte {i}"
            );
            oracle_checked += 1;
        }
    }
    assert!(oracle_checked > 20, "{oracle_checked}");
    std::fs::remove_dir_all(&dir).ok();
}
