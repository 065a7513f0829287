//! `mynacard verify`: a relying party's check of files (certificate, signature, CMS, CRLs),
//! with the result as JSON on stdout.

use std::path::{Path, PathBuf};

use mynacard_core::error::UsageError;
use mynacard_core::verify::{CertificateKind, KeyPolicy, RelyingParty, StatusChecked, Verified};
use mynacard_core::{Error, JpkiCertificate, SignInput, UnixTime};
use serde_json::{Value, json};

use crate::error::{Action, CliError};

/// What to verify.
pub struct Request<'a> {
    pub cert: Option<&'a Path>,
    pub kind: CertificateKind,
    pub signature: Option<&'a Path>,
    pub data: Option<&'a Path>,
    pub cms: Option<&'a Path>,
    pub content: Option<&'a Path>,
    pub pdf: Option<&'a Path>,
    pub cas: &'a [PathBuf],
    pub test_pki: bool,
    pub crls: &'a [PathBuf],
    pub at: UnixTime,
    /// `--rsa-only`: [`KeyPolicy::RsaOnly`].
    pub rsa_only: bool,
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(CliError::io(Action::Read, path))
}

/// A certificate file, DER or PEM.
fn certificate(path: &Path) -> Result<JpkiCertificate, CliError> {
    let bytes = read(path)?;
    Ok(match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN") => JpkiCertificate::from_pem(text),
        _ => JpkiCertificate::from_der(&bytes),
    }?)
}

/// The DER anchors: `--test-pki`'s CAs and each `--ca`; none given means the real JPKI CAs
/// (the core's one default, [`RelyingParty::from_der`]).
fn anchors(req: &Request<'_>) -> Result<Vec<Vec<u8>>, CliError> {
    let mut list: Vec<Vec<u8>> = if req.test_pki {
        vec![
            mynacard_virtual_card::pki::auth_ca_der().to_vec(),
            mynacard_virtual_card::pki::sign_ca_der().to_vec(),
            mynacard_virtual_card::pki::p384_auth_ca_der().to_vec(),
            mynacard_virtual_card::pki::p384_sign_ca_der().to_vec(),
        ]
    } else {
        Vec::new()
    };
    for ca in req.cas {
        list.push(certificate(ca)?.der().to_vec());
    }
    Ok(list)
}

pub fn verified_json(v: &Verified) -> Value {
    json!({
        "ok": true,
        "subject": v.subject,
        "serial": v.serial_hex,
        "not_after": v.not_after.0,
        "key_algorithm": v.key_algorithm.code(),
        "key_bits": v.key_algorithm.bits(),
        "status": match v.status { StatusChecked::Good => "good", StatusChecked::NotChecked => "not_checked" },
        "source": v.source.map(|s| s.as_str()),
        "four_info": v.four_info.as_ref().map(|f| json!({
            "name": f.four_info.name.to_marked_string(),
            "address": f.four_info.address.to_marked_string(),
            "birth_date": f.four_info.birth_date.to_string(),
            "sex": f.four_info.sex.code().to_string(),
        })),
    })
}

/// The error as JSON: code, parameters and both messages.
pub fn error_json(e: &CliError) -> Value {
    let params: serde_json::Map<String, Value> = e
        .params()
        .into_iter()
        .map(|(k, v)| (k.to_string(), Value::String(v)))
        .collect();
    json!({ "ok": false, "code": e.code(), "params": params, "message_en": e.message_en(), "message_ja": e.message_ja() })
}

pub fn run(req: &Request<'_>) -> Result<Value, CliError> {
    let crls = req
        .crls
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut party = RelyingParty::from_der(&anchors(req)?, &crls, req.at)?;
    if req.rsa_only {
        party = party.with_key_policy(KeyPolicy::RsaOnly);
    }
    if let Some(pdf) = req.pdf {
        let signatures = mynacard_core::pdf::verify_pdf(&read(pdf)?, &party, req.at)?;
        let list: Vec<Value> = signatures
            .iter()
            .map(|s| {
                let mut v = verified_json(&s.document.signer);
                v["field"] = json!(s.field);
                v["sub_filter"] = json!(s.sub_filter);
                v["byte_range"] = json!(s.byte_range);
                v["appended_after"] = json!(s.appended_after);
                v["covers_whole_file"] = json!(s.appended_after == 0);
                v["signing_time"] = json!(s.document.signing_time.map(|t| t.0));
                v["timestamp"] = json!(s.timestamp.map(|t| t.0));
                v
            })
            .collect();
        return Ok(json!({ "ok": true, "signatures": list }));
    }
    if let Some(cms) = req.cms {
        let content = req.content.map(read).transpose()?;
        let doc = party.verify_document(&read(cms)?, content.as_deref(), req.at)?;
        let mut out = verified_json(&doc.signer);
        out["signing_time"] = json!(doc.signing_time.map(|t| t.0));
        out["content_bytes"] = json!(doc.content.len());
        return Ok(out);
    }
    let cert_path = req.cert.ok_or(Error::Usage(UsageError::InvalidArgument {
        what: "give --cert (or --cms)",
    }))?;
    let cert = certificate(cert_path)?;
    let verified = match (req.signature, req.data) {
        (Some(sig), Some(data)) => party.verify_signed(
            &cert,
            SignInput::data(&read(data)?),
            &read(sig)?,
            req.kind,
            req.at,
        )?,
        (None, None) => party.verify_certificate(&cert, req.kind, req.at)?,
        _ => {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "--signature and --data go together",
            })
            .into());
        }
    };
    Ok(verified_json(&verified))
}
