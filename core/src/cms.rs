//! Signed documents (電子申請): CMS SignedData (RFC 5652) made with the card's 署名用 key, and
//! their verification. The card signs SHA-256 over the signed attributes (contentType,
//! messageDigest, signingTime, signingCertificateV2), so one card signature covers the
//! document, the time and the certificate. Types are RustCrypto's `cms` and `x509-cert`.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, Null, ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use crate::cert::{JpkiCertificate, UnixTime};
use crate::digest::{DigestAlgorithm, SignInput};
use crate::error::Error;
use crate::error::{UsageError, VerifyError};
use crate::verify::{
    CertificateKind, StatusEvidence, TrustAnchors, Verified, verify_certificate, verify_digest_info,
};

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// ESSCertIDv2 (RFC 5035) with the default SHA-256 hash algorithm left out.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn enc(_: der::Error) -> Error {
    Error::Usage(UsageError::InvalidArgument {
        what: "cannot encode the CMS structure",
    })
}

/// Malformed CMS is reported as SIGNATURE_INVALID: the document is not acceptably signed,
/// whatever the reason; `what` goes to debug logs only (it holds no document data).
fn bad(what: &'static str) -> Error {
    log::debug!("CMS rejected: {what}");
    Error::Verify(VerifyError::SignatureInvalid)
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, Error> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(enc)?;
    Ok(Attribute { oid, values })
}

/// The signed attributes for `content` signed by `cert` at `signing_time`, and the
/// DigestInfo the card must sign over them.
pub struct PreparedSignature {
    attrs: SetOfVec<Attribute>,
    digest_info: Vec<u8>,
}

impl PreparedSignature {
    /// Builds the signed attributes (contentType, messageDigest, signingTime,
    /// signingCertificateV2) and the DigestInfo over them.
    pub fn new(
        content: &[u8],
        cert: &JpkiCertificate,
        signing_time: UnixTime,
    ) -> Result<Self, Error> {
        let time = UtcTime::from_unix_duration(core::time::Duration::from_secs(signing_time.0))
            .map_err(|_| {
                Error::Usage(UsageError::InvalidArgument {
                    what: "signing time outside 1950-2049",
                })
            })?;
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(Sha256::digest(cert.der()).to_vec()).map_err(enc)?,
            }],
        };
        let mut attrs = SetOfVec::new();
        for a in [
            attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA).map_err(enc)?)?,
            attribute(
                ID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(Sha256::digest(content).to_vec()).map_err(enc)?)
                    .map_err(enc)?,
            )?,
            attribute(
                ID_SIGNING_TIME,
                Any::encode_from(&Time::UtcTime(time)).map_err(enc)?,
            )?,
            attribute(
                ID_SIGNING_CERTIFICATE_V2,
                Any::encode_from(&ess).map_err(enc)?,
            )?,
        ] {
            attrs.insert(a).map_err(enc)?;
        }
        let digest_info = SignInput::Data {
            algorithm: DigestAlgorithm::Sha256,
            data: &attrs.to_der().map_err(enc)?,
        }
        .digest_info()?;
        Ok(PreparedSignature { attrs, digest_info })
    }

    /// What the card signs (`80 2A`).
    pub fn digest_info(&self) -> &[u8] {
        &self.digest_info
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
        let sha256 = AlgorithmIdentifierOwned {
            oid: ID_SHA256,
            parameters: None,
        };
        let signer = SignerInfo {
            version: CmsVersion::V1,
            sid,
            digest_alg: sha256.clone(),
            signed_attrs: Some(self.attrs),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: RSA_ENCRYPTION,
                parameters: Some(Any::from(Null)),
            },
            signature: OctetString::new(signature.to_vec()).map_err(enc)?,
            unsigned_attrs: None,
        };
        let mut digests = SetOfVec::new();
        digests.insert(sha256).map_err(enc)?;
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

/// The certificate the single SignerInfo names (issuer and serial number).
fn find_signer(signed: &SignedData) -> Result<JpkiCertificate, Error> {
    let [signer] = signed.signer_infos.0.as_slice() else {
        return Err(bad("exactly one signer expected"));
    };
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(bad("signer identified by key id"));
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
        .ok_or(bad("signer certificate not included"))?;
    JpkiCertificate::from_der(&x509.to_der().map_err(|_| bad("certificate"))?)
}

/// Verifies a CMS SignedData from a 署名用 key: one signer, SHA-256, the messageDigest and
/// contentType attributes, the RSA signature over the signed attributes, then the certificate
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
    let sha256_only = |a: &AlgorithmIdentifierOwned| {
        a.oid == ID_SHA256 && a.parameters.as_ref().is_none_or(|p| p.is_null())
    };
    if !sha256_only(&signer.digest_alg) || !signed.digest_algorithms.iter().all(sha256_only) {
        return Err(bad("digest is not SHA-256"));
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
    let certificate = find_signer(&signed)?;
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
    if digest.as_bytes() != Sha256::digest(&content).as_slice() {
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
    if (alg.oid != RSA_ENCRYPTION && alg.oid != SHA256_WITH_RSA)
        || !alg.parameters.as_ref().is_none_or(|p| p.is_null())
    {
        return Err(bad("signature algorithm is not RSA"));
    }
    let digest_info = SignInput::Data {
        algorithm: DigestAlgorithm::Sha256,
        data: &attrs.to_der().map_err(|_| bad("attributes"))?,
    }
    .digest_info()?;
    verify_digest_info(
        certificate.public_key()?,
        &digest_info,
        signer.signature.as_bytes(),
    )?;
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
