//! Issue 18: partitioned CRLs (分割CRL). Real 利用者証明用 certificates name one DirName per
//! municipality as their cRLDistributionPoint (docs/verification.md "Partitioned CRLs"); the
//! test PKI (`tests/virtual-card/pki/make.py --partitions`) models that with two
//! municipalities, A and B, and a partition CRL per municipality whose critical
//! issuingDistributionPoint names it (and X, naming a third one). RFC 5280 §6.3.3 b(2)(i): a
//! partition answers only for a certificate whose distribution point it names.
//!
//! OpenSSL (`openssl verify -crl_check`, which implements the IDP matching) is the independent
//! oracle on the same files.

use std::path::Path;
use std::process::Command;

use mynacard_core::error::VerifyError;
use mynacard_core::verify::{
    self, CertStatus, CertificateKind, Crl, CrlFreshness, CrlScope, RelyingParty, RevocationReason,
    StatusChecked, StatusEvidence, TrustAnchors,
};
use mynacard_core::{Error, JpkiCertificate, UnixTime};
use mynacard_virtual_card::pki;

/// 2026-06-01, as in `verification.rs`.
const NOW: UnixTime = UnixTime(1_780_272_000);

fn cert(der: &[u8]) -> JpkiCertificate {
    JpkiCertificate::from_der(der).unwrap()
}
fn auth_ca() -> JpkiCertificate {
    cert(pki::auth_ca_der())
}
fn leaf(id: &str) -> JpkiCertificate {
    cert(pki::extra_cert(&format!("{id}-auth")).unwrap())
}
fn part(p: &str) -> &'static [u8] {
    pki::auth_ca_partition_crl_der(p).unwrap()
}
fn party(crls: &[&[u8]]) -> RelyingParty {
    let mut rp = RelyingParty::new(TrustAnchors::new(vec![auth_ca(), cert(pki::sign_ca_der())]));
    for crl in crls {
        rp.add_crl(crl, NOW).unwrap();
    }
    rp
}

/// What a relying party holding `crls` says of `leaf`: good, REVOKED, or not checked.
fn outcome(crls: &[&[u8]], id: &str) -> &'static str {
    match party(crls).verify_certificate(&leaf(id), CertificateKind::Authentication, NOW) {
        Ok(v) if v.status == StatusChecked::Good => "good",
        Ok(_) => "not_checked",
        Err(Error::Verify(VerifyError::Revoked {
            reason: RevocationReason::KeyCompromise,
        })) => "revoked",
        Err(e) => panic!("{id}: {e:?}"),
    }
}

const LEAVES: [&str; 4] = [
    "muni-a-good",
    "muni-a-revoked",
    "muni-b-good",
    "muni-b-revoked",
];

#[test]
fn a_partition_keeps_the_name_its_idp_gives_and_covers_only_that_municipality() {
    let a = Crl::from_der(part("a"), &auth_ca(), NOW).unwrap();
    let names = a.scope().partition_names().unwrap();
    assert_eq!(names.len(), 1);
    // The name is the DirName of municipality A's leaves, and not B's.
    assert_eq!(verify::crl_distribution_points(&leaf("muni-a-good")), names);
    assert_eq!(
        verify::crl_distribution_points(&leaf("muni-a-revoked")),
        names
    );
    assert_ne!(verify::crl_distribution_points(&leaf("muni-b-good")), names);
    assert!(a.covers(&leaf("muni-a-good")) && !a.covers(&leaf("muni-b-revoked")));
    // A persona leaf names another DirName (CN=CRLnnn); the CA itself names none.
    assert!(!a.covers(&cert(pki::persona("taro").unwrap().auth_cert)));
    assert!(!a.covers(&auth_ca()));
    let complete = Crl::from_der(pki::auth_ca_crl_der(), &auth_ca(), NOW).unwrap();
    assert_eq!(complete.scope(), &CrlScope::Complete);
    assert!(complete.covers(&leaf("muni-b-good")) && complete.covers(&auth_ca()));
    // Direct lookups: A answers for A's leaves, and for B's says Unknown (never good), even
    // for the serial it lists when asked about a certificate of another point.
    let ca = auth_ca();
    assert_eq!(
        a.status_at(&leaf("muni-a-good"), &ca, NOW),
        Ok(CertStatus::Good)
    );
    assert!(matches!(
        a.status_at(&leaf("muni-a-revoked"), &ca, NOW),
        Ok(CertStatus::Revoked(r)) if r.reason == RevocationReason::KeyCompromise
    ));
    for id in ["muni-b-good", "muni-b-revoked"] {
        assert_eq!(
            a.status_at(&leaf(id), &ca, NOW),
            Ok(CertStatus::Unknown),
            "{id}"
        );
        // Given as the evidence by hand, the verification refuses: STATUS_UNKNOWN.
        let e = verify::verify_certificate(
            &leaf(id),
            CertificateKind::Authentication,
            &TrustAnchors::new(vec![auth_ca()]),
            NOW,
            StatusEvidence::Crl(&a),
        )
        .unwrap_err();
        assert_eq!(e.code(), "STATUS_UNKNOWN", "{id}");
    }
}

#[test]
fn revoked_in_its_partition_is_revoked_whatever_the_order() {
    let (a, b, x) = (part("a"), part("b"), part("x"));
    let full = pki::auth_ca_crl_der();
    // Every order of A, B, X; and with the complete CRL (which predates the municipalities'
    // revocations: it lists only the `revoked` persona) before or after.
    let orders: Vec<Vec<&[u8]>> = vec![
        vec![a, b],
        vec![b, a],
        vec![x, b, a],
        vec![a, x, b],
        vec![full, b, a],
        vec![a, b, full],
        vec![b, full, x, a],
    ];
    for crls in &orders {
        let n = crls.len();
        assert_eq!(outcome(crls, "muni-a-revoked"), "revoked", "{n} CRLs");
        assert_eq!(outcome(crls, "muni-b-revoked"), "revoked", "{n} CRLs");
        assert_eq!(outcome(crls, "muni-a-good"), "good", "{n} CRLs");
        assert_eq!(outcome(crls, "muni-b-good"), "good", "{n} CRLs");
    }
}

#[test]
fn a_newer_complete_crl_that_omits_it_does_not_hide_a_revocation() {
    // tests/fuzz/make-crl-seeds.py: a complete CRL of 2025-07-01 listing nothing, newer than
    // partition A (2025-06-01), which lists muni-a-revoked. Any current CRL in scope that lists
    // the certificate answers, in either order; the newest answers for the others.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/crl");
    let later = std::fs::read(dir.join("complete-later-auth-ca.crl.der")).unwrap();
    for crls in [[part("a"), &later[..]], [&later[..], part("a")]] {
        assert_eq!(outcome(&crls, "muni-a-revoked"), "revoked");
        assert_eq!(outcome(&crls, "muni-a-good"), "good");
        let rp = party(&crls);
        let newest = rp.crl_for(&leaf("muni-a-good"), NOW).unwrap();
        assert_eq!(newest.scope(), &CrlScope::Complete);
        // muni-b-revoked is in no CRL held here (B's partition is not): the complete one says good.
        assert_eq!(outcome(&crls, "muni-b-revoked"), "good");
    }
}

#[test]
fn a_partition_of_another_municipality_never_answers() {
    // B's leaves with only A's partition, or only X's: no CRL covers them, "not checked"
    // (never good), and the health of their CRL is Missing.
    for crls in [vec![part("a")], vec![part("x")], vec![part("a"), part("x")]] {
        let rp = party(&crls);
        for id in ["muni-b-good", "muni-b-revoked"] {
            assert_eq!(outcome(&crls, id), "not_checked", "{id}");
            assert_eq!(
                rp.crl_health_of(&leaf(id), NOW),
                CrlFreshness::Missing,
                "{id}"
            );
            assert!(rp.crl_for(&leaf(id), NOW).is_none());
        }
    }
    // X names a third municipality: it answers for neither A nor B, though it lists nothing.
    for id in LEAVES {
        assert_eq!(outcome(&[part("x")], id), "not_checked", "{id}");
    }
    // A persona's leaf (its own DirName) is covered by no partition, only the complete CRL.
    let persona = cert(pki::persona("revoked").unwrap().auth_cert);
    let rp = party(&[part("a"), part("b"), part("x")]);
    let v = rp
        .verify_certificate(&persona, CertificateKind::Authentication, NOW)
        .unwrap();
    assert_eq!(v.status, StatusChecked::NotChecked);
    let rp = party(&[part("a"), pki::auth_ca_crl_der()]);
    assert_eq!(
        rp.verify_certificate(&persona, CertificateKind::Authentication, NOW)
            .unwrap_err()
            .code(),
        "REVOKED"
    );
}

#[test]
fn the_complete_crl_still_answers_for_every_municipality() {
    // The committed complete CRL lists none of the municipalities' leaves: good for all four
    // (it is the CA's word), and revoked for the persona it lists.
    for id in LEAVES {
        assert_eq!(outcome(&[pki::auth_ca_crl_der()], id), "good", "{id}");
    }
    // A partition held beside it does not hide the complete CRL for other points.
    assert_eq!(
        outcome(&[part("a"), pki::auth_ca_crl_der()], "muni-b-good"),
        "good"
    );
}

#[test]
fn replace_crl_replaces_the_crl_of_the_same_scope_only() {
    let mut rp = party(&[]);
    assert!(rp.replace_crl(part("a"), NOW).unwrap().is_none());
    assert!(rp.replace_crl(part("b"), NOW).unwrap().is_none());
    assert!(
        rp.replace_crl(pki::auth_ca_crl_der(), NOW)
            .unwrap()
            .is_none()
    );
    // The same partition again replaces A, and only A.
    let old = rp.replace_crl(part("a"), NOW).unwrap().unwrap();
    assert!(old.covers(&leaf("muni-a-good")));
    let ca = auth_ca();
    assert_eq!(rp.crls_of(&ca).count(), 3);
    assert!(
        rp.crl_of(&ca)
            .is_some_and(|c| c.scope() == &CrlScope::Complete)
    );
    // Health: one entry per held CRL of the 利用者証明用 CA, named; the 署名用 CA Missing.
    let health = rp.crl_health(NOW);
    let of_auth: Vec<_> = health
        .iter()
        .filter(|h| h.anchor.x509() == ca.x509())
        .collect();
    assert_eq!(of_auth.len(), 3);
    assert_eq!(of_auth.iter().filter(|h| h.partition.is_some()).count(), 2);
    assert!(
        of_auth
            .iter()
            .all(|h| matches!(h.freshness, CrlFreshness::Current { .. }))
    );
    assert!(
        health
            .iter()
            .any(|h| h.anchor.x509() != ca.x509() && h.freshness == CrlFreshness::Missing)
    );
    // Each leaf's CRL: A's partition for A, B's for B.
    for (id, p) in [("muni-a-good", "a"), ("muni-b-revoked", "b")] {
        let want = Crl::from_der(part(p), &ca, NOW).unwrap();
        assert_eq!(
            rp.crl_for(&leaf(id), NOW).unwrap().scope(),
            want.scope(),
            "{id}"
        );
    }
    // Past the partitions' nextUpdate (2045-12-01; the CA runs to 2045-12-31) they are Stale.
    let late = UnixTime(2_396_000_000);
    let late_health = rp.crl_health(late);
    let of_auth: Vec<_> = late_health
        .iter()
        .filter(|h| h.anchor.x509() == ca.x509())
        .collect();
    assert_eq!(of_auth.len(), 3);
    assert!(
        of_auth
            .iter()
            .all(|h| matches!(h.freshness, CrlFreshness::Stale { .. }))
    );
}

#[test]
fn a_stale_partition_gives_status_stale_and_a_current_complete_crl_wins() {
    // tests/fuzz/make-crl-seeds.py: partition A, thisUpdate 2020-01-01, nextUpdate
    // 2020-02-01, listing nothing.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/crl");
    let stale = std::fs::read(dir.join("idp-part-a-stale-auth-ca.crl.der")).unwrap();
    let mut rp = party(&[]);
    rp.add_crl(&stale, UnixTime(1_578_000_000)).unwrap();
    assert!(matches!(
        rp.crl_health_of(&leaf("muni-a-good"), NOW),
        CrlFreshness::Stale { .. }
    ));
    let e = rp
        .verify_certificate(
            &leaf("muni-a-revoked"),
            CertificateKind::Authentication,
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.code(), "STATUS_STALE");
    // Not a cover for B: not checked.
    assert_eq!(
        rp.verify_certificate(&leaf("muni-b-good"), CertificateKind::Authentication, NOW)
            .unwrap()
            .status,
        StatusChecked::NotChecked
    );
    // A current partition A beside the stale one replaces it (same scope, newer).
    let old = rp.replace_crl(part("a"), NOW).unwrap();
    assert!(old.is_some());
    assert_eq!(
        rp.verify_certificate(
            &leaf("muni-a-revoked"),
            CertificateKind::Authentication,
            NOW
        )
        .unwrap_err()
        .code(),
        "REVOKED"
    );
    // A stale partition and a current complete CRL: the current one answers.
    let mut rp = party(&[]);
    rp.add_crl(&stale, UnixTime(1_578_000_000)).unwrap();
    rp.add_crl(pki::auth_ca_crl_der(), NOW).unwrap();
    assert_eq!(outcome_of(&rp, "muni-a-good"), "good");
}

fn outcome_of(rp: &RelyingParty, id: &str) -> &'static str {
    match rp.verify_certificate(&leaf(id), CertificateKind::Authentication, NOW) {
        Ok(v) if v.status == StatusChecked::Good => "good",
        Ok(_) => "not_checked",
        Err(e) => e.code(),
    }
}

/// OpenSSL's verdict on `leaf` with these CRLs (`openssl verify -crl_check`, at NOW).
fn openssl(dir: &Path, crls: &[&str], id: &str) -> &'static str {
    let mut cmd = Command::new("openssl");
    cmd.current_dir(dir).args([
        "verify",
        "-attime",
        &NOW.0.to_string(),
        "-crl_check",
        "-CAfile",
        "ca.pem",
    ]);
    for crl in crls {
        cmd.args(["-CRLfile", &format!("{crl}.pem")]);
    }
    cmd.arg(format!("{id}.pem"));
    let out = harness::run(&mut cmd, None, harness::SHORT).unwrap();
    let text = out.text();
    if out.status.success() && text.contains(": OK") {
        "good"
    } else if text.contains("error 23 ") {
        // X509_V_ERR_CERT_REVOKED
        "revoked"
    } else if text.contains("error 44 ") || text.contains("error 3 ") {
        // X509_V_ERR_DIFFERENT_CRL_SCOPE, X509_V_ERR_UNABLE_TO_GET_CRL: no CRL in scope.
        "not_checked"
    } else {
        panic!("openssl: {text}")
    }
}

#[test]
fn openssl_agrees_on_every_leaf_and_set_of_partitions() {
    let dir = std::env::temp_dir().join(format!("mynacard-idp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = |kind: &str, der: &[u8], name: &str| {
        std::fs::write(dir.join(format!("{name}.der")), der).unwrap();
        harness::run_ok(
            Command::new("openssl").current_dir(&dir).args([
                kind,
                "-inform",
                "DER",
                "-in",
                &format!("{name}.der"),
                "-out",
                &format!("{name}.pem"),
            ]),
            None,
            harness::SHORT,
        )
        .unwrap();
    };
    pem("x509", pki::auth_ca_der(), "ca");
    for id in LEAVES {
        pem("x509", pki::extra_cert(&format!("{id}-auth")).unwrap(), id);
    }
    for p in ["a", "b", "x"] {
        pem("crl", part(p), p);
    }
    pem("crl", pki::auth_ca_crl_der(), "full");
    let der = |name: &str| -> &'static [u8] {
        match name {
            "full" => pki::auth_ca_crl_der(),
            p => part(p),
        }
    };
    let sets: [&[&str]; 8] = [
        &["a"],
        &["b"],
        &["x"],
        &["a", "b"],
        &["b", "a"],
        &["x", "a"],
        &["full"],
        &["b", "x"],
    ];
    let mut compared = 0;
    for set in sets {
        let crls: Vec<&[u8]> = set.iter().map(|n| der(n)).collect();
        for id in LEAVES {
            assert_eq!(
                outcome(&crls, id),
                openssl(&dir, set, id),
                "{id} with {set:?}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 32);
    std::fs::remove_dir_all(&dir).ok();
}
