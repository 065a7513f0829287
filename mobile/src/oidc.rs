//! The デジタル認証アプリ hand-off for JVM (Kotlin) backends, and Python in tests: the core's
//! sans-IO OIDC client with the HTTP left to the caller (feature `oidc-backend`).
//!
//! The relying party's private key belongs on its backend, never in an app: the Android AAR and
//! the iOS XCFramework are built without this feature. An app only opens the authorization URL
//! its backend gives it (Custom Tabs / `ASWebAuthenticationSession`, RFC 8252) and hands the
//! callback URL back to the backend, which runs:
//!
//! ```kotlin
//! val rp = OidcBackend(OidcClientConfig(issuer, discoveryBody, clientId, redirectUri, keyPkcs8, "rp-key-1", false))
//! val start = rp.authorize(AuthorizeRequest(listOf("name", "address", "birthdate", "gender"), null, null), now())
//! // keep start.pending under start.state (server side, single use); send the app to start.url
//! val login = rp.start(pendingFor(oidcCallbackState(callbackUrl)), callbackUrl, now())
//! while (true) {
//!     val req = login.request(now())                       // method, url, headers, body
//!     val res = http(req)                                  // null when the network failed
//!     val step = login.receive(res?.status ?: 0u, res?.body, now())
//!     if (step is LoginStep.Done) return step.result       // subject, fourInfo
//! }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mynacard_core::oidc::{
    Claim, ClientConfig, HttpFailed, HttpResponse, JwksCache, LoginFlow, LoginRequest, OidcClient,
    PendingLogin, ProviderMetadata, SigningKey, Step, callback_state,
};
use mynacard_core::{Error, UnixTime};

use crate::{FourInfo, MynaError};

/// A relying party's registration with one provider.
#[derive(uniffi::Record)]
pub struct OidcClientConfig {
    /// The issuer, compared exactly with the discovery document's.
    pub issuer: String,
    /// The body of `issuer/.well-known/openid-configuration` as fetched; `None`: the
    /// Keycloak-style endpoint paths under the issuer.
    pub discovery: Option<Vec<u8>>,
    pub client_id: String,
    /// The registered redirect URI, compared exactly.
    pub redirect_uri: String,
    /// The client's `private_key_jwt` key: PKCS#8, PEM or DER, RSA (RS256) or P-256 (ES256).
    pub key_pkcs8: Vec<u8>,
    /// The key's `kid` as registered.
    pub key_id: Option<String>,
    /// Refuse callbacks without `iss` (RFC 9207).
    pub require_callback_iss: bool,
}

/// What a login asks for.
#[derive(uniffi::Record)]
pub struct AuthorizeRequest {
    /// 基本4情報 parts: `name`, `address`, `birthdate`, `gender`; empty for 認証 only.
    pub claims: Vec<String>,
    pub acr_values: Option<String>,
    /// 署名API: the sign transaction this login authorises.
    pub sign_transaction_id: Option<String>,
}

/// Where to send the resident, and what the backend keeps until the callback.
#[derive(uniffi::Record)]
pub struct Authorization {
    pub url: String,
    pub state: String,
    /// The pending login (PKCE verifier, nonce): server-side only, single use, keyed by `state`.
    pub pending: String,
}

/// One HTTP request for the backend to send as it is.
#[derive(uniffi::Record)]
pub struct OidcHttpRequest {
    pub method: String,
    pub url: String,
    pub headers: HashMap<String, String>,
    pub body: Option<Vec<u8>>,
}

/// A finished login.
#[derive(uniffi::Record)]
pub struct LoginResult {
    /// The provider's subject identifier.
    pub subject: String,
    pub issuer: String,
    pub acr: Option<String>,
    /// 基本4情報 from userinfo, when asked for: the same record a card read returns.
    pub four_info: Option<FourInfo>,
}

#[derive(uniffi::Enum)]
pub enum LoginStep {
    /// Send the next request.
    Continue,
    Done {
        result: LoginResult,
    },
}

/// The relying party's client for one provider (デジタル認証アプリ or its stand-in).
#[derive(uniffi::Object)]
pub struct OidcBackend {
    client: OidcClient,
    jwks: Mutex<JwksCache>,
}

fn unix(now: u64) -> Result<UnixTime, MynaError> {
    if now < 1_000_000_000_000 {
        Ok(UnixTime(now))
    } else {
        Err(Error::InvalidArgument {
            what: "now must be seconds since 1970",
        }
        .into())
    }
}

#[uniffi::export]
impl OidcBackend {
    #[uniffi::constructor]
    pub fn new(config: OidcClientConfig) -> Result<Arc<Self>, MynaError> {
        let provider = match &config.discovery {
            Some(body) => ProviderMetadata::from_discovery(
                &config.issuer,
                Ok(HttpResponse { status: 200, body }),
            ),
            None => ProviderMetadata::keycloak_layout(&config.issuer),
        }?;
        let key =
            SigningKey::from_pkcs8(&zeroize::Zeroizing::new(config.key_pkcs8), config.key_id)?;
        let mut client_config =
            ClientConfig::new(provider, &config.client_id, &config.redirect_uri, key)?;
        client_config.require_callback_iss = config.require_callback_iss;
        Ok(Arc::new(OidcBackend {
            client: OidcClient::new(client_config),
            jwks: Mutex::new(JwksCache::new()),
        }))
    }

    /// Starts a login: redirect the resident to `url`, keep `pending` under `state`.
    pub fn authorize(
        &self,
        request: AuthorizeRequest,
        now: u64,
    ) -> Result<Authorization, MynaError> {
        let mut login = LoginRequest::authenticate();
        for name in &request.claims {
            let claim = Claim::from_scope(name).ok_or(Error::InvalidArgument {
                what: "claims are name, address, birthdate, gender",
            })?;
            if !login.claims.contains(&claim) {
                login.claims.push(claim);
            }
        }
        login.acr_values = request.acr_values;
        login.sign_transaction_id = request.sign_transaction_id;
        let (pending, url) = self.client.authorize(&login, unix(now)?)?;
        Ok(Authorization {
            url,
            state: pending.state().to_string(),
            pending: pending.to_json(),
        })
    }

    /// Checks the callback against its pending login (`iss`, `state`, expiry, error
    /// responses) and starts the code exchange.
    pub fn start(
        self: Arc<Self>,
        pending: String,
        callback: String,
        now: u64,
    ) -> Result<Arc<OidcLogin>, MynaError> {
        let pending = PendingLogin::from_json(&pending)?;
        let flow = LoginFlow::start(&self.client, pending, &callback, unix(now)?)?;
        Ok(Arc::new(OidcLogin {
            backend: self,
            flow: Mutex::new(Some(flow)),
        }))
    }

    /// The client key's public JWK Set (JSON): what to register with the provider.
    pub fn public_jwks(&self) -> String {
        match &self.client.config().auth {
            mynacard_core::oidc::ClientAuth::PrivateKeyJwt(key) => {
                serde_json::json!({ "keys": [key.public_jwk()] }).to_string()
            }
            mynacard_core::oidc::ClientAuth::ClientSecretBasic(_) => r#"{"keys":[]}"#.into(),
        }
    }
}

/// The `state` of a callback URL or query, to find its pending login.
#[uniffi::export]
pub fn oidc_callback_state(url_or_query: String) -> Result<String, MynaError> {
    Ok(callback_state(&url_or_query)?)
}

/// One login between the callback and its result; any failed step ends it.
#[derive(uniffi::Object)]
pub struct OidcLogin {
    backend: Arc<OidcBackend>,
    flow: Mutex<Option<LoginFlow>>,
}

fn ended() -> MynaError {
    Error::InvalidArgument {
        what: "the login flow has ended",
    }
    .into()
}

#[uniffi::export]
impl OidcLogin {
    /// The next request to send.
    pub fn request(&self, now: u64) -> Result<OidcHttpRequest, MynaError> {
        let guard = self.flow.lock().map_err(|_| ended())?;
        let flow = guard.as_ref().ok_or_else(ended)?;
        let request = flow.request(&self.backend.client, unix(now)?)?;
        Ok(OidcHttpRequest {
            method: request.method.as_str().to_string(),
            url: request.url.clone(),
            headers: request.headers.iter().cloned().collect(),
            body: request.body.as_deref().map(<[u8]>::to_vec),
        })
    }

    /// The response to the last request; `body` `None` when the network failed.
    pub fn receive(
        &self,
        status: u16,
        body: Option<Vec<u8>>,
        now: u64,
    ) -> Result<LoginStep, MynaError> {
        let now = unix(now)?;
        let mut guard = self.flow.lock().map_err(|_| ended())?;
        let flow = guard.take().ok_or_else(ended)?;
        let outcome = body
            .as_deref()
            .map(|body| HttpResponse { status, body })
            .ok_or(HttpFailed);
        let mut jwks = self.backend.jwks.lock().map_err(|_| ended())?;
        match flow.receive(&self.backend.client, &mut jwks, outcome, now)? {
            Step::Continue(next) => {
                *guard = Some(next);
                Ok(LoginStep::Continue)
            }
            Step::Done(login) => Ok(LoginStep::Done {
                result: LoginResult {
                    subject: login.subject().to_string(),
                    issuer: login.id_token.iss.clone(),
                    acr: login.id_token.acr.clone(),
                    four_info: login
                        .userinfo
                        .as_ref()
                        .and_then(|u| u.four_info())
                        .map(|f| FourInfo::from(&f)),
                },
            }),
        }
    }
}
