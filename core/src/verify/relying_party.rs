//! The one call a relying party's server makes: is this certificate (and the signature made
//! with it) genuine, current, and not revoked?

use x509_cert::ext::pkix::{BasicConstraints, CertificatePolicies, KeyUsage, KeyUsages};

use super::chain::TrustAnchors;
use super::crl::{CertStatus, Crl, CrlFreshness, CrlScope};
use super::kind::CertificateKind;
use super::ocsp::OcspRequest;
use super::signature::verify_signature;
use crate::cert::{CertificateFourInfo, JpkiCertificate, KeyAlgorithm, UnixTime};
use crate::digest::SignInput;
use crate::error::Error;
use crate::error::VerifyError;

/// Where the revocation status comes from.
#[derive(Clone, Copy, Debug)]
pub enum StatusEvidence<'a> {
    /// A CRL already checked against its issuer ([`Crl::from_der`]). It answers only for a
    /// certificate whose issuing anchor (by key) is the CRL's, and only while current at the
    /// verification time ([`Crl::status_at`]).
    Crl(&'a Crl),
    /// The DER response to `request`, as the responder returned it.
    Ocsp {
        /// The request the response must answer (its CertID and nonce).
        request: &'a OcspRequest,
        /// The OCSP response as received (DER).
        response: &'a [u8],
    },
    /// The caller decided not to check (the result says so).
    NotChecked,
}

/// The revocation check that was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusChecked {
    /// A CRL or OCSP response said "good" ([`Verified::source`] says which).
    Good,
    /// No revocation source was given (or the [`StatusPolicy`] consults none that was).
    NotChecked,
}

/// The revocation source a status came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusSource {
    /// A CRL of the certificate's issuer answered.
    Crl,
    /// An OCSP response answered.
    Ocsp,
}

impl StatusSource {
    /// Stable code shared by every face: `crl`, `ocsp`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusSource::Crl => "crl",
            StatusSource::Ocsp => "ocsp",
        }
    }
}

/// Which revocation sources a [`RelyingParty`] consults, in which order. With none available
/// the result is [`StatusChecked::NotChecked`] with no source: never "good".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusPolicy {
    /// The CRL held for the issuing CA; an OCSP answer given is not read. The default.
    #[default]
    CrlOnly,
    /// The OCSP answer when one is given and it is conclusive (good or revoked); otherwise (no
    /// answer, one that is invalid, stale or `unknown`) the CRL held for the issuing CA. When no
    /// CRL is held either, the OCSP answer's error stands.
    OcspThenCrl,
    /// Only the OCSP answer; CRLs held are not read.
    OcspOnly,
}

/// Which key algorithms a [`RelyingParty`] accepts in a resident's certificate. Today's cards
/// hold RSA-2048 keys; the next generation is reported to hold ECDSA P-384 keys. A service
/// whose own rules take only RSA (法務省's 公証 accepts RSA-2048 signatures only today) refuses
/// the others with [`KeyPolicy::RsaOnly`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyPolicy {
    /// RSA and ECDSA P-384 (the default).
    #[default]
    RsaOrEcdsaP384,
    /// RSA keys only: a P-384 certificate is refused (`CERTIFICATE_INVALID`) before any
    /// other check.
    RsaOnly,
}

impl KeyPolicy {
    /// Whether a certificate with a key of `algorithm` is accepted.
    pub fn accepts(self, algorithm: KeyAlgorithm) -> bool {
        match self {
            KeyPolicy::RsaOrEcdsaP384 => true,
            KeyPolicy::RsaOnly => matches!(algorithm, KeyAlgorithm::Rsa { .. }),
        }
    }
}

/// A certificate that passed every check.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The certificate's subject DN, as text.
    pub subject: String,
    /// The certificate's serial number, hex.
    pub serial_hex: String,
    /// The end of the certificate's validity.
    pub not_after: UnixTime,
    /// The algorithm of the certificate's key (RSA-2048 today, ECDSA P-384 next generation).
    pub key_algorithm: KeyAlgorithm,
    /// 基本4情報 of a 署名用 certificate.
    pub four_info: Option<CertificateFourInfo>,
    /// How revocation was checked, and with what evidence.
    pub status: StatusChecked,
    /// Where the status came from; `None` when not checked.
    pub source: Option<StatusSource>,
    /// The certificate policy OIDs, dotted. Not enforced: JPKI's policy OIDs are not confirmed
    /// from J-LIS's CP/CPS; a relying party that knows them checks this list.
    pub policies: Vec<String>,
}

/// Checks `cert` for `kind`: chain to one of `anchors`, validity of both at `at`, the issuing
/// CA's kind and the key usage, not a CA, and revocation status from `evidence` (a CRL of the
/// CA whose key issued `cert`, current at `at`; or an OCSP response about `cert` itself).
pub fn verify_certificate(
    cert: &JpkiCertificate,
    kind: CertificateKind,
    anchors: &TrustAnchors,
    at: UnixTime,
    evidence: StatusEvidence<'_>,
) -> Result<Verified, Error> {
    let (issuer, issuer_kind) = anchors.verify_with_kind(cert, at)?;
    match issuer_kind {
        Some(k) if k == kind => {}
        Some(_) => {
            return Err(Error::Verify(VerifyError::CertificateInvalid {
                what: match kind {
                    CertificateKind::Authentication => {
                        "issued by the 署名用 CA, not the 利用者証明用 CA"
                    }
                    CertificateKind::Signature => {
                        "issued by the 利用者証明用 CA, not the 署名用 CA"
                    }
                },
            }));
        }
        None => {
            return Err(Error::Verify(VerifyError::CertificateInvalid {
                what: "the issuing CA is of no known kind (TrustAnchors::with_kinds)",
            }));
        }
    }
    let tbs = cert.x509().tbs_certificate();
    let ca = tbs
        .get_extension::<BasicConstraints>()
        .map_err(|_| {
            Error::Verify(VerifyError::CertificateInvalid {
                what: "basicConstraints is malformed",
            })
        })?
        .is_some_and(|(_, bc)| bc.ca);
    if ca {
        return Err(Error::Verify(VerifyError::CertificateInvalid {
            what: "a CA certificate is not a resident's certificate",
        }));
    }
    let usage = tbs
        .get_extension::<KeyUsage>()
        .map_err(|_| {
            Error::Verify(VerifyError::CertificateInvalid {
                what: "keyUsage is malformed",
            })
        })?
        .map(|(_, ku)| ku)
        .ok_or(Error::Verify(VerifyError::CertificateInvalid {
            what: "keyUsage is missing",
        }))?;
    let needed = match kind {
        CertificateKind::Authentication => KeyUsages::DigitalSignature,
        CertificateKind::Signature => KeyUsages::NonRepudiation,
    };
    if !usage.0.contains(needed) {
        return Err(Error::Verify(VerifyError::CertificateInvalid {
            what: "keyUsage does not allow this use (利用者証明用 / 署名用 mixed up?)",
        }));
    }
    let policies = tbs
        .get_extension::<CertificatePolicies>()
        .map_err(|_| {
            Error::Verify(VerifyError::CertificateInvalid {
                what: "certificatePolicies is malformed",
            })
        })?
        .map(|(_, p)| {
            p.0.iter()
                .map(|i| i.policy_identifier.to_string())
                .collect()
        })
        .unwrap_or_default();
    let source = match evidence {
        StatusEvidence::NotChecked => None,
        StatusEvidence::Crl(_) => Some(StatusSource::Crl),
        StatusEvidence::Ocsp { .. } => Some(StatusSource::Ocsp),
    };
    let status = match evidence {
        StatusEvidence::NotChecked => StatusChecked::NotChecked,
        StatusEvidence::Crl(crl) => status_result(crl.status_at(cert, issuer, at)?)?,
        StatusEvidence::Ocsp { request, response } => {
            if !request.is_for(cert, issuer) {
                return Err(Error::Verify(VerifyError::StatusInvalid {
                    what: "OCSP request is about another certificate",
                }));
            }
            status_result(request.verify_response(response, issuer, at)?)?
        }
    };
    Ok(Verified {
        subject: cert.subject(),
        serial_hex: cert.serial_hex(),
        not_after: cert.not_after(),
        key_algorithm: cert.key_algorithm(),
        four_info: match kind {
            CertificateKind::Signature => cert.four_info()?,
            CertificateKind::Authentication => None,
        },
        status,
        source,
        policies,
    })
}

fn status_result(status: CertStatus) -> Result<StatusChecked, Error> {
    match status {
        CertStatus::Good => Ok(StatusChecked::Good),
        CertStatus::Revoked(r) => Err(Error::Verify(VerifyError::Revoked { reason: r.reason })),
        CertStatus::Unknown => Err(Error::Verify(VerifyError::StatusUnknown)),
    }
}

/// Checks a signature made by the card (over a challenge for 利用者証明用, a document for
/// 署名用) and then the certificate, in that order: a bad signature is reported as
/// `SIGNATURE_INVALID` whatever the certificate.
pub fn verify_signed(
    cert: &JpkiCertificate,
    input: SignInput<'_>,
    signature: &[u8],
    kind: CertificateKind,
    anchors: &TrustAnchors,
    at: UnixTime,
    evidence: StatusEvidence<'_>,
) -> Result<Verified, Error> {
    verify_signature(cert, input, signature)?;
    verify_certificate(cert, kind, anchors, at, evidence)
}

/// One CRL's state, or a trust anchor's missing CRL ([`RelyingParty::crl_health`]).
#[derive(Clone, Copy, Debug)]
pub struct CrlHealth<'a> {
    /// The CA the CRL belongs to.
    pub anchor: &'a JpkiCertificate,
    /// The partition's names (分割CRL); `None` for a complete CRL, or when none is held.
    pub partition: Option<&'a [x509_cert::ext::pkix::name::GeneralName]>,
    /// How the CRL stands at the time asked.
    pub freshness: CrlFreshness,
}

/// A relying party's configuration: trust anchors and, per anchor, a complete CRL and any
/// number of partitions (分割CRL, one per distribution point name), each CRL bound to the
/// anchor whose key verified it. One value serves every verification of a server.
///
/// A certificate is checked against the CRLs of the anchor whose key issued it that cover it
/// ([`crl_for`](Self::crl_for)): the partition naming one of its cRLDistributionPoints, or the
/// complete CRL. A partition of another distribution point never answers for it: with no
/// covering CRL held the status is `NotChecked`, never "good".
///
/// A long-running server refreshes CRLs with [`replace_crl`](Self::replace_crl) (or
/// [`parse_crl`](Self::parse_crl) outside its lock, then [`install_crl`](Self::install_crl)
/// under it) and asks [`crl_health`](Self::crl_health) which CRLs are missing or stale (and
/// [`crl_health_of`](Self::crl_health_of) whether the one a certificate needs is held); a held
/// CRL past its nextUpdate is refused at use (`STATUS_STALE`), never read.
#[derive(Clone, Debug)]
pub struct RelyingParty {
    anchors: TrustAnchors,
    crls: Vec<Crl>,
    policy: StatusPolicy,
    key_policy: KeyPolicy,
}

impl RelyingParty {
    /// The relying party every face builds from bytes (JS `verify()`, the uniffi
    /// `finish_sign`, the CLI's `verify` and `login --sign`): `anchors` are DER CA
    /// certificates, `crls` DER CRLs each checked against the anchor whose key signed it,
    /// current at `at`.
    ///
    /// **An empty `anchors` means the real JPKI CAs** ([`super::jpki_trust_anchors`]), in
    /// every face. This is the one default: a list that came out empty (a file that failed to
    /// load, a `[]` passed by mistake) can only ever trust the production CAs — never the
    /// test PKI, and never "everything" — and a relying party that wants other CAs names
    /// them.
    ///
    /// ```
    /// use mynacard_core::verify::RelyingParty;
    /// use mynacard_core::UnixTime;
    /// let none: [&[u8]; 0] = [];
    /// let party = RelyingParty::from_der(&none, &none, UnixTime(1_780_272_000)).unwrap();
    /// assert_eq!(party.anchors().anchors().len(), mynacard_core::verify::jpki_trust_anchors().anchors().len());
    /// ```
    pub fn from_der<A: AsRef<[u8]>, C: AsRef<[u8]>>(
        anchors: &[A],
        crls: &[C],
        at: UnixTime,
    ) -> Result<RelyingParty, Error> {
        let anchors = if anchors.is_empty() {
            super::jpki_trust_anchors()
        } else {
            TrustAnchors::new(
                anchors
                    .iter()
                    .map(|der| JpkiCertificate::from_der(der.as_ref()))
                    .collect::<Result<_, _>>()?,
            )
        };
        let mut party = RelyingParty::new(anchors);
        for crl in crls {
            party.add_crl(crl.as_ref(), at)?;
        }
        Ok(party)
    }

    /// A relying party trusting exactly `anchors` (an empty set trusts nothing; the faces
    /// use [`RelyingParty::from_der`], whose empty list means the real JPKI CAs).
    pub fn new(anchors: TrustAnchors) -> RelyingParty {
        RelyingParty {
            anchors,
            crls: Vec::new(),
            policy: StatusPolicy::default(),
            key_policy: KeyPolicy::default(),
        }
    }

    /// The same party with another [`StatusPolicy`] (default [`StatusPolicy::CrlOnly`]).
    pub fn with_status_policy(mut self, policy: StatusPolicy) -> RelyingParty {
        self.policy = policy;
        self
    }

    /// This party with the key algorithms it accepts (default: RSA and ECDSA P-384).
    pub fn with_key_policy(mut self, policy: KeyPolicy) -> RelyingParty {
        self.key_policy = policy;
        self
    }

    /// The status policy (OCSP first, CRL only, …) this relying party applies.
    pub fn status_policy(&self) -> StatusPolicy {
        self.policy
    }

    /// The CAs this relying party trusts.
    pub fn anchors(&self) -> &TrustAnchors {
        &self.anchors
    }

    /// Adds a DER CRL, checked against whichever anchor's key verifies it and current at `at`;
    /// it replaces the CRL of the same scope held for that anchor
    /// ([`replace_crl`](Self::replace_crl)).
    pub fn add_crl(&mut self, der: &[u8], at: UnixTime) -> Result<(), Error> {
        self.replace_crl(der, at).map(|_| ())
    }

    /// Parses and checks a DER CRL against whichever anchor's key verifies it, current at
    /// `at`, without installing it (`&self`: a server does this outside its write lock).
    pub fn parse_crl(&self, der: &[u8], at: UnixTime) -> Result<Crl, Error> {
        let mut last = Error::Verify(VerifyError::StatusInvalid {
            what: "CRL from no configured CA",
        });
        for ca in self.anchors.anchors() {
            match Crl::from_der(der, ca, at) {
                Ok(crl) => return Ok(crl),
                Err(Error::Verify(VerifyError::StatusInvalid {
                    what: "CRL is from another issuer",
                })) => {}
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Installs a checked CRL of one of this party's anchors in place of the one of the same
    /// scope ([`CrlScope::same_as`]: complete, or the same partition) held for that anchor, in
    /// one step, and returns the one it replaced. Refused (the held CRL stays) when no anchor's
    /// key verified `crl`, or when it is older (thisUpdate) than the held one.
    pub fn install_crl(&mut self, crl: Crl) -> Result<Option<Crl>, Error> {
        let Some(anchor) = self.anchors.anchors().iter().find(|a| crl.is_issued_by(a)) else {
            return Err(Error::Verify(VerifyError::StatusInvalid {
                what: "CRL from no configured CA",
            }));
        };
        match self
            .crls
            .iter_mut()
            .find(|c| c.is_issued_by(anchor) && c.scope().same_as(crl.scope()))
        {
            Some(held) if held.this_update() > crl.this_update() => {
                Err(Error::Verify(VerifyError::StatusInvalid {
                    what: "CRL is older than the one held",
                }))
            }
            Some(held) => Ok(Some(core::mem::replace(held, crl))),
            None => {
                self.crls.push(crl);
                Ok(None)
            }
        }
    }

    /// [`parse_crl`](Self::parse_crl) then [`install_crl`](Self::install_crl): on any error
    /// the CRL held before stays in use.
    pub fn replace_crl(&mut self, der: &[u8], at: UnixTime) -> Result<Option<Crl>, Error> {
        let crl = self.parse_crl(der, at)?;
        self.install_crl(crl)
    }

    /// The complete CRL held for `anchor` (bound to its key), if any; its partitions are in
    /// [`crls_of`](Self::crls_of).
    pub fn crl_of(&self, anchor: &JpkiCertificate) -> Option<&Crl> {
        self.crls
            .iter()
            .find(|c| c.is_issued_by(anchor) && matches!(c.scope(), CrlScope::Complete))
    }

    /// Every CRL held for `anchor` (bound to its key): the complete one and the partitions.
    pub fn crls_of<'a>(&'a self, anchor: &'a JpkiCertificate) -> impl Iterator<Item = &'a Crl> {
        self.crls.iter().filter(move |c| c.is_issued_by(anchor))
    }

    /// The CRL that answers for `cert` at `at` (RFC 5280 §6.3.3): of those held for the anchor
    /// whose key issued `cert`, the ones that cover it ([`Crl::covers`]: the partition naming
    /// one of its cRLDistributionPoints, or the complete CRL); among those current at `at`, one
    /// that lists `cert` as revoked if any does, else the newest (thisUpdate; the partition on
    /// a tie). When none is
    /// current, a covering one (its use gives `STATUS_STALE` or `STATUS_INVALID`); `None` when
    /// none covers `cert` or no anchor issued it. Whatever the order the CRLs were given.
    pub fn crl_for(&self, cert: &JpkiCertificate, at: UnixTime) -> Option<&Crl> {
        let issuer = self.anchors.verify(cert, at).ok()?;
        let covering = || self.crls_of(issuer).filter(|c| c.covers(cert));
        let current =
            || covering().filter(|c| matches!(c.freshness(at), CrlFreshness::Current { .. }));
        current()
            .find(|c| matches!(c.status(cert), CertStatus::Revoked(_)))
            .or_else(|| {
                current()
                    .max_by_key(|c| (c.this_update(), !matches!(c.scope(), CrlScope::Complete)))
            })
            .or_else(|| covering().next())
    }

    /// For every anchor valid at `at`: each CRL held (complete or partition, named in
    /// [`CrlHealth::partition`]) and whether it is current, or one `Missing` entry when none is
    /// held. A server refreshes those that are `Missing`, `Stale` or about to be (compare
    /// `next_update` with its schedule). Which partitions exist is not known to the party: a
    /// certificate's own need is [`crl_health_of`](Self::crl_health_of).
    pub fn crl_health(&self, at: UnixTime) -> Vec<CrlHealth<'_>> {
        let mut health = Vec::new();
        for anchor in self.anchors.anchors().iter().filter(|a| a.is_valid_at(at)) {
            let before = health.len();
            health.extend(self.crls_of(anchor).map(|c| CrlHealth {
                anchor,
                partition: c.scope().partition_names(),
                freshness: c.freshness(at),
            }));
            if health.len() == before {
                health.push(CrlHealth {
                    anchor,
                    partition: None,
                    freshness: CrlFreshness::Missing,
                });
            }
        }
        health
    }

    /// Whether the CRL `cert` needs is held and current at `at` ([`crl_for`](Self::crl_for)):
    /// `Missing` when no CRL held covers it (fetch the partition its
    /// [`crl_distribution_points`](super::crl_distribution_points) name, or the complete CRL).
    pub fn crl_health_of(&self, cert: &JpkiCertificate, at: UnixTime) -> CrlFreshness {
        self.crl_for(cert, at)
            .map_or(CrlFreshness::Missing, |c| c.freshness(at))
    }

    /// The CRL that answers for `cert` ([`crl_for`](Self::crl_for)), if one is held. When no
    /// anchor issued it the verification that follows reports why.
    fn crl_evidence(&self, cert: &JpkiCertificate, at: UnixTime) -> StatusEvidence<'_> {
        self.crl_for(cert, at)
            .map_or(StatusEvidence::NotChecked, StatusEvidence::Crl)
    }

    /// Runs `check` with the evidence the policy picks, falling back from OCSP to the CRL
    /// when the policy says so.
    fn with_policy<'a, T>(
        &'a self,
        cert: &JpkiCertificate,
        at: UnixTime,
        ocsp: Option<(&'a OcspRequest, &'a [u8])>,
        check: impl Fn(StatusEvidence<'a>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if !self.key_policy.accepts(cert.key_algorithm()) {
            return Err(Error::Verify(VerifyError::CertificateInvalid {
                what: "key algorithm refused by the relying party's key policy",
            }));
        }
        let ocsp = ocsp.map(|(request, response)| StatusEvidence::Ocsp { request, response });
        match (self.policy, ocsp) {
            (StatusPolicy::CrlOnly, _) | (StatusPolicy::OcspThenCrl, None) => {
                check(self.crl_evidence(cert, at))
            }
            (StatusPolicy::OcspOnly, ocsp) => check(ocsp.unwrap_or(StatusEvidence::NotChecked)),
            (StatusPolicy::OcspThenCrl, Some(ocsp)) => match check(ocsp) {
                Err(
                    e @ (Error::Verify(VerifyError::StatusInvalid { .. })
                    | Error::Verify(VerifyError::StatusStale { .. })
                    | Error::Verify(VerifyError::StatusUnknown)),
                ) => match self.crl_evidence(cert, at) {
                    StatusEvidence::NotChecked => Err(e),
                    crl => check(crl),
                },
                other => other,
            },
        }
    }

    /// [`verify_certificate`] with this party's anchors, CRLs and [`StatusPolicy`]
    /// (`NotChecked` when it holds no CRL of the certificate's issuing CA that covers it;
    /// `STATUS_STALE` when
    /// the one it holds is past its nextUpdate at `at`).
    pub fn verify_certificate(
        &self,
        cert: &JpkiCertificate,
        kind: CertificateKind,
        at: UnixTime,
    ) -> Result<Verified, Error> {
        self.with_policy(cert, at, None, |ev| {
            verify_certificate(cert, kind, &self.anchors, at, ev)
        })
    }

    /// [`verify_certificate`](Self::verify_certificate) with an OCSP answer (`request` and the
    /// responder's DER `response`), or `None` when none could be fetched, used as this party's
    /// [`StatusPolicy`] says; [`Verified::source`] names the source that answered.
    pub fn verify_certificate_with_ocsp(
        &self,
        cert: &JpkiCertificate,
        kind: CertificateKind,
        at: UnixTime,
        ocsp: Option<(&OcspRequest, &[u8])>,
    ) -> Result<Verified, Error> {
        self.with_policy(cert, at, ocsp, |ev| {
            verify_certificate(cert, kind, &self.anchors, at, ev)
        })
    }

    /// [`verify_signed`] with this party's anchors and CRLs.
    pub fn verify_signed(
        &self,
        cert: &JpkiCertificate,
        input: SignInput<'_>,
        signature: &[u8],
        kind: CertificateKind,
        at: UnixTime,
    ) -> Result<Verified, Error> {
        self.with_policy(cert, at, None, |ev| {
            verify_signed(cert, input, signature, kind, &self.anchors, at, ev)
        })
    }

    /// A CMS signed document ([`super::verify_signed_document`]) with this party's
    /// anchors and CRLs.
    pub fn verify_document(
        &self,
        der: &[u8],
        detached_content: Option<&[u8]>,
        at: UnixTime,
    ) -> Result<super::SignedDocument, Error> {
        let signer = super::signer_certificate(der)?;
        self.with_policy(&signer, at, None, |ev| {
            super::verify_signed_document(der, detached_content, &self.anchors, at, ev)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real 利用者証明用 CA of 2023, shipped with the core.
    fn real_auth_ca() -> JpkiCertificate {
        JpkiCertificate::from_pem(include_str!("../../anchors/auth_ca_2023.pem")).unwrap()
    }

    #[test]
    fn an_empty_anchor_list_means_the_real_jpki_cas() {
        // The real CA's own certificate is trusted by the real anchors and then refused as a
        // CA (CERTIFICATE_INVALID); a party trusting nothing would say CHAIN_UNTRUSTED.
        let at = UnixTime(1_780_272_000);
        let none: [&[u8]; 0] = [];
        let party = RelyingParty::from_der(&none, &none, at).unwrap();
        let e = party
            .verify_certificate(&real_auth_ca(), CertificateKind::Authentication, at)
            .unwrap_err();
        assert_eq!(e.code(), "CERTIFICATE_INVALID", "{e:?}");
        let nothing = RelyingParty::new(TrustAnchors::new(Vec::new()));
        let e = nothing
            .verify_certificate(&real_auth_ca(), CertificateKind::Authentication, at)
            .unwrap_err();
        assert_eq!(e.code(), "CHAIN_UNTRUSTED", "{e:?}");
    }
}
