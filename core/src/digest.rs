//! What the card signs: a DigestInfo (PKCS#1 v1.5, RFC 8017 §9.2). The card pads it and applies
//! the RSA key; the SDK builds the DigestInfo so that callers hand over data or a digest only.

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

/// Hashes data a signature is made (or checked) over. SHA-1 is refused: it is disallowed for
/// new signatures (NIST SP 800-131A Rev. 2, §5); a legacy relying party that needs it passes the
/// SHA-1 digest itself ([`SignInput::digest`]). Apart from [`DigestAlgorithm::hash`] so that a
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
    /// `docs/card-notes.md`). SHA-1 is refused for P-384: ECDSA needs a digest of at least
    /// half the order's size (24 bytes).
    pub fn card_input(&self, key: crate::cert::KeyAlgorithm) -> Result<Vec<u8>, Error> {
        let input = self.for_key(key);
        match key {
            crate::cert::KeyAlgorithm::Rsa { .. } => input.digest_info(),
            crate::cert::KeyAlgorithm::EcdsaP384 => {
                if input.algorithm() == DigestAlgorithm::Sha1 {
                    return Err(Error::Usage(UsageError::InvalidArgument {
                        what: "SHA-1 is too short for an ECDSA P-384 signature",
                    }));
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
