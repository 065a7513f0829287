//! The signature of X.509-family objects (certificates, CRLs, OCSP responses, CMS signed
//! attributes): an issuer's key over the raw to-be-signed bytes, RSA PKCS#1 v1.5 or ECDSA
//! P-384 (DER `ECDSA-Sig-Value`, RFC 5758 §3.2 / RFC 5480).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, SHA_1_WITH_RSA_ENCRYPTION,
    SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
};
use der::asn1::Any;

use super::signature::{verify_p384_prehash, verify_rsa};
use crate::cert::PublicKey;
use crate::digest::DigestAlgorithm;
use crate::error::Error;
use crate::error::VerifyError;

/// The hash of an RSA signature algorithm; JPKI uses sha256WithRSAEncryption (the 2015 CAs
/// too), SHA-1 only on pre-2015 objects.
pub(crate) fn rsa_digest(oid: &ObjectIdentifier) -> Option<DigestAlgorithm> {
    match *oid {
        SHA_256_WITH_RSA_ENCRYPTION => Some(DigestAlgorithm::Sha256),
        SHA_384_WITH_RSA_ENCRYPTION => Some(DigestAlgorithm::Sha384),
        SHA_512_WITH_RSA_ENCRYPTION => Some(DigestAlgorithm::Sha512),
        SHA_1_WITH_RSA_ENCRYPTION => Some(DigestAlgorithm::Sha1),
        _ => None,
    }
}

/// The hash of an ECDSA signature algorithm (RFC 5758 §3.2); the next JPKI generation is
/// reported to use ecdsa-with-SHA384.
pub(crate) fn ecdsa_digest(oid: &ObjectIdentifier) -> Option<DigestAlgorithm> {
    match *oid {
        ECDSA_WITH_SHA_384 => Some(DigestAlgorithm::Sha384),
        ECDSA_WITH_SHA_256 => Some(DigestAlgorithm::Sha256),
        ECDSA_WITH_SHA_512 => Some(DigestAlgorithm::Sha512),
        _ => None,
    }
}

/// Whether the parameters of signature algorithm `oid` are as its RFC prescribes: NULL or
/// absent for RSA PKCS#1 v1.5 (RFC 4055 §5), absent for ECDSA (RFC 5758 §3.2).
pub(crate) fn parameters_ok(oid: &ObjectIdentifier, parameters: Option<&Any>) -> bool {
    if ecdsa_digest(oid).is_some() {
        parameters.is_none()
    } else {
        parameters.is_none_or(|p| p.is_null())
    }
}

/// Verifies `signature` by `key` over `tbs` with the signature algorithm `oid`, which must
/// belong to the key's algorithm (an RSA algorithm for an RSA key, ECDSA for a P-384 key).
pub(crate) fn verify_signed(
    key: &PublicKey,
    oid: &ObjectIdentifier,
    tbs: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    match key {
        PublicKey::Rsa(key) => {
            let algorithm = rsa_digest(oid).ok_or(Error::Verify(VerifyError::SignatureInvalid))?;
            verify_rsa(key, algorithm, tbs, signature)
        }
        PublicKey::EcdsaP384(key) => {
            let algorithm =
                ecdsa_digest(oid).ok_or(Error::Verify(VerifyError::SignatureInvalid))?;
            let sig = p384::ecdsa::Signature::from_der(signature)
                .map_err(|_| Error::Verify(VerifyError::SignatureInvalid))?;
            verify_p384_prehash(key, &algorithm.hash(tbs), &sig)
        }
    }
}

/// The raw bytes of the first element of the outermost SEQUENCE of `der` (the to-be-signed
/// part), without re-encoding.
pub(crate) fn first_element(der: &[u8]) -> Option<&[u8]> {
    use der::{Decode, Header, Reader, SliceReader};
    let mut outer = SliceReader::new(der).ok()?;
    let header = Header::decode(&mut outer).ok()?;
    let body = outer.read_slice(header.length()).ok()?;
    let mut inner = SliceReader::new(body).ok()?;
    inner.tlv_bytes().ok()
}
