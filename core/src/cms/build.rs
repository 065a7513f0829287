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
    EssCertIdV2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SHA256, ID_SIGNED_DATA,
    ID_SIGNING_CERTIFICATE_V2, ID_SIGNING_TIME, RSA_ENCRYPTION, SigningCertificateV2, enc,
};
use crate::cert::{JpkiCertificate, UnixTime};
use crate::digest::{DigestAlgorithm, SignInput};
use crate::error::Error;

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
            .map_err(|_| Error::InvalidArgument {
                what: "signing time outside 1950-2049",
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
