use rsa::Pkcs1v15Sign;

use crate::cert::{JpkiCertificate, PublicKey};
use crate::digest::SignInput;
use crate::error::Error;
use crate::error::VerifyError;

/// Verifies a signature made by the certificate's key over `input` (data hashed with its
/// algorithm or the key's default, or a digest): RSASSA-PKCS1-v1_5 for an RSA key, ECDSA for a P-384 key (the
/// signature as the card answers it, `r ‖ s` of 48 bytes each, or DER `ECDSA-Sig-Value`).
pub fn verify_signature(
    cert: &JpkiCertificate,
    input: SignInput<'_>,
    signature: &[u8],
) -> Result<(), Error> {
    let input = input.for_key(cert.key_algorithm());
    match cert.public_key()? {
        PublicKey::Rsa(key) => verify_digest_info(key, &input.digest_info()?, signature),
        PublicKey::EcdsaP384(key) => {
            let digest = input.card_input(cert.key_algorithm())?;
            let sig = if signature.len() == 96 {
                p384::ecdsa::Signature::from_slice(signature)
            } else {
                p384::ecdsa::Signature::from_der(signature)
            }
            .map_err(|_| Error::Verify(VerifyError::SignatureInvalid))?;
            verify_p384_prehash(key, &digest, &sig)
        }
    }
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

/// Verifies an ECDSA P-384 signature over a digest.
pub(crate) fn verify_p384_prehash(
    key: &p384::ecdsa::VerifyingKey,
    digest: &[u8],
    signature: &p384::ecdsa::Signature,
) -> Result<(), Error> {
    use p384::ecdsa::signature::hazmat::PrehashVerifier;
    key.verify_prehash(digest, signature)
        .map_err(|_| Error::Verify(VerifyError::SignatureInvalid))
}
