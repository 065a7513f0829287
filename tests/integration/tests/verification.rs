//! Relying-party verification against the test PKI: signatures, chains, key usage, CRLs and
//! OCSP answered by OpenSSL's responder (offline and over HTTP on 127.0.0.1).

use std::io::Write;

use mynacard_core::verify::{
    self, CertStatus, CertificateKind, Challenges, Crl, OcspRequest, RevocationReason,
    StatusChecked, StatusEvidence, TrustAnchors,
};
use mynacard_core::{AuthPin, Error, JpkiCertificate, MynaCard, SignInput, UnixTime};
use mynacard_virtual_card::{VirtualCard, VirtualTransport, pki};
use pollster::block_on;

/// 2026-06-01: inside the normal personas' validity and the CRLs' window.
const NOW: UnixTime = UnixTime(1_780_272_000);

fn cert(der: &[u8]) -> JpkiCertificate {
    JpkiCertificate::from_der(der).unwrap()
}
fn auth_ca() -> JpkiCertificate {
    cert(pki::auth_ca_der())
}
fn sign_ca() -> JpkiCertificate {
    cert(pki::sign_ca_der())
}
fn anchors() -> TrustAnchors {
    TrustAnchors::new(vec![auth_ca(), sign_ca()])
}
fn auth_crl() -> Crl {
    Crl::from_der(pki::auth_ca_crl_der(), &auth_ca(), NOW).unwrap()
}
fn persona_auth(id: &str) -> JpkiCertificate {
    cert(pki::persona(id).unwrap().auth_cert)
}
fn persona_sign(id: &str) -> JpkiCertificate {
    cert(pki::persona(id).unwrap().sign_cert)
}

#[test]
fn login_signature_chain_and_crl() {
    let mut card = block_on(MynaCard::connect(VirtualTransport::new(
        VirtualCard::builtin("taro").unwrap(),
    )))
    .unwrap();
    let mut challenges = Challenges::new(120);
    let challenge = challenges.issue([0x5A; 32], NOW);
    let auth =
        block_on(card.authenticate(&AuthPin::new("1234").unwrap(), SignInput::data(&challenge)))
            .unwrap();
    challenges.consume(&challenge, NOW).unwrap();
    let crl = auth_crl();
    let v = verify::verify_signed(
        &auth.certificate,
        SignInput::data(&challenge),
        &auth.signature,
        CertificateKind::Authentication,
        &anchors(),
        NOW,
        StatusEvidence::Crl(&crl),
    )
    .unwrap();
    assert_eq!(v.status, StatusChecked::Good);
    assert!(v.four_info.is_none());
    assert_eq!(v.policies, ["1.2.392.200149.8.5.1.3.30"]);
    // The same signature again: the challenge is spent.
    assert_eq!(
        challenges.consume(&challenge, NOW),
        Err(Error::Verify(VerifyError::ChallengeInvalid))
    );
    // A signature over something else.
    let e = verify::verify_signed(
        &auth.certificate,
        SignInput::data(b"other"),
        &auth.signature,
        CertificateKind::Authentication,
        &anchors(),
        NOW,
        StatusEvidence::Crl(&crl),
    )
    .unwrap_err();
    assert_eq!(e, Error::Verify(VerifyError::SignatureInvalid));
}

#[test]
fn failure_classes() {
    let crl = auth_crl();
    let check =
        |c: &JpkiCertificate, kind, at, ev| verify::verify_certificate(c, kind, &anchors(), at, ev);
    // Revoked, with the reason.
    assert_eq!(
        check(
            &persona_auth("revoked"),
            CertificateKind::Authentication,
            NOW,
            StatusEvidence::Crl(&crl)
        )
        .unwrap_err(),
        Error::Verify(VerifyError::Revoked {
            reason: RevocationReason::KeyCompromise
        })
    );
    // Expired.
    assert_eq!(
        check(
            &persona_auth("expired"),
            CertificateKind::Authentication,
            NOW,
            StatusEvidence::NotChecked
        )
        .unwrap_err(),
        Error::Verify(VerifyError::CertificateExpired)
    );
    // Not yet valid counts as outside validity too.
    assert_eq!(
        check(
            &persona_auth("taro"),
            CertificateKind::Authentication,
            UnixTime(1_600_000_000),
            StatusEvidence::NotChecked
        )
        .unwrap_err(),
        Error::Verify(VerifyError::CertificateExpired)
    );
    // Untrusted: the real JPKI anchors do not know the test PKI.
    assert_eq!(
        verify::verify_certificate(
            &persona_auth("taro"),
            CertificateKind::Authentication,
            &verify::jpki_trust_anchors(),
            NOW,
            StatusEvidence::NotChecked
        )
        .unwrap_err(),
        Error::Verify(VerifyError::ChainUntrusted)
    );
    // 利用者証明用 offered where a 署名用 is expected, and the reverse.
    assert!(matches!(
        check(
            &persona_auth("taro"),
            CertificateKind::Signature,
            NOW,
            StatusEvidence::NotChecked
        )
        .unwrap_err(),
        Error::Verify(VerifyError::CertificateInvalid { .. })
    ));
    assert!(matches!(
        check(
            &persona_sign("taro"),
            CertificateKind::Authentication,
            NOW,
            StatusEvidence::NotChecked
        )
        .unwrap_err(),
        Error::Verify(VerifyError::CertificateInvalid { .. })
    ));
    // A CA certificate is not a resident's.
    assert!(matches!(
        check(
            &auth_ca(),
            CertificateKind::Authentication,
            NOW,
            StatusEvidence::NotChecked
        )
        .unwrap_err(),
        Error::Verify(VerifyError::CertificateInvalid { .. })
            | Error::Verify(VerifyError::ChainUntrusted)
    ));
    // A CRL of the other CA does not vouch for this certificate.
    let sign_crl = Crl::from_der(pki::sign_ca_crl_der(), &sign_ca(), NOW).unwrap();
    assert_eq!(
        check(
            &persona_auth("taro"),
            CertificateKind::Authentication,
            NOW,
            StatusEvidence::Crl(&sign_crl)
        )
        .unwrap_err(),
        Error::Verify(VerifyError::StatusUnknown)
    );
    // 署名用 with 4情報 from the certificate.
    let v = check(
        &persona_sign("taro"),
        CertificateKind::Signature,
        NOW,
        StatusEvidence::Crl(&sign_crl),
    )
    .unwrap();
    assert_eq!(
        v.four_info.unwrap().four_info.name.to_marked_string(),
        "吉田　太郎"
    );
    assert_eq!(
        check(
            &persona_sign("revoked"),
            CertificateKind::Signature,
            NOW,
            StatusEvidence::Crl(&sign_crl)
        )
        .unwrap_err(),
        Error::Verify(VerifyError::Revoked {
            reason: RevocationReason::KeyCompromise
        })
    );
}

#[test]
fn crls_are_checked_before_use() {
    let der = pki::auth_ca_crl_der();
    // Another issuer.
    assert!(matches!(
        Crl::from_der(der, &sign_ca(), NOW),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    // Stale (past nextUpdate, 2045-12-01) and not yet valid (before 2025-06-01).
    assert!(matches!(
        Crl::from_der(der, &auth_ca(), UnixTime(2_400_000_000)),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    assert!(matches!(
        Crl::from_der(der, &auth_ca(), UnixTime(1_700_000_000)),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    // Tampered: any flipped byte is rejected (signature or DER), never a panic.
    for i in (0..der.len()).step_by(7) {
        let mut bad = der.to_vec();
        bad[i] ^= 0x01;
        assert!(Crl::from_der(&bad, &auth_ca(), NOW).is_err(), "byte {i}");
    }
    for n in 0..der.len() {
        assert!(Crl::from_der(&der[..n], &auth_ca(), NOW).is_err());
    }
    let crl = auth_crl();
    assert_eq!(crl.len(), 1);
    let revoked = persona_auth("revoked");
    assert!(
        matches!(crl.status(&revoked), CertStatus::Revoked(r) if r.reason == RevocationReason::KeyCompromise)
    );
    assert_eq!(crl.status(&persona_auth("taro")), CertStatus::Good);
}

// ---- OCSP with OpenSSL's responder ----------------------------------------------------------

use mynacard_core::error::VerifyError;
use mynacard_tests::ocsp::Responder;

#[test]
fn ocsp_good_revoked_unknown_and_broken() {
    let r = Responder::new("offline");
    let ca = auth_ca();
    // NOW is fixed in the past of `openssl ocsp`'s thisUpdate (the real clock), so check at
    // the real time for OCSP.
    let now = UnixTime::now();
    for delegated in [false, true] {
        let req = OcspRequest::new(&persona_auth("taro"), &ca, Some(&[7u8; 16])).unwrap();
        let resp = r.answer(req.to_der(), delegated);
        assert_eq!(
            req.verify_response(&resp, &ca, now).unwrap(),
            CertStatus::Good,
            "delegated={delegated}"
        );
        let req = OcspRequest::new(&persona_auth("revoked"), &ca, Some(&[8u8; 16])).unwrap();
        let resp = r.answer(req.to_der(), delegated);
        assert!(matches!(
            req.verify_response(&resp, &ca, now).unwrap(),
            CertStatus::Revoked(rv) if rv.reason == RevocationReason::KeyCompromise
        ));
        let req = OcspRequest::new(&persona_auth("hanako"), &ca, None).unwrap();
        let resp = r.answer(req.to_der(), delegated);
        assert_eq!(
            req.verify_response(&resp, &ca, now).unwrap(),
            CertStatus::Unknown
        );
    }
    let req = OcspRequest::new(&persona_auth("taro"), &ca, Some(&[9u8; 16])).unwrap();
    let resp = r.answer(req.to_der(), false);
    // Broken signature: flip a byte of the signature (the end of the response).
    let mut bad = resp.clone();
    let n = bad.len();
    bad[n - 10] ^= 0xFF;
    assert!(matches!(
        req.verify_response(&bad, &ca, now),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    // A response to another request (other nonce) is refused.
    let other = OcspRequest::new(&persona_auth("taro"), &ca, Some(&[1u8; 16])).unwrap();
    assert!(
        matches!(other.verify_response(&resp, &ca, now), Err(Error::Verify(VerifyError::StatusInvalid { what })) if what.contains("nonce"))
    );
    // A response about another certificate is refused.
    let other = OcspRequest::new(&persona_auth("revoked"), &ca, Some(&[9u8; 16])).unwrap();
    assert!(matches!(
        other.verify_response(&resp, &ca, now),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    // Stale: checked two days later (nextUpdate = thisUpdate + 1 day).
    assert!(matches!(
        req.verify_response(&resp, &ca, UnixTime(now.0 + 2 * 86_400)),
        Err(Error::Verify(VerifyError::StatusInvalid { .. }))
    ));
    // Signed by the wrong CA.
    assert!(req.verify_response(&resp, &sign_ca(), now).is_err());
    // Garbage and truncation never panic.
    for n in 0..resp.len() {
        assert!(req.verify_response(&resp[..n], &ca, now).is_err());
    }
    // The one-call verification with OCSP evidence.
    let v = verify::verify_certificate(
        &persona_auth("taro"),
        CertificateKind::Authentication,
        &anchors(),
        now,
        StatusEvidence::Ocsp {
            request: &req,
            response: &resp,
        },
    )
    .unwrap();
    assert_eq!(v.status, StatusChecked::Good);
}

#[test]
fn ocsp_over_http_on_loopback() {
    let r = Responder::new("http");
    let ca = auth_ca();
    // Every wait of this test (the responder starting, connect, write, the reply, its exit).
    let deadline = harness::SHORT;
    // `openssl ocsp -port` serves one request (on every interface; the test connects on
    // 127.0.0.1), then exits. Its port is probed free and can be taken before the responder
    // binds it: then it exits with a bind error and the test takes another port.
    let (mut server, port) = harness::net::with_free_port(5, |port| {
        let mut server = harness::Server::spawn(r.command(false).args([
            "-port",
            &port.to_string(),
            "-nrequest",
            "1",
            "-ndays",
            "1",
        ]))
        .map_err(Some)?;
        // OpenSSL 3 says so on stderr once it accepts.
        match server.wait_for("listening", deadline, |s| {
            s.stderr()
                .contains("waiting for OCSP client connections")
                .then_some(())
        }) {
            Ok(()) => Ok((server, port)),
            Err(_) if server.stderr().contains("ddress already in use") => Err(None),
            Err(f) => Err(Some(f)),
        }
    })
    .unwrap();
    let req = OcspRequest::new(&persona_auth("revoked"), &ca, Some(&[3u8; 16])).unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = std::net::TcpStream::connect_timeout(&addr, deadline).unwrap();
    stream.set_write_timeout(Some(deadline)).unwrap();
    let body = req.to_der();
    write!(
        stream,
        "POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let reply = harness::net::read_to_end(&mut stream, deadline)
        .map_err(|f| f.with(server.printed()))
        .unwrap();
    let split = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response:\n{}", server.printed()))
        + 4;
    let status = req
        .verify_response(&reply[split..], &ca, UnixTime::now())
        .unwrap();
    assert!(
        matches!(status, CertStatus::Revoked(rv) if rv.reason == RevocationReason::KeyCompromise)
    );
    // It served its one request and ended by itself, successfully.
    let exit = server.wait(deadline).unwrap();
    assert!(exit.success(), "openssl ocsp: {exit}\n{}", server.printed());
}

#[test]
fn large_crl_is_indexed_and_exact() {
    // The benchmark's generator at a CI-friendly size (the bench runs 500,000).
    let der = mynacard_tests::bench::big_crl(20_000);
    let crl = Crl::from_der(&der, &auth_ca(), NOW).unwrap();
    assert_eq!(crl.len(), 20_001);
    assert!(
        matches!(crl.status(&persona_auth("revoked")), CertStatus::Revoked(r) if r.reason == RevocationReason::KeyCompromise)
    );
    assert_eq!(crl.status(&persona_auth("taro")), CertStatus::Good);
    // Generated entry 0 has reason affiliationChanged (記載事項変更): find it by serial.
    use sha2::{Digest, Sha256};
    let mut serial = Sha256::digest(0u64.to_be_bytes())[..20].to_vec();
    serial[0] = (serial[0] & 0x7F) | 0x01;
    assert_eq!(
        crl.lookup(&serial).unwrap().reason,
        RevocationReason::AffiliationChanged
    );
    // Leading zero bytes do not change a serial number.
    assert_eq!(
        crl.lookup(&[&[0u8, 0][..], &serial].concat())
            .unwrap()
            .reason,
        RevocationReason::AffiliationChanged
    );
    serial[19] ^= 1;
    assert!(crl.lookup(&serial).is_none());
}
