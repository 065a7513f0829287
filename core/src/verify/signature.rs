use rsa::Pkcs1v15Sign;

use crate::cert::JpkiCertificate;
use crate::digest::SignInput;
use crate::error::Error;
use crate::error::VerifyError;

/// Verifies an RSASSA-PKCS1-v1_5 signature made by the certificate's key over `input`
/// (data hashed with its algorithm, or a digest).
pub fn verify_signature(
    cert: &JpkiCertificate,
    input: SignInput<'_>,
    signature: &[u8],
) -> Result<(), Error> {
    verify_digest_info(cert.public_key()?, &input.digest_info()?, signature)
}

/// Verifies a PKCS#1 v1.5 signature over DER DigestInfo bytes.
pub fn verify_digest_info(
    key: &rsa::PublicKey,
    digest_info: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    key.verify(Pkcs1v15Sign::new_unprefixed(), digest_info, signature)
        .map_err(|_| Error::Verify(VerifyError::SignatureInvalid))
}

/// An RSA public key from its big-endian modulus and exponent (a JWK, or the `90 e 91 n` key
/// object of the card's key records); `None` when they do not make a usable key.
pub(crate) fn rsa_public_key(n: &[u8], e: &[u8]) -> Option<rsa::PublicKey> {
    let bits = |b: &[u8]| u32::try_from(b.len()).ok()?.checked_mul(8);
    let n = rsa::BoxedUint::from_be_slice(n, bits(n)?).ok()?;
    let e = rsa::BoxedUint::from_be_slice(e, bits(e)?.max(64)).ok()?;
    rsa::PublicKey::new(n, e).ok()
}
