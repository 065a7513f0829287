//! The 署名API: open a sign transaction with a client-credentials token, have the user sign
//! it in デジタル認証アプリ (authorization request with `sign_transaction_id`, see
//! [`super::LoginRequest::sign`]), fetch the result with the login's access token, decrypt its
//! JWE parts with the relying party's key, and verify the signature and the 署名用 certificate
//! with [`crate::verify`].
//!
//! The paths (`/api/sign-transactions`, `/{id}/result`) come from third-party documents and
//! the JSON field names are unconfirmed: [`SignTransactionFormat`] names them.

use base64ct::{Base64, Encoding};
use rsa::traits::PublicKeyParts;
use serde_json::Value;

use super::http::{HttpOutcome, HttpRequest, json_body};
use super::jose::decrypt_jwe;
use super::token::AccessToken;
use crate::cert::{JpkiCertificate, UnixTime};
use crate::digest::DigestAlgorithm;
use crate::error::Error;
use crate::error::OidcError;
use crate::verify::{CertificateKind, RelyingParty, Verified, verify_digest_info};

/// What the user signs, in one of the 署名API's two modes; the result is verified in the mode it
/// was opened with, never by trying both. PocketSign's guide to the service
/// (docs.p8n.app, "DigestInfo を付与したハッシュを用いた署名作成") describes the DigestInfo mode as
/// the one whose difference from the usual signature is the added DigestInfo, needed when data
/// and signature go to J-LIS: so the usual mode signs the bare SHA-256 (docs/oidc.md).
#[derive(Clone, PartialEq, Eq)]
pub enum SignDigest {
    /// The SHA-256 digest of the document, signed as it is (PKCS#1 v1.5 padding over the 32
    /// bytes, no DigestInfo: not a standard RSASSA-PKCS1-v1_5 signature). The usual mode.
    Sha256([u8; 32]),
    /// A DER DigestInfo, signed as it is: a standard RSASSA-PKCS1-v1_5 signature (XML
    /// signatures, data submitted to J-LIS).
    DigestInfo(Vec<u8>),
}

impl core::fmt::Debug for SignDigest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SignDigest::Sha256(_) => f.write_str("SignDigest::Sha256"),
            SignDigest::DigestInfo(_) => f.write_str("SignDigest::DigestInfo"),
        }
    }
}

impl SignDigest {
    /// The SHA-256 digest of `document`.
    pub fn of_document(document: &[u8]) -> SignDigest {
        let mut out = [0u8; 32];
        out.copy_from_slice(&DigestAlgorithm::Sha256.hash(document));
        SignDigest::Sha256(out)
    }

    /// The bytes sent to the service, which are also the block the card pads (PKCS#1 v1.5
    /// type 1) and signs, in either mode.
    fn bytes(&self) -> &[u8] {
        match self {
            SignDigest::Sha256(d) => d,
            SignDigest::DigestInfo(d) => d,
        }
    }
}

/// The JSON field names of the sign-transaction API (unconfirmed; defaults follow the
/// third-party description: base64 `hash`, `id`, `signature`, `certificate`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignTransactionFormat {
    /// Field carrying the base64 digest (or DigestInfo).
    pub digest_field: String,
    /// Field telling the digest form, if the provider wants one: its value is `"SHA256"` or
    /// `"DIGEST_INFO"`. Default none.
    pub digest_form_field: Option<String>,
    /// Field of the transaction id in the open response.
    pub id_field: String,
    /// Field of the signature JWE in the result.
    pub signature_field: String,
    /// Field of the certificate JWE in the result.
    pub certificate_field: String,
}

impl Default for SignTransactionFormat {
    fn default() -> Self {
        SignTransactionFormat {
            digest_field: "hash".into(),
            digest_form_field: None,
            id_field: "id".into(),
            signature_field: "signature".into(),
            certificate_field: "certificate".into(),
        }
    }
}

/// A sign transaction's id (a UUID).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignTransactionId(pub String);

/// The POST that opens a sign transaction, with a client-credentials access token.
pub fn open_sign_transaction(
    endpoint: &str,
    token: &AccessToken,
    digest: &SignDigest,
    format: &SignTransactionFormat,
) -> HttpRequest {
    let mut body = serde_json::Map::new();
    body.insert(
        format.digest_field.clone(),
        Value::String(Base64::encode_string(digest.bytes())),
    );
    if let Some(field) = &format.digest_form_field {
        let form = match digest {
            SignDigest::Sha256(_) => "SHA256",
            SignDigest::DigestInfo(_) => "DIGEST_INFO",
        };
        body.insert(field.clone(), Value::String(form.into()));
    }
    HttpRequest::post_json(endpoint.to_string(), &Value::Object(body))
        .with_header("authorization", format!("Bearer {}", token.secret()))
}

/// The transaction id from the open response (200 or 201).
pub fn parse_sign_transaction(
    outcome: HttpOutcome<'_>,
    format: &SignTransactionFormat,
) -> Result<SignTransactionId, Error> {
    let body: Value = json_body(outcome, "sign transaction response")?;
    let id = body
        .get(&format.id_field)
        .and_then(Value::as_str)
        .filter(|s| {
            s.len() == 36
                && s.bytes().enumerate().all(|(i, b)| match i {
                    8 | 13 | 18 | 23 => b == b'-',
                    _ => b.is_ascii_hexdigit(),
                })
        })
        .ok_or(Error::Oidc(OidcError::ResponseInvalid {
            what: "sign transaction id is not a UUID",
        }))?;
    Ok(SignTransactionId(id.to_string()))
}

/// The GET of `{endpoint}/{id}/result` with the access token of the login that signed.
pub fn sign_result_request(
    endpoint: &str,
    token: &AccessToken,
    id: &SignTransactionId,
) -> HttpRequest {
    HttpRequest::get(format!(
        "{}/{}/result",
        endpoint.trim_end_matches('/'),
        id.0
    ))
    .with_header("authorization", format!("Bearer {}", token.secret()))
}

/// A decrypted sign result, not yet verified.
#[derive(Clone)]
pub struct SignResult {
    /// The signature the card made.
    pub signature: Vec<u8>,
    /// The 署名用 certificate (carries 基本4情報: `Debug` shows the serial only).
    pub certificate: JpkiCertificate,
}

impl core::fmt::Debug for SignResult {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SignResult({:?}, <redacted>)", self.certificate)
    }
}

const BAD_RESULT: Error = Error::Oidc(OidcError::ResponseInvalid {
    what: "sign result content is malformed",
});

/// The certificate plaintext: DER, PEM, or base64 of DER.
fn certificate(plain: &[u8]) -> Result<JpkiCertificate, Error> {
    if plain.first() == Some(&0x30) {
        return JpkiCertificate::from_der(plain);
    }
    let text = core::str::from_utf8(plain).map_err(|_| BAD_RESULT)?.trim();
    if text.starts_with("-----BEGIN") {
        return JpkiCertificate::from_pem(text);
    }
    let der = Base64::decode_vec(text).map_err(|_| BAD_RESULT)?;
    JpkiCertificate::from_der(&der)
}

/// The signature plaintext: raw bytes of the key's size, or base64 of them.
fn signature(plain: &[u8], size: usize) -> Result<Vec<u8>, Error> {
    if plain.len() == size {
        return Ok(plain.to_vec());
    }
    let text = core::str::from_utf8(plain).map_err(|_| BAD_RESULT)?.trim();
    let raw = Base64::decode_vec(text)
        .or_else(|_| base64ct::Base64UrlUnpadded::decode_vec(text))
        .map_err(|_| BAD_RESULT)?;
    if raw.len() == size {
        Ok(raw)
    } else {
        Err(BAD_RESULT)
    }
}

/// Parses the result: each of the signature and the certificate is a compact JWE
/// (RSA-OAEP-256, A256GCM) for the relying party's key `rp_key`.
pub fn parse_sign_result(
    outcome: HttpOutcome<'_>,
    format: &SignTransactionFormat,
    rp_key: &rsa::PrivateKey,
) -> Result<SignResult, Error> {
    let body: Value = json_body(outcome, "sign result response")?;
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .ok_or(Error::Oidc(OidcError::ResponseInvalid {
                what: "sign result field is missing",
            }))
    };
    let cert_plain = decrypt_jwe(field(&format.certificate_field)?, rp_key)?;
    let sig_plain = decrypt_jwe(field(&format.signature_field)?, rp_key)?;
    let certificate = certificate(&cert_plain)?;
    let signature = signature(&sig_plain, certificate.rsa_public_key()?.size())?;
    Ok(SignResult {
        signature,
        certificate,
    })
}

/// Verifies the signature over `digest` in its mode (PKCS#1 v1.5 over the bare SHA-256, or over
/// the DigestInfo), then the 署名用 certificate with the
/// relying party's anchors and CRLs ([`RelyingParty::verify_certificate`]).
pub fn verify_sign_result(
    result: &SignResult,
    digest: &SignDigest,
    rp: &RelyingParty,
    at: UnixTime,
) -> Result<Verified, Error> {
    verify_digest_info(
        result.certificate.rsa_public_key()?,
        digest.bytes(),
        &result.signature,
    )?;
    rp.verify_certificate(&result.certificate, CertificateKind::Signature, at)
}
