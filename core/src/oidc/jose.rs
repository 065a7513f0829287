//! The JOSE the OIDC client needs, built from RustCrypto primitives in small exact functions
//! (no general JOSE library fits: see `core/Cargo.toml`):
//! - JWS compact (RFC 7515) with exactly two algorithms, RS256 and ES256 (RFC 7518 §3.3, §3.4).
//!   `none` and the HMAC algorithms cannot be expressed in [`JwsAlg`], so a token can never be
//!   accepted under them, whatever its header says.
//! - JWK public keys (RFC 7517/7518 §6): RSA (`n`, `e`) and EC P-256 (`x`, `y`).
//! - JWE compact (RFC 7516) decryption with RSA-OAEP-256 key transport and A256GCM content
//!   encryption, the one combination accepted.

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::{Signer, Verifier};
use rsa::{Oaep, Pkcs1v15Sign};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::error::{OidcError, UsageError};

/// base64url without padding (JOSE's encoding).
pub(crate) fn b64url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Strict base64url without padding; `None` on anything else.
pub(crate) fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(s).ok()
}

/// Random bytes from the OS (or `crypto.getRandomValues` on wasm32).
pub(crate) fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, Error> {
    let mut out = Zeroizing::new([0u8; N]);
    getrandom::fill(&mut out[..]).map_err(|_| {
        Error::Usage(UsageError::InvalidArgument {
            what: "no random source available",
        })
    })?;
    Ok(out)
}

/// The JWS algorithms the SDK accepts and produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwsAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
}

impl JwsAlg {
    /// The JOSE name; `None` for any other algorithm (`none`, `HS256`, `PS256`, …).
    pub fn from_name(name: &str) -> Option<JwsAlg> {
        match name {
            "RS256" => Some(JwsAlg::Rs256),
            "ES256" => Some(JwsAlg::Es256),
            _ => None,
        }
    }

    /// The algorithm's JOSE name (`RS256`, `ES256`).
    pub fn name(self) -> &'static str {
        match self {
            JwsAlg::Rs256 => "RS256",
            JwsAlg::Es256 => "ES256",
        }
    }
}

/// A public verification key from a JWKS.
#[derive(Clone)]
pub struct Jwk {
    kid: Option<String>,
    alg: Option<JwsAlg>,
    key: PublicKey,
}

#[derive(Clone)]
enum PublicKey {
    Rsa(rsa::PublicKey),
    P256(p256::ecdsa::VerifyingKey),
}

impl core::fmt::Debug for Jwk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let kty = match self.key {
            PublicKey::Rsa(_) => "RSA",
            PublicKey::P256(_) => "EC P-256",
        };
        write!(f, "Jwk(kid={:?}, {kty})", self.kid)
    }
}

#[derive(Deserialize)]
struct RawJwk {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<serde_json::Value>,
}

impl Jwk {
    /// The key id, where the JWK has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether this key may verify a token signed with `alg`.
    pub fn fits(&self, alg: JwsAlg) -> bool {
        let kty_ok = matches!(
            (&self.key, alg),
            (PublicKey::Rsa(_), JwsAlg::Rs256) | (PublicKey::P256(_), JwsAlg::Es256)
        );
        kty_ok && self.alg.is_none_or(|a| a == alg)
    }

    /// One JWK object. `Ok(None)` for a key this SDK does not verify with (an encryption key,
    /// another curve or algorithm); an error only for a signature key that is malformed.
    fn from_value(value: serde_json::Value) -> Result<Option<Jwk>, Error> {
        const BAD: Error = Error::Oidc(OidcError::ResponseInvalid {
            what: "JWKS key malformed",
        });
        let raw: RawJwk = serde_json::from_value(value).map_err(|_| BAD)?;
        if raw.use_.as_deref().is_some_and(|u| u != "sig") {
            return Ok(None);
        }
        let alg = match raw.alg.as_deref() {
            None => None,
            Some(name) => match JwsAlg::from_name(name) {
                Some(a) => Some(a),
                None => return Ok(None),
            },
        };
        let key = match raw.kty.as_deref() {
            Some("RSA") => {
                let n = raw.n.as_deref().and_then(b64url_decode).ok_or(BAD)?;
                let e = raw.e.as_deref().and_then(b64url_decode).ok_or(BAD)?;
                PublicKey::Rsa(rsa_public_key(&n, &e).ok_or(BAD)?)
            }
            Some("EC") if raw.crv.as_deref() == Some("P-256") => {
                let x = raw.x.as_deref().and_then(b64url_decode).ok_or(BAD)?;
                let y = raw.y.as_deref().and_then(b64url_decode).ok_or(BAD)?;
                if x.len() != 32 || y.len() != 32 {
                    return Err(BAD);
                }
                let mut sec1 = vec![0x04];
                sec1.extend_from_slice(&x);
                sec1.extend_from_slice(&y);
                PublicKey::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| BAD)?)
            }
            _ => return Ok(None),
        };
        Ok(Some(Jwk {
            kid: raw.kid,
            alg,
            key,
        }))
    }

    /// Verifies `signature` over `signing_input` under `alg` (false on any mismatch).
    fn verify(&self, alg: JwsAlg, signing_input: &[u8], signature: &[u8]) -> bool {
        if !self.fits(alg) {
            return false;
        }
        match &self.key {
            PublicKey::Rsa(key) => key
                .verify(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing_input),
                    signature,
                )
                .is_ok(),
            PublicKey::P256(key) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify(signing_input, &sig).is_ok()),
        }
    }

    /// The JWK JSON of an RSA public key (tests, and [`SigningKey::public_jwk`]).
    pub(crate) fn rsa_json(kid: &str, key: &rsa::PublicKey) -> serde_json::Value {
        use rsa::traits::PublicKeyParts;
        serde_json::json!({
            "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": b64url(&key.n_bytes()), "e": b64url(&key.e_bytes()),
        })
    }

    /// The JWK JSON of a P-256 public key (tests, and [`SigningKey::public_jwk`]).
    pub(crate) fn p256_json(kid: &str, key: &p256::ecdsa::VerifyingKey) -> serde_json::Value {
        let point = key.to_sec1_point(false);
        let bytes = point.as_bytes();
        serde_json::json!({
            "kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
            "x": b64url(&bytes[1..33]), "y": b64url(&bytes[33..65]),
        })
    }
}

use crate::verify::signature::rsa_public_key;

/// A parsed JWKS: the signature keys this SDK can use, in document order.
#[derive(Clone, Debug, Default)]
pub struct Jwks {
    keys: Vec<Jwk>,
}

impl Jwks {
    /// Parses a JWKS document (`{"keys": [...]}`). Keys for encryption or other algorithms are
    /// skipped; a malformed signature key is an error (the document is not trusted in part).
    pub fn from_json(body: &[u8]) -> Result<Jwks, Error> {
        let raw: RawJwks = serde_json::from_slice(body).map_err(|_| {
            Error::Oidc(OidcError::ResponseInvalid {
                what: "JWKS is not a JSON key set",
            })
        })?;
        let mut keys = Vec::new();
        for value in raw.keys {
            if let Some(key) = Jwk::from_value(value)? {
                keys.push(key);
            }
        }
        Ok(Jwks { keys })
    }

    /// The keys of the set.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The key for a token's `kid` and `alg`. Without a `kid`, only a set with exactly one
    /// fitting key answers (no trying every key).
    pub fn find(&self, kid: Option<&str>, alg: JwsAlg) -> Option<&Jwk> {
        match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid) && k.fits(alg)),
            None => {
                let mut fitting = self.keys.iter().filter(|k| k.fits(alg));
                match (fitting.next(), fitting.next()) {
                    (Some(k), None) => Some(k),
                    _ => None,
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct JwsHeader {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

/// A compact JWS split and decoded, signature not yet checked.
pub(crate) struct CompactJws<'a> {
    pub alg: JwsAlg,
    pub kid: Option<String>,
    signing_input: &'a str,
    pub payload: Vec<u8>,
    signature: Vec<u8>,
}

impl<'a> CompactJws<'a> {
    /// Splits and decodes; the reason names the failed check.
    pub fn parse(token: &'a str) -> Result<CompactJws<'a>, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("not a compact JWS");
        };
        let header: JwsHeader = b64url_decode(h)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("header is malformed")?;
        let alg = JwsAlg::from_name(&header.alg).ok_or("alg is not RS256 or ES256")?;
        if header.crit.is_some() {
            return Err("crit header is not supported");
        }
        let payload = b64url_decode(p).ok_or("payload is malformed")?;
        let signature = b64url_decode(s).ok_or("signature is malformed")?;
        let signing_input = token
            .get(..h.len() + 1 + p.len())
            .ok_or("not a compact JWS")?;
        Ok(CompactJws {
            alg,
            kid: header.kid,
            signing_input,
            payload,
            signature,
        })
    }

    pub fn verify(&self, key: &Jwk) -> bool {
        key.verify(self.alg, self.signing_input.as_bytes(), &self.signature)
    }
}

/// A private key the relying party signs client assertions with (`private_key_jwt`).
/// Zeroized on drop by the RustCrypto key types; `Debug` shows the algorithm and `kid` only.
#[derive(Clone)]
pub struct SigningKey {
    kid: Option<String>,
    key: PrivateKey,
}

#[derive(Clone)]
enum PrivateKey {
    Rsa(Box<rsa::PrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "SigningKey({}, kid={:?}, <redacted>)",
            self.alg().name(),
            self.kid
        )
    }
}

impl SigningKey {
    /// An RSA key (RS256) from PKCS#8 DER.
    pub fn rsa_pkcs8_der(der: &[u8], kid: Option<String>) -> Result<SigningKey, Error> {
        use rsa::pkcs8::DecodePrivateKey;
        let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| {
            Error::Usage(UsageError::InvalidArgument {
                what: "not a PKCS#8 RSA private key",
            })
        })?;
        Ok(SigningKey {
            kid,
            key: PrivateKey::Rsa(Box::new(key)),
        })
    }

    /// A P-256 key (ES256) from PKCS#8 DER.
    pub fn p256_pkcs8_der(der: &[u8], kid: Option<String>) -> Result<SigningKey, Error> {
        use p256::pkcs8::DecodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| {
            Error::Usage(UsageError::InvalidArgument {
                what: "not a PKCS#8 P-256 private key",
            })
        })?;
        Ok(SigningKey {
            kid,
            key: PrivateKey::P256(key),
        })
    }

    /// An RSA or P-256 key from PKCS#8, DER or PEM (`-----BEGIN PRIVATE KEY-----`), whichever
    /// it is: what a relying party's key file holds.
    pub fn from_pkcs8(bytes: &[u8], kid: Option<String>) -> Result<SigningKey, Error> {
        let der = pkcs8_der(bytes)?;
        let der = der.as_slice();
        SigningKey::rsa_pkcs8_der(der, kid.clone())
            .or_else(|_| SigningKey::p256_pkcs8_der(der, kid))
            .map_err(|_| {
                Error::Usage(UsageError::InvalidArgument {
                    what: "not a PKCS#8 RSA or P-256 private key",
                })
            })
    }

    /// The public half as a JWK (`use: sig`, with `alg` and `kid`): what the relying party
    /// registers with the provider.
    pub fn public_jwk(&self) -> serde_json::Value {
        let kid = self.kid.as_deref().unwrap_or("");
        let mut jwk = match &self.key {
            PrivateKey::Rsa(key) => Jwk::rsa_json(kid, &key.to_public_key()),
            PrivateKey::P256(key) => Jwk::p256_json(kid, key.verifying_key()),
        };
        if self.kid.is_none() {
            if let Some(o) = jwk.as_object_mut() {
                o.remove("kid");
            }
        }
        jwk
    }

    /// An RS256 client key with an optional key id.
    pub fn from_rsa(key: rsa::PrivateKey, kid: Option<String>) -> SigningKey {
        SigningKey {
            kid,
            key: PrivateKey::Rsa(Box::new(key)),
        }
    }

    /// An ES256 client key with an optional key id.
    pub fn from_p256(key: p256::ecdsa::SigningKey, kid: Option<String>) -> SigningKey {
        SigningKey {
            kid,
            key: PrivateKey::P256(key),
        }
    }

    /// The JWS algorithm this key signs with.
    pub fn alg(&self) -> JwsAlg {
        match self.key {
            PrivateKey::Rsa(_) => JwsAlg::Rs256,
            PrivateKey::P256(_) => JwsAlg::Es256,
        }
    }

    /// The key id sent in the JWS header, where one was given.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// A compact JWS of `claims` (`typ` JWT).
    pub fn sign_jwt(&self, claims: &serde_json::Value) -> Result<String, Error> {
        let mut header = serde_json::json!({ "alg": self.alg().name(), "typ": "JWT" });
        if let Some(kid) = &self.kid {
            header["kid"] = serde_json::Value::String(kid.clone());
        }
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let signature = match &self.key {
            PrivateKey::Rsa(key) => key
                .sign_with_rng(
                    &mut getrandom::SysRng,
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing_input.as_bytes()),
                )
                .map_err(|_| {
                    Error::Usage(UsageError::InvalidArgument {
                        what: "RSA signing failed",
                    })
                })?,
            PrivateKey::P256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(signing_input.as_bytes());
                sig.to_bytes().to_vec()
            }
        };
        Ok(format!("{signing_input}.{}", b64url(&signature)))
    }
}

#[derive(Deserialize)]
struct JweHeader {
    alg: String,
    enc: String,
    zip: Option<serde_json::Value>,
    crit: Option<serde_json::Value>,
}

/// The relying party's RSA key that the 署名API result is encrypted to (JWE RSA-OAEP-256).
pub struct EncryptionKey(Box<rsa::PrivateKey>);

impl core::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("EncryptionKey(<redacted>)")
    }
}

impl EncryptionKey {
    /// From PKCS#8, DER or PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8(bytes: &[u8]) -> Result<EncryptionKey, Error> {
        use rsa::pkcs8::DecodePrivateKey;
        let der = pkcs8_der(bytes)?;
        rsa::PrivateKey::from_pkcs8_der(&der)
            .map(|k| EncryptionKey(Box::new(k)))
            .map_err(|_| {
                Error::Usage(UsageError::InvalidArgument {
                    what: "the encryption key must be an RSA PKCS#8 key",
                })
            })
    }

    /// An RSA-OAEP-256 decryption key.
    pub fn from_rsa(key: rsa::PrivateKey) -> EncryptionKey {
        EncryptionKey(Box::new(key))
    }

    /// Its public JWK (`use: enc`), to register with the provider.
    pub fn public_jwk(&self, kid: Option<&str>) -> serde_json::Value {
        encryption_jwk(&self.0.to_public_key(), kid)
    }

    /// The RSA private key.
    pub fn rsa(&self) -> &rsa::PrivateKey {
        &self.0
    }
}

/// PKCS#8 DER from DER or PEM bytes (wiped on drop).
fn pkcs8_der(bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    if !bytes.starts_with(b"-----BEGIN") {
        return Ok(Zeroizing::new(bytes.to_vec()));
    }
    match der::pem::decode_vec(bytes) {
        Ok(("PRIVATE KEY", der)) => Ok(Zeroizing::new(der)),
        Ok(_) => Err(Error::Usage(UsageError::InvalidArgument {
            what: "the key must be PKCS#8 (BEGIN PRIVATE KEY)",
        })),
        Err(_) => Err(Error::Usage(UsageError::InvalidArgument {
            what: "the key file is not PEM",
        })),
    }
}

/// The public JWK (`use: enc`, `alg: RSA-OAEP-256`) of the key [`decrypt_jwe`] opens: what the
/// relying party registers so the provider can encrypt the 署名API result to it.
pub fn encryption_jwk(key: &rsa::PublicKey, kid: Option<&str>) -> serde_json::Value {
    use rsa::traits::PublicKeyParts;
    let mut jwk = serde_json::json!({
        "kty": "RSA", "use": "enc", "alg": "RSA-OAEP-256",
        "n": b64url(&key.n_bytes()), "e": b64url(&key.e_bytes()),
    });
    if let Some(kid) = kid {
        jwk["kid"] = serde_json::Value::String(kid.to_string());
    }
    jwk
}

/// Whether `compact` has the shape [`decrypt_jwe`] accepts — five base64url parts, a protected
/// header with RSA-OAEP-256 and A256GCM, no compression or critical extension, a 96-bit IV and
/// a 128-bit tag — checked without a key: what a relying party that forwards a 署名API result to
/// its operator can check. Anything else is `JWE_INVALID`.
pub fn check_jwe_shape(compact: &str) -> Result<(), Error> {
    let invalid = Error::Oidc(OidcError::JweInvalid);
    let parts: Vec<&str> = compact.trim().split('.').collect();
    let [h, ek, iv, ct, tag] = parts[..] else {
        return Err(invalid);
    };
    let header: JweHeader = b64url_decode(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(invalid.clone())?;
    if header.alg != "RSA-OAEP-256"
        || header.enc != "A256GCM"
        || header.zip.is_some()
        || header.crit.is_some()
    {
        return Err(invalid);
    }
    let sizes = (
        b64url_decode(ek).map(|v| v.len()),
        b64url_decode(iv).map(|v| v.len()),
        b64url_decode(ct).is_some(),
        b64url_decode(tag).map(|v| v.len()),
    );
    match sizes {
        (Some(ek), Some(12), true, Some(16)) if ek >= 256 => Ok(()),
        _ => Err(invalid),
    }
}

/// Decrypts a compact JWE made for `key` with RSA-OAEP-256 and A256GCM. Every failure (other
/// algorithms, compression, another recipient's key, a changed byte) is `JWE_INVALID`.
pub fn decrypt_jwe(compact: &str, key: &rsa::PrivateKey) -> Result<Zeroizing<Vec<u8>>, Error> {
    use aes_gcm::aead::{Aead, Payload};
    use aes_gcm::{Aes256Gcm, KeyInit};

    let mut parts = compact.trim().split('.');
    let (Some(h), Some(ek), Some(iv), Some(ct), Some(tag), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(Error::Oidc(OidcError::JweInvalid));
    };
    let header: JweHeader = b64url_decode(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(Error::Oidc(OidcError::JweInvalid))?;
    if header.alg != "RSA-OAEP-256"
        || header.enc != "A256GCM"
        || header.zip.is_some()
        || header.crit.is_some()
    {
        return Err(Error::Oidc(OidcError::JweInvalid));
    }
    let ek = b64url_decode(ek).ok_or(Error::Oidc(OidcError::JweInvalid))?;
    let iv = b64url_decode(iv).ok_or(Error::Oidc(OidcError::JweInvalid))?;
    let mut sealed = b64url_decode(ct).ok_or(Error::Oidc(OidcError::JweInvalid))?;
    let tag = b64url_decode(tag).ok_or(Error::Oidc(OidcError::JweInvalid))?;
    if iv.len() != 12 || tag.len() != 16 {
        return Err(Error::Oidc(OidcError::JweInvalid));
    }
    let cek = Zeroizing::new(
        key.decrypt_blinded(&mut getrandom::SysRng, Oaep::<Sha256>::new(), &ek)
            .map_err(|_| Error::Oidc(OidcError::JweInvalid))?,
    );
    let cipher = Aes256Gcm::new_from_slice(&cek).map_err(|_| Error::Oidc(OidcError::JweInvalid))?;
    let nonce =
        aes_gcm::Nonce::try_from(iv.as_slice()).map_err(|_| Error::Oidc(OidcError::JweInvalid))?;
    sealed.extend_from_slice(&tag);
    let plain = cipher
        .decrypt(
            &nonce,
            Payload {
                msg: &sealed,
                aad: h.as_bytes(),
            },
        )
        .map_err(|_| Error::Oidc(OidcError::JweInvalid))?;
    Ok(Zeroizing::new(plain))
}

/// Encrypts `plaintext` to `key` (RSA-OAEP-256, A256GCM): what the provider does; for tests.
#[cfg(test)]
pub(crate) fn encrypt_jwe(plaintext: &[u8], key: &rsa::PublicKey) -> String {
    use aes_gcm::aead::{Aead, Payload};
    use aes_gcm::{Aes256Gcm, KeyInit};
    let header = b64url(br#"{"alg":"RSA-OAEP-256","enc":"A256GCM"}"#);
    let cek = random::<32>().unwrap();
    let iv = random::<12>().unwrap();
    let ek = key
        .encrypt(&mut getrandom::SysRng, Oaep::<Sha256>::new(), &cek[..])
        .unwrap();
    let cipher = Aes256Gcm::new_from_slice(&cek[..]).unwrap();
    let nonce = aes_gcm::Nonce::try_from(&iv[..]).unwrap();
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: header.as_bytes(),
            },
        )
        .unwrap();
    let (ct, tag) = sealed.split_at(sealed.len() - 16);
    format!(
        "{header}.{}.{}.{}.{}",
        b64url(&ek),
        b64url(&iv[..]),
        b64url(ct),
        b64url(tag)
    )
}
