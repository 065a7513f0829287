//! Building a CMS SignedData on the card side: the signed attributes, what the card signs over
//! them, and the SignedData around the card's signature.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::Encode;
use der::asn1::{Any, Null, ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use super::{
    ECDSA_WITH_SHA384, EssCertIdV2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SHA256,
    ID_SHA384, ID_SIGNED_DATA, ID_SIGNING_CERTIFICATE_V2, ID_SIGNING_TIME, RSA_ENCRYPTION,
    SigningCertificateV2, enc,
};
use crate::cert::{JpkiCertificate, KeyAlgorithm, UnixTime};
use crate::digest::{DigestAlgorithm, SignInput};
use crate::error::Error;
use crate::error::{CardError, UsageError};

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, Error> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(enc)?;
    Ok(Attribute { oid, values })
}

/// The signed attributes for `content` signed by `cert` at `signing_time`, and what the card
/// must sign over them: for an RSA key the DigestInfo of SHA-256, for an ECDSA P-384 key the
/// bare SHA-384 digest (RFC 5753 §2.1.1 / RFC 5754 pair P-384 with SHA-384).
pub struct PreparedSignature {
    attrs: SetOfVec<Attribute>,
    card_input: Vec<u8>,
    key: KeyAlgorithm,
}

/// The content digest and signature algorithms for a key: SHA-256 with rsaEncryption for RSA
/// (today's cards), SHA-384 with ecdsa-with-SHA384 for P-384.
pub(crate) fn algorithms(key: KeyAlgorithm) -> (DigestAlgorithm, ObjectIdentifier) {
    match key {
        KeyAlgorithm::Rsa { .. } => (DigestAlgorithm::Sha256, ID_SHA256),
        KeyAlgorithm::EcdsaP384 => (DigestAlgorithm::Sha384, ID_SHA384),
    }
}

impl PreparedSignature {
    /// Builds the signed attributes (contentType, messageDigest, signingTime,
    /// signingCertificateV2) and what the card signs over them.
    pub fn new(
        content: &[u8],
        cert: &JpkiCertificate,
        signing_time: UnixTime,
    ) -> Result<Self, Error> {
        let (digest, _) = algorithms(cert.key_algorithm());
        Self::for_digest(&digest.hash(content), cert, Some(signing_time))
    }

    /// The same over a content digest computed elsewhere (a PDF's ByteRange, hashed where the
    /// file is): `message_digest` must be of the key's algorithm (SHA-256 for RSA, SHA-384 for
    /// P-384). `signing_time` `None` leaves the signingTime attribute out, as PAdES baseline
    /// signatures require (the time is the PDF's /M, ETSI EN 319 142-1).
    pub fn for_digest(
        message_digest: &[u8],
        cert: &JpkiCertificate,
        signing_time: Option<UnixTime>,
    ) -> Result<Self, Error> {
        let key = cert.key_algorithm();
        let (digest, _) = algorithms(key);
        if message_digest.len() != digest.hash(b"").len() {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "message digest is not of the key's digest algorithm",
            }));
        }
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                hash_algorithm: None,
                cert_hash: OctetString::new(Sha256::digest(cert.der()).to_vec()).map_err(enc)?,
                issuer_serial: None,
            }],
            policies: None,
        };
        let mut attrs = SetOfVec::new();
        attrs
            .insert(attribute(
                ID_CONTENT_TYPE,
                Any::encode_from(&ID_DATA).map_err(enc)?,
            )?)
            .map_err(enc)?;
        attrs
            .insert(attribute(
                ID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(message_digest.to_vec()).map_err(enc)?)
                    .map_err(enc)?,
            )?)
            .map_err(enc)?;
        if let Some(signing_time) = signing_time {
            let time = UtcTime::from_unix_duration(core::time::Duration::from_secs(signing_time.0))
                .map_err(|_| {
                    Error::Usage(UsageError::InvalidArgument {
                        what: "signing time outside 1950-2049",
                    })
                })?;
            attrs
                .insert(attribute(
                    ID_SIGNING_TIME,
                    Any::encode_from(&Time::UtcTime(time)).map_err(enc)?,
                )?)
                .map_err(enc)?;
        }
        attrs
            .insert(attribute(
                ID_SIGNING_CERTIFICATE_V2,
                Any::encode_from(&ess).map_err(enc)?,
            )?)
            .map_err(enc)?;
        let card_input = SignInput::Data {
            algorithm: digest,
            data: &attrs.to_der().map_err(enc)?,
        }
        .card_input(key)?;
        Ok(PreparedSignature {
            attrs,
            card_input,
            key,
        })
    }

    /// The digest of the DER signed attributes and its algorithm (SHA-256 for RSA, SHA-384 for
    /// P-384): what a face that signs on another device gives the card's digest-signing call
    /// (`SignInput::digest`), whose DigestInfo is then [`card_input`](Self::card_input).
    pub fn signed_attributes_digest(&self) -> Result<(DigestAlgorithm, Vec<u8>), Error> {
        let (digest, _) = algorithms(self.key);
        Ok((digest, digest.hash(&self.attrs.to_der().map_err(enc)?)))
    }

    /// What the card signs (the data of `80 2A`): a DigestInfo for RSA, a digest for P-384.
    pub fn card_input(&self) -> &[u8] {
        &self.card_input
    }

    /// The SignedData as DER ContentInfo; `content` is embedded unless `detached`.
    pub fn finish(
        self,
        content: &[u8],
        detached: bool,
        cert: &JpkiCertificate,
        signature: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let x509 = cert.x509().clone();
        let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: x509.tbs_certificate().issuer().clone(),
            serial_number: x509.tbs_certificate().serial_number().clone(),
        });
        let (_, digest_oid) = algorithms(self.key);
        let digest_alg = AlgorithmIdentifierOwned {
            oid: digest_oid,
            parameters: None,
        };
        let (signature_algorithm, signature) = match self.key {
            KeyAlgorithm::Rsa { .. } => (
                AlgorithmIdentifierOwned {
                    oid: RSA_ENCRYPTION,
                    parameters: Some(Any::from(Null)),
                },
                signature.to_vec(),
            ),
            // The card's answer is modelled as r ‖ s (48 bytes each); CMS carries the DER
            // ECDSA-Sig-Value (RFC 5753 §2.1.1). A DER answer is taken as it is.
            KeyAlgorithm::EcdsaP384 => {
                let sig = if signature.len() == 96 {
                    p384::ecdsa::Signature::from_slice(signature)
                } else {
                    p384::ecdsa::Signature::from_der(signature)
                }
                .map_err(|_| {
                    Error::Card(CardError::MalformedResponse {
                        what: "ECDSA P-384 signature is neither r‖s nor DER",
                    })
                })?;
                (
                    AlgorithmIdentifierOwned {
                        oid: ECDSA_WITH_SHA384,
                        parameters: None,
                    },
                    sig.to_der().as_bytes().to_vec(),
                )
            }
        };
        let signer = SignerInfo {
            version: CmsVersion::V1,
            sid,
            digest_alg: digest_alg.clone(),
            signed_attrs: Some(self.attrs),
            signature_algorithm,
            signature: OctetString::new(signature).map_err(enc)?,
            unsigned_attrs: None,
        };
        let mut digests = SetOfVec::new();
        digests.insert(digest_alg).map_err(enc)?;
        let mut certs = SetOfVec::new();
        certs
            .insert(CertificateChoices::Certificate(x509))
            .map_err(enc)?;
        let mut signers = SetOfVec::new();
        signers.insert(signer).map_err(enc)?;
        let econtent = if detached {
            None
        } else {
            Some(Any::encode_from(&OctetString::new(content.to_vec()).map_err(enc)?).map_err(enc)?)
        };
        let signed = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: digests,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_DATA,
                econtent,
            },
            certificates: Some(CertificateSet(certs)),
            crls: None,
            signer_infos: SignerInfos(signers),
        };
        ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: Any::encode_from(&signed).map_err(enc)?,
        }
        .to_der()
        .map_err(enc)
    }
}
