//! A signed document (CMS SignedData) as a relying party receives it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard_core::verify::{StatusEvidence, TrustAnchors};
use mynacard_core::verify::{signer_certificate, verify_signed_document};
use mynacard_core::{JpkiCertificate, UnixTime};

const SIGN_CA: &[u8] = include_bytes!("../../virtual-card/pki/sign-ca.crt.der");
// The modelled P-384 generation (issue 18).
const P384_SIGN_CA: &[u8] = include_bytes!("../../virtual-card/pki/p384-sign-ca.crt.der");

fuzz_target!(|data: &[u8]| {
    let anchors = TrustAnchors::new(vec![
        JpkiCertificate::from_der(SIGN_CA).unwrap(),
        JpkiCertificate::from_der(P384_SIGN_CA).unwrap(),
    ]);
    let _ = signer_certificate(data);
    let at = UnixTime(1_780_272_000);
    let _ = verify_signed_document(data, None, &anchors, at, StatusEvidence::NotChecked);
    let _ = verify_signed_document(
        data,
        Some(b"content"),
        &anchors,
        at,
        StatusEvidence::NotChecked,
    );
});
