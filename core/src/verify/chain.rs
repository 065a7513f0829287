use const_oid::db::rfc5912::{
    SHA_1_WITH_RSA_ENCRYPTION, SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION,
    SHA_512_WITH_RSA_ENCRYPTION,
};

use super::signature::verify_digest_info;
use crate::cert::{JpkiCertificate, UnixTime};
use crate::digest::{DigestAlgorithm, SignInput};
use crate::error::Error;

/// Checks that `issuer` signed `cert` (names match, RSA PKCS#1 v1.5 signature verifies) and
/// that `cert` is valid at `at`.
pub fn verify_issued_by(
    cert: &JpkiCertificate,
    issuer: &JpkiCertificate,
    at: UnixTime,
) -> Result<(), Error> {
    if cert.x509().tbs_certificate().issuer() != issuer.x509().tbs_certificate().subject() {
        return Err(Error::ChainUntrusted);
    }
    let algorithm = cert.x509().signature_algorithm();
    // RSA PKCS#1 v1.5 algorithm identifiers carry NULL parameters (RFC 4055 §5); anything else
    // is a certificate altered outside its signed part.
    if !algorithm.parameters.as_ref().is_none_or(|p| p.is_null())
        || algorithm.oid != cert.x509().tbs_certificate().signature().oid
    {
        return Err(Error::CertificateInvalid {
            what: "signature algorithm fields disagree",
        });
    }
    let oid = algorithm.oid;
    let alg = if oid == SHA_256_WITH_RSA_ENCRYPTION {
        DigestAlgorithm::Sha256
    } else if oid == SHA_384_WITH_RSA_ENCRYPTION {
        DigestAlgorithm::Sha384
    } else if oid == SHA_512_WITH_RSA_ENCRYPTION {
        DigestAlgorithm::Sha512
    } else if oid == SHA_1_WITH_RSA_ENCRYPTION {
        DigestAlgorithm::Sha1
    } else {
        return Err(Error::CertificateInvalid {
            what: "unsupported signature algorithm",
        });
    };
    let digest_info = SignInput::Data {
        algorithm: alg,
        data: cert.tbs_der()?,
    }
    .digest_info()?;
    verify_digest_info(issuer.public_key()?, &digest_info, cert.signature_bytes()?)
        .map_err(|_| Error::ChainUntrusted)?;
    if !cert.is_valid_at(at) {
        return Err(Error::CertificateExpired);
    }
    Ok(())
}

/// The CA certificates a relying party trusts (the real JPKI CAs, or the test PKI's).
#[derive(Clone, Debug, Default)]
pub struct TrustAnchors {
    anchors: Vec<JpkiCertificate>,
}

impl TrustAnchors {
    pub fn new(anchors: Vec<JpkiCertificate>) -> TrustAnchors {
        TrustAnchors { anchors }
    }

    pub fn anchors(&self) -> &[JpkiCertificate] {
        &self.anchors
    }

    /// Finds the anchor that issued `cert` and checks signature and validity (of both).
    /// `CHAIN_UNTRUSTED` when no anchor issued it.
    pub fn verify(&self, cert: &JpkiCertificate, at: UnixTime) -> Result<&JpkiCertificate, Error> {
        let mut last = Error::ChainUntrusted;
        for anchor in &self.anchors {
            match verify_issued_by(cert, anchor, at) {
                Ok(()) if anchor.is_valid_at(at) => return Ok(anchor),
                Ok(()) => last = Error::CertificateExpired,
                Err(Error::ChainUntrusted) => {}
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}
