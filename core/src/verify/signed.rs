//! The signature of X.509-family objects (certificates, CRLs, OCSP responses): an RSA
//! PKCS#1 v1.5 signature by an issuer's key over the raw to-be-signed bytes.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{
    SHA_1_WITH_RSA_ENCRYPTION, SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION,
    SHA_512_WITH_RSA_ENCRYPTION,
};

use super::signature::verify_digest_info;
use crate::digest::{DigestAlgorithm, SignInput};
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

/// Verifies `signature` by `key` over `tbs` with the RSA algorithm `oid`.
pub(crate) fn verify_rsa_signed(
    key: &rsa::PublicKey,
    oid: &ObjectIdentifier,
    tbs: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let algorithm = rsa_digest(oid).ok_or(Error::Verify(VerifyError::SignatureInvalid))?;
    let digest_info = SignInput::Data {
        algorithm,
        data: tbs,
    }
    .digest_info()?;
    verify_digest_info(key, &digest_info, signature)
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
