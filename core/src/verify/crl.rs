//! Certificate revocation lists (RFC 5280 §5): parsed with x509-cert's types, checked against
//! the issuing CA (name, key, signature, freshness) before use, bound to the key that verified
//! them, and indexed by serial number so a lookup in a JPKI-sized CRL (hundreds of thousands of
//! entries) is a binary search. Freshness is checked again at every use ([`Crl::status_at`]).
//!
//! A CRL is complete (every certificate of its CA) or one partition (分割CRL, RFC 5280 §5.2.5):
//! its issuingDistributionPoint names a distribution point, and it answers only for the
//! certificates whose cRLDistributionPoints name the same point (§6.3.3 b(2)(i)). Real
//! 利用者証明用 certificates name one DirName per municipality (docs/verification.md).

use der::asn1::{BitStringRef, IntRef, ObjectIdentifier, OctetStringRef};
use der::{
    Decode, DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, SliceReader, Tag,
    Writer,
};
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::name::DistributionPointName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use super::reason::RevocationReason;
use super::signed::{first_element, verify_signed};
use crate::cert::{JpkiCertificate, UnixTime};
use crate::error::Error;
use crate::error::VerifyError;

/// The body of a `SEQUENCE`, borrowed and not decoded (der's `SequenceRef` cannot be a field
/// of a derived `Sequence`: it has no `Encode`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
struct RawSequence<'a>(&'a [u8]);

impl<'a> DecodeValue<'a> for RawSequence<'a> {
    type Error = der::Error;
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        reader.read_slice(header.length()).map(RawSequence)
    }
}

impl EncodeValue for RawSequence<'_> {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }
    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.0)
    }
}

impl FixedTag for RawSequence<'_> {
    const TAG: Tag = Tag::Sequence;
}

/// `TBSCertList` with its version OPTIONAL, as RFC 5280 §5.1 declares it (x509-cert's
/// `TbsCertList` requires the field, so a v1 CRL would not parse). The revoked certificates
/// stay borrowed DER, read entry by entry into the index ([`RevokedEntry`]): a JPKI CRL of
/// hundreds of thousands of entries is never decoded into owned x509-cert values first.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TbsCertListAnyVersion<'a> {
    version: Option<x509_cert::Version>,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: Time,
    next_update: Option<Time>,
    revoked_certificates: Option<RawSequence<'a>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crl_extensions: Option<Extensions>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct CertificateListAnyVersion<'a> {
    tbs_cert_list: TbsCertListAnyVersion<'a>,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitStringRef<'a>,
}

/// One element of `revokedCertificates` (RFC 5280 §5.1), borrowed.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct RevokedEntry<'a> {
    serial_number: IntRef<'a>,
    revocation_date: Time,
    crl_entry_extensions: Option<RawSequence<'a>>,
}

/// One `Extension` (RFC 5280 §4.1), borrowed.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct ExtensionRef<'a> {
    extn_id: ObjectIdentifier,
    #[asn1(default = "Default::default")]
    critical: bool,
    extn_value: &'a OctetStringRef,
}

/// The longest serial number a certificate may have as decoded (x509-cert's limit: 20 octets
/// of value, RFC 5280 §4.1.2.2, and a leading zero some CAs add).
const SERIAL_MAX: usize = 21;

/// A serial number as an index key: the unsigned big-endian bytes left-padded with zeros to
/// [`SERIAL_MAX`], so that comparing keys compares the numbers (and equality is the old
/// comparison of the bytes without leading zeros).
type SerialKey = [u8; SERIAL_MAX];

fn index_key(serial: &[u8]) -> Option<SerialKey> {
    let bytes = serial_key(serial);
    let mut key = [0u8; SERIAL_MAX];
    let start = SERIAL_MAX.checked_sub(bytes.len())?;
    key[start..].copy_from_slice(bytes);
    Some(key)
}

/// One revocation: why and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The CRL entry's reason code (unspecified where it has none).
    pub reason: RevocationReason,
    /// revocationDate.
    pub revoked_at: UnixTime,
}

/// What a status source says of one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertStatus {
    /// Not revoked, by the source asked (not in the CRL, or OCSP `good`).
    Good,
    /// Revoked, with the reason and date the source gives.
    Revoked(Revocation),
    /// The source cannot say (OCSP `unknown`; a CA certificate in a user-certificates-only CRL).
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
    Current {
        /// nextUpdate, where the CRL has one.
        next_update: Option<UnixTime>,
    },
    /// Past nextUpdate: a newer CRL is due. Using it gives `STATUS_STALE`.
    Stale {
        /// The nextUpdate that has passed.
        next_update: UnixTime,
    },
    /// Before thisUpdate (the clock is behind the CA's).
    NotYetValid {
        /// The CRL's thisUpdate, still to come.
        this_update: UnixTime,
    },
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

/// What a CRL answers for (RFC 5280 §5.2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrlScope {
    /// Every certificate of its CA (no distributionPoint in an issuingDistributionPoint).
    Complete,
    /// One partition (分割CRL): only the certificates whose cRLDistributionPoints name one of
    /// these (the issuingDistributionPoint's fullName; a JPKI CA names one DirName per
    /// municipality).
    Partition(Vec<GeneralName>),
}

impl CrlScope {
    /// Whether `self` and `other` are the same scope: both complete, or partitions with the
    /// same names (in any order). A [`RelyingParty`](super::RelyingParty) holds one CRL per
    /// issuing CA and scope.
    pub fn same_as(&self, other: &CrlScope) -> bool {
        match (self, other) {
            (CrlScope::Complete, CrlScope::Complete) => true,
            (CrlScope::Partition(a), CrlScope::Partition(b)) => {
                a.iter().all(|n| b.contains(n)) && b.iter().all(|n| a.contains(n))
            }
            _ => false,
        }
    }

    /// The partition's names; `None` for a complete CRL.
    pub fn partition_names(&self) -> Option<&[GeneralName]> {
        match self {
            CrlScope::Complete => None,
            CrlScope::Partition(names) => Some(names),
        }
    }
}

/// The names of the distribution points that a partitioned CRL may answer for `cert` with:
/// the fullName names of each cRLDistributionPoints entry that has neither `reasons` (a
/// partition of that point would cover only those reasons) nor `cRLIssuer` (an indirect CRL,
/// which the SDK refuses); a point named relative to the issuer is left out. Empty without
/// the extension, or when it is malformed: such a certificate is covered only by a complete
/// CRL (fail closed).
pub fn crl_distribution_points(cert: &JpkiCertificate) -> Vec<GeneralName> {
    use x509_cert::ext::pkix::CrlDistributionPoints;
    let Ok(Some((_, points))) = cert
        .x509()
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    else {
        return Vec::new();
    };
    points
        .0
        .into_iter()
        .filter(|p| p.reasons.is_none() && p.crl_issuer.is_none())
        .filter_map(|p| match p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A CRL whose issuer, signature and freshness were checked when it was built, bound to the
/// key of the CA that verified it (CAs of two generations may share one name, as the JPKI CAs
/// of 2015 and 2023 do), with its scope (complete, or one partition).
#[derive(Clone)]
pub struct Crl {
    issuer: x509_cert::name::Name,
    /// SubjectPublicKeyInfo (DER) of the CA whose key verified the signature.
    issuer_key: Box<[u8]>,
    this_update: UnixTime,
    next_update: Option<UnixTime>,
    /// (serial, revocation), sorted by serial.
    entries: Vec<(SerialKey, Revocation)>,
    /// issuingDistributionPoint onlyContainsUserCerts: says nothing of CA certificates.
    user_certs_only: bool,
    /// Complete, or the partition the issuingDistributionPoint names.
    scope: CrlScope,
}

impl core::fmt::Debug for Crl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer.to_string())
            .field("entries", &self.entries.len())
            .field("scope", &self.scope)
            .finish()
    }
}

const BAD: Error = Error::Verify(VerifyError::StatusInvalid {
    what: "CRL is not valid DER",
});

fn refused(what: &'static str) -> Error {
    Error::Verify(VerifyError::StatusInvalid { what })
}

/// The reasonCode (RFC 5280 §5.3.1) among an entry's extensions (the DER body of its
/// `Extensions`), `NotGiven` without one. A malformed extension list refuses the CRL, and so
/// does a critical extension the SDK does not process (§5.3: such a CRL must not be used),
/// among them certificateIssuer (§5.3.3), which makes the CRL indirect.
fn entry_reason(extensions: &[u8]) -> Result<RevocationReason, Error> {
    use const_oid::db::rfc5280::{ID_CE_CERTIFICATE_ISSUER, ID_CE_CRL_REASONS};
    let mut reader = SliceReader::new(extensions).map_err(|_| BAD)?;
    let mut reason = None;
    while !reader.is_finished() {
        let extension = ExtensionRef::decode(&mut reader).map_err(|_| BAD)?;
        if extension.extn_id == ID_CE_CRL_REASONS {
            if reason.is_none() {
                reason = Some(
                    CrlReason::from_der(extension.extn_value.as_bytes())
                        .map(|r| RevocationReason::from_code(r as u8))
                        .unwrap_or(RevocationReason::NotGiven),
                );
            }
        } else if extension.extn_id == ID_CE_CERTIFICATE_ISSUER {
            return Err(refused(
                "CRL entry names another issuer (certificateIssuer: an indirect CRL)",
            ));
        } else if extension.critical {
            return Err(refused(
                "CRL entry has a critical extension the SDK does not process",
            ));
        }
    }
    Ok(reason.unwrap_or(RevocationReason::NotGiven))
}

/// What the CRL's extensions allow it to answer for (RFC 5280 §5.2). A delta CRL
/// (deltaCRLIndicator, §5.2.4) lists only changes since a base CRL, and an
/// issuingDistributionPoint (§5.2.5) that makes it indirect or limited to some reasons or to
/// CA or attribute certificates leaves certificates out, so either would answer "good" for a
/// revoked certificate: they are refused, each with its reason. An issuingDistributionPoint
/// with a distributionPoint fullName makes the CRL one partition ([`CrlScope::Partition`]),
/// which answers only for certificates that name it; one named relative to the issuer
/// (nameRelativeToCRLIssuer) is refused. `onlyContainsUserCerts` is complete for end-entity
/// certificates (the only ones a JPKI relying party checks); it is kept, and a CA certificate
/// looked up in such a CRL is `Unknown`. A critical extension the SDK does not process refuses
/// the CRL (§5.2).
fn crl_scope(extensions: Option<&Extensions>) -> Result<(bool, CrlScope), Error> {
    use const_oid::db::rfc5280::{
        ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_DELTA_CRL_INDICATOR,
        ID_CE_FRESHEST_CRL, ID_CE_ISSUING_DISTRIBUTION_POINT, ID_PE_AUTHORITY_INFO_ACCESS,
    };
    use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
    let mut user_certs_only = false;
    let mut scope = CrlScope::Complete;
    for extension in extensions.into_iter().flatten() {
        let id = extension.extn_id;
        if id == ID_CE_DELTA_CRL_INDICATOR {
            return Err(refused(
                "CRL is a delta CRL (deltaCRLIndicator): only a complete CRL can answer",
            ));
        } else if id == ID_CE_ISSUING_DISTRIBUTION_POINT {
            let idp = IssuingDistributionPoint::from_der(extension.extn_value.as_bytes())
                .map_err(|_| refused("CRL issuingDistributionPoint is not valid DER"))?;
            if idp.indirect_crl {
                return Err(refused(
                    "CRL is indirect (issuingDistributionPoint): it may list other CAs' certificates",
                ));
            }
            if idp.only_some_reasons.is_some() {
                return Err(refused(
                    "CRL covers only some reasons (issuingDistributionPoint onlySomeReasons)",
                ));
            }
            if idp.only_contains_ca_certs || idp.only_contains_attribute_certs {
                return Err(refused(
                    "CRL covers only CA or attribute certificates (issuingDistributionPoint)",
                ));
            }
            match idp.distribution_point {
                None => {}
                Some(DistributionPointName::FullName(names)) if !names.is_empty() => {
                    scope = CrlScope::Partition(names);
                }
                Some(DistributionPointName::FullName(_)) => {
                    return Err(refused(
                        "CRL partition has an empty fullName (issuingDistributionPoint)",
                    ));
                }
                Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => {
                    return Err(refused(
                        "CRL partition is named relative to its issuer (issuingDistributionPoint nameRelativeToCRLIssuer): not supported",
                    ));
                }
            }
            user_certs_only = idp.only_contains_user_certs;
        } else if [
            ID_CE_AUTHORITY_KEY_IDENTIFIER,
            ID_CE_CRL_NUMBER,
            ID_CE_FRESHEST_CRL,
            ID_PE_AUTHORITY_INFO_ACCESS,
        ]
        .contains(&id)
        {
        } else if extension.critical {
            return Err(refused(
                "CRL has a critical extension the SDK does not process",
            ));
        }
    }
    Ok((user_certs_only, scope))
}

/// Whether `cert` is a CA certificate (basicConstraints cA).
fn is_ca(cert: &JpkiCertificate) -> bool {
    use x509_cert::ext::pkix::BasicConstraints;
    matches!(
        cert.x509().tbs_certificate().get_extension::<BasicConstraints>(),
        Ok(Some((_, bc))) if bc.ca
    )
}

impl Crl {
    /// Parses a DER CRL and checks it: issued by `issuer` (name, authorityKeyIdentifier when
    /// both carry key identifiers, and signature), and current at `at` (thisUpdate ≤ at ≤
    /// nextUpdate). A CRL that fails any check is never used. v1 CRLs (no version field, RFC
    /// 5280 §5.1.2.1) are accepted when they carry no extensions. A complete CRL or one
    /// partition ([`CrlScope`]) is accepted: a delta CRL, or one that an
    /// issuingDistributionPoint makes indirect, or limited to some reasons or to CA
    /// certificates, is `STATUS_INVALID` with its reason (and so is a critical extension the
    /// SDK does not process).
    pub fn from_der(der: &[u8], issuer: &JpkiCertificate, at: UnixTime) -> Result<Crl, Error> {
        let list = CertificateListAnyVersion::from_der(der).map_err(|_| BAD)?;
        let tbs = &list.tbs_cert_list;
        // The entries, read once (the CRL is refused as a whole if one is malformed).
        let mut entries: Vec<(SerialKey, Revocation)> = Vec::new();
        let mut entry_extensions = false;
        if let Some(revoked) = tbs.revoked_certificates {
            let mut reader = SliceReader::new(revoked.0).map_err(|_| BAD)?;
            while !reader.is_finished() {
                let entry = RevokedEntry::decode(&mut reader).map_err(|_| BAD)?;
                let reason = match entry.crl_entry_extensions {
                    Some(extensions) => {
                        entry_extensions = true;
                        entry_reason(extensions.0)?
                    }
                    None => RevocationReason::NotGiven,
                };
                let serial = entry.serial_number.as_bytes();
                if serial.is_empty() || serial.len() > SERIAL_MAX {
                    return Err(BAD);
                }
                entries.push((
                    index_key(serial).ok_or(BAD)?,
                    Revocation {
                        reason,
                        revoked_at: unix(&entry.revocation_date),
                    },
                ));
            }
        }
        let has_extensions = tbs.crl_extensions.is_some() || entry_extensions;
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
        // What the CRL covers, once its signature is known to be the CA's.
        let (user_certs_only, scope) = crl_scope(tbs.crl_extensions.as_ref())?;
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
        // Sorted by serial for the binary search (stable: of two entries for one serial, the
        // first listed is found, as before).
        entries.sort_by_key(|e| e.0);
        Ok(Crl {
            issuer: tbs.issuer.clone(),
            issuer_key: spki_der(issuer)?.into(),
            this_update,
            next_update,
            entries,
            user_certs_only,
            scope,
        })
    }

    /// Complete, or the partition this CRL answers for.
    pub fn scope(&self) -> &CrlScope {
        &self.scope
    }

    /// Whether this CRL's scope includes `cert` (RFC 5280 §6.3.3 b(2)(i)): a complete CRL
    /// covers every certificate of its CA; a partition only a certificate whose
    /// [`crl_distribution_points`] include one of its names (names compared as the chain
    /// compares issuer names: the same DER structure). A certificate without
    /// cRLDistributionPoints is covered by a complete CRL only.
    pub fn covers(&self, cert: &JpkiCertificate) -> bool {
        match &self.scope {
            CrlScope::Complete => true,
            CrlScope::Partition(names) => crl_distribution_points(cert)
                .iter()
                .any(|n| names.contains(n)),
        }
    }

    /// Number of revoked certificates listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the CRL lists no certificate.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The CA that issued this CRL.
    pub fn issuer(&self) -> &x509_cert::name::Name {
        &self.issuer
    }

    /// thisUpdate: when the CA issued this CRL.
    pub fn this_update(&self) -> UnixTime {
        self.this_update
    }

    /// nextUpdate: when the next CRL is due, if the CRL says.
    pub fn next_update(&self) -> Option<UnixTime> {
        self.next_update
    }

    /// The revocation of the certificate with this serial number (big-endian bytes).
    pub fn lookup(&self, serial: &[u8]) -> Option<Revocation> {
        // A serial longer than any a CRL entry may have is in no CRL.
        let key = index_key(serial)?;
        self.entries
            .binary_search_by(|(s, _)| s.cmp(&key))
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
    /// is not `issuer`'s (another name or another key) or a partition that does not cover
    /// `cert` ([`covers`](Self::covers)); `STATUS_STALE` past nextUpdate,
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
    /// issuer than the certificate's, or is a partition that does not cover it (a partition
    /// never answers "good" for a certificate of another distribution point). Neither the
    /// issuing key nor the time is checked: a verification uses [`status_at`](Self::status_at).
    pub fn status(&self, cert: &JpkiCertificate) -> CertStatus {
        if cert.x509().tbs_certificate().issuer() != &self.issuer {
            return CertStatus::Unknown;
        }
        if !self.covers(cert) {
            return CertStatus::Unknown;
        }
        // A CRL of end-entity certificates only says nothing of a CA certificate.
        if self.user_certs_only && is_ca(cert) {
            return CertStatus::Unknown;
        }
        match self.lookup(cert.x509().tbs_certificate().serial_number().as_bytes()) {
            Some(r) => CertStatus::Revoked(r),
            None => CertStatus::Good,
        }
    }
}
