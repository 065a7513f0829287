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
use super::jose::{check_jwe_shape, decrypt_jwe};
use super::token::AccessToken;
use crate::cert::{JpkiCertificate, PublicKey, UnixTime};
use crate::digest::DigestAlgorithm;
use crate::error::Error;
use crate::error::{OidcError, VerifyError};
use crate::verify::signature::verify_p384_prehash;
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
/// The signature bytes, given as they are or base64 text: the modulus's length for an RSA key;
/// for a P-384 key (the next card generation, whose 署名API form is not published), `r ‖ s` of
/// 96 bytes or a DER `ECDSA-Sig-Value`, as [`crate::verify::verify_signature`] takes them.
fn signature(plain: &[u8], key: &PublicKey) -> Result<Vec<u8>, Error> {
    let fits = |bytes: &[u8]| match key {
        PublicKey::Rsa(k) => bytes.len() == k.size(),
        PublicKey::EcdsaP384(_) => p384_signature(bytes).is_some(),
    };
    if fits(plain) {
        return Ok(plain.to_vec());
    }
    let text = core::str::from_utf8(plain).map_err(|_| BAD_RESULT)?.trim();
    let raw = Base64::decode_vec(text)
        .or_else(|_| base64ct::Base64UrlUnpadded::decode_vec(text))
        .map_err(|_| BAD_RESULT)?;
    if fits(&raw) { Ok(raw) } else { Err(BAD_RESULT) }
}

/// An ECDSA P-384 signature as `r ‖ s` (96 bytes) or DER.
fn p384_signature(bytes: &[u8]) -> Option<p384::ecdsa::Signature> {
    if bytes.len() == 96 {
        p384::ecdsa::Signature::from_slice(bytes).ok()
    } else {
        p384::ecdsa::Signature::from_der(bytes).ok()
    }
}

/// Parses the result: each of the signature and the certificate is a compact JWE
/// (RSA-OAEP-256, A256GCM) for the relying party's key `rp_key`.
pub fn parse_sign_result(
    outcome: HttpOutcome<'_>,
    format: &SignTransactionFormat,
    rp_key: &rsa::PrivateKey,
) -> Result<SignResult, Error> {
    let (signature_jwe, certificate_jwe) = sign_result_parts(outcome, format)?;
    open_sign_result(&signature_jwe, &certificate_jwe, rp_key)
}

/// The result's two compact JWEs (signature, certificate) as the service sent them, each of
/// the shape [`decrypt_jwe`] accepts ([`check_jwe_shape`]); not decrypted.
pub(crate) fn sign_result_parts(
    outcome: HttpOutcome<'_>,
    format: &SignTransactionFormat,
) -> Result<(String, String), Error> {
    let body: Value = json_body(outcome, "sign result response")?;
    let field = |name: &str| {
        let jwe = body.get(name).and_then(Value::as_str).ok_or(Error::Oidc(
            OidcError::ResponseInvalid {
                what: "sign result field is missing",
            },
        ))?;
        check_jwe_shape(jwe)?;
        Ok::<String, Error>(jwe.trim().to_string())
    };
    Ok((
        field(&format.signature_field)?,
        field(&format.certificate_field)?,
    ))
}

/// Decrypts the result's two JWEs with `key` (the relying party's, or in the forwarding mode
/// the operator's) and parses signature and certificate; nothing is verified yet.
pub(crate) fn open_sign_result(
    signature_jwe: &str,
    certificate_jwe: &str,
    key: &rsa::PrivateKey,
) -> Result<SignResult, Error> {
    let cert_plain = decrypt_jwe(certificate_jwe, key)?;
    let sig_plain = decrypt_jwe(signature_jwe, key)?;
    let certificate = certificate(&cert_plain)?;
    let signature = signature(&sig_plain, certificate.public_key()?)?;
    Ok(SignResult {
        signature,
        certificate,
    })
}

/// Verifies the signature over `digest` in its mode, by the certificate's key: for RSA,
/// PKCS#1 v1.5 over the bare SHA-256 or over the DigestInfo; for P-384 (the next card
/// generation), ECDSA over the SHA-256 digest, and a DigestInfo-mode result is refused
/// (`SIGNATURE_INVALID`: a DigestInfo is PKCS#1's, no ECDSA signature is made over one). Then
/// the 署名用 certificate with the relying party's anchors and CRLs
/// ([`RelyingParty::verify_certificate`]).
pub fn verify_sign_result(
    result: &SignResult,
    digest: &SignDigest,
    rp: &RelyingParty,
    at: UnixTime,
) -> Result<Verified, Error> {
    match (result.certificate.public_key()?, digest) {
        (PublicKey::Rsa(key), _) => verify_digest_info(key, digest.bytes(), &result.signature)?,
        (PublicKey::EcdsaP384(key), SignDigest::Sha256(hash)) => {
            let sig = p384_signature(&result.signature)
                .ok_or(Error::Verify(VerifyError::SignatureInvalid))?;
            verify_p384_prehash(key, hash, &sig)?
        }
        (PublicKey::EcdsaP384(_), SignDigest::DigestInfo(_)) => {
            return Err(Error::Verify(VerifyError::SignatureInvalid));
        }
    }
    rp.verify_certificate(&result.certificate, CertificateKind::Signature, at)
}

/// The 署名API result by key: RSA in both modes, P-384 (the modelled next generation) in the
/// SHA-256 mode and refused in the DigestInfo mode; signatures given raw or as base64 text.
#[cfg(test)]
mod tests {
    use p384::ecdsa::signature::hazmat::PrehashSigner;
    use p384::pkcs8::DecodePrivateKey as _;
    use rsa::Pkcs1v15Sign;

    use super::*;

    const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/virtual-card/pki/");
    /// 2026-06-01, inside the test certificates' 2025–2030 validity.
    const AT: UnixTime = UnixTime(1_780_272_000);

    fn pki(name: &str) -> Vec<u8> {
        std::fs::read(format!("{PKI}{name}")).unwrap()
    }

    fn cert(name: &str) -> JpkiCertificate {
        JpkiCertificate::from_der(&pki(name)).unwrap()
    }

    fn rp(ca: &str) -> RelyingParty {
        let none: [&[u8]; 0] = [];
        RelyingParty::from_der(&[pki(ca)], &none, AT).unwrap()
    }

    fn p384_sign(hash: &[u8]) -> p384::ecdsa::Signature {
        let key = p384::ecdsa::SigningKey::from_pkcs8_der(&pki("p384-sign.key.der")).unwrap();
        key.sign_prehash(hash).unwrap()
    }

    const INVALID: Error = Error::Verify(VerifyError::SignatureInvalid);

    #[test]
    fn p384_result_verifies_over_the_sha256_digest() {
        let digest = SignDigest::of_document(b"document");
        let SignDigest::Sha256(hash) = &digest else {
            unreachable!()
        };
        let sig = p384_sign(hash);
        let certificate = cert("p384-sign.crt.der");
        let rp = rp("p384-sign-ca.crt.der");
        for form in [sig.to_bytes().to_vec(), sig.to_der().as_bytes().to_vec()] {
            // As the service may send it: raw, or base64 text.
            for plain in [form.clone(), Base64::encode_string(&form).into_bytes()] {
                let result = SignResult {
                    signature: signature(&plain, certificate.public_key().unwrap()).unwrap(),
                    certificate: certificate.clone(),
                };
                verify_sign_result(&result, &digest, &rp, AT).unwrap();
                // Another document's digest does not verify.
                let other = SignDigest::of_document(b"other");
                assert_eq!(
                    verify_sign_result(&result, &other, &rp, AT).err(),
                    Some(INVALID)
                );
                // Nor does the same signature in the DigestInfo mode.
                let info =
                    SignDigest::DigestInfo(DigestAlgorithm::Sha256.digest_info_of(b"document"));
                assert_eq!(
                    verify_sign_result(&result, &info, &rp, AT).err(),
                    Some(INVALID)
                );
            }
        }
        // Neither 96 bytes nor DER: refused when parsed, as an RSA-sized blob is.
        assert!(signature(&[0x30; 256], certificate.public_key().unwrap()).is_err());
    }

    #[test]
    fn rsa_result_verifies_in_its_mode_only() {
        let key = rsa::PrivateKey::from_pkcs8_der(&pki("hanako-sign.key.der")).unwrap();
        let certificate = cert("hanako-sign.crt.der");
        let rp = rp("sign-ca.crt.der");
        let bare = SignDigest::of_document(b"document");
        let info = SignDigest::DigestInfo(DigestAlgorithm::Sha256.digest_info_of(b"document"));
        for (mode, other) in [(&bare, &info), (&info, &bare)] {
            let sig = key
                .sign(Pkcs1v15Sign::new_unprefixed(), mode.bytes())
                .unwrap();
            let result = SignResult {
                signature: signature(
                    Base64::encode_string(&sig).as_bytes(),
                    certificate.public_key().unwrap(),
                )
                .unwrap(),
                certificate: certificate.clone(),
            };
            verify_sign_result(&result, mode, &rp, AT).unwrap();
            assert_eq!(
                verify_sign_result(&result, other, &rp, AT).err(),
                Some(INVALID)
            );
        }
        // A P-384-sized signature is not an RSA one.
        assert!(signature(&[1; 96], certificate.public_key().unwrap()).is_err());
    }
}
