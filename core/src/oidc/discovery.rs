//! Provider metadata (from a discovery document or static configuration) and the JWKS cache.

use serde::{Deserialize, Serialize};

use super::http::{HttpOutcome, HttpRequest, check_endpoint, json_body};
use super::jose::{Jwk, Jwks, JwsAlg};
use crate::cert::UnixTime;
use crate::error::Error;
use crate::error::OidcError;

/// Which デジタル認証アプリ environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// `auth-and-sign.go.jp`.
    Production,
    /// `sb-auth-and-sign.go.jp` (Sandbox, テストカード代替機能).
    Sandbox,
}

impl Environment {
    /// The provider's host name in this environment.
    pub fn host(self) -> &'static str {
        match self {
            Environment::Production => "auth-and-sign.go.jp",
            Environment::Sandbox => "sb-auth-and-sign.go.jp",
        }
    }
}

/// The endpoints and identity of an OpenID Provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// Exact issuer identifier (compared byte for byte with `iss`).
    pub issuer: String,
    /// Where the browser is sent to log in.
    pub authorization_endpoint: String,
    /// Where the backend exchanges the code for tokens.
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Where the backend reads 4情報 with the access token.
    pub userinfo_endpoint: Option<String>,
    /// The provider's signing keys (JWKS).
    pub jwks_uri: String,
    /// The 署名API's sign-transaction endpoint (not part of OIDC discovery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_transactions_endpoint: Option<String>,
    /// Whether the provider says it sends `iss` in authorization responses (RFC 9207).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

impl ProviderMetadata {
    /// The Keycloak-style layout under an issuer `https://HOST/api/realms/main`:
    /// `{issuer}/protocol/openid-connect/{auth,token,userinfo,certs}`.
    pub fn keycloak_layout(issuer: &str) -> Result<ProviderMetadata, Error> {
        check_endpoint(issuer)?;
        let base = format!("{issuer}/protocol/openid-connect");
        let metadata = ProviderMetadata {
            issuer: issuer.to_string(),
            authorization_endpoint: format!("{base}/auth"),
            token_endpoint: format!("{base}/token"),
            userinfo_endpoint: Some(format!("{base}/userinfo")),
            jwks_uri: format!("{base}/certs"),
            sign_transactions_endpoint: None,
            authorization_response_iss_parameter_supported: false,
        };
        metadata.check()?;
        Ok(metadata)
    }

    /// Static configuration for デジタル認証アプリ. The hosts, the `/api/realms/main` issuer and
    /// the endpoint paths come from third-party code, not from the Digital Agency: prefer
    /// [`ProviderMetadata::from_discovery`] when the agency publishes a discovery document, and
    /// check these against the contract documents (see `docs/oidc.md`).
    pub fn digital_auth_app(env: Environment) -> ProviderMetadata {
        let host = env.host();
        let issuer = format!("https://{host}/api/realms/main");
        let base = format!("{issuer}/protocol/openid-connect");
        ProviderMetadata {
            authorization_endpoint: format!("{base}/auth"),
            token_endpoint: format!("{base}/token"),
            userinfo_endpoint: Some(format!("{base}/userinfo")),
            jwks_uri: format!("{base}/certs"),
            sign_transactions_endpoint: Some(format!("https://{host}/api/sign-transactions")),
            issuer,
            authorization_response_iss_parameter_supported: false,
        }
    }

    /// The GET for `{issuer}/.well-known/openid-configuration` (OIDC Discovery §4).
    pub fn discovery_request(issuer: &str) -> Result<HttpRequest, Error> {
        check_endpoint(issuer)?;
        Ok(HttpRequest::get(format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        )))
    }

    /// Metadata from the body of `issuer/.well-known/openid-configuration` as the caller
    /// fetched it, or the Keycloak-style layout under `issuer` when there is none.
    pub fn from_discovery_body(
        issuer: &str,
        body: Option<&[u8]>,
    ) -> Result<ProviderMetadata, Error> {
        match body {
            Some(body) => ProviderMetadata::from_discovery(
                issuer,
                Ok(super::http::HttpResponse { status: 200, body }),
            ),
            None => ProviderMetadata::keycloak_layout(issuer),
        }
    }

    /// Metadata from a discovery response. Its `issuer` must equal `expected_issuer` exactly
    /// (OIDC Discovery §4.3); every endpoint must be https.
    pub fn from_discovery(
        expected_issuer: &str,
        outcome: HttpOutcome<'_>,
    ) -> Result<ProviderMetadata, Error> {
        let metadata: ProviderMetadata = json_body(outcome, "discovery document")?;
        if metadata.issuer != expected_issuer {
            return Err(Error::Oidc(OidcError::IssuerMismatch));
        }
        metadata.check().map_err(|_| {
            Error::Oidc(OidcError::ResponseInvalid {
                what: "provider endpoint is not https (or http to a loopback host)",
            })
        })?;
        Ok(metadata)
    }

    /// Every endpoint, configured or discovered, passes the same rule: https, or http to a
    /// loopback host, decided on the parsed URL (see `docs/oidc.md`). [`ClientConfig::new`]
    /// runs it on whatever metadata it is given.
    ///
    /// [`ClientConfig::new`]: super::ClientConfig::new
    pub fn check(&self) -> Result<(), Error> {
        for url in [
            Some(&self.issuer),
            Some(&self.authorization_endpoint),
            Some(&self.token_endpoint),
            self.userinfo_endpoint.as_ref(),
            Some(&self.jwks_uri),
            self.sign_transactions_endpoint.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            check_endpoint(url)?;
        }
        Ok(())
    }
}

/// What a key lookup found.
#[derive(Debug)]
pub enum KeyLookup<'a> {
    /// The key, from the cache.
    Found(&'a Jwk),
    /// The key is not in the cached set (or nothing is cached): fetch the JWKS
    /// ([`JwksCache::request`]), give it to [`JwksCache::update`], then look up again.
    FetchJwks,
}

/// The provider's signing keys, kept between logins. On a `kid` it does not know, the client
/// asks for the JWKS once more (the provider may have rotated keys) and then gives up with
/// `JWKS_KEY_UNKNOWN`: the caller is never told to fetch in a loop.
#[derive(Clone, Debug, Default)]
pub struct JwksCache {
    jwks: Option<Jwks>,
    fetched_at: Option<UnixTime>,
}

impl JwksCache {
    /// An empty cache.
    pub fn new() -> JwksCache {
        JwksCache::default()
    }

    /// The GET of the provider's `jwks_uri`.
    pub fn request(provider: &ProviderMetadata) -> HttpRequest {
        HttpRequest::get(provider.jwks_uri.clone())
    }

    /// Replaces the cached keys with a JWKS response. On error the old keys stay.
    pub fn update(&mut self, outcome: HttpOutcome<'_>, now: UnixTime) -> Result<(), Error> {
        let response = outcome.map_err(|_| Error::Oidc(OidcError::Network))?;
        if response.status != 200 {
            return Err(Error::Oidc(OidcError::HttpStatus {
                status: response.status,
            }));
        }
        self.jwks = Some(Jwks::from_json(response.body)?);
        self.fetched_at = Some(now);
        Ok(())
    }

    /// When the keys were last fetched.
    pub fn fetched_at(&self) -> Option<UnixTime> {
        self.fetched_at
    }

    /// The cached keys, if any were fetched.
    pub fn jwks(&self) -> Option<&Jwks> {
        self.jwks.as_ref()
    }

    /// Looks up the key for `kid`/`alg`. `already_refetched`: the caller fetched the JWKS for
    /// this token already; then a miss is `JWKS_KEY_UNKNOWN` instead of another fetch.
    pub fn lookup(
        &self,
        kid: Option<&str>,
        alg: JwsAlg,
        already_refetched: bool,
    ) -> Result<KeyLookup<'_>, Error> {
        match self.jwks.as_ref().and_then(|j| j.find(kid, alg)) {
            Some(key) => Ok(KeyLookup::Found(key)),
            None if !already_refetched => Ok(KeyLookup::FetchJwks),
            None => Err(Error::Oidc(OidcError::JwksKeyUnknown)),
        }
    }
}
