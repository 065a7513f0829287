use super::crl::{authority_key_id, subject_key_id};
use super::kind::CertificateKind;
use super::signed::{parameters_ok, verify_signed};
use crate::cert::{JpkiCertificate, UnixTime};
use crate::error::Error;
use crate::error::VerifyError;

/// Checks that `issuer` signed `cert` (names match, the RSA PKCS#1 v1.5 or ECDSA P-384
/// signature verifies) and that `cert` is valid at `at`.
pub fn verify_issued_by(
    cert: &JpkiCertificate,
    issuer: &JpkiCertificate,
    at: UnixTime,
) -> Result<(), Error> {
    if cert.x509().tbs_certificate().issuer() != issuer.x509().tbs_certificate().subject() {
        return Err(Error::Verify(VerifyError::ChainUntrusted));
    }
    let algorithm = cert.x509().signature_algorithm();
    // RSA PKCS#1 v1.5 algorithm identifiers carry NULL parameters (RFC 4055 §5), ECDSA ones
    // none (RFC 5758 §3.2); anything else is a certificate altered outside its signed part.
    if !parameters_ok(&algorithm.oid, algorithm.parameters.as_ref())
        || algorithm.oid != cert.x509().tbs_certificate().signature().oid
    {
        return Err(Error::Verify(VerifyError::CertificateInvalid {
            what: "signature algorithm fields disagree",
        }));
    }
    if super::signed::rsa_digest(&algorithm.oid).is_none()
        && super::signed::ecdsa_digest(&algorithm.oid).is_none()
    {
        return Err(Error::Verify(VerifyError::CertificateInvalid {
            what: "unsupported signature algorithm",
        }));
    }
    verify_signed(
        issuer.public_key()?,
        &algorithm.oid,
        cert.tbs_der()?,
        cert.signature_bytes()?,
    )
    .map_err(|_| Error::Verify(VerifyError::ChainUntrusted))?;
    if !cert.is_valid_at(at) {
        return Err(Error::Verify(VerifyError::CertificateExpired));
    }
    Ok(())
}

/// The CA certificates a relying party trusts (the real JPKI CAs, or the test PKI's), each with
/// the kind of certificate it issues (利用者証明用 CA or 署名用 CA).
#[derive(Clone, Debug, Default)]
pub struct TrustAnchors {
    anchors: Vec<JpkiCertificate>,
    /// Parallel to `anchors`.
    kinds: Vec<Option<CertificateKind>>,
}

impl TrustAnchors {
    /// Anchors whose kind is read from their subject ([`CertificateKind::of_ca`]: the JPKI CAs'
    /// `OU=JPKI for user authentication` / `OU=JPKI for digital signature`). An anchor of
    /// neither kind issues no certificate that verifies; give its kind with
    /// [`with_kinds`](Self::with_kinds).
    pub fn new(anchors: Vec<JpkiCertificate>) -> TrustAnchors {
        let kinds = anchors.iter().map(CertificateKind::of_ca).collect();
        TrustAnchors { anchors, kinds }
    }

    /// Anchors with the kind each issues stated by the caller.
    pub fn with_kinds(anchors: Vec<(JpkiCertificate, CertificateKind)>) -> TrustAnchors {
        let (anchors, kinds) = anchors.into_iter().map(|(a, k)| (a, Some(k))).unzip();
        TrustAnchors { anchors, kinds }
    }

    /// The trusted CA certificates.
    pub fn anchors(&self) -> &[JpkiCertificate] {
        &self.anchors
    }

    /// The kind of certificate `anchor` issues, if it is one of these anchors and its kind is
    /// known.
    pub fn kind_of(&self, anchor: &JpkiCertificate) -> Option<CertificateKind> {
        self.anchors
            .iter()
            .position(|a| a.der() == anchor.der())
            .and_then(|i| self.kinds.get(i).copied().flatten())
    }

    /// Finds the anchor that issued `cert` and checks signature and validity (of both).
    /// `CHAIN_UNTRUSTED` when no anchor issued it. Anchors of one name (two generations of a
    /// CA) are told apart by key: authorityKeyIdentifier against subjectKeyIdentifier when both
    /// are present, and always by the signature.
    pub fn verify(&self, cert: &JpkiCertificate, at: UnixTime) -> Result<&JpkiCertificate, Error> {
        self.verify_with_kind(cert, at).map(|(a, _)| a)
    }

    pub(crate) fn verify_with_kind(
        &self,
        cert: &JpkiCertificate,
        at: UnixTime,
    ) -> Result<(&JpkiCertificate, Option<CertificateKind>), Error> {
        let aki = authority_key_id(cert.x509().tbs_certificate().extensions());
        let mut last = Error::Verify(VerifyError::ChainUntrusted);
        for (i, anchor) in self.anchors.iter().enumerate() {
            if let (Some(aki), Some(ski)) = (&aki, subject_key_id(anchor)) {
                if *aki != ski {
                    continue;
                }
            }
            match verify_issued_by(cert, anchor, at) {
                Ok(()) if anchor.is_valid_at(at) => {
                    return Ok((anchor, self.kinds.get(i).copied().flatten()));
                }
                Ok(()) => last = Error::Verify(VerifyError::CertificateExpired),
                Err(Error::Verify(VerifyError::ChainUntrusted)) => {}
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}
