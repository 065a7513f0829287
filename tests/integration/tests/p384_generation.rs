//! Issue 18, the next card generation: ECDSA P-384 / SHA-384 keys and CAs (modelled; no card
//! specification is public, see docs/card-notes.md). The `p384` persona of the virtual card
//! holds P-384 keys behind the same command set; the test PKI's P-384 CAs and CRLs come from
//! `tests/virtual-card/pki/make.py --p384`. End to end: authenticate, sign, CMS, verify, in
//! the core, and against OpenSSL (chain, CMS, OCSP).

use std::process::Command;

use mynacard_core::error::{UsageError, VerifyError};
use mynacard_core::verify::{
    self, CertStatus, CertificateKind, Crl, KeyPolicy, OcspRequest, RelyingParty, RevocationReason,
    StatusChecked, StatusEvidence, StatusSource, TrustAnchors,
};
use mynacard_core::{
    AuthPin, DigestAlgorithm, Error, JpkiCertificate, KeyAlgorithm, MynaCard, SignInput, SignPin,
    UnixTime,
};
use mynacard_tests::ocsp::Responder;
use mynacard_virtual_card::{VirtualCard, VirtualTransport, pki};
use pollster::block_on;

/// 2026-06-01, as in `verification.rs`.
const NOW: UnixTime = UnixTime(1_780_272_000);

fn cert(der: &[u8]) -> JpkiCertificate {
    JpkiCertificate::from_der(der).unwrap()
}
fn p384_auth_ca() -> JpkiCertificate {
    cert(pki::p384_auth_ca_der())
}
fn p384_sign_ca() -> JpkiCertificate {
    cert(pki::p384_sign_ca_der())
}
fn card() -> MynaCard<VirtualTransport> {
    block_on(MynaCard::connect(VirtualTransport::new(
        VirtualCard::builtin("p384").unwrap(),
    )))
    .unwrap()
}
/// A relying party that trusts both generations (RSA and P-384) and holds every CRL.
fn party() -> RelyingParty {
    RelyingParty::from_der(
        &[
            pki::auth_ca_der(),
            pki::sign_ca_der(),
            pki::p384_auth_ca_der(),
            pki::p384_sign_ca_der(),
        ],
        &[
            pki::auth_ca_crl_der(),
            pki::sign_ca_crl_der(),
            pki::p384_auth_ca_crl_der(),
            pki::p384_sign_ca_crl_der(),
        ],
        NOW,
    )
    .unwrap()
}

#[test]
fn the_p384_pki_is_what_it_claims() {
    for der in [
        pki::p384_auth_ca_der(),
        pki::p384_sign_ca_der(),
        pki::persona("p384").unwrap().auth_cert,
        pki::persona("p384").unwrap().sign_cert,
    ] {
        let c = cert(der);
        assert_eq!(c.key_algorithm(), KeyAlgorithm::EcdsaP384);
        assert_eq!(c.key_bits(), 384);
        assert_eq!(c.key_algorithm().code(), "ecdsa-p384");
    }
    let rsa = cert(pki::persona("taro").unwrap().auth_cert);
    assert_eq!(rsa.key_algorithm(), KeyAlgorithm::Rsa { bits: 2048 });
    assert_eq!(rsa.key_algorithm().code(), "rsa");
    // The CRLs verify under the P-384 CAs' keys, and only theirs.
    Crl::from_der(pki::p384_auth_ca_crl_der(), &p384_auth_ca(), NOW).unwrap();
    Crl::from_der(pki::p384_sign_ca_crl_der(), &p384_sign_ca(), NOW).unwrap();
    assert!(matches!(
        Crl::from_der(pki::p384_auth_ca_crl_der(), &p384_sign_ca(), NOW),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
}

#[test]
fn authenticate_on_the_p384_card_and_verify() {
    let mut card = card();
    let challenge = [0x5Au8; 32];
    let auth = block_on(card.authenticate(
        &AuthPin::new("2468").unwrap(),
        SignInput::Data {
            algorithm: DigestAlgorithm::Sha384,
            data: &challenge,
        },
    ))
    .unwrap();
    // The modelled card answers r ‖ s.
    assert_eq!(auth.signature.len(), 96);
    assert_eq!(auth.certificate.key_algorithm(), KeyAlgorithm::EcdsaP384);
    let input = SignInput::Data {
        algorithm: DigestAlgorithm::Sha384,
        data: &challenge,
    };
    let v = party()
        .verify_signed(
            &auth.certificate,
            input,
            &auth.signature,
            CertificateKind::Authentication,
            NOW,
        )
        .unwrap();
    assert_eq!(v.status, StatusChecked::Good);
    assert_eq!(v.source, Some(StatusSource::Crl));
    assert_eq!(v.key_algorithm, KeyAlgorithm::EcdsaP384);
    // The DER form of the same signature verifies too.
    let sig = verify_der(&auth.signature);
    verify::verify_signature(&auth.certificate, input, &sig).unwrap();
    // Another challenge, or any flipped bit of the signature: SIGNATURE_INVALID.
    let other = SignInput::Data {
        algorithm: DigestAlgorithm::Sha384,
        data: b"another challenge",
    };
    assert_eq!(
        verify::verify_signature(&auth.certificate, other, &auth.signature),
        Err(Error::Verify(VerifyError::SignatureInvalid))
    );
    for i in 0..auth.signature.len() {
        let mut bad = auth.signature.clone();
        bad[i] ^= 0x01;
        assert_eq!(
            verify::verify_signature(&auth.certificate, input, &bad),
            Err(Error::Verify(VerifyError::SignatureInvalid)),
            "byte {i}"
        );
    }
    // A relying party that takes RSA only (法務省's 公証 today) refuses the P-384 certificate,
    // and still takes an RSA one.
    let rsa_only = party().with_key_policy(KeyPolicy::RsaOnly);
    assert!(matches!(
        rsa_only.verify_signed(
            &auth.certificate,
            input,
            &auth.signature,
            CertificateKind::Authentication,
            NOW
        ),
        Err(Error::Verify(VerifyError::CertificateInvalid { what })) if what.contains("key policy")
    ));
    let taro = cert(pki::persona("taro").unwrap().auth_cert);
    assert_eq!(
        rsa_only
            .verify_certificate(&taro, CertificateKind::Authentication, NOW)
            .unwrap()
            .key_algorithm,
        KeyAlgorithm::Rsa { bits: 2048 }
    );
}

#[test]
fn plain_data_is_hashed_with_sha384_for_a_p384_key() {
    // SignInput::data follows the key: SHA-384 with P-384 (SHA-256 with RSA, unchanged).
    let auth = block_on(card().authenticate(
        &AuthPin::new("2468").unwrap(),
        SignInput::data(b"challenge"),
    ))
    .unwrap();
    let sha384 = SignInput::Data {
        algorithm: DigestAlgorithm::Sha384,
        data: b"challenge",
    };
    verify::verify_signature(&auth.certificate, sha384, &auth.signature).unwrap();
    let sha256 = SignInput::Data {
        algorithm: DigestAlgorithm::Sha256,
        data: b"challenge",
    };
    assert_eq!(
        verify::verify_signature(&auth.certificate, sha256, &auth.signature),
        Err(Error::Verify(VerifyError::SignatureInvalid))
    );
    verify::verify_signature(
        &auth.certificate,
        SignInput::data(b"challenge"),
        &auth.signature,
    )
    .unwrap();
}

/// r ‖ s (96 bytes) as DER ECDSA-Sig-Value.
fn verify_der(raw: &[u8]) -> Vec<u8> {
    fn int(half: &[u8]) -> Vec<u8> {
        let skip = half.iter().position(|b| *b != 0).unwrap_or(half.len() - 1);
        let mut v = half[skip..].to_vec();
        if v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        [vec![0x02, v.len() as u8], v].concat()
    }
    let body = [int(&raw[..48]), int(&raw[48..])].concat();
    let mut out = vec![0x30];
    if body.len() >= 0x80 {
        out.push(0x81);
    }
    out.push(body.len() as u8);
    [out, body].concat()
}

#[test]
fn the_core_sends_a_bare_digest_to_the_p384_card() {
    // What the card received: the SHA-384 digest, 48 bytes, no DigestInfo (the card's key
    // EF refuses anything else with 6700, see tests/virtual-card/src/card.rs).
    let mut card = card();
    let before = card.transport().card().count_ins(0x2A);
    let digest = DigestAlgorithm::Sha384.hash(b"document");
    let signed = block_on(card.sign(
        &SignPin::new("P384SIGN2028").unwrap(),
        SignInput::digest(DigestAlgorithm::Sha384, &digest),
    ))
    .unwrap();
    assert_eq!(card.transport().card().count_ins(0x2A) - before, 1);
    verify::verify_signature(
        &signed.certificate,
        SignInput::digest(DigestAlgorithm::Sha384, &digest),
        &signed.signature,
    )
    .unwrap();
    // SHA-1 is refused before the signature APDU (too short for P-384).
    let before = card.transport().card().count_ins(0x20);
    let signatures = card.transport().card().count_ins(0x2A);
    let sha1 = DigestAlgorithm::Sha1.hash(b"document");
    assert_eq!(
        block_on(card.sign(
            &SignPin::new("P384SIGN2028").unwrap(),
            SignInput::digest(DigestAlgorithm::Sha1, &sha1)
        ))
        .unwrap_err(),
        Error::Usage(UsageError::DigestUnfitForKey {
            digest: "SHA-1",
            key: "ECDSA P-384"
        })
    );
    // The PIN was verified (the certificate names the key only after VERIFY), no signature.
    assert!(card.transport().card().count_ins(0x20) - before <= 2);
    assert_eq!(card.transport().card().count_ins(0x2A), signatures);
}

#[test]
fn the_raw_signing_calls_follow_the_p384_key() {
    // sign_with_auth_key / sign_with_sign_key read the certificate first, so the P-384 key
    // gets the bare SHA-384 digest and answers r ‖ s, which verifies with the certificate.
    let mut card = card();
    let auth = cert(pki::persona("p384").unwrap().auth_cert);
    let sign = cert(pki::persona("p384").unwrap().sign_cert);
    let pin = AuthPin::new("2468").unwrap();
    let sig = block_on(card.sign_with_auth_key(&pin, SignInput::data(b"challenge"))).unwrap();
    assert_eq!(sig.len(), 96, "r ‖ s");
    verify::verify_signature(&auth, SignInput::data(b"challenge"), &sig).unwrap();
    // Over SHA-384 of the data: the same signature does not verify as SHA-256, nor with the
    // other key.
    assert_eq!(
        verify::verify_signature(
            &auth,
            SignInput::Data {
                algorithm: DigestAlgorithm::Sha256,
                data: b"challenge"
            },
            &sig
        ),
        Err(Error::Verify(VerifyError::SignatureInvalid))
    );
    assert_eq!(
        verify::verify_signature(&sign, SignInput::data(b"challenge"), &sig),
        Err(Error::Verify(VerifyError::SignatureInvalid))
    );
    // A caller's SHA-384 digest, with the 署名用 key.
    let digest = DigestAlgorithm::Sha384.hash(b"document");
    let sig = block_on(card.sign_with_sign_key(
        &SignPin::new("P384SIGN2028").unwrap(),
        SignInput::digest(DigestAlgorithm::Sha384, &digest),
    ))
    .unwrap();
    verify::verify_signature(&sign, SignInput::data(b"document"), &sig).unwrap();
    // SHA-1 does not fit P-384: refused with its typed error before the VERIFY for the
    // 利用者証明用 key (its certificate needs no PIN), and no signature APDU either way.
    let verifies = card.transport().card().count_ins(0x20);
    let signatures = card.transport().card().count_ins(0x2A);
    let sha1 = DigestAlgorithm::Sha1.hash(b"challenge");
    let e =
        block_on(card.sign_with_auth_key(&pin, SignInput::digest(DigestAlgorithm::Sha1, &sha1)))
            .unwrap_err();
    assert_eq!(e.code(), "DIGEST_UNFIT_FOR_KEY");
    assert_eq!(card.transport().card().count_ins(0x20), verifies);
    let e = block_on(card.sign_with_sign_key(
        &SignPin::new("P384SIGN2028").unwrap(),
        SignInput::digest(DigestAlgorithm::Sha1, &sha1),
    ))
    .unwrap_err();
    assert_eq!(e.code(), "DIGEST_UNFIT_FOR_KEY");
    assert_eq!(card.transport().card().count_ins(0x2A), signatures);
}

#[test]
fn revoked_p384_certificates_are_revoked() {
    let party = party();
    for (id, kind) in [
        ("p384-revoked-auth", CertificateKind::Authentication),
        ("p384-revoked-sign", CertificateKind::Signature),
    ] {
        assert_eq!(
            party
                .verify_certificate(&cert(pki::extra_cert(id).unwrap()), kind, NOW)
                .unwrap_err(),
            Error::Verify(VerifyError::Revoked {
                reason: RevocationReason::KeyCompromise
            }),
            "{id}"
        );
    }
    // The P-384 leaf under an RSA-only anchor list does not chain.
    let rsa_anchors = TrustAnchors::new(vec![cert(pki::auth_ca_der()), cert(pki::sign_ca_der())]);
    assert_eq!(
        verify::verify_certificate(
            &cert(pki::persona("p384").unwrap().auth_cert),
            CertificateKind::Authentication,
            &rsa_anchors,
            NOW,
            StatusEvidence::NotChecked
        )
        .unwrap_err(),
        Error::Verify(VerifyError::ChainUntrusted)
    );
}

#[test]
fn a_tampered_p384_certificate_does_not_chain() {
    let der = pki::persona("p384").unwrap().auth_cert;
    let anchors = TrustAnchors::new(vec![p384_auth_ca()]);
    assert!(anchors.verify(&cert(der), NOW).is_ok());
    let mut refused = 0;
    for i in 0..der.len() {
        let mut bad = der.to_vec();
        bad[i] ^= 0x01;
        let Ok(c) = JpkiCertificate::from_der(&bad) else {
            refused += 1;
            continue;
        };
        if anchors.verify(&c, NOW).is_err() {
            refused += 1;
        }
    }
    assert_eq!(refused, der.len(), "every flipped byte is refused");
}

#[test]
fn signed_document_on_the_p384_card() {
    let mut card = card();
    let doc = "転入届 / P-384".as_bytes();
    let der = block_on(card.sign_document(&SignPin::new("P384SIGN2028").unwrap(), doc, false, NOW))
        .unwrap();
    let party = party();
    let v = party.verify_document(&der, None, NOW).unwrap();
    assert_eq!(v.content, doc);
    assert_eq!(v.signer.status, StatusChecked::Good);
    assert_eq!(v.signer.key_algorithm, KeyAlgorithm::EcdsaP384);
    assert_eq!(
        v.signer
            .four_info
            .unwrap()
            .four_info
            .name
            .to_marked_string(),
        "鈴木　次世代"
    );
    // Every flipped byte is refused, never a panic.
    for i in 0..der.len() {
        let mut bad = der.clone();
        bad[i] ^= 0x01;
        assert!(party.verify_document(&bad, None, NOW).is_err(), "byte {i}");
    }
    // RSA-only parties refuse it.
    assert!(matches!(
        party
            .clone()
            .with_key_policy(KeyPolicy::RsaOnly)
            .verify_document(&der, None, NOW),
        Err(Error::Verify(VerifyError::CertificateInvalid { .. }))
    ));
    // OpenSSL accepts it (ecdsa-with-SHA384 over the signed attributes, RFC 5753).
    let dir = std::env::temp_dir().join(format!("mynacard-p384-cms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("doc.p7s"), &der).unwrap();
    std::fs::write(dir.join("ca.der"), pki::p384_sign_ca_der()).unwrap();
    harness::run_ok(
        Command::new("openssl")
            .args(["x509", "-inform", "DER", "-in"])
            .arg(dir.join("ca.der"))
            .arg("-out")
            .arg(dir.join("ca.pem")),
        None,
        harness::SHORT,
    )
    .unwrap();
    let out = harness::run_ok(
        Command::new("openssl")
            .args(["cms", "-verify", "-inform", "DER", "-in"])
            .arg(dir.join("doc.p7s"))
            .arg("-CAfile")
            .arg(dir.join("ca.pem"))
            .args(["-purpose", "any", "-attime", &NOW.0.to_string()]),
        None,
        harness::SHORT,
    )
    .unwrap();
    assert_eq!(out.stdout, doc);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ocsp_answers_signed_with_p384() {
    let r = Responder::p384("p384");
    let ca = p384_auth_ca();
    // openssl's thisUpdate is the real clock.
    let now = UnixTime::now();
    let good = cert(pki::persona("p384").unwrap().auth_cert);
    let revoked = cert(pki::extra_cert("p384-revoked-auth").unwrap());
    for delegated in [false, true] {
        let req = OcspRequest::new(&good, &ca, Some(&[3u8; 16])).unwrap();
        let resp = r.answer(req.to_der(), delegated);
        assert_eq!(
            req.verify_response(&resp, &ca, now).unwrap(),
            CertStatus::Good,
            "delegated={delegated}"
        );
        let req = OcspRequest::new(&revoked, &ca, Some(&[4u8; 16])).unwrap();
        let resp = r.answer(req.to_der(), delegated);
        assert!(matches!(
            req.verify_response(&resp, &ca, now).unwrap(),
            CertStatus::Revoked(rv) if rv.reason == RevocationReason::KeyCompromise
        ));
    }
    let req = OcspRequest::new(&good, &ca, Some(&[5u8; 16])).unwrap();
    let resp = r.answer(req.to_der(), false);
    // The CA signed it, no certificates: the response ends with the signature.
    let mut bad = resp.clone();
    let n = bad.len();
    bad[n - 10] ^= 0xFF;
    assert!(matches!(
        req.verify_response(&bad, &ca, now),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    // Signed by the P-384 CA, checked against the RSA CA of the same kind: refused.
    assert!(
        req.verify_response(&resp, &cert(pki::auth_ca_der()), now)
            .is_err()
    );
    for n in 0..resp.len() {
        assert!(req.verify_response(&resp[..n], &ca, now).is_err());
    }
}
