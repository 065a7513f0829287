//! The one call a relying party's server makes: is this certificate (and the signature made
//! with it) genuine, current, and not revoked?

use x509_cert::ext::pkix::{BasicConstraints, CertificatePolicies, KeyUsage, KeyUsages};

use super::chain::TrustAnchors;
use super::crl::{CertStatus, Crl};
use super::ocsp::OcspRequest;
use super::signature::verify_signature;
use crate::cert::{CertificateFourInfo, JpkiCertificate, UnixTime};
use crate::digest::SignInput;
use crate::error::Error;

/// Which JPKI certificate the relying party expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateKind {
    /// 利用者証明用: log-in (keyUsage digitalSignature).
    Authentication,
    /// 署名用: signed documents (keyUsage nonRepudiation).
    Signature,
}

/// Where the revocation status comes from.
#[derive(Clone, Copy, Debug)]
pub enum StatusEvidence<'a> {
    /// A CRL already checked against its issuer ([`Crl::from_der`]).
    Crl(&'a Crl),
    /// The DER response to `request`, as the responder returned it.
    Ocsp {
        request: &'a OcspRequest,
        response: &'a [u8],
    },
    /// The caller decided not to check (the result says so).
    NotChecked,
}

/// The revocation check that was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusChecked {
    /// A CRL or OCSP response said "good".
    Good,
    /// No revocation source was given.
    NotChecked,
}

/// A certificate that passed every check.
#[derive(Clone, Debug)]
pub struct Verified {
    pub subject: String,
    pub serial_hex: String,
    pub not_after: UnixTime,
    /// 基本4情報 of a 署名用 certificate.
    pub four_info: Option<CertificateFourInfo>,
    pub status: StatusChecked,
    /// The certificate policy OIDs, dotted. Not enforced: JPKI's policy OIDs are not confirmed
    /// from J-LIS's CP/CPS; a relying party that knows them checks this list.
    pub policies: Vec<String>,
}

/// Checks `cert` for `kind`: chain to one of `anchors`, validity of both at `at`, key usage,
/// not a CA, and revocation status from `evidence`.
pub fn verify_certificate(
    cert: &JpkiCertificate,
    kind: CertificateKind,
    anchors: &TrustAnchors,
    at: UnixTime,
    evidence: StatusEvidence<'_>,
) -> Result<Verified, Error> {
    let issuer = anchors.verify(cert, at)?;
    let tbs = cert.x509().tbs_certificate();
    let ca = tbs
        .get_extension::<BasicConstraints>()
        .map_err(|_| Error::CertificateInvalid {
            what: "basicConstraints is malformed",
        })?
        .is_some_and(|(_, bc)| bc.ca);
    if ca {
        return Err(Error::CertificateInvalid {
            what: "a CA certificate is not a resident's certificate",
        });
    }
    let usage = tbs
        .get_extension::<KeyUsage>()
        .map_err(|_| Error::CertificateInvalid {
            what: "keyUsage is malformed",
        })?
        .map(|(_, ku)| ku)
        .ok_or(Error::CertificateInvalid {
            what: "keyUsage is missing",
        })?;
    let needed = match kind {
        CertificateKind::Authentication => KeyUsages::DigitalSignature,
        CertificateKind::Signature => KeyUsages::NonRepudiation,
    };
    if !usage.0.contains(needed) {
        return Err(Error::CertificateInvalid {
            what: "keyUsage does not allow this use (利用者証明用 / 署名用 mixed up?)",
        });
    }
    let policies = tbs
        .get_extension::<CertificatePolicies>()
        .map_err(|_| Error::CertificateInvalid {
            what: "certificatePolicies is malformed",
        })?
        .map(|(_, p)| {
            p.0.iter()
                .map(|i| i.policy_identifier.to_string())
                .collect()
        })
        .unwrap_or_default();
    let status = match evidence {
        StatusEvidence::NotChecked => StatusChecked::NotChecked,
        StatusEvidence::Crl(crl) => status_result(crl.status(cert))?,
        StatusEvidence::Ocsp { request, response } => {
            status_result(request.verify_response(response, issuer, at)?)?
        }
    };
    Ok(Verified {
        subject: cert.subject(),
        serial_hex: cert.serial_hex(),
        not_after: cert.not_after(),
        four_info: match kind {
            CertificateKind::Signature => cert.four_info()?,
            CertificateKind::Authentication => None,
        },
        status,
        policies,
    })
}

fn status_result(status: CertStatus) -> Result<StatusChecked, Error> {
    match status {
        CertStatus::Good => Ok(StatusChecked::Good),
        CertStatus::Revoked(r) => Err(Error::Revoked { reason: r.reason }),
        CertStatus::Unknown => Err(Error::StatusUnknown),
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

/// A relying party's configuration: trust anchors and the CRLs it holds, each CRL checked
/// against the anchor that issued it. One value serves every verification of a server.
#[derive(Clone, Debug)]
pub struct RelyingParty {
    anchors: TrustAnchors,
    crls: Vec<Crl>,
}

impl RelyingParty {
    pub fn new(anchors: TrustAnchors) -> RelyingParty {
        RelyingParty {
            anchors,
            crls: Vec::new(),
        }
    }

    pub fn anchors(&self) -> &TrustAnchors {
        &self.anchors
    }

    /// Adds a DER CRL, checked against whichever anchor issued it and current at `at`.
    pub fn add_crl(&mut self, der: &[u8], at: UnixTime) -> Result<(), Error> {
        let mut last = Error::StatusInvalid {
            what: "CRL from no configured CA",
        };
        for ca in self.anchors.anchors() {
            match Crl::from_der(der, ca, at) {
                Ok(crl) => {
                    self.crls.push(crl);
                    return Ok(());
                }
                Err(Error::StatusInvalid {
                    what: "CRL is from another issuer",
                }) => {}
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The CRL of `cert`'s issuer, if one was added.
    fn evidence(&self, cert: &JpkiCertificate) -> StatusEvidence<'_> {
        let issuer = cert.x509().tbs_certificate().issuer();
        self.crls
            .iter()
            .find(|c| c.issuer() == issuer)
            .map_or(StatusEvidence::NotChecked, StatusEvidence::Crl)
    }

    /// [`verify_certificate`] with this party's anchors and CRLs (`NotChecked` when it holds
    /// no CRL of the certificate's issuer).
    pub fn verify_certificate(
        &self,
        cert: &JpkiCertificate,
        kind: CertificateKind,
        at: UnixTime,
    ) -> Result<Verified, Error> {
        verify_certificate(cert, kind, &self.anchors, at, self.evidence(cert))
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
        verify_signed(
            cert,
            input,
            signature,
            kind,
            &self.anchors,
            at,
            self.evidence(cert),
        )
    }

    /// A CMS signed document ([`crate::cms::verify_signed_document`]) with this party's
    /// anchors and CRLs.
    pub fn verify_document(
        &self,
        der: &[u8],
        detached_content: Option<&[u8]>,
        at: UnixTime,
    ) -> Result<crate::cms::SignedDocument, Error> {
        let signer = crate::cms::signer_certificate(der)?;
        crate::cms::verify_signed_document(
            der,
            detached_content,
            &self.anchors,
            at,
            self.evidence(&signer),
        )
    }
}
