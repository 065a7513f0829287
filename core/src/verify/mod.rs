//! Verification a relying party needs before it believes a card: the RSA signature over a
//! challenge, the certificate's issuer and validity, and its revocation status (CRL, OCSP).

mod chain;
mod challenge;
mod crl;
mod kind;
mod ocsp;
pub(crate) mod reason;
mod relying_party;
pub(crate) mod signature;
mod signed;
pub(crate) mod signed_document;

pub use chain::{TrustAnchors, verify_issued_by};
pub use challenge::Challenges;
pub use crl::{CertStatus, Crl, CrlFreshness, CrlScope, Revocation, crl_distribution_points};
pub use kind::CertificateKind;
pub use ocsp::OcspRequest;
pub use reason::RevocationReason;
pub use relying_party::{
    CrlHealth, KeyPolicy, RelyingParty, StatusChecked, StatusEvidence, StatusPolicy, StatusSource,
    Verified, verify_certificate, verify_signed,
};
pub use signature::{verify_digest_info, verify_signature};
pub use signed_document::{SignedDocument, signer_certificate, verify_signed_document};

use crate::cert::JpkiCertificate;

/// The real JPKI CA certificates (2015 and 2023 generations of 利用者証明用 and 署名用), for
/// relying parties that verify real cards. Public documents; see `core/anchors/README.md`.
pub fn jpki_trust_anchors() -> TrustAnchors {
    const PEMS: [&str; 4] = [
        include_str!("../../anchors/auth_ca_2023.pem"),
        include_str!("../../anchors/sign_ca_2023.pem"),
        include_str!("../../anchors/auth_ca_2015.pem"),
        include_str!("../../anchors/sign_ca_2015.pem"),
    ];
    TrustAnchors::new(
        PEMS.iter()
            .filter_map(|p| JpkiCertificate::from_pem(p).ok())
            .collect(),
    )
}
