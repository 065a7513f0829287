//! Checking a CMS SignedData (電子署名の検証) from a 署名用 key: the relying party's side of
//! [`crate::cms`]. Every field outside the signature is checked as well, so no byte of the
//! structure can change unnoticed.

use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use super::signed::verify_signed;
use super::{CertificateKind, StatusEvidence, TrustAnchors, Verified, verify_certificate};
use crate::cert::{JpkiCertificate, KeyAlgorithm, UnixTime};
use crate::cms::{
    ECDSA_WITH_SHA384, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SHA256, ID_SIGNED_DATA,
    ID_SIGNING_CERTIFICATE_V2, ID_SIGNING_TIME, RSA_ENCRYPTION, SHA256_WITH_RSA,
    SigningCertificateV2, algorithms,
};
use crate::digest::DigestAlgorithm;
use crate::error::Error;
use crate::error::{UsageError, VerifyError};

/// Malformed CMS is reported as SIGNATURE_INVALID: the document is not acceptably signed,
/// whatever the reason; `what` goes to debug logs only (it holds no document data).
fn bad(what: &'static str) -> Error {
    log::debug!("CMS rejected: {what}");
    Error::Verify(VerifyError::SignatureInvalid)
}

/// A verified signed document.
#[derive(Clone, Debug)]
pub struct SignedDocument {
    /// The signer's 署名用 certificate, checked (chain, usage, status).
    pub signer: Verified,
    /// The signer's certificate as found in the SignedData.
    pub certificate: JpkiCertificate,
    /// The document (embedded, or the detached content given).
    pub content: Vec<u8>,
    /// The signingTime attribute, when present.
    pub signing_time: Option<UnixTime>,
}

/// The signer's certificate of a SignedData, not yet verified (to pick the right CRL before
/// the full verification).
pub fn signer_certificate(der: &[u8]) -> Result<JpkiCertificate, Error> {
    find_signer(&parse(der)?)
}

fn parse(der: &[u8]) -> Result<SignedData, Error> {
    let info = ContentInfo::from_der(der).map_err(|_| bad("not a ContentInfo"))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(bad("not SignedData"));
    }
    info.content
        .decode_as()
        .map_err(|_| bad("SignedData is malformed"))
}

/// Why [`single_signer`] found no signer: each caller words it in its own layer.
pub(crate) enum SignerProblem {
    /// Not exactly one SignerInfo.
    NotOne,
    /// The signer is named by key identifier, not issuer and serial number.
    ByKeyId,
    /// No included certificate has the signer's issuer and serial number.
    CertificateMissing,
    /// The certificate cannot be re-encoded or parsed as a JPKI certificate.
    Certificate(Error),
}

/// The single SignerInfo of `signed` and the included certificate it names (issuer and serial
/// number): the CMS signer, or an RFC 3161 token's TSA.
pub(crate) fn single_signer(
    signed: &SignedData,
) -> Result<(&cms::signed_data::SignerInfo, JpkiCertificate), SignerProblem> {
    let [signer] = signed.signer_infos.0.as_slice() else {
        return Err(SignerProblem::NotOne);
    };
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(SignerProblem::ByKeyId);
    };
    let x509 = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .find_map(|c| match c {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate().issuer() == &sid.issuer
                    && c.tbs_certificate().serial_number() == &sid.serial_number =>
            {
                Some(c)
            }
            _ => None,
        })
        .ok_or(SignerProblem::CertificateMissing)?;
    let der = x509
        .to_der()
        .map_err(|_| SignerProblem::Certificate(bad("certificate")))?;
    let cert = JpkiCertificate::from_der(&der).map_err(SignerProblem::Certificate)?;
    Ok((signer, cert))
}

/// The certificate the single SignerInfo names.
fn find_signer(signed: &SignedData) -> Result<JpkiCertificate, Error> {
    single_signer(signed).map(|(_, c)| c).map_err(|p| match p {
        SignerProblem::NotOne => bad("exactly one signer expected"),
        SignerProblem::ByKeyId => bad("signer identified by key id"),
        SignerProblem::CertificateMissing => bad("signer certificate not included"),
        SignerProblem::Certificate(e) => e,
    })
}

/// Verifies a CMS SignedData from a 署名用 key: one signer, SHA-256 with an RSA key or SHA-384
/// with a P-384 key, the messageDigest and contentType attributes, the signature over the
/// signed attributes (RSA PKCS#1 v1.5 or ECDSA), then the certificate
/// (chain to `anchors`, 署名用 key usage, revocation from `evidence`).
pub fn verify_signed_document(
    der: &[u8],
    detached_content: Option<&[u8]>,
    anchors: &TrustAnchors,
    at: UnixTime,
    evidence: StatusEvidence<'_>,
) -> Result<SignedDocument, Error> {
    let signed = parse(der)?;
    let signer = match signed.signer_infos.0.as_slice() {
        [one] => one,
        _ => return Err(bad("exactly one signer expected")),
    };
    // The unsigned framing must be exactly what RFC 5652 prescribes for this shape, so that
    // no byte of the structure can change without the verification noticing.
    if signed.version != CmsVersion::V1 || signer.version != CmsVersion::V1 {
        return Err(bad("version is not 1"));
    }
    // The signer's key decides the algorithms: SHA-256 with RSA, SHA-384 with P-384.
    let certificate = find_signer(&signed)?;
    let key = certificate.key_algorithm();
    let (content_digest, digest_oid) = algorithms(key);
    let digest_only = |a: &AlgorithmIdentifierOwned| {
        a.oid == digest_oid && a.parameters.as_ref().is_none_or(|p| p.is_null())
    };
    if !digest_only(&signer.digest_alg) || !signed.digest_algorithms.iter().all(digest_only) {
        return Err(bad("digest is not the one of the signer's key"));
    }
    if signer.unsigned_attrs.is_some() || signed.crls.is_some() {
        return Err(bad("unexpected unsigned attributes or CRLs"));
    }
    if signed.encap_content_info.econtent_type != ID_DATA {
        return Err(bad("content is not id-data"));
    }
    let content = match (&signed.encap_content_info.econtent, detached_content) {
        (Some(any), None) => any
            .decode_as::<OctetString>()
            .map_err(|_| bad("content is not an OCTET STRING"))?
            .as_bytes()
            .to_vec(),
        (None, Some(c)) => c.to_vec(),
        (Some(_), Some(_)) => return Err(bad("content both embedded and detached")),
        (None, None) => {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "detached signature: give the document",
            }));
        }
    };
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or(bad("no signed attributes"))?;
    let single = |oid: ObjectIdentifier| -> Result<&Any, Error> {
        let a = attrs
            .iter()
            .find(|a| a.oid == oid)
            .ok_or(bad("signed attribute missing"))?;
        match a.values.as_slice() {
            [v] => Ok(v),
            _ => Err(bad("signed attribute with several values")),
        }
    };
    let content_type: ObjectIdentifier = single(ID_CONTENT_TYPE)?
        .decode_as()
        .map_err(|_| bad("contentType"))?;
    if content_type != ID_DATA {
        return Err(bad("contentType attribute disagrees"));
    }
    let digest: OctetString = single(ID_MESSAGE_DIGEST)?
        .decode_as()
        .map_err(|_| bad("messageDigest"))?;
    if digest.as_bytes() != content_digest.hash(&content).as_slice() {
        return Err(Error::Verify(VerifyError::SignatureInvalid));
    }
    // signingCertificateV2 binds the exact certificate bytes to the signature (RFC 5035).
    if attrs.iter().any(|a| a.oid == ID_SIGNING_CERTIFICATE_V2) {
        let ess: SigningCertificateV2 = single(ID_SIGNING_CERTIFICATE_V2)?
            .decode_as()
            .map_err(|_| bad("signingCertificateV2"))?;
        let first = ess
            .certs
            .first()
            .ok_or(bad("signingCertificateV2 is empty"))?;
        if first.hash_algorithm.as_ref().is_some_and(|a| {
            a.oid != ID_SHA256 || !a.parameters.as_ref().is_none_or(|p| p.is_null())
        }) {
            return Err(bad("signingCertificateV2 hash is not SHA-256"));
        }
        if first.cert_hash.as_bytes() != Sha256::digest(certificate.der()).as_slice() {
            return Err(bad("signingCertificateV2 names another certificate"));
        }
    }
    let signing_time = match attrs.iter().find(|a| a.oid == ID_SIGNING_TIME) {
        Some(_) => {
            let t: Time = single(ID_SIGNING_TIME)?
                .decode_as()
                .map_err(|_| bad("signingTime"))?;
            Some(UnixTime(t.to_unix_duration().as_secs()))
        }
        None => None,
    };
    let alg = &signer.signature_algorithm;
    let signed_attrs = attrs.to_der().map_err(|_| bad("attributes"))?;
    match key {
        KeyAlgorithm::Rsa { .. } => {
            if (alg.oid != RSA_ENCRYPTION && alg.oid != SHA256_WITH_RSA)
                || !alg.parameters.as_ref().is_none_or(|p| p.is_null())
            {
                return Err(bad("signature algorithm is not RSA"));
            }
            super::signature::verify_rsa(
                certificate.rsa_public_key()?,
                DigestAlgorithm::Sha256,
                &signed_attrs,
                signer.signature.as_bytes(),
            )?;
        }
        KeyAlgorithm::EcdsaP384 => {
            // RFC 5753 §2.1.1: ecdsa-with-SHA384, parameters absent, DER ECDSA-Sig-Value.
            if alg.oid != ECDSA_WITH_SHA384 || alg.parameters.is_some() {
                return Err(bad("signature algorithm is not ecdsa-with-SHA384"));
            }
            verify_signed(
                certificate.public_key()?,
                &alg.oid,
                &signed_attrs,
                signer.signature.as_bytes(),
            )?;
        }
    }
    let verified = verify_certificate(
        &certificate,
        CertificateKind::Signature,
        anchors,
        at,
        evidence,
    )?;
    Ok(SignedDocument {
        signer: verified,
        certificate,
        content,
        signing_time,
    })
}
