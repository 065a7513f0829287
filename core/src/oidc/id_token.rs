//! ID token validation (OIDC Core §3.1.3.7, §3.1.3.8 `at_hash`).

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::http::ct_eq;
use super::jose::{CompactJws, Jwk, JwsAlg, b64url};
use crate::cert::UnixTime;
use crate::error::Error;
use crate::error::OidcError;

/// What a valid ID token says. `sub` is a personal identifier: `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct IdTokenClaims {
    /// The issuer (checked against the provider's).
    pub iss: String,
    /// The subject: the provider's identifier of the user.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// When the user authenticated, where the provider says.
    pub auth_time: Option<u64>,
    /// The authentication context class (checked against the `acr_values` asked).
    pub acr: Option<String>,
    /// The algorithm the token was signed with.
    pub alg: JwsAlg,
}

impl core::fmt::Debug for IdTokenClaims {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "IdTokenClaims(iss={}, alg={}, acr={:?}, sub=<redacted>)",
            self.iss,
            self.alg.name(),
            self.acr
        )
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct RawClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    azp: Option<String>,
    exp: Option<serde_json::Number>,
    iat: Option<serde_json::Number>,
    nonce: Option<String>,
    at_hash: Option<String>,
    auth_time: Option<serde_json::Number>,
    acr: Option<String>,
}

/// What the token must match.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The issuer the token must name.
    pub issuer: &'a str,
    /// The client the token must be for (`aud`, `azp`).
    pub client_id: &'a str,
    /// The nonce the authorization request sent.
    pub nonce: &'a str,
    /// The access token issued with it, to check `at_hash` when the token has one.
    pub access_token: Option<&'a str>,
    /// The `acr_values` the login sent: then `acr` must be present and be the whole string
    /// or one of its space-separated values (OIDC Core §3.1.3.7 step 11).
    pub acr_values: Option<&'a str>,
    /// The time the token is checked at.
    pub now: UnixTime,
    /// Clock skew tolerated on `exp` and `iat`, seconds.
    pub skew: u64,
    /// How old `iat` may be, seconds.
    pub max_age: u64,
}

fn invalid(reason: &'static str) -> Error {
    Error::Oidc(OidcError::IdTokenInvalid { reason })
}

/// Seconds as an integer (a fractional or negative NumericDate is refused).
fn seconds(n: Option<serde_json::Number>, missing: &'static str) -> Result<u64, Error> {
    n.and_then(|n| n.as_u64()).ok_or(invalid(missing))
}

/// The header fields that pick the key: `alg` (RS256 or ES256 only) and `kid`.
pub fn id_token_key_id(token: &str) -> Result<(JwsAlg, Option<String>), Error> {
    let jws = CompactJws::parse(token).map_err(invalid)?;
    Ok((jws.alg, jws.kid))
}

/// Validates `token`, signed by `key`, against `expected`. The order: signature, `iss`,
/// `aud`/`azp`, `exp`, `iat`, `nonce`, `at_hash`, `acr`; the first failure is reported.
pub fn validate_id_token(
    token: &str,
    key: &Jwk,
    expected: &Expected<'_>,
) -> Result<IdTokenClaims, Error> {
    let jws = CompactJws::parse(token).map_err(invalid)?;
    if !jws.verify(key) {
        return Err(invalid("signature does not verify"));
    }
    let raw: RawClaims =
        serde_json::from_slice(&jws.payload).map_err(|_| invalid("claims are malformed"))?;
    let iss = raw.iss.ok_or(invalid("iss is missing"))?;
    if iss != expected.issuer {
        return Err(invalid("iss is not the provider"));
    }
    let sub = raw
        .sub
        .filter(|s| !s.is_empty())
        .ok_or(invalid("sub is missing"))?;
    let audiences = match raw.aud.ok_or(invalid("aud is missing"))? {
        Audience::One(a) => vec![a],
        Audience::Many(list) => list,
    };
    if !audiences.iter().any(|a| a == expected.client_id) {
        return Err(invalid("aud does not contain this client"));
    }
    match raw.azp.as_deref() {
        Some(azp) if azp != expected.client_id => {
            return Err(invalid("azp is another client"));
        }
        None if audiences.len() > 1 => return Err(invalid("azp is missing with several aud")),
        _ => {}
    }
    let now = expected.now.0;
    let exp = seconds(raw.exp, "exp is missing or not an integer")?;
    if now > exp.saturating_add(expected.skew) {
        return Err(invalid("token has expired"));
    }
    let iat = seconds(raw.iat, "iat is missing or not an integer")?;
    if iat > now.saturating_add(expected.skew) {
        return Err(invalid("iat is in the future"));
    }
    if now
        > iat
            .saturating_add(expected.max_age)
            .saturating_add(expected.skew)
    {
        return Err(invalid("iat is too old"));
    }
    match raw.nonce.as_deref() {
        Some(nonce) if ct_eq(nonce, expected.nonce) => {}
        Some(_) => return Err(invalid("nonce does not match")),
        None => return Err(invalid("nonce is missing")),
    }
    if let Some(at_hash) = raw.at_hash.as_deref() {
        // RS256 and ES256 both hash with SHA-256: left half, base64url.
        let access_token = expected
            .access_token
            .ok_or(invalid("at_hash without an access token"))?;
        let digest = Sha256::digest(access_token.as_bytes());
        if !ct_eq(at_hash, &b64url(&digest[..16])) {
            return Err(invalid("at_hash does not match the access token"));
        }
    }
    if let Some(asked) = expected.acr_values {
        match raw.acr.as_deref() {
            None => return Err(invalid("acr is missing (acr_values were sent)")),
            Some(acr) if acr_answers(acr, asked) => {}
            Some(_) => return Err(invalid("acr is not one of the acr_values sent")),
        }
    }
    Ok(IdTokenClaims {
        iss,
        sub,
        exp,
        iat,
        auth_time: raw.auth_time.and_then(|n| n.as_u64()),
        acr: raw.acr,
        alg: jws.alg,
    })
}

/// `acr` answers a request for `asked`: it is the whole `acr_values` string (a provider that
/// echoes it, as `aal3 crl` may be meant as one level) or one of its space-separated values
/// (OIDC Core §3.1.2.1: the values in order of preference, one of them satisfied).
fn acr_answers(acr: &str, asked: &str) -> bool {
    !acr.is_empty() && (acr == asked || asked.split(' ').any(|value| value == acr))
}
