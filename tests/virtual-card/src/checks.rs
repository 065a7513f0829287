//! Assertions the cross-layer tests share about what the SDK got from this card (with the
//! `core-transport` feature): the checks a relying party makes, against this card's test PKI.

use mynacard_core::card::Authentication;
use mynacard_core::verify::{self, TrustAnchors};
use mynacard_core::{Error, JpkiCertificate, SignInput, UnixTime};

use crate::pki;
use mynacard_core::error::VerifyError;

/// The 利用者証明用 signature verifies over `challenge` (and not over anything else) and the
/// certificate chains to the test CA at `at`.
pub fn assert_authentication(auth: &Authentication, challenge: &[u8], at: UnixTime) {
    verify::verify_signature(
        &auth.certificate,
        SignInput::data(challenge),
        &auth.signature,
    )
    .expect("the signature verifies over the challenge");
    assert_eq!(
        verify::verify_signature(
            &auth.certificate,
            SignInput::data(b"other"),
            &auth.signature
        ),
        Err(Error::Verify(VerifyError::SignatureInvalid)),
        "the signature is bound to the challenge"
    );
    TrustAnchors::new(vec![
        JpkiCertificate::from_der(pki::auth_ca_der()).expect("the test CA parses"),
    ])
    .verify(&auth.certificate, at)
    .expect("the certificate chains to the test 利用者証明用 CA");
}
