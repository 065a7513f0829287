//! Signed documents (電子申請): CMS SignedData (RFC 5652) made with the card's 署名用 key. The
//! card signs over the signed attributes (contentType, messageDigest, signingTime,
//! signingCertificateV2), so one card signature covers the document, the time and the
//! certificate: SHA-256 and RSA PKCS#1 v1.5 with today's RSA-2048 keys, SHA-384 and ECDSA
//! (RFC 5753) with a P-384 key. Types are RustCrypto's `cms` and `x509-cert`.
//!
//! This module is the card side (building, [`PreparedSignature`]) and the vocabulary both
//! sides share (object identifiers, the ESS attribute types). Checking a signed document is a
//! relying party's work and lives in [`crate::verify`] (`verify_signed_document`,
//! `SignedDocument`), so `cms` never depends on `verify`: the core has no module cycle.

mod build;

pub use build::PreparedSignature;
pub(crate) use build::algorithms;

use der::Sequence;
use der::asn1::{ObjectIdentifier, OctetString};

use crate::error::Error;
use crate::error::UsageError;

pub(crate) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_CONTENT_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const ID_SIGNING_TIME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
pub(crate) const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub(crate) const ID_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const ID_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const ECDSA_WITH_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
pub(crate) const RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const SHA256_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// ESSCertIDv2 (RFC 5035 §4): the SDK writes only `certHash` (SHA-256 is the DEFAULT
/// `hashAlgorithm`, so DER leaves it out); other signers (pyHanko, Acrobat) also write the
/// algorithm explicitly and `issuerSerial`, which must still decode.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct EssCertIdV2 {
    pub(crate) hash_algorithm: Option<x509_cert::spki::AlgorithmIdentifierOwned>,
    pub(crate) cert_hash: OctetString,
    pub(crate) issuer_serial: Option<der::Any>,
}

/// SigningCertificateV2 (RFC 5035 §4): the hash of the signer's certificate, signed;
/// `policies` (optional) is kept undecoded.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub(crate) certs: Vec<EssCertIdV2>,
    pub(crate) policies: Option<der::Any>,
}

pub(crate) fn enc(_: der::Error) -> Error {
    Error::Usage(UsageError::InvalidArgument {
        what: "cannot encode the CMS structure",
    })
}
