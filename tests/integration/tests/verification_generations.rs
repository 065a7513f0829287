//! Issue 18: verification with two CA generations that share one DN (as the real JPKI CAs of
//! 2015 and 2023 do), CRL freshness at every use, the kind of a certificate by its issuing CA,
//! OCSP answers bound to the verified certificate, and v1 CRLs.
//!
//! The second generation is committed (`tests/virtual-card/pki/make.py --extras`); CRLs with
//! other dates or shapes are built here, deterministically (RSA PKCS#1 v1.5 signatures).

use std::path::Path;

use der::Encode;
use mynacard_core::verify::{
    self, CertStatus, CertificateKind, Crl, CrlFreshness, OcspRequest, RelyingParty,
    RevocationReason, StatusChecked, StatusEvidence, TrustAnchors,
};
use mynacard_core::{Error, JpkiCertificate, UnixTime};
use mynacard_virtual_card::pki;

/// 2026-06-01, as in `verification.rs`.
const NOW: UnixTime = UnixTime(1_780_272_000);
const DAY: u64 = 86_400;

fn cert(der: &[u8]) -> JpkiCertificate {
    JpkiCertificate::from_der(der).unwrap()
}
fn auth_ca() -> JpkiCertificate {
    cert(pki::auth_ca_der())
}
fn auth_ca_g2() -> JpkiCertificate {
    cert(pki::auth_ca_g2_der())
}
fn sign_ca() -> JpkiCertificate {
    cert(pki::sign_ca_der())
}
fn extra(id: &str) -> JpkiCertificate {
    cert(pki::extra_cert(id).unwrap())
}
fn persona_auth(id: &str) -> JpkiCertificate {
    cert(pki::persona(id).unwrap().auth_cert)
}
fn persona_sign(id: &str) -> JpkiCertificate {
    cert(pki::persona(id).unwrap().sign_cert)
}
fn anchors() -> TrustAnchors {
    TrustAnchors::new(vec![auth_ca(), auth_ca_g2(), sign_ca()])
}

// ---- CRLs built here ------------------------------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut out = vec![tag];
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().position(|b| *b != 0).unwrap();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn time(secs: u64) -> Vec<u8> {
    x509_cert::time::Time::UtcTime(
        der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(secs)).unwrap(),
    )
    .to_der()
    .unwrap()
}

struct CrlSpec {
    /// `false`: a v1 CRL (no version field).
    version_v2: bool,
    this_update: u64,
    next_update: u64,
    revoked: Vec<JpkiCertificate>,
    /// A CRL number extension ([0] crlExtensions).
    extensions: bool,
    /// More crlExtensions (each a DER `Extension`), after the CRL number.
    more_extensions: Vec<Vec<u8>>,
    /// crlEntryExtensions of every entry (each a DER `Extension`; none: no field).
    entry_extensions: Vec<Vec<u8>>,
}

/// A CRL signed by `ca` with `key`, DER by hand so that v1 (no version) can be made too.
fn make_crl(ca: &JpkiCertificate, key: &rsa::PrivateKey, spec: &CrlSpec) -> Vec<u8> {
    use rsa::pkcs1v15::Pkcs1v15Sign;
    use sha2::{Digest, Sha256};
    let alg = ca.x509().signature_algorithm().to_der().unwrap();
    let mut tbs = Vec::new();
    if spec.version_v2 {
        tbs.extend_from_slice(&[0x02, 0x01, 0x01]);
    }
    tbs.extend_from_slice(&alg);
    tbs.extend_from_slice(&ca.x509().tbs_certificate().subject().to_der().unwrap());
    tbs.extend_from_slice(&time(spec.this_update));
    tbs.extend_from_slice(&time(spec.next_update));
    if !spec.revoked.is_empty() {
        let mut entries = Vec::new();
        for c in &spec.revoked {
            let mut entry = c.x509().tbs_certificate().serial_number().to_der().unwrap();
            entry.extend_from_slice(&time(spec.this_update));
            if !spec.entry_extensions.is_empty() {
                entry.extend_from_slice(&tlv(0x30, &spec.entry_extensions.concat()));
            }
            entries.extend_from_slice(&tlv(0x30, &entry));
        }
        tbs.extend_from_slice(&tlv(0x30, &entries));
    }
    if spec.extensions {
        // cRLNumber (2.5.29.20) = 7.
        let number = tlv(
            0x30,
            &[
                &[0x06, 0x03, 0x55, 0x1D, 0x14][..],
                &tlv(0x04, &[0x02, 0x01, 0x07]),
            ]
            .concat(),
        );
        let all = [vec![number], spec.more_extensions.clone()]
            .concat()
            .concat();
        tbs.extend_from_slice(&tlv(0xA0, &tlv(0x30, &all)));
    }
    let tbs = tlv(0x30, &tbs);
    let signature = key
        .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&tbs))
        .unwrap();
    let mut bits = vec![0u8];
    bits.extend_from_slice(&signature);
    tlv(0x30, &[tbs, alg, tlv(0x03, &bits)].concat())
}

fn auth_crl_spec(this_update: u64, next_update: u64) -> CrlSpec {
    CrlSpec {
        version_v2: true,
        this_update,
        next_update,
        revoked: vec![persona_auth("revoked")],
        extensions: true,
        more_extensions: Vec::new(),
        entry_extensions: Vec::new(),
    }
}

// ---- Defect 1: CRLs bound to the key that signed them ----------------------------------------

#[test]
fn same_dn_generations_are_told_apart_by_key() {
    // The premise: one subject DN, two keys.
    assert_eq!(
        auth_ca().x509().tbs_certificate().subject(),
        auth_ca_g2().x509().tbs_certificate().subject()
    );
    let gen1 = pki::auth_ca_crl_der();
    let gen2 = pki::auth_ca_g2_crl_der();
    for order in [[gen1, gen2], [gen2, gen1]] {
        let mut rp = RelyingParty::new(anchors());
        for crl in order {
            rp.add_crl(crl, NOW).unwrap();
        }
        let check =
            |c: &JpkiCertificate| rp.verify_certificate(c, CertificateKind::Authentication, NOW);
        // Revoked in the second generation's CRL only.
        assert_eq!(
            check(&extra("g2-revoked-auth")).unwrap_err(),
            Error::Verify(VerifyError::Revoked {
                reason: RevocationReason::KeyCompromise
            }),
            "first CRL given: {}",
            if order[0] == gen1 { "gen1" } else { "gen2" }
        );
        assert_eq!(
            check(&extra("g2-good-auth")).unwrap().status,
            StatusChecked::Good
        );
        // Revoked in the first generation's CRL only.
        assert_eq!(
            check(&persona_auth("revoked")).unwrap_err(),
            Error::Verify(VerifyError::Revoked {
                reason: RevocationReason::KeyCompromise
            })
        );
        assert_eq!(
            check(&persona_auth("taro")).unwrap().status,
            StatusChecked::Good
        );
    }
    // With only the first generation's CRL, a second-generation certificate is not vouched for:
    // the CRL of another key (same name) is never read for it.
    let mut rp = RelyingParty::new(anchors());
    rp.add_crl(gen1, NOW).unwrap();
    assert_eq!(
        rp.verify_certificate(
            &extra("g2-revoked-auth"),
            CertificateKind::Authentication,
            NOW
        )
        .unwrap()
        .status,
        StatusChecked::NotChecked
    );
    // The same through the free function: the first generation's CRL says nothing of it.
    let crl1 = Crl::from_der(gen1, &auth_ca(), NOW).unwrap();
    assert_eq!(
        verify::verify_certificate(
            &extra("g2-revoked-auth"),
            CertificateKind::Authentication,
            &anchors(),
            NOW,
            StatusEvidence::Crl(&crl1)
        )
        .unwrap_err(),
        Error::Verify(VerifyError::StatusUnknown)
    );
    let crl2 = Crl::from_der(gen2, &auth_ca_g2(), NOW).unwrap();
    assert!(crl2.is_issued_by(&auth_ca_g2()));
    assert!(!crl2.is_issued_by(&auth_ca()));
    // A CRL never verifies under the other generation's key.
    assert!(matches!(
        Crl::from_der(gen2, &auth_ca(), NOW),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
}

#[test]
fn cli_verify_is_independent_of_crl_order() {
    // What `mynacard verify --crl ca1.crl --crl ca2.crl` does (examples/cli/src/verify_cmd.rs),
    // in the order the issue reported and swapped.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../virtual-card/pki");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    for crls in [
        ["auth-ca.crl.der", "auth-ca-g2.crl.der"],
        ["auth-ca-g2.crl.der", "auth-ca.crl.der"],
    ] {
        let mut rp = RelyingParty::new(anchors());
        for f in crls {
            rp.add_crl(&read(f), NOW).unwrap();
        }
        let leaf = cert(&read("g2-revoked-auth.crt.der"));
        assert!(matches!(
            rp.verify_certificate(&leaf, CertificateKind::Authentication, NOW),
            Err(Error::Verify(VerifyError::Revoked { .. }))
        ));
    }
}

// ---- Defect 2: freshness at every use, replacement, health ------------------------------------

#[test]
fn stale_crl_stops_answering() {
    let key = pki::auth_ca_key();
    let ca = auth_ca();
    // Current at NOW: issued a month ago, next update in two weeks.
    let der = make_crl(
        &ca,
        &key,
        &auth_crl_spec(NOW.0 - 30 * DAY, NOW.0 + 14 * DAY),
    );
    let mut rp = RelyingParty::new(anchors());
    rp.add_crl(&der, NOW).unwrap();
    let taro = persona_auth("taro");
    assert_eq!(
        rp.verify_certificate(&taro, CertificateKind::Authentication, NOW)
            .unwrap()
            .status,
        StatusChecked::Good
    );
    // A month past nextUpdate the same party refuses to answer from it.
    let later = UnixTime(NOW.0 + 45 * DAY);
    assert!(matches!(
        rp.verify_certificate(&taro, CertificateKind::Authentication, later),
        Err(Error::Verify(VerifyError::StatusStale { .. }))
    ));
    // The CRL itself, with the time.
    let crl = Crl::from_der(&der, &ca, NOW).unwrap();
    assert_eq!(crl.status_at(&taro, &ca, NOW), Ok(CertStatus::Good));
    assert!(matches!(
        crl.status_at(&taro, &ca, later),
        Err(Error::Verify(VerifyError::StatusStale { .. }))
    ));
    assert!(matches!(
        verify::verify_certificate(
            &taro,
            CertificateKind::Authentication,
            &anchors(),
            later,
            StatusEvidence::Crl(&crl)
        ),
        Err(Error::Verify(VerifyError::StatusStale { .. }))
    ));
    assert_eq!(
        crl.freshness(later),
        CrlFreshness::Stale {
            next_update: UnixTime(NOW.0 + 14 * DAY)
        }
    );
    // The server asks which issuers need a CRL: the stale one and the two missing ones.
    let health = rp.crl_health(later);
    assert_eq!(health.len(), 3);
    let of = |ca: &JpkiCertificate| {
        health
            .iter()
            .find(|h| h.anchor.der() == ca.der())
            .unwrap()
            .freshness
    };
    assert!(matches!(of(&auth_ca()), CrlFreshness::Stale { .. }));
    assert_eq!(of(&auth_ca_g2()), CrlFreshness::Missing);
    assert_eq!(of(&sign_ca()), CrlFreshness::Missing);
    assert!(
        rp.crl_health(NOW)
            .iter()
            .any(|h| matches!(h.freshness, CrlFreshness::Current { .. }))
    );

    // Replaced atomically by the next CRL: the old one is handed back, the new one answers.
    let next = make_crl(
        &ca,
        &key,
        &auth_crl_spec(NOW.0 + 13 * DAY, NOW.0 + 60 * DAY),
    );
    let old = rp.replace_crl(&next, later).unwrap();
    assert_eq!(
        old.map(|c| c.next_update()),
        Some(Some(UnixTime(NOW.0 + 14 * DAY)))
    );
    assert_eq!(
        rp.verify_certificate(&taro, CertificateKind::Authentication, later)
            .unwrap()
            .status,
        StatusChecked::Good
    );
    // A failed replacement (garbage, or an older CRL than the one held) keeps the current one.
    assert!(rp.replace_crl(b"not a crl", later).is_err());
    let older = make_crl(
        &ca,
        &key,
        &auth_crl_spec(NOW.0 + 12 * DAY, NOW.0 + 90 * DAY),
    );
    assert!(matches!(
        rp.replace_crl(&older, later),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    assert!(matches!(
        rp.verify_certificate(
            &persona_auth("revoked"),
            CertificateKind::Authentication,
            later
        ),
        Err(Error::Verify(VerifyError::Revoked { .. }))
    ));
    assert!(matches!(
        rp.crl_health(later)
            .iter()
            .find(|h| h.anchor.der() == ca.der())
            .unwrap()
            .freshness,
        CrlFreshness::Current {
            next_update: Some(n)
        } if n.0 == NOW.0 + 60 * DAY
    ));
}

// ---- Defect 3: the kind follows the issuing CA --------------------------------------------------

#[test]
fn kind_follows_the_issuing_ca() {
    assert_eq!(
        CertificateKind::of_ca(&auth_ca()),
        Some(CertificateKind::Authentication)
    );
    assert_eq!(
        CertificateKind::of_ca(&auth_ca_g2()),
        Some(CertificateKind::Authentication)
    );
    assert_eq!(
        CertificateKind::of_ca(&sign_ca()),
        Some(CertificateKind::Signature)
    );
    for anchor in verify::jpki_trust_anchors().anchors() {
        assert!(
            CertificateKind::of_ca(anchor).is_some(),
            "{}",
            anchor.subject()
        );
    }
    let check = |c: &JpkiCertificate, kind| {
        verify::verify_certificate(c, kind, &anchors(), NOW, StatusEvidence::NotChecked)
    };
    // keyUsage digitalSignature, but issued by the 署名用 CA: not a 利用者証明用 certificate.
    assert!(matches!(
        check(&extra("cross-auth"), CertificateKind::Authentication),
        Err(Error::Verify(VerifyError::CertificateInvalid { .. }))
    ));
    // keyUsage nonRepudiation and 4情報, but issued by the 利用者証明用 CA.
    assert!(matches!(
        check(&extra("cross-sign"), CertificateKind::Signature),
        Err(Error::Verify(VerifyError::CertificateInvalid { .. }))
    ));
    // The genuine ones still pass.
    check(&persona_auth("taro"), CertificateKind::Authentication).unwrap();
    check(&persona_sign("taro"), CertificateKind::Signature).unwrap();
    check(&extra("g2-good-auth"), CertificateKind::Authentication).unwrap();
    // An anchor of another naming is given its kind explicitly.
    let explicit = TrustAnchors::with_kinds(vec![(sign_ca(), CertificateKind::Authentication)]);
    verify::verify_certificate(
        &extra("cross-auth"),
        CertificateKind::Authentication,
        &explicit,
        NOW,
        StatusEvidence::NotChecked,
    )
    .unwrap();
}

// ---- Defect 4: OCSP bound to the verified certificate, maximum age ----------------------------

use mynacard_core::error::VerifyError;
use mynacard_tests::ocsp::{Answer, Responder};

/// The CA's answer with its certificate; `next_update_days` None: without nextUpdate.
fn answer(r: &Responder, request: &[u8], next_update_days: Option<u32>) -> Vec<u8> {
    r.answer_with(
        request,
        Answer {
            delegated: false,
            next_update_days,
            with_certs: true,
        },
    )
}

#[test]
fn ocsp_answer_must_be_about_the_verified_certificate() {
    let r = Responder::new("certid");
    let ca = auth_ca();
    let now = UnixTime::now();
    // A "good" about taro…
    let req = OcspRequest::new(&persona_auth("taro"), &ca, Some(&[5u8; 16])).unwrap();
    let resp = answer(&r, req.to_der(), Some(1));
    let ev = StatusEvidence::Ocsp {
        request: &req,
        response: &resp,
    };
    let check = |c: &JpkiCertificate| {
        verify::verify_certificate(c, CertificateKind::Authentication, &anchors(), now, ev)
    };
    assert_eq!(
        check(&persona_auth("taro")).unwrap().status,
        StatusChecked::Good
    );
    // …is no answer about the revoked persona's certificate.
    assert!(matches!(
        check(&persona_auth("revoked")),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    // Nor about a certificate of the second generation (same DN, another key).
    assert!(matches!(
        check(&extra("g2-good-auth")),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
}

#[test]
fn ocsp_without_nonce_or_next_update_has_a_maximum_age() {
    let r = Responder::new("age");
    let ca = auth_ca();
    let now = UnixTime::now();
    let req = OcspRequest::new(&persona_auth("taro"), &ca, None).unwrap();
    let resp = answer(&r, req.to_der(), None);
    assert_eq!(
        req.verify_response(&resp, &ca, now).unwrap(),
        CertStatus::Good
    );
    // Replayed a week later: too old under the default maximum age.
    let week = UnixTime(now.0 + 7 * DAY);
    assert!(matches!(
        req.verify_response(&resp, &ca, week),
        Err(Error::Verify(VerifyError::StatusStale { .. }))
    ));
    const { assert!(OcspRequest::DEFAULT_MAX_AGE <= DAY) };
    // Configurable.
    let lenient = req.clone().with_max_age(30 * DAY);
    assert_eq!(
        lenient.verify_response(&resp, &ca, week).unwrap(),
        CertStatus::Good
    );
    let strict = req.with_max_age(60);
    assert!(matches!(
        strict.verify_response(&resp, &ca, UnixTime(now.0 + 600)),
        Err(Error::Verify(VerifyError::StatusStale { .. }))
    ));
}

// ---- Defect 5: nesting of 4情報 values -------------------------------------------------------

#[test]
fn deeply_nested_four_info_is_refused() {
    let deep = extra("deep-nesting-sign");
    assert!(matches!(
        deep.four_info(),
        Err(Error::Verify(VerifyError::CertificateInvalid { .. }))
    ));
    // The fuzz seed is the same certificate.
    let seed = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/corpus/certificate/deep-nesting-sign.crt.der"),
    )
    .unwrap();
    assert_eq!(seed, deep.der());
}

// ---- Defect 6: v1 CRLs ------------------------------------------------------------------------

#[test]
fn v1_crl_is_accepted() {
    let key = pki::auth_ca_key();
    let ca = auth_ca();
    let v1 = CrlSpec {
        version_v2: false,
        this_update: NOW.0 - DAY,
        next_update: NOW.0 + 30 * DAY,
        revoked: vec![persona_auth("revoked")],
        extensions: false,
        more_extensions: Vec::new(),
        entry_extensions: Vec::new(),
    };
    let der = make_crl(&ca, &key, &v1);
    let crl = Crl::from_der(&der, &ca, NOW).unwrap();
    assert_eq!(crl.len(), 1);
    assert!(matches!(
        crl.status_at(&persona_auth("revoked"), &ca, NOW),
        Ok(CertStatus::Revoked(r)) if r.reason == RevocationReason::NotGiven
    ));
    assert_eq!(
        crl.status_at(&persona_auth("taro"), &ca, NOW),
        Ok(CertStatus::Good)
    );
    assert_revokes_persona_revoked(&der);
    // An empty v1 CRL (no revokedCertificates) too.
    let empty = make_crl(
        &ca,
        &key,
        &CrlSpec {
            revoked: Vec::new(),
            ..v1
        },
    );
    assert!(Crl::from_der(&empty, &ca, NOW).unwrap().is_empty());
    // Extensions need version v2 (RFC 5280 §5.1.2.1): refused with that reason.
    let bad = make_crl(
        &ca,
        &key,
        &CrlSpec {
            version_v2: false,
            this_update: NOW.0 - DAY,
            next_update: NOW.0 + 30 * DAY,
            revoked: Vec::new(),
            extensions: true,
            more_extensions: Vec::new(),
            entry_extensions: Vec::new(),
        },
    );
    assert!(matches!(
        Crl::from_der(&bad, &ca, NOW),
        Err(Error::Verify(VerifyError::StatusInvalid { what })) if what.contains("v2")
    ));
    // The v2 CRL built the same way is accepted (the builder is sound).
    let v2 = make_crl(&ca, &key, &auth_crl_spec(NOW.0 - DAY, NOW.0 + DAY));
    assert_eq!(Crl::from_der(&v2, &ca, NOW).unwrap().len(), 1);
}

// ---- Delta and scoped CRLs: never used as the CA's complete CRL --------------------------------

/// A DER `Extension`: OID (its DER value bytes after 06 len), criticality, value.
fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut body = tlv(0x06, oid);
    if critical {
        body.extend_from_slice(&[0x01, 0x01, 0xFF]);
    }
    body.extend_from_slice(&tlv(0x04, value));
    tlv(0x30, &body)
}

/// id-ce (2.5.29) and a last arc.
fn id_ce(arc: u8) -> Vec<u8> {
    vec![0x55, 0x1D, arc]
}

/// issuingDistributionPoint (2.5.29.28, critical per RFC 5280 §5.2.5) with these fields.
fn idp(fields: &[u8]) -> Vec<u8> {
    extension(&id_ce(28), true, &tlv(0x30, fields))
}

fn crl_with(more: Vec<Vec<u8>>, entry: Vec<Vec<u8>>) -> Vec<u8> {
    let spec = CrlSpec {
        more_extensions: more,
        entry_extensions: entry,
        ..auth_crl_spec(NOW.0 - DAY, NOW.0 + 30 * DAY)
    };
    make_crl(&auth_ca(), &pki::auth_ca_key(), &spec)
}

fn refusal(der: &[u8]) -> &'static str {
    match Crl::from_der(der, &auth_ca(), NOW) {
        Err(Error::Verify(VerifyError::StatusInvalid { what })) => what,
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn delta_and_scoped_crls_are_refused_with_their_reason() {
    // The builder makes an acceptable CRL with each shape of extension the SDK keeps.
    let plain = crl_with(Vec::new(), Vec::new());
    assert_eq!(Crl::from_der(&plain, &auth_ca(), NOW).unwrap().len(), 1);
    // deltaCRLIndicator (2.5.29.27) = BaseCRLNumber 6: only the changes since CRL 6.
    let delta = crl_with(
        vec![extension(&id_ce(27), true, &[0x02, 0x01, 0x06])],
        Vec::new(),
    );
    assert!(refusal(&delta).contains("delta CRL"), "{}", refusal(&delta));
    // The same indicator marked non-critical is still a delta CRL.
    let delta = crl_with(
        vec![extension(&id_ce(27), false, &[0x02, 0x01, 0x06])],
        Vec::new(),
    );
    assert!(refusal(&delta).contains("delta CRL"));
    // issuingDistributionPoint: a partition named relative to the issuer (distributionPoint
    // [0] nameRelativeToCRLIssuer [1] CN=x), an empty fullName, indirect ([4] TRUE), some
    // reasons ([3] keyCompromise), CA certificates only ([2] TRUE), attribute certificates only
    // ([5] TRUE).
    let relative = tlv(
        0xA0,
        &tlv(
            0xA1,
            &tlv(0x30, &[0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x01, b'x']),
        ),
    );
    for (fields, reason) in [
        (relative, "relative to its issuer"),
        (tlv(0xA0, &tlv(0xA0, &[])), "empty fullName"),
        (vec![0x84, 0x01, 0xFF], "indirect"),
        (vec![0x83, 0x02, 0x06, 0x40], "some reasons"),
        (vec![0x82, 0x01, 0xFF], "only CA"),
        (vec![0x85, 0x01, 0xFF], "only CA or attribute"),
    ] {
        let der = crl_with(vec![idp(&fields)], Vec::new());
        assert!(
            refusal(&der).contains(reason),
            "{reason}: {}",
            refusal(&der)
        );
        // A relying party refuses to hold it, and so answers nothing from it: "not checked",
        // never "good".
        let mut rp = RelyingParty::new(anchors());
        assert!(rp.add_crl(&der, NOW).is_err(), "{reason}");
        let verified = rp
            .verify_certificate(
                &persona_auth("revoked"),
                CertificateKind::Authentication,
                NOW,
            )
            .unwrap();
        assert_eq!(verified.status, StatusChecked::NotChecked, "{reason}");
    }
    // A partition named by URI (distributionPoint [0] fullName [0] URI) is held, and answers
    // for no persona: their cRLDistributionPoints are DirNames it does not name (issue 18,
    // partitioned CRLs; tests/integration/tests/partitioned_crls.rs).
    let uri = tlv(
        0xA0,
        &tlv(0xA0, &tlv(0x86, b"http://crl.example/part1.crl")),
    );
    let der = crl_with(vec![idp(&uri)], Vec::new());
    let crl = Crl::from_der(&der, &auth_ca(), NOW).unwrap();
    assert!(crl.scope().partition_names().is_some());
    assert_eq!(
        crl.status_at(&persona_auth("revoked"), &auth_ca(), NOW),
        Ok(CertStatus::Unknown)
    );
    let mut rp = RelyingParty::new(anchors());
    rp.add_crl(&der, NOW).unwrap();
    let verified = rp
        .verify_certificate(
            &persona_auth("revoked"),
            CertificateKind::Authentication,
            NOW,
        )
        .unwrap();
    assert_eq!(verified.status, StatusChecked::NotChecked);
    // Malformed issuingDistributionPoint.
    let der = crl_with(
        vec![extension(&id_ce(28), true, &[0x30, 0x03, 0x01])],
        Vec::new(),
    );
    assert!(refusal(&der).contains("not valid DER"));
    // An unknown critical CRL extension (RFC 5280 §5.2: the CRL must not be used); an unknown
    // non-critical one is ignored.
    let unknown = extension(&[0x2A, 0x03, 0x04], true, &[0x05, 0x00]);
    assert!(refusal(&crl_with(vec![unknown], Vec::new())).contains("critical extension"));
    let harmless = extension(&[0x2A, 0x03, 0x04], false, &[0x05, 0x00]);
    assert!(Crl::from_der(&crl_with(vec![harmless], Vec::new()), &auth_ca(), NOW).is_ok());
    // Entry extensions: certificateIssuer (2.5.29.29) makes the CRL indirect; an unknown
    // critical one is refused; reasonCode keyCompromise is read.
    let issuer = extension(&id_ce(29), true, &tlv(0x30, &tlv(0x86, b"http://x")));
    assert!(refusal(&crl_with(Vec::new(), vec![issuer])).contains("certificateIssuer"));
    let unknown = extension(&[0x2A, 0x03, 0x05], true, &[0x05, 0x00]);
    assert!(refusal(&crl_with(Vec::new(), vec![unknown])).contains("critical extension"));
    let reason = extension(&id_ce(21), false, &[0x0A, 0x01, 0x01]);
    let crl = Crl::from_der(&crl_with(Vec::new(), vec![reason]), &auth_ca(), NOW).unwrap();
    assert!(matches!(
        crl.status_at(&persona_auth("revoked"), &auth_ca(), NOW),
        Ok(CertStatus::Revoked(r)) if r.reason == RevocationReason::KeyCompromise
    ));
}

#[test]
fn the_fuzz_seeds_of_delta_and_scoped_crls_are_what_they_claim() {
    // tests/fuzz/make-crl-seeds.py (the cryptography package's encoder, not this file's).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/crl");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    for (file, reason) in [
        ("delta-auth-ca.crl.der", "delta CRL"),
        (
            "idp-part-relative-auth-ca.crl.der",
            "relative to its issuer",
        ),
        ("idp-indirect-auth-ca.crl.der", "indirect"),
        ("idp-reasons-auth-ca.crl.der", "some reasons"),
        ("idp-ca-only-auth-ca.crl.der", "only CA"),
    ] {
        assert!(
            refusal(&read(file)).contains(reason),
            "{file}: {}",
            refusal(&read(file))
        );
    }
    // Partitions (issue 18): by URI, and by municipality A's DirName; each answers for no
    // persona (their DirNames differ), A's for A's leaves.
    let uri = Crl::from_der(&read("idp-partition-auth-ca.crl.der"), &auth_ca(), NOW).unwrap();
    assert_eq!(uri.status(&persona_auth("revoked")), CertStatus::Unknown);
    let a = Crl::from_der(&read("idp-part-a-dirname-auth-ca.crl.der"), &auth_ca(), NOW).unwrap();
    assert_eq!(a.status(&persona_auth("revoked")), CertStatus::Unknown);
    assert_eq!(
        a.status(&cert(pki::extra_cert("muni-a-good-auth").unwrap())),
        CertStatus::Good
    );
    let crl = Crl::from_der(&read("idp-user-only-auth-ca.crl.der"), &auth_ca(), NOW).unwrap();
    assert!(matches!(
        crl.status_at(&persona_auth("revoked"), &auth_ca(), NOW),
        Ok(CertStatus::Revoked(r)) if r.reason == RevocationReason::KeyCompromise
    ));
    assert_eq!(crl.status(&auth_ca()), CertStatus::Unknown);
}

#[test]
fn a_crl_of_end_entity_certificates_only_answers_for_them_alone() {
    // issuingDistributionPoint onlyContainsUserCerts ([1] TRUE): complete for end-entity
    // certificates, which is what a JPKI relying party checks; silent on CA certificates.
    let der = crl_with(vec![idp(&[0x81, 0x01, 0xFF])], Vec::new());
    let crl = Crl::from_der(&der, &auth_ca(), NOW).unwrap();
    assert!(matches!(
        crl.status_at(&persona_auth("revoked"), &auth_ca(), NOW),
        Ok(CertStatus::Revoked(_))
    ));
    assert_eq!(
        crl.status_at(&persona_auth("taro"), &auth_ca(), NOW),
        Ok(CertStatus::Good)
    );
    // The CA itself (self-issued: its issuer is the CRL's issuer) is not covered.
    assert_eq!(crl.status(&auth_ca()), CertStatus::Unknown);
    // Without the restriction the same lookup answers from the list (Good: not listed).
    let full = Crl::from_der(&crl_with(Vec::new(), Vec::new()), &auth_ca(), NOW).unwrap();
    assert_eq!(full.status(&auth_ca()), CertStatus::Good);
    assert_revokes_persona_revoked(&der);
}

// ---- Defect 7: a status policy, the source named in the result -------------------------------

#[test]
fn status_policy_names_its_source_and_never_says_good_without_one() {
    use verify::{StatusPolicy, StatusSource};
    let r = Responder::new("policy");
    let ca = auth_ca();
    let now = UnixTime::now();
    let taro = persona_auth("taro");
    let revoked = persona_auth("revoked");
    let taro_req = OcspRequest::new(&taro, &ca, Some(&[6u8; 16])).unwrap();
    let taro_resp = answer(&r, taro_req.to_der(), Some(1));
    let revoked_req = OcspRequest::new(&revoked, &ca, Some(&[7u8; 16])).unwrap();
    let revoked_resp = answer(&r, revoked_req.to_der(), Some(1));
    let taro_ocsp = Some((&taro_req, taro_resp.as_slice()));
    let garbage = Some((&taro_req, &b"\x30\x03\x0a\x01\x00"[..]));
    let auth = CertificateKind::Authentication;
    // The committed CRL is current from 2025-06-01 to 2045-12-01: `now` is inside.
    let with_crl = |policy| {
        let mut rp = RelyingParty::new(anchors()).with_status_policy(policy);
        rp.add_crl(pki::auth_ca_crl_der(), now).unwrap();
        rp
    };
    let without_crl = |policy| RelyingParty::new(anchors()).with_status_policy(policy);
    let source = |v: verify::Verified| (v.status, v.source);

    // Default: CRL only; an OCSP answer given is not read.
    let rp = with_crl(StatusPolicy::default());
    assert_eq!(rp.status_policy(), StatusPolicy::CrlOnly);
    assert_eq!(
        source(
            rp.verify_certificate_with_ocsp(&taro, auth, now, taro_ocsp)
                .unwrap()
        ),
        (StatusChecked::Good, Some(StatusSource::Crl))
    );
    assert_eq!(
        source(
            without_crl(StatusPolicy::CrlOnly)
                .verify_certificate_with_ocsp(&taro, auth, now, taro_ocsp)
                .unwrap()
        ),
        (StatusChecked::NotChecked, None)
    );

    // OCSP first, CRL fallback.
    let rp = with_crl(StatusPolicy::OcspThenCrl);
    assert_eq!(
        source(
            rp.verify_certificate_with_ocsp(&taro, auth, now, taro_ocsp)
                .unwrap()
        ),
        (StatusChecked::Good, Some(StatusSource::Ocsp))
    );
    assert!(matches!(
        rp.verify_certificate_with_ocsp(
            &revoked,
            auth,
            now,
            Some((&revoked_req, revoked_resp.as_slice()))
        ),
        Err(Error::Verify(VerifyError::Revoked { .. }))
    ));
    // No answer, or an unusable one: the CRL answers, and says so.
    assert_eq!(
        source(
            rp.verify_certificate_with_ocsp(&taro, auth, now, None)
                .unwrap()
        ),
        (StatusChecked::Good, Some(StatusSource::Crl))
    );
    assert_eq!(
        source(
            rp.verify_certificate_with_ocsp(&taro, auth, now, garbage)
                .unwrap()
        ),
        (StatusChecked::Good, Some(StatusSource::Crl))
    );
    // An answer about taro offered for the revoked persona falls back to the CRL: revoked.
    assert!(matches!(
        rp.verify_certificate_with_ocsp(&revoked, auth, now, taro_ocsp),
        Err(Error::Verify(VerifyError::Revoked { .. }))
    ));
    // Without a CRL, the unusable answer's error stands; with nothing at all: not checked.
    let bare = without_crl(StatusPolicy::OcspThenCrl);
    assert!(matches!(
        bare.verify_certificate_with_ocsp(&taro, auth, now, garbage),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    assert_eq!(
        source(
            bare.verify_certificate_with_ocsp(&taro, auth, now, None)
                .unwrap()
        ),
        (StatusChecked::NotChecked, None)
    );

    // OCSP only: the CRL held is not read.
    let rp = with_crl(StatusPolicy::OcspOnly);
    assert_eq!(
        source(
            rp.verify_certificate_with_ocsp(&taro, auth, now, taro_ocsp)
                .unwrap()
        ),
        (StatusChecked::Good, Some(StatusSource::Ocsp))
    );
    assert_eq!(
        source(rp.verify_certificate(&taro, auth, now).unwrap()),
        (StatusChecked::NotChecked, None)
    );
    assert!(matches!(
        rp.verify_certificate_with_ocsp(&taro, auth, now, garbage),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
}

/// A relying party holding the CRL `der` refuses persona `revoked`'s certificate as REVOKED.
fn assert_revokes_persona_revoked(der: &[u8]) {
    let mut rp = RelyingParty::new(anchors());
    rp.add_crl(der, NOW).unwrap();
    assert!(matches!(
        rp.verify_certificate(
            &persona_auth("revoked"),
            CertificateKind::Authentication,
            NOW
        ),
        Err(Error::Verify(VerifyError::Revoked { .. }))
    ));
}
