//! A sans-IO OpenID Connect client for a relying party's backend, made for デジタル認証アプリ
//! (the Digital Agency's authentication and signing service for the My Number Card) and usable
//! with any provider that speaks the same profile: authorization code + PKCE S256, `state` and
//! `nonce`, `private_key_jwt` (RS256/ES256) or `client_secret_basic`, ID tokens signed RS256
//! or ES256 only, userinfo with 基本4情報, and the 署名API's sign transactions with a JWE result.
//!
//! The client builds requests ([`HttpRequest`]: method, URL, headers, body) and checks
//! responses ([`HttpResponse`]: status and body bytes); the backend does the HTTP. Nothing
//! secret or personal reaches `Debug`: codes, tokens, assertions, the PKCE verifier and
//! userinfo are redacted and wiped on drop.
//!
//! The backend flow:
//!
//! ```no_run
//! use mynacard_core::UnixTime;
//! use mynacard_core::oidc::{
//!     Authorization, BrowserBinding, ClientConfig, HttpFailed, HttpRequest, HttpResponse,
//!     JwksCache, LoginFlow, LoginRequest, OidcClient, PendingLogins, ProviderMetadata,
//!     Environment, SigningKey, Step, browser_cookie, callback_state,
//! };
//!
//! // The backend's own HTTP client (reqwest, ureq, fetch…): status and body, or failure.
//! fn send(request: &HttpRequest) -> Result<(u16, Vec<u8>), HttpFailed> {
//!     unimplemented!()
//! }
//!
//! fn example(key_pkcs8_der: &[u8], now: UnixTime) -> Result<(), mynacard_core::Error> {
//!     let client = OidcClient::new(ClientConfig::new(
//!         ProviderMetadata::digital_auth_app(Environment::Sandbox),
//!         "RP12345678",
//!         "https://rp.example/callback",
//!         SigningKey::rsa_pkcs8_der(key_pkcs8_der, Some("rp-key-1".into()))?,
//!     )?);
//!     let mut logins = PendingLogins::new();
//!     let mut jwks = JwksCache::new();
//!
//!     // 1. Redirect the browser to the provider; keep the pending login; bind it to this
//!     //    browser with the login cookie (the pending login keeps only its hash).
//!     let Authorization { url, pending, browser } =
//!         client.authorize(&LoginRequest::four_info(), now)?;
//!     logins.insert(pending, now);
//!     let set_cookie = browser.set_cookie(client.config().login_ttl); // `Set-Cookie:` with the 302
//!     # let _ = (url, set_cookie);
//!
//!     // 2. The browser comes back to the redirect URI with `?code=…&state=…` and the cookie.
//!     //    Another browser (no cookie, or its own) gets BROWSER_MISMATCH.
//!     let callback_query = "code=…&state=…";
//!     let cookie_header = "__Host-mynacard-login=…";
//!     let pending = logins.take(&callback_state(callback_query)?, now)?; // single use
//!     let mut flow =
//!         LoginFlow::start(&client, pending, browser_cookie(cookie_header), callback_query, now)?;
//!     let _clear = BrowserBinding::clear_cookie(); // `Set-Cookie:` on the callback's answer
//!
//!     // 3. Token, JWKS (when needed), userinfo: send what the flow asks for.
//!     let login = loop {
//!         let request = flow.request(&client, now)?;
//!         let sent = send(&request);
//!         let outcome = sent.as_ref().map(|(status, body)| HttpResponse { status: *status, body });
//!         match flow.receive(&client, &mut jwks, outcome.map_err(|e| *e), now)? {
//!             Step::Continue(next) => flow = next,
//!             Step::Done(login) => break login,
//!         }
//!     };
//!     let _four_info = login.userinfo.as_ref().and_then(|u| u.four_info());
//!     Ok(())
//! }
//! ```
//!
//! See `docs/oidc.md` for what is configurable and why (several facts about the service are
//! unconfirmed).

mod authorize;
mod backend;
mod browser;
mod callback;
mod discovery;
mod flow;
mod http;
mod id_token;
pub mod jose;
mod sign_flow;
mod sign_transaction;
mod token;
mod userinfo;

#[cfg(test)]
mod tests;

pub use authorize::{
    Authorization, Claim, DEFAULT_ACR_VALUES, LoginRequest, PendingLogin, PendingLogins,
    pkce_challenge,
};
pub use backend::{Backend, BackendConfig, public_jwks};
pub use browser::{BrowserBinding, LOGIN_COOKIE, browser_cookie};
pub use callback::{AuthorizationCode, callback_state};
pub use discovery::{Environment, JwksCache, KeyLookup, ProviderMetadata};
pub use flow::{Login, LoginFlow, Step};
pub use http::{HttpFailed, HttpOutcome, HttpRequest, HttpResponse, Method};
pub use id_token::{Expected, IdTokenClaims, id_token_key_id, validate_id_token};
pub use jose::{
    EncryptionKey, Jwk, Jwks, JwsAlg, SigningKey, check_jwe_shape, decrypt_jwe, encryption_jwk,
};
pub use sign_flow::{OpenStep, SealedSignResult, SignOpening, SignTransaction, SignedByResident};
pub use sign_transaction::{
    SignDigest, SignResult, SignTransactionFormat, SignTransactionId, open_sign_transaction,
    parse_sign_result, parse_sign_transaction, sign_result_request, verify_sign_result,
};
pub use token::{AccessToken, JWT_BEARER, TokenResponse, client_assertion, parse_token_response};
pub use userinfo::{
    AddressFormat, ClaimFormat, GenderFormat, UserInfo, parse_userinfo, userinfo_request,
};

use crate::error::UsageError;
use zeroize::Zeroizing;

/// How the client authenticates at the token endpoint.
#[derive(Clone)]
pub enum ClientAuth {
    /// `private_key_jwt` (RFC 7523): what デジタル認証アプリ uses.
    PrivateKeyJwt(SigningKey),
    /// `client_secret_basic` (RFC 6749 §2.3.1): for other providers and development; not
    /// known to be accepted by デジタル認証アプリ.
    ClientSecretBasic(Zeroizing<String>),
}

impl core::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ClientAuth::PrivateKeyJwt(key) => write!(f, "PrivateKeyJwt({key:?})"),
            ClientAuth::ClientSecretBasic(_) => f.write_str("ClientSecretBasic(<redacted>)"),
        }
    }
}

/// A relying party's registration with one provider.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The provider's endpoints and issuer.
    pub provider: ProviderMetadata,
    /// `client_id` issued by the provider (デジタル認証アプリ: `[0-9a-zA-Z]{1,255}`).
    pub client_id: String,
    /// The registered redirect URI, compared exactly (no normalisation).
    pub redirect_uri: String,
    /// How the client authenticates at the token endpoint.
    pub auth: ClientAuth,
    /// Lifetime of a pending login, seconds (default 600).
    pub login_ttl: u64,
    /// Clock skew tolerated on `exp` and `iat`, seconds (default 60).
    pub clock_skew: u64,
    /// How old an ID token's `iat` may be, seconds (default 600).
    pub id_token_max_age: u64,
    /// Lifetime of a client assertion, seconds (default 60).
    pub assertion_ttl: u64,
    /// Refuse callbacks without `iss` (RFC 9207). Default false: whether デジタル認証アプリ
    /// sends it is unconfirmed; an `iss` that is present is always checked.
    pub require_callback_iss: bool,
    /// Accepted userinfo claim formats.
    pub claim_format: ClaimFormat,
    /// The 署名API's JSON field names (unconfirmed; see [`SignTransactionFormat`]).
    pub sign_format: SignTransactionFormat,
}

impl ClientConfig {
    /// A `private_key_jwt` client with the defaults.
    pub fn new(
        provider: ProviderMetadata,
        client_id: &str,
        redirect_uri: &str,
        key: SigningKey,
    ) -> Result<ClientConfig, crate::Error> {
        ClientConfig::with_auth(
            provider,
            client_id,
            redirect_uri,
            ClientAuth::PrivateKeyJwt(key),
        )
    }

    /// A configuration with another client authentication (e.g. `client_secret_basic`); the same checks as [`ClientConfig::new`].
    pub fn with_auth(
        provider: ProviderMetadata,
        client_id: &str,
        redirect_uri: &str,
        auth: ClientAuth,
    ) -> Result<ClientConfig, crate::Error> {
        // The Digital Agency's API reference: `client_id` is `[0-9a-zA-Z]{1,255}`.
        if client_id.is_empty()
            || client_id.len() > 255
            || !client_id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(crate::Error::Usage(UsageError::InvalidArgument {
                what: "client_id must be 1-255 letters and digits ([0-9a-zA-Z])",
            }));
        }
        provider.check()?;
        if redirect_uri.len() > 255 {
            return Err(crate::Error::Usage(UsageError::InvalidArgument {
                what: "redirect_uri is longer than 255",
            }));
        }
        http::check_endpoint(redirect_uri).map_err(|_| {
            crate::Error::Usage(UsageError::InvalidArgument {
                what: "redirect_uri must be an https URL (or loopback http) without fragment",
            })
        })?;
        Ok(ClientConfig {
            provider,
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            auth,
            login_ttl: 600,
            clock_skew: 60,
            id_token_max_age: 600,
            assertion_ttl: 60,
            require_callback_iss: false,
            claim_format: ClaimFormat::default(),
            sign_format: SignTransactionFormat::default(),
        })
    }
}

/// The client: a [`ClientConfig`] and the operations over it. Cheap to share; holds no
/// per-login state.
#[derive(Clone, Debug)]
pub struct OidcClient {
    pub(crate) config: ClientConfig,
}

impl OidcClient {
    /// A client for `config`.
    pub fn new(config: ClientConfig) -> OidcClient {
        OidcClient { config }
    }

    /// The configuration this client was made with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }
}
