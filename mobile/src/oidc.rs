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
//! // keep start.pending under start.state (server side, single use); send the browser to
//! // start.url with the header `Set-Cookie: ${start.setCookie}` (binds the login to it)
//! val browser = oidcBrowserCookie(request.header("Cookie") ?: "")
//! val login = rp.start(pendingFor(oidcCallbackState(callbackUrl)), browser, callbackUrl, now())
//! // answer the callback with `Set-Cookie: ${oidcClearCookie()}`
//! while (true) {
//!     val req = login.request(now())                       // method, url, headers, body
//!     val res = http(req)                                  // no redirects followed; null when the network failed
//!     val step = login.receive(res?.status ?: 0u, res?.body, now())
//!     if (step is LoginStep.Done) return step.result       // subject, fourInfo
//! }
//! ```

use std::sync::{Arc, Mutex};

use mynacard_core::oidc::{
    Authorization as CoreAuthorization, Backend, BackendConfig, BrowserBinding, EncryptionKey,
    HttpRequest, HttpResponse, JwksCache, Login, LoginFlow, LoginRequest, OpenStep, PendingLogin,
    SealedSignResult, SignDigest, SignOpening, SignTransaction, SignedByResident, Step,
    browser_cookie, callback_state,
};
use mynacard_core::verify::RelyingParty;
use mynacard_core::{Error, UnixTime};

use crate::{FourInfo, MynaError};
use mynacard_core::error::UsageError;

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
    /// 署名API: the sign-transaction endpoint, when the discovery document names none.
    #[uniffi(default)]
    pub sign_transactions_endpoint: Option<String>,
    /// 署名API: the RSA key (PKCS#8, PEM or DER) the result is encrypted to.
    #[uniffi(default)]
    pub enc_key_pkcs8: Option<Vec<u8>>,
}

/// What a login asks for.
#[derive(uniffi::Record)]
pub struct AuthorizeRequest {
    /// 基本4情報 parts: `name`, `address`, `birthdate`, `gender`; empty for 認証 only.
    pub claims: Vec<String>,
    /// `None`: the default `aal3 crl`; `""`: none sent. When sent, the ID token's `acr` must
    /// answer it.
    pub acr_values: Option<String>,
    /// 署名API: the sign transaction this login authorises.
    pub sign_transaction_id: Option<String>,
}

/// Where to send the resident, and what the backend keeps until the callback.
/// Its string forms show `url` and `state` only: `pending` and `browser` are secrets.
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct Authorization {
    pub url: String,
    pub state: String,
    /// The pending login (PKCE verifier, nonce): server-side only, single use, keyed by `state`.
    pub pending: String,
    /// The login cookie's value: the browser must bring it back to the callback (the pending
    /// login keeps only its hash).
    pub browser: String,
    /// The `Set-Cookie` header value to send with the redirect to `url`.
    pub set_cookie: String,
}

/// One HTTP request for the backend to send as it is.
#[derive(uniffi::Record)]
pub struct OidcHttpRequest {
    pub method: String,
    pub url: String,
    /// In the core's order; a name may repeat (a map would reorder and merge them).
    pub headers: Vec<HttpHeader>,
    pub body: Option<Vec<u8>>,
}

/// One request header.
#[derive(uniffi::Record)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
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
    /// The core's backend aggregate: client, keys, JWK Set.
    backend: Backend,
    jwks: Mutex<JwksCache>,
}

fn unix(now: u64) -> Result<UnixTime, MynaError> {
    if now < 1_000_000_000_000 {
        Ok(UnixTime(now))
    } else {
        Err(Error::Usage(UsageError::InvalidArgument {
            what: "now must be seconds since 1970",
        })
        .into())
    }
}

#[uniffi::export]
impl OidcBackend {
    #[uniffi::constructor]
    pub fn new(config: OidcClientConfig) -> Result<Arc<Self>, MynaError> {
        let key = zeroize::Zeroizing::new(config.key_pkcs8);
        let enc_key = config.enc_key_pkcs8.map(zeroize::Zeroizing::new);
        let backend = Backend::new(BackendConfig {
            discovery: config.discovery.as_deref(),
            key_id: config.key_id.as_deref(),
            require_callback_iss: config.require_callback_iss,
            sign_transactions_endpoint: config.sign_transactions_endpoint.as_deref(),
            enc_key_pkcs8: enc_key.as_deref().map(Vec::as_slice),
            ..BackendConfig::new(
                &config.issuer,
                &config.client_id,
                &config.redirect_uri,
                &key,
            )
        })?;
        Ok(Arc::new(OidcBackend {
            backend,
            jwks: Mutex::new(JwksCache::new()),
        }))
    }

    /// Starts a login: redirect the resident to `url`, keep `pending` under `state`.
    pub fn authorize(
        &self,
        request: AuthorizeRequest,
        now: u64,
    ) -> Result<Authorization, MynaError> {
        let mut login = LoginRequest::authenticate()
            .with_claim_scopes(request.claims.iter().map(String::as_str))?;
        if let Some(acr) = request.acr_values {
            login.acr_values = Some(acr).filter(|v| !v.is_empty());
        }
        login.sign_transaction_id = request.sign_transaction_id;
        let client = self.backend.client();
        let CoreAuthorization {
            url,
            pending,
            browser,
        } = client.authorize(&login, unix(now)?)?;
        Ok(Authorization {
            url,
            state: pending.state().to_string(),
            pending: pending.to_json(),
            browser: browser.value().to_string(),
            set_cookie: browser.set_cookie(client.config().login_ttl),
        })
    }

    /// Checks the callback against its pending login (`iss`, `state`, the browser, expiry,
    /// error responses) and starts the code exchange. `browser`: the login cookie's value
    /// from the callback request ([`oidc_browser_cookie`]); missing or another browser's:
    /// `BROWSER_MISMATCH`.
    pub fn start(
        self: Arc<Self>,
        pending: String,
        browser: Option<String>,
        callback: String,
        now: u64,
    ) -> Result<Arc<OidcLogin>, MynaError> {
        let pending = PendingLogin::from_json(&pending)?;
        let flow = LoginFlow::start(
            self.backend.client(),
            pending,
            browser.as_deref(),
            &callback,
            unix(now)?,
        )?;
        Ok(Arc::new(OidcLogin {
            backend: self,
            flow: Mutex::new(Some(flow)),
            done: Mutex::new(None),
        }))
    }

    /// The public JWK Set (JSON) of the client key and, when configured, the encryption key
    /// (`use: enc`): what to register with the provider.
    pub fn public_jwks(&self) -> String {
        self.backend.public_jwks().to_string()
    }

    /// 署名API, step 1: opens a sign transaction over the document's SHA-256, signed bare (the
    /// service's usual mode: PKCS#1 v1.5 padding over the 32 bytes, no DigestInfo).
    pub fn open_sign(&self, document: Vec<u8>) -> Arc<OidcSignOpening> {
        Arc::new(OidcSignOpening {
            opening: Mutex::new(Some(SignOpening::start(SignDigest::of_document(&document)))),
        })
    }

    /// 署名API, step 1 in the DigestInfo mode: `digest_info` (DER) is what the card signs, a
    /// standard RSASSA-PKCS1-v1_5 signature (CMS, XML signatures, data for J-LIS).
    pub fn open_sign_digest_info(&self, digest_info: Vec<u8>) -> Arc<OidcSignOpening> {
        Arc::new(OidcSignOpening {
            opening: Mutex::new(Some(SignOpening::start(SignDigest::DigestInfo(
                digest_info,
            )))),
        })
    }

    /// 署名API, step 3: the result request, with the access token of `login` (finished, and
    /// authorising `transaction`).
    pub fn sign_result_request(
        &self,
        transaction: String,
        login: Arc<OidcLogin>,
    ) -> Result<OidcHttpRequest, MynaError> {
        let tx = SignTransaction::from_json(&transaction)?;
        let done = login.done.lock().map_err(|_| ended())?;
        let login = done.as_deref().ok_or(Error::Usage(UsageError::OutOfOrder {
            what: "the login has not finished",
        }))?;
        Ok(request_record(
            &tx.result_request(self.backend.client(), login)?,
        ))
    }

    /// 署名API, step 4: decrypts the result and verifies the signature over the document and
    /// the 署名用 certificate (`anchors`: DER CA certificates, empty for the real JPKI CAs;
    /// `crls`: DER CRLs).
    pub fn finish_sign(
        &self,
        transaction: String,
        status: u16,
        body: Option<Vec<u8>>,
        anchors: Vec<Vec<u8>>,
        crls: Vec<Vec<u8>>,
        now: u64,
    ) -> Result<SignedDocument, MynaError> {
        let tx = SignTransaction::from_json(&transaction)?;
        let enc_key = self.backend.enc_key()?;
        let now = unix(now)?;
        let rp = RelyingParty::from_der(&anchors, &crls, now)?;
        let outcome = HttpResponse::received(status, body.as_deref());
        let signed = tx.finish(self.backend.client(), outcome, enc_key, &rp, now)?;
        Ok(signed_document(signed))
    }

    /// 署名API, step 4 for a relying party that signs through a platform operator (PF事業者):
    /// the result stays encrypted to the operator's key; checked and returned as the record to
    /// send to the operator ([`oidc_open_sealed_sign`] on its side). No certificate in it.
    pub fn forward_sign(
        &self,
        transaction: String,
        status: u16,
        body: Option<Vec<u8>>,
    ) -> Result<SealedSign, MynaError> {
        let tx = SignTransaction::from_json(&transaction)?;
        let outcome = HttpResponse::received(status, body.as_deref());
        let sealed = tx.forward(self.backend.client(), outcome)?;
        Ok(SealedSign {
            transaction_id: sealed.transaction_id().to_string(),
            sealed: sealed.to_json(),
        })
    }
}

fn signed_document(signed: SignedByResident) -> SignedDocument {
    SignedDocument {
        signature: signed.signature,
        certificate: signed.certificate.der().to_vec(),
        signer_subject: signed.signer.subject.clone(),
        signer_serial: signed.signer.serial_hex.clone(),
        four_info: signed
            .signer
            .four_info
            .as_ref()
            .map(|f| FourInfo::from_certificate(&f.four_info)),
    }
}

/// A 署名API result still encrypted to the platform operator's key.
#[derive(uniffi::Record)]
pub struct SealedSign {
    /// The sign transaction's id.
    pub transaction_id: String,
    /// The JSON record to send to the operator (the transaction and the two JWEs).
    pub sealed: String,
}

/// The operator's side of [`OidcBackend::forward_sign`]: decrypts `sealed` with the operator's
/// RSA key (PKCS#8, PEM or DER) and verifies signature and 署名用 certificate as
/// [`OidcBackend::finish_sign`] does.
#[uniffi::export]
pub fn oidc_open_sealed_sign(
    sealed: String,
    enc_key_pkcs8: Vec<u8>,
    anchors: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    now: u64,
) -> Result<SignedDocument, MynaError> {
    let key = zeroize::Zeroizing::new(enc_key_pkcs8);
    let enc_key = EncryptionKey::from_pkcs8(&key)?;
    let sealed = SealedSignResult::from_json(&sealed)?;
    let now = unix(now)?;
    let rp = RelyingParty::from_der(&anchors, &crls, now)?;
    Ok(signed_document(sealed.open(&enc_key, &rp, now)?))
}

/// The `state` of a callback URL or query, to find its pending login.
#[uniffi::export]
pub fn oidc_callback_state(url_or_query: String) -> Result<String, MynaError> {
    Ok(callback_state(&url_or_query)?)
}

/// The login cookie's value in a request's `Cookie:` header, if it has one.
#[uniffi::export]
pub fn oidc_browser_cookie(cookie_header: String) -> Option<String> {
    browser_cookie(&cookie_header).map(str::to_string)
}

/// The `Set-Cookie` header value that removes the login cookie (send it with the callback's
/// answer, whatever the outcome).
#[uniffi::export]
pub fn oidc_clear_cookie() -> String {
    BrowserBinding::clear_cookie()
}

/// One login between the callback and its result; any failed step ends it.
#[derive(uniffi::Object)]
pub struct OidcLogin {
    backend: Arc<OidcBackend>,
    flow: Mutex<Option<LoginFlow>>,
    /// The finished login, kept for a 署名API result request (the token stays in Rust).
    done: Mutex<Option<Box<Login>>>,
}

/// A 署名API result, verified.
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct SignedDocument {
    pub signature: Vec<u8>,
    /// The 署名用 certificate (DER).
    pub certificate: Vec<u8>,
    pub signer_subject: String,
    pub signer_serial: String,
    /// 基本4情報 from the 署名用 certificate.
    pub four_info: Option<FourInfo>,
}

#[derive(uniffi::Enum)]
pub enum SignOpenStep {
    /// Send the next request.
    Continue,
    /// The transaction is open: log the resident in with `sign_transaction_id = id`; keep
    /// `transaction` (JSON, no secret) until the result.
    Opened { id: String, transaction: String },
}

/// Opening a sign transaction (client-credentials token, then the transaction).
#[derive(uniffi::Object)]
pub struct OidcSignOpening {
    opening: Mutex<Option<SignOpening>>,
}

#[uniffi::export]
impl OidcSignOpening {
    pub fn request(
        &self,
        backend: Arc<OidcBackend>,
        now: u64,
    ) -> Result<OidcHttpRequest, MynaError> {
        let guard = self.opening.lock().map_err(|_| ended())?;
        let opening = guard.as_ref().ok_or_else(ended)?;
        Ok(request_record(
            &opening.request(backend.backend.client(), unix(now)?)?,
        ))
    }

    /// The response to the last request; `body` `None` when the network failed.
    pub fn receive(
        &self,
        backend: Arc<OidcBackend>,
        status: u16,
        body: Option<Vec<u8>>,
    ) -> Result<SignOpenStep, MynaError> {
        let mut guard = self.opening.lock().map_err(|_| ended())?;
        let opening = guard.take().ok_or_else(ended)?;
        match opening.receive(
            backend.backend.client(),
            HttpResponse::received(status, body.as_deref()),
        )? {
            OpenStep::Continue(next) => {
                *guard = Some(next);
                Ok(SignOpenStep::Continue)
            }
            OpenStep::Opened(tx) => Ok(SignOpenStep::Opened {
                id: tx.id().to_string(),
                transaction: tx.to_json(),
            }),
        }
    }
}

fn request_record(request: &HttpRequest) -> OidcHttpRequest {
    OidcHttpRequest {
        method: request.method.as_str().to_string(),
        url: request.url.clone(),
        headers: request
            .headers
            .iter()
            .map(|(name, value)| HttpHeader {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        body: request.body.as_deref().map(<[u8]>::to_vec),
    }
}

fn ended() -> MynaError {
    Error::Usage(UsageError::OutOfOrder {
        what: "the login flow has ended",
    })
    .into()
}

#[uniffi::export]
impl OidcLogin {
    /// The next request to send.
    pub fn request(&self, now: u64) -> Result<OidcHttpRequest, MynaError> {
        let guard = self.flow.lock().map_err(|_| ended())?;
        let flow = guard.as_ref().ok_or_else(ended)?;
        let request = flow.request(self.backend.backend.client(), unix(now)?)?;
        Ok(request_record(&request))
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
        let outcome = HttpResponse::received(status, body.as_deref());
        let mut jwks = self.backend.jwks.lock().map_err(|_| ended())?;
        match flow.receive(self.backend.backend.client(), &mut jwks, outcome, now)? {
            Step::Continue(next) => {
                *guard = Some(next);
                Ok(LoginStep::Continue)
            }
            Step::Done(login) => {
                let mut done = self.done.lock().map_err(|_| ended())?;
                let login = done.insert(login);
                Ok(LoginStep::Done {
                    result: LoginResult {
                        subject: login.subject().to_string(),
                        issuer: login.id_token.iss.clone(),
                        acr: login.id_token.acr.clone(),
                        four_info: login
                            .userinfo
                            .as_ref()
                            .and_then(|u| u.four_info())
                            .map(|f| FourInfo::from_provider(&f)),
                    },
                })
            }
        }
    }
}

crate::redacted_string_forms!(Authorization, |v, f| f
    .debug_struct("Authorization")
    .field("url", &v.url)
    .field("state", &v.state)
    .finish_non_exhaustive());

crate::redacted_string_forms!(SignedDocument, |v, f| write!(
    f,
    "SignedDocument {{ signature: {} bytes, certificate: {} bytes, .. }}",
    v.signature.len(),
    v.certificate.len()
));
