//! OCSP (RFC 6960), sans-IO: [`OcspRequest`] builds the DER a relying party POSTs to the
//! responder (`Content-Type: application/ocsp-request`), and [`OcspRequest::verify_response`]
//! checks the answer: signed by the CA or by a responder the CA delegated (id-kp-OCSPSigning),
//! for this certificate, with our nonce, current at the given time (within nextUpdate, or within
//! a maximum age when the responder gives no nextUpdate).
//!
//! The ASN.1 types are declared here with `der`'s derive macros: RustCrypto's `x509-ocsp`
//! (0.2) is built on der 0.7 / x509-cert 0.2 and cannot share types with x509-cert 0.3.

use der::asn1::{BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Choice, Decode, Encode, Enumerated, Sequence};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::crl::{CertStatus, Revocation, serial_key};
use super::reason::RevocationReason;
use super::signed::{first_element, verify_signed};
use crate::cert::{JpkiCertificate, UnixTime};
use crate::error::Error;
use crate::error::{UsageError, VerifyError};

const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const ID_PKIX_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const ID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// How far a responder's clock may run ahead of ours.
const SKEW: u64 = 300;

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct CertId {
    hash_algorithm: AlgorithmIdentifierOwned,
    issuer_name_hash: OctetString,
    issuer_key_hash: OctetString,
    serial_number: SerialNumber,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct Request {
    req_cert: CertId,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    single_request_extensions: Option<Extensions>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TbsRequest {
    request_list: Vec<Request>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    request_extensions: Option<Extensions>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct OcspRequestDer {
    tbs_request: TbsRequest,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq, Enumerated)]
#[repr(u32)]
enum ResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct ResponseBytes {
    response_type: ObjectIdentifier,
    response: OctetString,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct OcspResponseDer {
    response_status: ResponseStatus,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    response_bytes: Option<ResponseBytes>,
}

#[derive(Clone, Debug, Eq, PartialEq, Choice)]
enum ResponderId {
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Name),
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct RevokedInfo {
    revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    revocation_reason: Option<x509_cert::ext::pkix::crl::CrlReason>,
}

#[derive(Clone, Debug, Eq, PartialEq, Choice)]
enum SingleStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SingleResponse {
    cert_id: CertId,
    cert_status: SingleStatus,
    this_update: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    next_update: Option<GeneralizedTime>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    single_extensions: Option<Extensions>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct ResponseData {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<u8>,
    responder_id: ResponderId,
    produced_at: GeneralizedTime,
    responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    response_extensions: Option<Extensions>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct BasicOcspResponse {
    tbs_response_data: ResponseData,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    certs: Option<Vec<Certificate>>,
}

fn invalid(what: &'static str) -> Error {
    Error::Verify(VerifyError::StatusInvalid { what })
}

fn unix(t: &GeneralizedTime) -> UnixTime {
    UnixTime(t.to_unix_duration().as_secs())
}

/// SHA-1 of the BIT STRING contents of a certificate's public key (RFC 6960 issuerKeyHash,
/// and the byKey responder id).
fn key_hash(cert: &JpkiCertificate) -> [u8; 20] {
    let spki = cert.x509().tbs_certificate().subject_public_key_info();
    Sha1::digest(spki.subject_public_key.raw_bytes()).into()
}

/// One certificate's status request, kept by the caller until the response arrives.
#[derive(Clone, Debug)]
pub struct OcspRequest {
    cert_id: CertId,
    nonce: Option<Vec<u8>>,
    der: Vec<u8>,
    max_age: u64,
}

impl OcspRequest {
    /// The oldest a response without nextUpdate may be (seconds since its thisUpdate) unless
    /// [`with_max_age`](Self::with_max_age) says otherwise: one hour. RFC 6960 §4.2.2.1: no
    /// nextUpdate means newer information is always available, so such an answer is only
    /// evidence while recent, nonce or not.
    pub const DEFAULT_MAX_AGE: u64 = 3600;

    /// The same request with another maximum age (seconds) for responses without nextUpdate.
    pub fn with_max_age(mut self, seconds: u64) -> OcspRequest {
        self.max_age = seconds;
        self
    }

    /// The maximum age in use ([`DEFAULT_MAX_AGE`](Self::DEFAULT_MAX_AGE) unless set).
    pub fn max_age(&self) -> u64 {
        self.max_age
    }

    /// Whether this request asks about `cert` as issued by `issuer` (serial number and the
    /// issuer's name and key hashes of the CertID).
    pub fn is_for(&self, cert: &JpkiCertificate, issuer: &JpkiCertificate) -> bool {
        serial_key(cert.x509().tbs_certificate().serial_number().as_bytes())
            == serial_key(self.cert_id.serial_number.as_bytes())
            && self.same_cert(&self.cert_id, issuer)
    }

    /// The request for `cert` issued by `issuer`, with `nonce` (16 random bytes recommended,
    /// RFC 8954) when the responder supports it. CertID hashes: SHA-1, as RFC 6960 and every
    /// responder accept.
    pub fn new(
        cert: &JpkiCertificate,
        issuer: &JpkiCertificate,
        nonce: Option<&[u8]>,
    ) -> Result<OcspRequest, Error> {
        let bad = |_| invalid("cannot encode the OCSP request");
        let name_der = issuer
            .x509()
            .tbs_certificate()
            .subject()
            .to_der()
            .map_err(bad)?;
        let cert_id = CertId {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: ID_SHA1,
                parameters: Some(der::Any::from(Null)),
            },
            issuer_name_hash: OctetString::new(Sha1::digest(&name_der).to_vec()).map_err(bad)?,
            issuer_key_hash: OctetString::new(key_hash(issuer).to_vec()).map_err(bad)?,
            serial_number: cert.x509().tbs_certificate().serial_number().clone(),
        };
        let request_extensions = match nonce {
            Some(n) => {
                if n.is_empty() || n.len() > 32 {
                    return Err(Error::Usage(UsageError::InvalidArgument {
                        what: "OCSP nonce must be 1 to 32 bytes",
                    }));
                }
                let value = OctetString::new(n.to_vec())
                    .map_err(bad)?
                    .to_der()
                    .map_err(bad)?;
                Some(vec![x509_cert::ext::Extension {
                    extn_id: ID_PKIX_OCSP_NONCE,
                    critical: false,
                    extn_value: OctetString::new(value).map_err(bad)?,
                }])
            }
            None => None,
        };
        let der = OcspRequestDer {
            tbs_request: TbsRequest {
                request_list: vec![Request {
                    req_cert: cert_id.clone(),
                    single_request_extensions: None,
                }],
                request_extensions,
            },
        }
        .to_der()
        .map_err(bad)?;
        Ok(OcspRequest {
            cert_id,
            nonce: nonce.map(<[u8]>::to_vec),
            der,
            max_age: OcspRequest::DEFAULT_MAX_AGE,
        })
    }

    /// The DER to POST.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// Checks a responder's answer and returns the status of the certificate this request is
    /// about. [`verify_certificate`](super::verify_certificate) also checks that this request
    /// is about the certificate being verified ([`is_for`](Self::is_for)).
    pub fn verify_response(
        &self,
        response: &[u8],
        issuer: &JpkiCertificate,
        at: UnixTime,
    ) -> Result<CertStatus, Error> {
        let outer = OcspResponseDer::from_der(response)
            .map_err(|_| invalid("OCSP response is not valid DER"))?;
        if outer.response_status != ResponseStatus::Successful {
            return Err(invalid("OCSP responder refused the request"));
        }
        let bytes = outer
            .response_bytes
            .ok_or(invalid("OCSP response has no body"))?;
        if bytes.response_type != ID_PKIX_OCSP_BASIC {
            return Err(invalid("OCSP response is not a basic response"));
        }
        let raw = bytes.response.as_bytes();
        let basic = BasicOcspResponse::from_der(raw)
            .map_err(|_| invalid("OCSP basic response is not valid DER"))?;
        let tbs = first_element(raw).ok_or(invalid("OCSP basic response is not valid DER"))?;
        let signature = basic
            .signature
            .as_bytes()
            .ok_or(invalid("OCSP signature is not a whole number of bytes"))?;
        let data = &basic.tbs_response_data;

        // Who signed: the CA itself, or a responder certificate the CA issued for OCSP.
        let signer_is = |c: &JpkiCertificate| match &data.responder_id {
            ResponderId::ByName(n) => n == c.x509().tbs_certificate().subject(),
            ResponderId::ByKey(k) => k.as_bytes() == key_hash(c),
        };
        let signer_key = if signer_is(issuer) {
            issuer.public_key()?.clone()
        } else {
            let delegated = basic
                .certs
                .iter()
                .flatten()
                .filter_map(|c| c.to_der().ok())
                .filter_map(|d| JpkiCertificate::from_der(&d).ok())
                .find(|c| signer_is(c))
                .ok_or(invalid("OCSP response is signed by an unknown responder"))?;
            super::chain::verify_issued_by(&delegated, issuer, at)
                .map_err(|_| invalid("OCSP responder certificate is not issued by the CA"))?;
            let ocsp_signing = delegated
                .x509()
                .tbs_certificate()
                .get_extension::<ExtendedKeyUsage>()
                .ok()
                .flatten()
                .is_some_and(|(_, eku)| eku.0.contains(&ID_KP_OCSP_SIGNING));
            if !ocsp_signing {
                return Err(invalid(
                    "OCSP responder certificate lacks id-kp-OCSPSigning",
                ));
            }
            delegated.public_key()?.clone()
        };
        verify_signed(&signer_key, &basic.signature_algorithm.oid, tbs, signature)
            .map_err(|_| invalid("OCSP response signature does not verify"))?;

        if let Some(nonce) = &self.nonce {
            let echoed = data
                .response_extensions
                .iter()
                .flatten()
                .find(|e| e.extn_id == ID_PKIX_OCSP_NONCE)
                .ok_or(invalid("OCSP response does not echo the nonce"))?;
            let value = echoed.extn_value.as_bytes();
            // The nonce is an OCTET STRING inside extnValue (RFC 8954); some responders put
            // the raw bytes there.
            let inner = OctetString::from_der(value)
                .map(|o| o.as_bytes().to_vec())
                .unwrap_or_else(|_| value.to_vec());
            if inner != *nonce {
                return Err(invalid("OCSP nonce does not match"));
            }
        }

        let single = data
            .responses
            .iter()
            .find(|r| self.same_cert(&r.cert_id, issuer))
            .ok_or(invalid("OCSP response is about another certificate"))?;
        let this_update = unix(&single.this_update);
        if this_update.0 > at.0.saturating_add(SKEW) {
            return Err(invalid("OCSP response is from the future"));
        }
        match &single.next_update {
            Some(n) if unix(n) < at => {
                return Err(invalid("OCSP response is stale (past nextUpdate)"));
            }
            Some(_) => {}
            None if at.0.saturating_sub(this_update.0) > self.max_age => {
                return Err(Error::Verify(VerifyError::StatusStale {
                    what: "OCSP response without nextUpdate is older than the maximum age",
                }));
            }
            None => {}
        }
        Ok(match &single.cert_status {
            SingleStatus::Good(_) => CertStatus::Good,
            SingleStatus::Unknown(_) => CertStatus::Unknown,
            SingleStatus::Revoked(info) => CertStatus::Revoked(Revocation {
                reason: info
                    .revocation_reason
                    .map(|r| RevocationReason::from_code(r as u8))
                    .unwrap_or(RevocationReason::NotGiven),
                revoked_at: unix(&info.revocation_time),
            }),
        })
    }

    /// Whether a response's CertID names our certificate (SHA-1 or SHA-256 CertIDs).
    fn same_cert(&self, id: &CertId, issuer: &JpkiCertificate) -> bool {
        if serial_key(id.serial_number.as_bytes())
            != serial_key(self.cert_id.serial_number.as_bytes())
        {
            return false;
        }
        let Ok(name_der) = issuer.x509().tbs_certificate().subject().to_der() else {
            return false;
        };
        let key = issuer
            .x509()
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        let (name_hash, key_hash): (Vec<u8>, Vec<u8>) = match id.hash_algorithm.oid {
            ID_SHA1 => (Sha1::digest(&name_der).to_vec(), Sha1::digest(key).to_vec()),
            ID_SHA256 => (
                Sha256::digest(&name_der).to_vec(),
                Sha256::digest(key).to_vec(),
            ),
            _ => return false,
        };
        id.issuer_name_hash.as_bytes() == name_hash && id.issuer_key_hash.as_bytes() == key_hash
    }
}
