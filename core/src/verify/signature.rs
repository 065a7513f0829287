use rsa::Pkcs1v15Sign;

use crate::cert::{JpkiCertificate, PublicKey};
use crate::digest::{DigestAlgorithm, SignInput};
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
        PublicKey::Rsa(key) => match input {
            // The data is at hand: the native backend can hash and verify it in one.
            SignInput::Data { algorithm, data } => verify_rsa(key, algorithm, data, signature),
            _ => verify_digest_info(key, &input.digest_info()?, signature),
        },
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

/// Verifies an RSASSA-PKCS1-v1_5 signature over `message` hashed with `algorithm`.
///
/// Native builds verify with *ring* (BoringSSL's Montgomery arithmetic, about ten times the rate
/// of the RustCrypto `rsa` crate's constant-time `BoxedUint` arithmetic: issue 18's bench);
/// wasm32 keeps RustCrypto, for the page's size. Both accept exactly the same signatures: the
/// keys reach here through `rsa::PublicKey`, whose checks (odd `n` of 1024–8192 bits, odd
/// `e` of 3 … 2³³−1) are ring's too, and the encoding is RFC 8017 §8.2.2 in both; the
/// differential test below runs them over good and bad signatures. Where ring has no
/// algorithm for the pair (SHA-384 with a modulus under 2048 bits), RustCrypto answers.
pub(crate) fn verify_rsa(
    key: &rsa::PublicKey,
    algorithm: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(result) = ring_backend::verify(key, algorithm, message, signature) {
        return result;
    }
    verify_rsa_rustcrypto(key, algorithm, message, signature)
}

/// [`verify_rsa`] with the RustCrypto `rsa` crate (the wasm32 backend, and the reference of the
/// differential test).
pub(crate) fn verify_rsa_rustcrypto(
    key: &rsa::PublicKey,
    algorithm: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    // Not `SignInput`: a legacy SHA-1 signature is still checked here.
    verify_digest_info(key, &algorithm.digest_info_of(message), signature)
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod ring_backend {
    use ring::signature::{self, RsaParameters, RsaPublicKeyComponents};
    use rsa::traits::PublicKeyParts;

    use crate::digest::DigestAlgorithm;
    use crate::error::{Error, VerifyError};

    /// ring's verification algorithm for `algorithm` and a modulus of `bytes` bytes, if it has
    /// one (its `*_FOR_LEGACY_USE_ONLY` variants are the SHA-1 and sub-2048-bit ones, which
    /// RustCrypto also accepts).
    fn parameters(algorithm: DigestAlgorithm, bytes: usize) -> Option<&'static RsaParameters> {
        let big = bytes >= 256;
        Some(match algorithm {
            DigestAlgorithm::Sha256 if big => &signature::RSA_PKCS1_2048_8192_SHA256,
            DigestAlgorithm::Sha384 if big => &signature::RSA_PKCS1_2048_8192_SHA384,
            DigestAlgorithm::Sha512 if big => &signature::RSA_PKCS1_2048_8192_SHA512,
            DigestAlgorithm::Sha1 if big => {
                &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
            }
            DigestAlgorithm::Sha256 => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha512 => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha1 => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha384 => return None,
        })
    }

    /// Big-endian bytes without leading zeros, as ring takes `n` and `e`.
    fn minimal(bytes: &[u8]) -> &[u8] {
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        &bytes[skip..]
    }

    /// `None` when ring has no algorithm for the pair (the caller asks RustCrypto).
    pub(crate) fn verify(
        key: &rsa::PublicKey,
        algorithm: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Option<Result<(), Error>> {
        let parameters = parameters(algorithm, key.size())?;
        let n = key.n().to_be_bytes();
        let e = key.e().to_be_bytes();
        let components = RsaPublicKeyComponents {
            n: minimal(&n),
            e: minimal(&e),
        };
        Some(
            components
                .verify(parameters, message, signature)
                .map_err(|_| Error::Verify(VerifyError::SignatureInvalid)),
        )
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

/// The two RSA backends against each other (native builds only, where both exist): the same
/// answer for every good and bad signature, and the right one.
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod differential {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;

    use super::*;

    /// Test keys made with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:B
    /// -pkeyopt rsa_keygen_pubexp:E`, then `openssl pkcs8 -topk8 -nocrypt` (`core/testdata/rsa/`,
    /// PKCS#8 DER): sizes 1024 … 4096, an odd 2047-bit modulus, and e = 3, 17 beside 65537.
    fn keys() -> Vec<(&'static str, rsa::PrivateKey)> {
        [
            (
                "1024 e65537",
                &include_bytes!("../../testdata/rsa/rsa-1024-e65537.pk8.der")[..],
            ),
            (
                "2047 e65537",
                include_bytes!("../../testdata/rsa/rsa-2047-e65537.pk8.der"),
            ),
            (
                "2048 e65537",
                include_bytes!("../../testdata/rsa/rsa-2048-e65537.pk8.der"),
            ),
            (
                "2048 e3",
                include_bytes!("../../testdata/rsa/rsa-2048-e3.pk8.der"),
            ),
            (
                "2048 e17",
                include_bytes!("../../testdata/rsa/rsa-2048-e17.pk8.der"),
            ),
            (
                "3072 e65537",
                include_bytes!("../../testdata/rsa/rsa-3072-e65537.pk8.der"),
            ),
            (
                "4096 e65537",
                include_bytes!("../../testdata/rsa/rsa-4096-e65537.pk8.der"),
            ),
        ]
        .into_iter()
        .map(|(name, der)| (name, rsa::PrivateKey::from_pkcs8_der(der).unwrap()))
        .collect()
    }

    const ALGORITHMS: [DigestAlgorithm; 4] = [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ];

    fn sign(key: &rsa::PrivateKey, algorithm: DigestAlgorithm, message: &[u8]) -> Vec<u8> {
        let info = algorithm.digest_info_of(message);
        key.sign(Pkcs1v15Sign::new_unprefixed(), &info).unwrap()
    }

    /// Both backends' answer, which must be the same; ring must have answered itself unless it
    /// has no algorithm for the pair.
    fn answer(
        key: &rsa::PublicKey,
        algorithm: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
        what: &str,
    ) -> bool {
        let reference = verify_rsa_rustcrypto(key, algorithm, message, signature);
        let ring = ring_backend::verify(key, algorithm, message, signature);
        let ring_has_it = !(algorithm == DigestAlgorithm::Sha384 && key.size() < 256);
        assert_eq!(ring.is_some(), ring_has_it, "{what}");
        if let Some(ring) = ring {
            assert_eq!(ring, reference, "{what}: the backends disagree");
        }
        assert_eq!(
            verify_rsa(key, algorithm, message, signature),
            reference,
            "{what}"
        );
        if let Err(e) = &reference {
            assert_eq!(*e, Error::Verify(VerifyError::SignatureInvalid), "{what}");
        }
        reference.is_ok()
    }

    #[test]
    fn ring_and_rustcrypto_agree_on_good_and_bad_signatures() {
        let keys = keys();
        let message = b"challenge 2026-12-02";
        let mut checked = 0;
        for (i, (name, private)) in keys.iter().enumerate() {
            let key = private.to_public_key();
            // The next key in the list, for "signed by another key".
            let other = keys[(i + 1) % keys.len()].1.to_public_key();
            for algorithm in ALGORITHMS {
                let what = |case: &str| format!("{name} {}: {case}", algorithm.name());
                let good = sign(private, algorithm, message);
                assert!(answer(&key, algorithm, message, &good, &what("good")));
                assert!(!answer(
                    &key,
                    algorithm,
                    b"another message",
                    &good,
                    &what("message")
                ));
                assert!(!answer(
                    &other,
                    algorithm,
                    message,
                    &good,
                    &what("wrong key")
                ));
                for other_algorithm in ALGORITHMS.into_iter().filter(|a| *a != algorithm) {
                    assert!(!answer(
                        &key,
                        other_algorithm,
                        message,
                        &good,
                        &what("algorithm")
                    ));
                }
                // Every byte position gets a flipped bit somewhere across the cases.
                for bit in (0..good.len() * 8)
                    .step_by(61)
                    .chain([0, 7, good.len() * 8 - 1])
                {
                    let mut bad = good.clone();
                    bad[bit / 8] ^= 1 << (bit % 8);
                    assert!(!answer(
                        &key,
                        algorithm,
                        message,
                        &bad,
                        &what("flipped bit")
                    ));
                }
                let short = &good[1..];
                let long = [&[0u8][..], &good].concat();
                let trailing = [&good[..], &[0u8]].concat();
                for (case, bad) in [
                    ("one byte short", short.to_vec()),
                    ("leading zero", long),
                    ("trailing byte", trailing),
                    ("empty", Vec::new()),
                    ("n itself", key.n().to_be_bytes().to_vec()),
                    ("all FF", vec![0xFF; good.len()]),
                    ("zero", vec![0; good.len()]),
                ] {
                    assert!(!answer(&key, algorithm, message, &bad, &what(case)));
                }
                checked += 1;
            }
            // Not a DigestInfo with NULL parameters: the bare digest, and the DigestInfo
            // without its NULL (both refused by both backends).
            let digest = DigestAlgorithm::Sha256.hash(message);
            let bare = private
                .sign(Pkcs1v15Sign::new_unprefixed(), &digest)
                .unwrap();
            assert!(!answer(&key, DigestAlgorithm::Sha256, message, &bare, name));
            let no_null = [
                &[
                    0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
                    0x02, 0x01, 0x04, 0x20,
                ][..],
                &digest,
            ]
            .concat();
            let sig = private
                .sign(Pkcs1v15Sign::new_unprefixed(), &no_null)
                .unwrap();
            assert!(!answer(&key, DigestAlgorithm::Sha256, message, &sig, name));
        }
        assert_eq!(checked, keys.len() * ALGORITHMS.len());
    }

    #[test]
    fn certificates_verify_the_same_on_both_backends() {
        // The real JPKI CAs are self-signed with sha256WithRSAEncryption: RSA-2048 (2015 and
        // 2023 generations).
        for pem in [
            include_str!("../../anchors/auth_ca_2023.pem"),
            include_str!("../../anchors/sign_ca_2015.pem"),
        ] {
            let cert = JpkiCertificate::from_pem(pem).unwrap();
            let key = cert.rsa_public_key().unwrap();
            let tbs = cert.tbs_der().unwrap();
            let signature = cert.signature_bytes().unwrap();
            assert!(answer(key, DigestAlgorithm::Sha256, tbs, signature, "CA"));
            let mut bad = signature.to_vec();
            bad[100] ^= 0x10;
            assert!(!answer(
                key,
                DigestAlgorithm::Sha256,
                tbs,
                &bad,
                "CA flipped"
            ));
        }
    }
}
