//! Token requests (code exchange, client credentials) with client authentication, and token
//! responses (RFC 6749 §4.1.3, §4.4, §5; RFC 7523 / OIDC Core §9 `private_key_jwt`).

use serde::Deserialize;
use zeroize::Zeroizing;

use super::authorize::PendingLogin;
use super::callback::AuthorizationCode;
use super::http::{HttpOutcome, HttpRequest, form, json_body};
use super::jose::{SigningKey, b64url, random};
use super::{ClientAuth, OidcClient};
use crate::cert::UnixTime;
use crate::error::Error;

/// The client-assertion type of RFC 7523 §2.2.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A bearer access token. Redacted, wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(pub(crate) Zeroizing<String>);

impl AccessToken {
    /// The token, to put in `Authorization: Bearer` (the SDK's own requests do this).
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// A successful token response. Tokens are redacted and wiped on drop.
#[derive(Clone)]
pub struct TokenResponse {
    /// The access token (redacted in `Debug`, wiped on drop).
    pub access_token: AccessToken,
    pub(crate) id_token: Option<Zeroizing<String>>,
    /// A refresh token, where the provider gave one.
    pub refresh_token: Option<AccessToken>,
    /// The access token's lifetime in seconds, where given.
    pub expires_in: Option<u64>,
    /// The scopes granted, where the provider says.
    pub scope: Option<String>,
}

impl core::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "TokenResponse(expires_in={:?}, scope={:?}, id_token={}, refresh_token={}, <redacted>)",
            self.expires_in,
            self.scope,
            self.id_token.is_some(),
            self.refresh_token.is_some()
        )
    }
}

#[derive(Deserialize)]
struct RawToken {
    access_token: String,
    token_type: String,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
    scope: Option<String>,
}

/// Parses a token endpoint response: 200 with a Bearer token, or the OAuth error.
pub fn parse_token_response(outcome: HttpOutcome<'_>) -> Result<TokenResponse, Error> {
    let raw: RawToken = json_body(outcome, "token response")?;
    let raw = Zeroizing::new(raw);
    if !raw.token_type.eq_ignore_ascii_case("bearer") || raw.access_token.is_empty() {
        return Err(Error::Oidc(OidcError::ResponseInvalid {
            what: "token response is not a Bearer token",
        }));
    }
    Ok(TokenResponse {
        access_token: AccessToken(Zeroizing::new(raw.access_token.clone())),
        id_token: raw.id_token.clone().map(Zeroizing::new),
        refresh_token: raw
            .refresh_token
            .clone()
            .map(|t| AccessToken(Zeroizing::new(t))),
        expires_in: raw.expires_in,
        scope: raw.scope.clone(),
    })
}

impl zeroize::Zeroize for RawToken {
    fn zeroize(&mut self) {
        self.access_token.zeroize();
        self.id_token.zeroize();
        self.refresh_token.zeroize();
    }
}

/// A `private_key_jwt` client assertion: `iss` = `sub` = client_id, `aud` = the token
/// endpoint, a fresh random `jti`, `iat` now and `exp` `ttl` seconds later.
pub fn client_assertion(
    key: &SigningKey,
    client_id: &str,
    token_endpoint: &str,
    now: UnixTime,
    ttl: u64,
) -> Result<String, Error> {
    let jti = b64url(&random::<16>()?[..]);
    key.sign_jwt(&serde_json::json!({
        "iss": client_id,
        "sub": client_id,
        "aud": token_endpoint,
        "jti": jti,
        "iat": now.0,
        "exp": now.0.saturating_add(ttl),
    }))
}

impl OidcClient {
    /// Adds client authentication to token-endpoint form `pairs` and builds the POST.
    fn token_post(&self, pairs: &[(&str, &str)], now: UnixTime) -> Result<HttpRequest, Error> {
        let mut pairs: Vec<(&str, &str)> = pairs.to_vec();
        let endpoint = &self.config.provider.token_endpoint;
        match &self.config.auth {
            ClientAuth::PrivateKeyJwt(key) => {
                let assertion = Zeroizing::new(client_assertion(
                    key,
                    &self.config.client_id,
                    endpoint,
                    now,
                    self.config.assertion_ttl,
                )?);
                pairs.push(("client_id", &self.config.client_id));
                pairs.push(("client_assertion_type", JWT_BEARER));
                pairs.push(("client_assertion", &assertion));
                Ok(HttpRequest::post_form(endpoint.clone(), form(&pairs)))
            }
            ClientAuth::ClientSecretBasic(secret) => {
                // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
                let encode =
                    |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                let user_pass = Zeroizing::new(format!(
                    "{}:{}",
                    encode(&self.config.client_id),
                    encode(secret)
                ));
                let basic = base64ct::Base64::encode_string(user_pass.as_bytes());
                Ok(HttpRequest::post_form(endpoint.clone(), form(&pairs))
                    .with_header("authorization", format!("Basic {basic}")))
            }
        }
    }

    /// The code exchange: `grant_type=authorization_code`, the code, the exact redirect URI of
    /// the authorization request and the PKCE verifier, with client authentication.
    pub fn token_request(
        &self,
        pending: &PendingLogin,
        code: &AuthorizationCode,
        now: UnixTime,
    ) -> Result<HttpRequest, Error> {
        if pending.redirect_uri != self.config.redirect_uri {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "the pending login was made for another redirect URI",
            }));
        }
        self.token_post(
            &[
                ("grant_type", "authorization_code"),
                ("code", &code.0),
                ("redirect_uri", &pending.redirect_uri),
                ("code_verifier", &pending.code_verifier),
            ],
            now,
        )
    }

    /// A refresh-token request (RFC 6749 §6) with client authentication. The response is
    /// parsed with [`parse_token_response`]; an ID token in it is not checked here (OIDC Core
    /// §12.2 has no nonce to bind it): rely on the access token, or log in again.
    pub fn refresh_request(
        &self,
        refresh_token: &AccessToken,
        now: UnixTime,
    ) -> Result<HttpRequest, Error> {
        self.token_post(
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.secret()),
            ],
            now,
        )
    }

    /// A client-credentials token request (the 署名API's first step), with `scope` if given.
    pub fn client_credentials_request(
        &self,
        scope: Option<&str>,
        now: UnixTime,
    ) -> Result<HttpRequest, Error> {
        let mut pairs = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            pairs.push(("scope", scope));
        }
        self.token_post(&pairs, now)
    }
}

use crate::error::{OidcError, UsageError};
use base64ct::Encoding as _;
