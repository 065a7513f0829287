//! `mynacard verify`: a relying party's check of files (certificate, signature, CMS, CRLs),
//! with the result as JSON on stdout.

use std::path::{Path, PathBuf};

use mynacard_core::cms::verify_signed_document;
use mynacard_core::verify::{
    self, CertificateKind, Crl, StatusChecked, StatusEvidence, TrustAnchors, Verified,
};
use mynacard_core::{Error, JpkiCertificate, SignInput, UnixTime};
use serde_json::{Value, json};

/// What to verify.
pub struct Request<'a> {
    pub cert: Option<&'a Path>,
    pub kind: CertificateKind,
    pub signature: Option<&'a Path>,
    pub data: Option<&'a Path>,
    pub cms: Option<&'a Path>,
    pub content: Option<&'a Path>,
    pub cas: &'a [PathBuf],
    pub test_pki: bool,
    pub crls: &'a [PathBuf],
    pub at: UnixTime,
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|_| Error::InvalidArgument {
        what: "cannot read an input file",
    })
}

/// A certificate file, DER or PEM.
fn certificate(path: &Path) -> Result<JpkiCertificate, Error> {
    let bytes = read(path)?;
    match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN") => JpkiCertificate::from_pem(text),
        _ => JpkiCertificate::from_der(&bytes),
    }
}

fn anchors(req: &Request<'_>) -> Result<TrustAnchors, Error> {
    let mut list: Vec<JpkiCertificate> = if req.test_pki {
        vec![
            JpkiCertificate::from_der(mynacard_virtual_card::pki::auth_ca_der())?,
            JpkiCertificate::from_der(mynacard_virtual_card::pki::sign_ca_der())?,
        ]
    } else if req.cas.is_empty() {
        verify::jpki_trust_anchors().anchors().to_vec()
    } else {
        Vec::new()
    };
    for ca in req.cas {
        list.push(certificate(ca)?);
    }
    Ok(TrustAnchors::new(list))
}

/// Each CRL checked against whichever anchor issued it.
fn crls(req: &Request<'_>, anchors: &TrustAnchors) -> Result<Vec<Crl>, Error> {
    req.crls
        .iter()
        .map(|path| {
            let der = read(path)?;
            let mut last = Error::StatusInvalid {
                what: "CRL from no configured CA",
            };
            for ca in anchors.anchors() {
                match Crl::from_der(&der, ca, req.at) {
                    Ok(crl) => return Ok(crl),
                    Err(Error::StatusInvalid {
                        what: "CRL is from another issuer",
                    }) => {}
                    Err(e) => last = e,
                }
            }
            Err(last)
        })
        .collect()
}

fn verified_json(v: &Verified) -> Value {
    json!({
        "ok": true,
        "subject": v.subject,
        "serial": v.serial_hex,
        "not_after": v.not_after.0,
        "status": match v.status { StatusChecked::Good => "good", StatusChecked::NotChecked => "not_checked" },
        "four_info": v.four_info.as_ref().map(|f| json!({
            "name": f.four_info.name.to_marked_string(),
            "address": f.four_info.address.to_marked_string(),
            "birth_date": f.four_info.birth_date.to_string(),
            "sex": f.four_info.sex.code().to_string(),
        })),
    })
}

/// The error as JSON: code, parameters and both messages.
pub fn error_json(e: &Error) -> Value {
    let params: serde_json::Map<String, Value> = e
        .params()
        .into_iter()
        .map(|(k, v)| (k.to_string(), Value::String(v)))
        .collect();
    json!({ "ok": false, "code": e.code(), "params": params, "message_en": e.message_en(), "message_ja": e.message_ja() })
}

pub fn run(req: &Request<'_>) -> Result<Value, Error> {
    let anchors = anchors(req)?;
    let crls = crls(req, &anchors)?;
    // With several CRLs, the one from the certificate's issuer decides.
    let evidence_for = |cert: &JpkiCertificate| {
        crls.iter()
            .find(|c| c.status(cert) != verify::CertStatus::Unknown)
            .or(crls.first())
            .map_or(StatusEvidence::NotChecked, StatusEvidence::Crl)
    };
    if let Some(cms) = req.cms {
        let content = req.content.map(read).transpose()?;
        let der = read(cms)?;
        let probe = verify_signed_document(
            &der,
            content.as_deref(),
            &anchors,
            req.at,
            StatusEvidence::NotChecked,
        );
        let doc = match probe {
            Ok(doc) if !crls.is_empty() => verify_signed_document(
                &der,
                content.as_deref(),
                &anchors,
                req.at,
                evidence_for(&doc.certificate),
            )?,
            other => other?,
        };
        let mut out = verified_json(&doc.signer);
        out["signing_time"] = json!(doc.signing_time.map(|t| t.0));
        out["content_bytes"] = json!(doc.content.len());
        return Ok(out);
    }
    let cert_path = req.cert.ok_or(Error::InvalidArgument {
        what: "give --cert (or --cms)",
    })?;
    let cert = certificate(cert_path)?;
    let evidence = evidence_for(&cert);
    let verified = match (req.signature, req.data) {
        (Some(sig), Some(data)) => verify::verify_signed(
            &cert,
            SignInput::data(&read(data)?),
            &read(sig)?,
            req.kind,
            &anchors,
            req.at,
            evidence,
        )?,
        (None, None) => verify::verify_certificate(&cert, req.kind, &anchors, req.at, evidence)?,
        _ => {
            return Err(Error::InvalidArgument {
                what: "--signature and --data go together",
            });
        }
    };
    Ok(verified_json(&verified))
}
