//! Certificate revocation lists (RFC 5280 §5): parsed with x509-cert's types, checked against
//! the issuing CA (name, key, signature, freshness) before use, bound to the key that verified
//! them, and indexed by serial number so a lookup in a JPKI-sized CRL (hundreds of thousands of
//! entries) is a binary search. Freshness is checked again at every use ([`Crl::status_at`]).

use der::Decode;
use der::Sequence;
use der::asn1::BitString;
use x509_cert::crl::RevokedCert;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use super::reason::RevocationReason;
use super::signed::{first_element, verify_signed};
use crate::cert::{JpkiCertificate, UnixTime};
use crate::error::Error;
use crate::error::VerifyError;

/// `TBSCertList` with its version OPTIONAL, as RFC 5280 §5.1 declares it (x509-cert's
/// `TbsCertList` requires the field, so a v1 CRL would not parse).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TbsCertListAnyVersion {
    version: Option<x509_cert::Version>,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: Time,
    next_update: Option<Time>,
    revoked_certificates: Option<Vec<RevokedCert>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crl_extensions: Option<Extensions>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct CertificateListAnyVersion {
    tbs_cert_list: TbsCertListAnyVersion,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// One revocation: why and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revocation {
    pub reason: RevocationReason,
    pub revoked_at: UnixTime,
}

/// What a status source says of one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertStatus {
    Good,
    Revoked(Revocation),
    Unknown,
}

pub(crate) fn unix(t: &Time) -> UnixTime {
    UnixTime(t.to_unix_duration().as_secs())
}

/// Serial numbers compared as unsigned big-endian integers (leading zero bytes dropped).
pub(crate) fn serial_key(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Whether a CRL may be used at a given time, or why not; [`Missing`](Self::Missing) in
/// [`RelyingParty::crl_health`](super::RelyingParty::crl_health) for a CA whose CRL is not held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrlFreshness {
    /// thisUpdate ≤ at ≤ nextUpdate (or no nextUpdate).
    Current { next_update: Option<UnixTime> },
    /// Past nextUpdate: a newer CRL is due. Using it gives `STATUS_STALE`.
    Stale { next_update: UnixTime },
    /// Before thisUpdate (the clock is behind the CA's).
    NotYetValid { this_update: UnixTime },
    /// No CRL of this CA is held.
    Missing,
}

/// The key identifier of a CA certificate (subjectKeyIdentifier), if it has a well-formed one.
pub(crate) fn subject_key_id(cert: &JpkiCertificate) -> Option<Vec<u8>> {
    cert.x509()
        .tbs_certificate()
        .get_extension::<SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .map(|(_, ski)| ski.0.as_bytes().to_vec())
}

/// The authorityKeyIdentifier keyIdentifier of an object's extensions, if well-formed.
pub(crate) fn authority_key_id(extensions: Option<&Extensions>) -> Option<Vec<u8>> {
    extensions?
        .iter()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER)
        .and_then(|e| AuthorityKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
        .and_then(|aki| aki.key_identifier)
        .map(|k| k.as_bytes().to_vec())
}

/// The DER SubjectPublicKeyInfo of a CA: what a CRL is bound to.
fn spki_der(cert: &JpkiCertificate) -> Result<Vec<u8>, Error> {
    use der::Encode;
    cert.x509()
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| {
            Error::Verify(VerifyError::CertificateInvalid {
                what: "public key is not RSA",
            })
        })
}

/// A CRL whose issuer, signature and freshness were checked when it was built, bound to the
/// key of the CA that verified it (CAs of two generations may share one name, as the JPKI CAs
/// of 2015 and 2023 do).
#[derive(Clone)]
pub struct Crl {
    issuer: x509_cert::name::Name,
    /// SubjectPublicKeyInfo (DER) of the CA whose key verified the signature.
    issuer_key: Box<[u8]>,
    this_update: UnixTime,
    next_update: Option<UnixTime>,
    /// (serial, revocation), sorted by serial.
    entries: Vec<(Box<[u8]>, Revocation)>,
}

impl core::fmt::Debug for Crl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer.to_string())
            .field("entries", &self.entries.len())
            .finish()
    }
}

const BAD: Error = Error::Verify(VerifyError::StatusInvalid {
    what: "CRL is not valid DER",
});

impl Crl {
    /// Parses a DER CRL and checks it: issued by `issuer` (name, authorityKeyIdentifier when
    /// both carry key identifiers, and signature), and current at `at` (thisUpdate ≤ at ≤
    /// nextUpdate). A CRL that fails any check is never used. v1 CRLs (no version field, RFC
    /// 5280 §5.1.2.1) are accepted when they carry no extensions.
    pub fn from_der(der: &[u8], issuer: &JpkiCertificate, at: UnixTime) -> Result<Crl, Error> {
        let list = CertificateListAnyVersion::from_der(der).map_err(|_| BAD)?;
        let tbs = &list.tbs_cert_list;
        let has_extensions = tbs.crl_extensions.is_some()
            || tbs
                .revoked_certificates
                .iter()
                .flatten()
                .any(|e| e.crl_entry_extensions.is_some());
        match tbs.version {
            Some(x509_cert::Version::V2) => {}
            None if !has_extensions => {}
            None => {
                return Err(Error::Verify(VerifyError::StatusInvalid {
                    what: "CRL has extensions but no version field (they need v2)",
                }));
            }
            Some(_) => {
                return Err(Error::Verify(VerifyError::StatusInvalid {
                    what: "CRL version is not v2",
                }));
            }
        }
        if tbs.issuer != *issuer.x509().tbs_certificate().subject() {
            return Err(Error::Verify(VerifyError::StatusInvalid {
                what: "CRL is from another issuer",
            }));
        }
        // Two generations of one CA name: the key identifier tells them apart before any RSA.
        if let (Some(aki), Some(ski)) = (
            authority_key_id(tbs.crl_extensions.as_ref()),
            subject_key_id(issuer),
        ) {
            if aki != ski {
                return Err(Error::Verify(VerifyError::StatusInvalid {
                    what: "CRL is from another issuer",
                }));
            }
        }
        if tbs.signature.oid != list.signature_algorithm.oid {
            return Err(Error::Verify(VerifyError::StatusInvalid {
                what: "CRL signature algorithms disagree",
            }));
        }
        let signature = list.signature.as_bytes().ok_or(BAD)?;
        let raw_tbs = first_element(der).ok_or(BAD)?;
        verify_signed(
            issuer.public_key()?,
            &list.signature_algorithm.oid,
            raw_tbs,
            signature,
        )
        .map_err(|_| {
            Error::Verify(VerifyError::StatusInvalid {
                what: "CRL signature does not verify",
            })
        })?;
        let this_update = unix(&tbs.this_update);
        let next_update = tbs.next_update.as_ref().map(unix);
        if at < this_update {
            return Err(Error::Verify(VerifyError::StatusInvalid {
                what: "CRL is not yet valid",
            }));
        }
        if next_update.is_some_and(|n| at > n) {
            return Err(Error::Verify(VerifyError::StatusInvalid {
                what: "CRL is stale (past nextUpdate)",
            }));
        }
        let mut entries: Vec<(Box<[u8]>, Revocation)> =
            Vec::with_capacity(tbs.revoked_certificates.as_ref().map_or(0, Vec::len));
        for entry in tbs.revoked_certificates.iter().flatten() {
            let reason = entry
                .crl_entry_extensions
                .iter()
                .flatten()
                .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_REASONS)
                .map(|e| {
                    CrlReason::from_der(e.extn_value.as_bytes())
                        .map(|r| RevocationReason::from_code(r as u8))
                        .unwrap_or(RevocationReason::NotGiven)
                })
                .unwrap_or(RevocationReason::NotGiven);
            entries.push((
                serial_key(entry.serial_number.as_bytes()).into(),
                Revocation {
                    reason,
                    revoked_at: unix(&entry.revocation_date),
                },
            ));
        }
        entries.sort_unstable_by(|a, b| (a.0.len(), &*a.0).cmp(&(b.0.len(), &*b.0)));
        Ok(Crl {
            issuer: tbs.issuer.clone(),
            issuer_key: spki_der(issuer)?.into(),
            this_update,
            next_update,
            entries,
        })
    }

    /// Number of revoked certificates listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The CA that issued this CRL.
    pub fn issuer(&self) -> &x509_cert::name::Name {
        &self.issuer
    }

    pub fn this_update(&self) -> UnixTime {
        self.this_update
    }

    pub fn next_update(&self) -> Option<UnixTime> {
        self.next_update
    }

    /// The revocation of the certificate with this serial number (big-endian bytes).
    pub fn lookup(&self, serial: &[u8]) -> Option<Revocation> {
        let key = serial_key(serial);
        self.entries
            .binary_search_by(|(s, _)| (s.len(), &**s).cmp(&(key.len(), key)))
            .ok()
            .map(|i| self.entries[i].1)
    }

    /// Whether this CRL was verified with `ca`'s key (and names it as issuer).
    pub fn is_issued_by(&self, ca: &JpkiCertificate) -> bool {
        &self.issuer == ca.x509().tbs_certificate().subject()
            && spki_der(ca).is_ok_and(|k| *k == *self.issuer_key)
    }

    /// Whether this CRL may be used at `at`.
    pub fn freshness(&self, at: UnixTime) -> CrlFreshness {
        if at < self.this_update {
            return CrlFreshness::NotYetValid {
                this_update: self.this_update,
            };
        }
        match self.next_update {
            Some(n) if at > n => CrlFreshness::Stale { next_update: n },
            next_update => CrlFreshness::Current { next_update },
        }
    }

    /// The status of `cert`, issued by `issuer` (the anchor whose key verified `cert`, e.g. from
    /// [`TrustAnchors::verify`](super::TrustAnchors::verify)), at `at`: `Unknown` when this CRL
    /// is not `issuer`'s (another name or another key); `STATUS_STALE` past nextUpdate,
    /// `STATUS_INVALID` before thisUpdate.
    pub fn status_at(
        &self,
        cert: &JpkiCertificate,
        issuer: &JpkiCertificate,
        at: UnixTime,
    ) -> Result<CertStatus, Error> {
        if !self.is_issued_by(issuer) {
            return Ok(CertStatus::Unknown);
        }
        match self.freshness(at) {
            CrlFreshness::Stale { .. } => {
                return Err(Error::Verify(VerifyError::StatusStale {
                    what: "CRL is past its nextUpdate",
                }));
            }
            CrlFreshness::NotYetValid { .. } => {
                return Err(Error::Verify(VerifyError::StatusInvalid {
                    what: "CRL is not yet valid",
                }));
            }
            CrlFreshness::Current { .. } | CrlFreshness::Missing => {}
        }
        Ok(self.status(cert))
    }

    /// Good or revoked by issuer name and serial only; `Unknown` when the CRL names another
    /// issuer than the certificate's. Neither the issuing key nor the time is checked: a
    /// verification uses [`status_at`](Self::status_at).
    pub fn status(&self, cert: &JpkiCertificate) -> CertStatus {
        if cert.x509().tbs_certificate().issuer() != &self.issuer {
            return CertStatus::Unknown;
        }
        match self.lookup(cert.x509().tbs_certificate().serial_number().as_bytes()) {
            Some(r) => CertStatus::Revoked(r),
            None => CertStatus::Good,
        }
    }
}
