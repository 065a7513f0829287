//! What the card signs: for an RSA key a DigestInfo (PKCS#1 v1.5, RFC 8017 §9.2), which the card
//! pads and applies the key to; for the modelled ECDSA P-384 key the bare digest
//! ([`SignInput::card_input`]). The SDK builds it from the key its certificate names, so that
//! callers hand over data or a digest only.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::error::Error;
use crate::error::UsageError;

/// Hash algorithm of a DigestInfo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DigestAlgorithm {
    /// Only for relying parties that still require it; never a default.
    Sha1,
    #[default]
    /// SHA-256: today's cards' digest.
    Sha256,
    /// SHA-384: the digest of the ECDSA P-384 generation.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Length of the digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }

    /// The DER prefix of `DigestInfo { AlgorithmIdentifier(alg, NULL), OCTET STRING }`
    /// (RFC 8017 §9.2 note 1).
    fn prefix(self) -> &'static [u8] {
        match self {
            DigestAlgorithm::Sha1 => &[
                0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
                0x14,
            ],
            DigestAlgorithm::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            DigestAlgorithm::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            DigestAlgorithm::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }

    /// The algorithm's name as its standard writes it (`SHA-256`), for messages.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "SHA-1",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// The DigestInfo of `data` hashed with this algorithm, SHA-1 included: what a legacy
    /// signature is checked against (a new one is made through [`SignInput`], which refuses
    /// SHA-1 data).
    pub(crate) fn digest_info_of(self, data: &[u8]) -> Vec<u8> {
        [self.prefix(), &self.hash(data)].concat()
    }

    /// Hashes `data` with this algorithm.
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            DigestAlgorithm::Sha1 => Sha1::digest(data).to_vec(),
            DigestAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
            DigestAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
            DigestAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// What to sign: data the SDK hashes, or a digest the caller computed.
#[derive(Clone, Copy, Debug)]
pub enum SignInput<'a> {
    /// Data the SDK hashes with `algorithm`.
    Data {
        /// The digest to compute.
        algorithm: DigestAlgorithm,
        /// The bytes to hash.
        data: &'a [u8],
    },
    /// A digest the caller computed.
    Digest {
        /// The algorithm that made `digest`.
        algorithm: DigestAlgorithm,
        /// The digest, of that algorithm's length.
        digest: &'a [u8],
    },
    /// Data hashed with the default of the key that signs or verifies
    /// ([`KeyAlgorithm::digest`](crate::cert::KeyAlgorithm::digest)): SHA-256 for RSA (today's
    /// cards), SHA-384 for ECDSA P-384. Where no key is known (a DigestInfo for the raw signing
    /// calls), SHA-256.
    KeyDefault {
        /// The bytes to hash.
        data: &'a [u8],
    },
}

/// Hashes the data of a DigestInfo the card is to sign. SHA-1 is refused: it is disallowed for
/// new signatures (NIST SP 800-131A Rev. 2, §5); a legacy relying party that needs it passes the
/// SHA-1 digest itself ([`SignInput::digest`]). Checking a legacy SHA-1 signature is not
/// affected (verification hashes with [`DigestAlgorithm::hash`]). Apart from `hash` so that a
/// build without verification (the browser card page) carries no SHA-1 code.
fn hash_to_sign(algorithm: DigestAlgorithm, data: &[u8]) -> Result<Vec<u8>, Error> {
    Ok(match algorithm {
        DigestAlgorithm::Sha1 => {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "SHA-1 data is not hashed for a signature; pass the SHA-1 digest",
            }));
        }
        DigestAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
        DigestAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
        DigestAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
    })
}

impl<'a> SignInput<'a> {
    /// Data to be hashed with the key's default digest: SHA-256 with an RSA key (unchanged for
    /// today's cards), SHA-384 with a P-384 key ([`SignInput::KeyDefault`]).
    pub fn data(data: &'a [u8]) -> Self {
        SignInput::KeyDefault { data }
    }

    /// This input with the key's default digest fixed (`KeyDefault` becomes `Data`).
    pub fn for_key(self, key: crate::cert::KeyAlgorithm) -> Self {
        match self {
            SignInput::KeyDefault { data } => SignInput::Data {
                algorithm: key.digest(),
                data,
            },
            other => other,
        }
    }

    /// A digest computed by the caller with `algorithm`.
    pub fn digest(algorithm: DigestAlgorithm, digest: &'a [u8]) -> Self {
        SignInput::Digest { algorithm, digest }
    }

    /// The digest algorithm this input uses (SHA-256 for `KeyDefault` where no key is known).
    pub fn algorithm(&self) -> DigestAlgorithm {
        match *self {
            SignInput::Data { algorithm, .. } | SignInput::Digest { algorithm, .. } => algorithm,
            SignInput::KeyDefault { .. } => DigestAlgorithm::Sha256,
        }
    }

    /// The DigestInfo bytes the card will sign. A digest of the wrong length is refused here,
    /// before any APDU.
    pub fn digest_info(&self) -> Result<Vec<u8>, Error> {
        Ok([self.algorithm().prefix(), &self.digest_bytes()?].concat())
    }

    /// The bare digest: the data hashed, or the caller's digest checked for length (before
    /// any APDU).
    pub fn digest_bytes(&self) -> Result<Vec<u8>, Error> {
        match *self {
            SignInput::Data { algorithm, data } => hash_to_sign(algorithm, data),
            SignInput::KeyDefault { data } => hash_to_sign(self.algorithm(), data),
            SignInput::Digest { algorithm, digest } => {
                if digest.len() != algorithm.output_len() {
                    return Err(Error::Usage(UsageError::InvalidArgument {
                        what: "digest length does not match its algorithm",
                    }));
                }
                Ok(digest.to_vec())
            }
        }
    }

    /// What the card's `80 2A` receives for a key of `key`: a DigestInfo for RSA (the card
    /// pads PKCS#1 v1.5 itself), the bare digest for ECDSA P-384 (no DigestInfo exists for
    /// ECDSA; *modelled*, no APDU-level specification of a P-384 card is public, see
    /// `docs/card-notes.md`). An input the key cannot sign is `DIGEST_UNFIT_FOR_KEY`: SHA-1 for
    /// P-384 (ECDSA needs a digest of at least half the order's size, 24 bytes), or for RSA a
    /// DigestInfo longer than the modulus less the 11 bytes of padding (RFC 8017 §9.2 step 3).
    pub fn card_input(&self, key: crate::cert::KeyAlgorithm) -> Result<Vec<u8>, Error> {
        let input = self.for_key(key);
        let unfit = || {
            Error::Usage(UsageError::DigestUnfitForKey {
                digest: input.algorithm().name(),
                key: match key {
                    crate::cert::KeyAlgorithm::Rsa { .. } => "RSA",
                    crate::cert::KeyAlgorithm::EcdsaP384 => "ECDSA P-384",
                },
            })
        };
        match key {
            crate::cert::KeyAlgorithm::Rsa { bits } => {
                let digest_info = input.digest_info()?;
                if digest_info.len() + 11 > bits / 8 {
                    return Err(unfit());
                }
                Ok(digest_info)
            }
            crate::cert::KeyAlgorithm::EcdsaP384 => {
                if input.algorithm() == DigestAlgorithm::Sha1 {
                    return Err(unfit());
                }
                input.digest_bytes()
            }
        }
    }
}

impl crate::cert::KeyAlgorithm {
    /// The hash a signature with this key is made over by default: SHA-256 for RSA (today's
    /// cards and relying parties), SHA-384 for P-384 (the reported next generation pairs them).
    /// Here, not in `cert`, so that `cert` does not depend on `digest` (no module cycle).
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            crate::cert::KeyAlgorithm::Rsa { .. } => DigestAlgorithm::Sha256,
            crate::cert::KeyAlgorithm::EcdsaP384 => DigestAlgorithm::Sha384,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_rsa_crate() {
        use const_oid::AssociatedOid;
        fn der_prefix<D: Digest + AssociatedOid>() -> Vec<u8> {
            // The rsa crate's own DigestInfo prefix, used as an independent check.
            let d = rsa::pkcs1v15::Pkcs1v15Sign::new::<D>();
            d.prefix.to_vec()
        }
        assert_eq!(DigestAlgorithm::Sha1.prefix(), der_prefix::<Sha1>());
        assert_eq!(DigestAlgorithm::Sha256.prefix(), der_prefix::<Sha256>());
        assert_eq!(DigestAlgorithm::Sha384.prefix(), der_prefix::<Sha384>());
        assert_eq!(DigestAlgorithm::Sha512.prefix(), der_prefix::<Sha512>());
    }

    #[test]
    fn the_card_input_follows_the_key_and_refuses_what_it_cannot_sign() {
        use crate::cert::KeyAlgorithm;
        let rsa = KeyAlgorithm::Rsa { bits: 2048 };
        // RSA: the DigestInfo of the key's default (SHA-256) or of the caller's algorithm.
        assert_eq!(
            SignInput::data(b"abc").card_input(rsa).unwrap(),
            SignInput::data(b"abc").digest_info().unwrap()
        );
        let d512 = DigestAlgorithm::Sha512.hash(b"abc");
        assert_eq!(
            SignInput::digest(DigestAlgorithm::Sha512, &d512)
                .card_input(rsa)
                .unwrap()
                .len(),
            19 + 64
        );
        // P-384: the bare digest, SHA-384 by default.
        assert_eq!(
            SignInput::data(b"abc")
                .card_input(KeyAlgorithm::EcdsaP384)
                .unwrap(),
            DigestAlgorithm::Sha384.hash(b"abc")
        );
        let sha1 = DigestAlgorithm::Sha1.hash(b"abc");
        let e = SignInput::digest(DigestAlgorithm::Sha1, &sha1)
            .card_input(KeyAlgorithm::EcdsaP384)
            .unwrap_err();
        assert_eq!(
            e,
            Error::Usage(UsageError::DigestUnfitForKey {
                digest: "SHA-1",
                key: "ECDSA P-384"
            })
        );
        assert_eq!(e.code(), "DIGEST_UNFIT_FOR_KEY");
        assert!(e.message_en().contains("SHA-1") && e.message_ja().contains("ECDSA P-384"));
        // RSA: a SHA-512 DigestInfo (83 bytes) needs a modulus of 94 bytes at least.
        for (bits, fits) in [(752, true), (744, false), (512, false)] {
            let r = SignInput::digest(DigestAlgorithm::Sha512, &d512)
                .card_input(KeyAlgorithm::Rsa { bits });
            assert_eq!(r.is_ok(), fits, "{bits}");
            if !fits {
                assert_eq!(r.unwrap_err().code(), "DIGEST_UNFIT_FOR_KEY");
            }
        }
        // A digest of the wrong length stays INVALID_ARGUMENT (its algorithm is not its own).
        assert_eq!(
            SignInput::digest(DigestAlgorithm::Sha384, &[0; 32])
                .card_input(KeyAlgorithm::EcdsaP384)
                .unwrap_err()
                .code(),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn digest_info_lengths() {
        assert_eq!(SignInput::data(b"abc").digest_info().unwrap().len(), 51);
        assert!(
            SignInput::digest(DigestAlgorithm::Sha256, &[0; 31])
                .digest_info()
                .is_err()
        );
        assert_eq!(
            SignInput::digest(DigestAlgorithm::Sha1, &[0; 20])
                .digest_info()
                .unwrap()
                .len(),
            35
        );
    }

    #[test]
    fn sha1_data_is_refused_but_a_sha1_digest_is_taken() {
        let data = SignInput::Data {
            algorithm: DigestAlgorithm::Sha1,
            data: b"abc",
        };
        assert!(matches!(
            data.digest_info(),
            Err(Error::Usage(UsageError::InvalidArgument { .. }))
        ));
        let digest = DigestAlgorithm::Sha1.hash(b"abc");
        let info = SignInput::digest(DigestAlgorithm::Sha1, &digest)
            .digest_info()
            .unwrap();
        assert_eq!(&info[15..], &digest[..]);
        // The other algorithms hash the same as `hash`.
        for algorithm in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            let input = SignInput::Data {
                algorithm,
                data: b"abc",
            };
            assert_eq!(input.digest_bytes().unwrap(), algorithm.hash(b"abc"));
        }
    }
}
