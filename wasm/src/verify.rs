//! `verify()` for relying parties' servers (Node 20) and pages: a certificate, a signature
//! over data, or a CMS signed document, checked against trust anchors and CRLs.

use js_sys::{Array, Object, Reflect, Uint8Array};
use mynacard_core::verify::{CertificateKind, KeyPolicy, RelyingParty, StatusChecked, Verified};
use mynacard_core::{Error, JpkiCertificate, SignInput, UnixTime};
use wasm_bindgen::prelude::*;

use crate::js::{four_info_object, set};
use mynacard_core::error::UsageError;

fn field(options: &JsValue, name: &str) -> Result<Option<JsValue>, Error> {
    let value = Reflect::get(options, &name.into()).map_err(|_| {
        Error::Usage(UsageError::InvalidArgument {
            what: "options must be an object",
        })
    })?;
    Ok((!value.is_undefined() && !value.is_null()).then_some(value))
}

fn bytes(options: &JsValue, name: &'static str) -> Result<Option<Vec<u8>>, Error> {
    match field(options, name)? {
        None => Ok(None),
        Some(v) if v.is_instance_of::<Uint8Array>() => Ok(Some(Uint8Array::new(&v).to_vec())),
        Some(_) => Err(Error::Usage(UsageError::InvalidArgument {
            what: "binary inputs must be Uint8Array",
        })),
    }
}

fn byte_list(options: &JsValue, name: &str) -> Result<Option<Vec<Vec<u8>>>, Error> {
    let Some(v) = field(options, name)? else {
        return Ok(None);
    };
    let bad = Error::Usage(UsageError::InvalidArgument {
        what: "anchors and crls must be arrays of Uint8Array",
    });
    if !Array::is_array(&v) {
        return Err(bad);
    }
    Array::from(&v)
        .iter()
        .map(|item| {
            if item.is_instance_of::<Uint8Array>() {
                Ok(Uint8Array::new(&item).to_vec())
            } else {
                Err(bad.clone())
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A verification result as JS: `{ subject, serial, notAfter, keyAlgorithm, keyBits, status,
/// source, fourInfo }`.
pub(crate) fn result(v: &Verified) -> Object {
    let out = Object::new();
    set(&out, "subject", v.subject.clone().into());
    set(&out, "serial", v.serial_hex.clone().into());
    set(&out, "notAfter", (v.not_after.0 as f64).into());
    set(&out, "keyAlgorithm", v.key_algorithm.code().into());
    set(&out, "keyBits", (v.key_algorithm.bits() as f64).into());
    set(
        &out,
        "status",
        match v.status {
            StatusChecked::Good => "good",
            StatusChecked::NotChecked => "not_checked",
        }
        .into(),
    );
    set(
        &out,
        "source",
        v.source.map_or(JsValue::NULL, |s| s.as_str().into()),
    );
    let four = v
        .four_info
        .as_ref()
        .map_or(JsValue::NULL, |f| four_info_object(&f.four_info).into());
    set(&out, "fourInfo", four);
    out
}

/// `options.at` (Unix seconds) or now.
pub(crate) fn at(options: &JsValue) -> Result<UnixTime, Error> {
    Ok(match field(options, "at")? {
        Some(v) => UnixTime(v.as_f64().filter(|t| *t >= 0.0).ok_or(Error::Usage(
            UsageError::InvalidArgument {
                what: "at must be Unix seconds",
            },
        ))? as u64),
        None => UnixTime((js_sys::Date::now() / 1000.0) as u64),
    })
}

/// The relying party of `options.anchors` (DER CA certificates; absent or empty: the real
/// JPKI CAs, the core's one default), `options.crls`, and `options.rsaOnly` (refuse ECDSA
/// P-384 certificates: [`KeyPolicy::RsaOnly`]).
pub(crate) fn relying_party(options: &JsValue, at: UnixTime) -> Result<RelyingParty, Error> {
    let party = RelyingParty::from_der(
        &byte_list(options, "anchors")?.unwrap_or_default(),
        &byte_list(options, "crls")?.unwrap_or_default(),
        at,
    )?;
    Ok(match field(options, "rsaOnly")?.and_then(|v| v.as_bool()) {
        Some(true) => party.with_key_policy(KeyPolicy::RsaOnly),
        _ => party,
    })
}

fn run(options: &JsValue) -> Result<Object, Error> {
    let at = at(options)?;
    let party = relying_party(options, at)?;
    if let Some(cms) = bytes(options, "cms")? {
        let content = bytes(options, "content")?;
        let doc = party.verify_document(&cms, content.as_deref(), at)?;
        let out = result(&doc.signer);
        set(
            &out,
            "signingTime",
            doc.signing_time
                .map_or(JsValue::NULL, |t| (t.0 as f64).into()),
        );
        set(
            &out,
            "content",
            Uint8Array::from(doc.content.as_slice()).into(),
        );
        return Ok(out);
    }
    let cert = JpkiCertificate::from_der(&bytes(options, "certificate")?.ok_or(Error::Usage(
        UsageError::InvalidArgument {
            what: "give certificate (or cms)",
        },
    ))?)?;
    let kind = match field(options, "kind")?
        .and_then(|k| k.as_string())
        .as_deref()
    {
        None | Some("auth") => CertificateKind::Authentication,
        Some("sign") => CertificateKind::Signature,
        Some(_) => {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "kind is auth or sign",
            }));
        }
    };
    let verified = match (bytes(options, "signature")?, bytes(options, "data")?) {
        (Some(sig), Some(data)) => {
            party.verify_signed(&cert, SignInput::data(&data), &sig, kind, at)?
        }
        (None, None) => party.verify_certificate(&cert, kind, at)?,
        _ => {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "signature and data go together",
            }));
        }
    };
    Ok(result(&verified))
}

/// Verifies, for a relying party:
///
/// ```js
/// const r = verify({ certificate, data: challenge, signature, kind: 'auth',
///                    anchors: [caDer], crls: [crlDer] });
/// // { subject, serial, notAfter, keyAlgorithm: 'rsa' | 'ecdsa-p384', keyBits,
/// //   status: 'good' | 'not_checked', source: 'crl' | null, fourInfo }
/// verify({ cms, content, anchors, crls }); // a signed document (署名用)
/// ```
///
/// Throws a `MynaError` (`code`: `SIGNATURE_INVALID`, `CHAIN_UNTRUSTED`,
/// `CERTIFICATE_EXPIRED`, `REVOKED`, …). Without `anchors` (or with `[]`), the real JPKI CAs
/// are trusted.
#[wasm_bindgen(unchecked_return_type = "VerifyResult")]
pub fn verify(
    #[wasm_bindgen(unchecked_param_type = "VerifyOptions")] options: JsValue,
) -> Result<Object, JsValue> {
    run(&options).map_err(|e| crate::error::to_js(&e))
}

/// Checks a 券面事項確認AP internal authentication answer (a server's part, in this order): EF
/// 0001's signature against the key EF 0004 certifies (`INTEGRITY_MISMATCH`), EF 0004 against
/// `issuerKey` when given (`KEY_RECORD_UNTRUSTED`), the answer over `challenge` against the card
/// key EF 0001 names (`CARD_NOT_GENUINE`). The challenge must be the one this server issued.
///
/// ```js
/// const g = verifyInternalAuthentication({ challenge, signature, ageRecord, keyRecord, issuerKey });
/// // { keyRecordChecked: true, birthDate: '1980-02-17', issuerKeyId: '6000023/001' }
/// ```
#[wasm_bindgen(js_name = verifyInternalAuthentication, unchecked_return_type = "CardGenuineness")]
pub fn verify_internal_authentication(
    #[wasm_bindgen(unchecked_param_type = "InternalAuthenticationCheck")] options: JsValue,
) -> Result<Object, JsValue> {
    check_internal_authentication(&options).map_err(|e| crate::error::to_js(&e))
}

fn check_internal_authentication(options: &JsValue) -> Result<Object, Error> {
    let need = |name: &'static str| {
        bytes(options, name)?.ok_or(Error::Usage(UsageError::InvalidArgument {
            what: "challenge, signature, ageRecord and keyRecord are required",
        }))
    };
    let anchor = bytes(options, "issuerKey")?
        .map(|k| mynacard_core::card::issuer_key_from_object(&k))
        .transpose()?;
    let g = mynacard_core::card::verify_internal_authentication(
        &need("challenge")?,
        &need("signature")?,
        &need("ageRecord")?,
        &need("keyRecord")?,
        anchor.as_ref(),
    )?;
    let o = Object::new();
    set(&o, "keyRecordChecked", g.key_record_checked.into());
    let text = |v: Option<String>| v.map_or(JsValue::NULL, JsValue::from);
    set(&o, "birthDate", text(g.birth_date.map(|d| d.to_string())));
    set(&o, "issuerKeyId", text(g.issuer_key_id));
    Ok(o)
}
