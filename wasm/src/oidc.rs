//! The デジタル認証アプリ hand-off for JavaScript backends (Node) and for pages that only start
//! the flow: the core's sans-IO OIDC client (`mynacard_core::oidc`) with `fetch` left to the
//! caller. The relying party's private key belongs on the backend; a page never holds it.
//!
//! ```js
//! const rp = new OidcBackend({ discovery, issuer, clientId, redirectUri, keyPkcs8, keyId });
//! const { url, state, pending, setCookie } = rp.authorize({ claims: ['name', 'address', 'birthdate', 'gender'] }, now);
//! // keep `pending` (server side, by state), redirect the browser to `url` with the header
//! // `Set-Cookie: ${setCookie}` (binds the login to this browser); on the callback:
//! const browser = OidcBackend.browserCookie(request.headers.cookie ?? '');
//! const flow = rp.start(pendingFor(OidcBackend.callbackState(callbackUrl)), browser, callbackUrl, now);
//! // answer with `Set-Cookie: ${OidcBackend.clearCookie()}`, whatever the outcome
//! for (;;) {
//!   const req = flow.request(rp, now);                       // { method, url, headers, body }
//!   // redirect: 'manual': a 3xx is an answer (HTTP_STATUS), never re-sent elsewhere with the
//!   // code, the PKCE verifier, the client assertion or the access token.
//!   const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual' }).catch(() => null);
//!   const step = flow.receive(rp, res?.status ?? 0, res ? new Uint8Array(await res.arrayBuffer()) : null, now);
//!   if (step.done) return step;                              // { subject, fourInfo? }
//! }
//! ```

use std::cell::RefCell;

use js_sys::{Array, Object, Uint8Array};
use mynacard_core::UnixTime;
use mynacard_core::error::Error;
use mynacard_core::oidc::{
    Authorization, Backend, BackendConfig, BrowserBinding, EncryptionKey, HttpRequest,
    HttpResponse, JwksCache, Login, LoginFlow, LoginRequest, OpenStep, PendingLogin,
    SealedSignResult, SignDigest, SignOpening, SignTransaction, SignedByResident, Step,
    browser_cookie, callback_state,
};
use wasm_bindgen::prelude::*;

use crate::js::{four_info_object, get, set};
use mynacard_core::error::UsageError;

/// `{ signature, certificate, signer }` of a verified 署名API result.
fn signed_object(signed: &SignedByResident) -> Object {
    let out = Object::new();
    set(
        &out,
        "signature",
        Uint8Array::from(signed.signature.as_slice()).into(),
    );
    set(
        &out,
        "certificate",
        Uint8Array::from(signed.certificate.der()).into(),
    );
    set(&out, "signer", crate::verify::result(&signed.signer).into());
    out
}

/// `{ method, url, headers, body }` for the caller's `fetch`.
fn request_object(request: &HttpRequest) -> Object {
    let out = Object::new();
    set(&out, "method", request.method.as_str().into());
    set(&out, "url", request.url.clone().into());
    let headers = Object::new();
    for (k, v) in &request.headers {
        set(&headers, k, v.clone().into());
    }
    set(&out, "headers", headers.into());
    set(
        &out,
        "body",
        request
            .body
            .as_deref()
            .map_or(JsValue::NULL, |b| Uint8Array::from(b).into()),
    );
    out
}

fn err(e: Error) -> JsValue {
    crate::error::to_js(&e)
}

fn invalid(what: &'static str) -> JsValue {
    err(Error::Usage(UsageError::InvalidArgument { what }))
}

/// A step of a flow called after its end or before its start (OUT_OF_ORDER).
fn out_of_order(what: &'static str) -> JsValue {
    err(Error::Usage(UsageError::OutOfOrder { what }))
}

fn string(o: &JsValue, key: &str) -> Option<String> {
    get(o, key).as_string()
}

fn bytes(o: &JsValue, key: &str) -> Option<Vec<u8>> {
    let v = get(o, key);
    v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec)
}

/// Seconds since the epoch from a JS number; refuses NaN, negatives and fractions of nonsense.
fn unix(now: f64) -> Result<UnixTime, JsValue> {
    if (0.0..1e12).contains(&now) {
        Ok(UnixTime(now as u64))
    } else {
        Err(invalid("now must be seconds since 1970"))
    }
}

#[wasm_bindgen(typescript_custom_section)]
const OIDC_TYPES: &'static str = r#"
/** The relying party's registration (backend only: it holds the client key). */
export interface OidcBackendConfig {
  issuer: string;
  /** The body of issuer/.well-known/openid-configuration; without it, Keycloak-style paths. */
  discovery?: Uint8Array;
  clientId: string;
  redirectUri: string;
  /** PKCS#8, DER bytes or PEM text; RSA (RS256) or P-256 (ES256). */
  keyPkcs8: Uint8Array | string;
  keyAlg?: 'RS256' | 'ES256';
  keyId?: string;
  requireCallbackIss?: boolean;
  /** 署名API: the sign-transaction endpoint when discovery names none. */
  signTransactionsEndpoint?: string;
  /** 署名API: the RSA key (PKCS#8) the result is encrypted to. */
  encKeyPkcs8?: Uint8Array | string;
}
export interface JwkSet { keys: Record<string, string>[] }
export interface AuthorizeOptions {
  claims?: ('name' | 'address' | 'birthdate' | 'gender')[];
  /** Default 'aal3 crl'; '' or null sends none. When sent, the ID token's acr must answer it. */
  acrValues?: string | null;
  signTransactionId?: string;
}
/**
 * Redirect to `url` with the header `Set-Cookie: ${setCookie}`; keep `pending` server-side
 * under `state` (single use). `browser` is the cookie's value (for a backend that sets the
 * cookie its own way); the pending login keeps only its hash.
 */
export interface Authorization { url: string; state: string; pending: string; browser: string; setCookie: string }
/** A request for the backend's fetch, to send as it is. */
export interface OidcRequest { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body: Uint8Array<ArrayBuffer> | null }
export type LoginStep = { done: false } | { done: true; subject: string; fourInfo?: FourInfo };
export interface SignInputOptions { document?: Uint8Array; sha256?: Uint8Array; digestInfo?: Uint8Array }
export type SignOpenStep = { opened: false } | { opened: true; id: string; transaction: string };
export interface SignFinishOptions { anchors?: Uint8Array[]; crls?: Uint8Array[]; at?: number }
/** A verified 署名API result: `signer` as verify() reports it. */
export interface SignedDocument { signature: Uint8Array; certificate: Uint8Array; signer: VerifyResult }
/** A 署名API result still encrypted to the platform operator's key: send `sealed` to it. */
export interface SealedSign { transactionId: string; sealed: string }
"#;

/// A relying party's client for one provider (デジタル認証アプリ or its stand-in).
#[wasm_bindgen(js_name = OidcBackend)]
pub struct OidcBackendJs {
    /// The core's backend aggregate: client, keys, JWK Set.
    backend: Backend,
    jwks: RefCell<JwksCache>,
}

#[wasm_bindgen(js_class = OidcBackend)]
impl OidcBackendJs {
    /// `{ issuer, discovery?: Uint8Array, clientId, redirectUri, keyPkcs8: Uint8Array | string,
    /// keyAlg?: 'RS256' | 'ES256', keyId?, requireCallbackIss?, signTransactionsEndpoint?,
    /// encKeyPkcs8?: Uint8Array | string }` (the last two for the 署名API). The key is PKCS#8, DER or PEM,
    /// RSA (RS256) or P-256 (ES256); `keyAlg`, when given, must match it. With `discovery` (the
    /// body of `issuer/.well-known/openid-configuration`) its issuer must equal `issuer` exactly;
    /// without it the Keycloak-style paths under `issuer` are used.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "OidcBackendConfig")] config: JsValue,
    ) -> Result<OidcBackendJs, JsValue> {
        let issuer = string(&config, "issuer").ok_or(invalid("issuer is required"))?;
        let discovery = bytes(&config, "discovery");
        let client_id = string(&config, "clientId").ok_or(invalid("clientId is required"))?;
        let redirect_uri =
            string(&config, "redirectUri").ok_or(invalid("redirectUri is required"))?;
        // PKCS#8 as bytes or a PEM string; the Rust copies are wiped on drop.
        let pkcs8 = |name| {
            bytes(&config, name)
                .or_else(|| string(&config, name).map(String::into_bytes))
                .map(zeroize::Zeroizing::new)
        };
        let key = pkcs8("keyPkcs8").ok_or(invalid(
            "keyPkcs8 (PKCS#8 as Uint8Array or PEM string) is required",
        ))?;
        let enc_key = pkcs8("encKeyPkcs8");
        let key_id = string(&config, "keyId");
        let key_alg = string(&config, "keyAlg");
        let sign_endpoint = string(&config, "signTransactionsEndpoint");
        let backend = Backend::new(BackendConfig {
            discovery: discovery.as_deref(),
            key_id: key_id.as_deref(),
            key_alg: key_alg.as_deref(),
            require_callback_iss: get(&config, "requireCallbackIss").is_truthy(),
            sign_transactions_endpoint: sign_endpoint.as_deref(),
            enc_key_pkcs8: enc_key.as_deref().map(Vec::as_slice),
            ..BackendConfig::new(&issuer, &client_id, &redirect_uri, &key)
        })
        .map_err(err)?;
        Ok(OidcBackendJs {
            backend,
            jwks: RefCell::new(JwksCache::new()),
        })
    }

    /// The public JWK Set (`{ keys: [...] }`) of the client key and, when configured, the
    /// encryption key (`use: enc`): what to register with the provider.
    #[wasm_bindgen(js_name = publicJwks, unchecked_return_type = "JwkSet")]
    pub fn public_jwks(&self) -> Result<JsValue, JsValue> {
        js_sys::JSON::parse(&self.backend.public_jwks().to_string())
    }

    /// Starts a login: `{ claims?: ('name'|'address'|'birthdate'|'gender')[], acrValues?,
    /// signTransactionId? }` (`acrValues` defaults to `'aal3 crl'`; `''` or null sends none).
    /// Returns `{ url, state, pending, browser, setCookie }`: redirect the browser to `url`
    /// with `Set-Cookie: ${setCookie}` (the login cookie, `browser` its value), and keep
    /// `pending` (a JSON string with the PKCE verifier and nonce: server-side only, single
    /// use) under `state`.
    #[wasm_bindgen(unchecked_return_type = "Authorization")]
    pub fn authorize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AuthorizeOptions")] request: JsValue,
        now: f64,
    ) -> Result<Object, JsValue> {
        // A non-string entry becomes "", which names no claim: the same refusal.
        let names: Vec<String> = get(&request, "claims")
            .dyn_ref::<Array>()
            .map(|list| {
                list.iter()
                    .map(|c| c.as_string().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default();
        let mut login = LoginRequest::authenticate()
            .with_claim_scopes(names.iter().map(String::as_str))
            .map_err(err)?;
        let acr = get(&request, "acrValues");
        if !acr.is_undefined() {
            login.acr_values = acr.as_string().filter(|v| !v.is_empty());
        }
        login.sign_transaction_id = string(&request, "signTransactionId");
        let client = self.backend.client();
        let Authorization {
            url,
            pending,
            browser,
        } = client.authorize(&login, unix(now)?).map_err(err)?;
        let out = Object::new();
        set(&out, "url", url.into());
        set(&out, "state", pending.state().into());
        set(&out, "pending", pending.to_json().into());
        set(&out, "browser", browser.value().into());
        set(
            &out,
            "setCookie",
            browser.set_cookie(client.config().login_ttl).into(),
        );
        Ok(out)
    }

    /// 署名API, step 1: opens a sign transaction over `{ document }` (its SHA-256),
    /// `{ sha256 }` or `{ digestInfo }` (DER). Drive the returned opening like a login flow;
    /// when it answers `{ opened: true, id, transaction }`, keep `transaction` (a JSON record,
    /// no secret) and log the resident in with `authorize({ signTransactionId: id })`.
    #[wasm_bindgen(js_name = openSign)]
    pub fn open_sign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignInputOptions")] input: JsValue,
    ) -> Result<SignOpeningJs, JsValue> {
        let digest = if let Some(document) = bytes(&input, "document") {
            SignDigest::of_document(&document)
        } else if let Some(d) = bytes(&input, "sha256") {
            SignDigest::Sha256(
                d.try_into()
                    .map_err(|_| invalid("sha256 must be 32 bytes"))?,
            )
        } else if let Some(d) = bytes(&input, "digestInfo") {
            SignDigest::DigestInfo(d)
        } else {
            return Err(invalid("give document, sha256 or digestInfo (Uint8Array)"));
        };
        Ok(SignOpeningJs {
            opening: Some(SignOpening::start(digest)),
        })
    }

    /// 署名API, step 3: the result request, with the access token of `flow` (the finished login
    /// that authorised `transaction`).
    #[wasm_bindgen(js_name = signResultRequest, unchecked_return_type = "OidcRequest")]
    pub fn sign_result_request(
        &self,
        transaction: &str,
        flow: &LoginFlowJs,
    ) -> Result<Object, JsValue> {
        let tx = SignTransaction::from_json(transaction).map_err(err)?;
        let login = flow
            .done
            .as_deref()
            .ok_or(out_of_order("the login flow has not finished"))?;
        let request = tx
            .result_request(self.backend.client(), login)
            .map_err(err)?;
        Ok(request_object(&request))
    }

    /// 署名API, step 4: decrypts the result with `encKeyPkcs8` and verifies the signature over
    /// the digest and the 署名用 certificate (`options`: `anchors`, `crls`, `at` as in
    /// `verify()`; without anchors the real JPKI CAs). Returns `{ signature, certificate,
    /// signer }`, `signer` as `verify()` reports it.
    #[wasm_bindgen(js_name = finishSign, unchecked_return_type = "SignedDocument")]
    pub fn finish_sign(
        &self,
        transaction: &str,
        status: u16,
        body: Option<Vec<u8>>,
        #[wasm_bindgen(unchecked_param_type = "SignFinishOptions | undefined")] options: JsValue,
    ) -> Result<Object, JsValue> {
        let tx = SignTransaction::from_json(transaction).map_err(err)?;
        let enc_key = self.backend.enc_key().map_err(err)?;
        let options = if options.is_undefined() || options.is_null() {
            Object::new().into()
        } else {
            options
        };
        let at = crate::verify::at(&options).map_err(err)?;
        let rp = crate::verify::relying_party(&options, at).map_err(err)?;
        let signed = tx
            .finish(
                self.backend.client(),
                HttpResponse::received(status, body.as_deref()),
                enc_key,
                &rp,
                at,
            )
            .map_err(err)?;
        Ok(signed_object(&signed))
    }

    /// 署名API, step 4 for a relying party that signs through a platform operator (PF事業者):
    /// the result stays encrypted to the operator's key. Checks the response and returns
    /// `{ transactionId, sealed }`: `sealed` is the JSON record to send to the operator
    /// (`OidcBackend.openSealedSign` on its side); it holds no certificate in the clear.
    #[wasm_bindgen(js_name = forwardSign, unchecked_return_type = "SealedSign")]
    pub fn forward_sign(
        &self,
        transaction: &str,
        status: u16,
        body: Option<Vec<u8>>,
    ) -> Result<Object, JsValue> {
        let tx = SignTransaction::from_json(transaction).map_err(err)?;
        let sealed = tx
            .forward(
                self.backend.client(),
                HttpResponse::received(status, body.as_deref()),
            )
            .map_err(err)?;
        let out = Object::new();
        set(&out, "transactionId", sealed.transaction_id().into());
        set(&out, "sealed", sealed.to_json().into());
        Ok(out)
    }

    /// The operator's side of `forwardSign`: decrypts `sealed` with the operator's RSA key
    /// (PKCS#8, DER bytes or PEM text) and verifies signature and 署名用 certificate as
    /// `finishSign` does (`options` as there).
    #[wasm_bindgen(js_name = openSealedSign, unchecked_return_type = "SignedDocument")]
    pub fn open_sealed_sign(
        sealed: &str,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] enc_key_pkcs8: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SignFinishOptions | undefined")] options: JsValue,
    ) -> Result<Object, JsValue> {
        let key = enc_key_pkcs8
            .dyn_ref::<Uint8Array>()
            .map(Uint8Array::to_vec)
            .or_else(|| enc_key_pkcs8.as_string().map(String::into_bytes))
            .map(zeroize::Zeroizing::new)
            .ok_or(invalid(
                "encKeyPkcs8 (PKCS#8 as Uint8Array or PEM string) is required",
            ))?;
        let enc_key = EncryptionKey::from_pkcs8(&key).map_err(err)?;
        let sealed = SealedSignResult::from_json(sealed).map_err(err)?;
        let options = if options.is_undefined() || options.is_null() {
            Object::new().into()
        } else {
            options
        };
        let at = crate::verify::at(&options).map_err(err)?;
        let rp = crate::verify::relying_party(&options, at).map_err(err)?;
        let signed = sealed.open(&enc_key, &rp, at).map_err(err)?;
        Ok(signed_object(&signed))
    }

    /// The `state` of a callback URL or query, to find its pending login.
    #[wasm_bindgen(js_name = callbackState)]
    pub fn callback_state(url_or_query: &str) -> Result<String, JsValue> {
        callback_state(url_or_query).map_err(err)
    }

    /// The login cookie's value in a request's `Cookie:` header, or undefined.
    #[wasm_bindgen(js_name = browserCookie)]
    pub fn browser_cookie(cookie_header: &str) -> Option<String> {
        browser_cookie(cookie_header).map(str::to_string)
    }

    /// The `Set-Cookie` value that removes the login cookie: send it with the callback's
    /// answer, whatever the outcome.
    #[wasm_bindgen(js_name = clearCookie)]
    pub fn clear_cookie() -> String {
        BrowserBinding::clear_cookie()
    }

    /// Checks the callback against its pending login (iss, state, the browser, expiry, error
    /// responses) and starts the code exchange. `browser` is the login cookie's value from
    /// the callback request (`OidcBackend.browserCookie(cookieHeader)`); missing or another
    /// browser's: `BROWSER_MISMATCH`.
    pub fn start(
        &self,
        pending: &str,
        browser: Option<String>,
        callback: &str,
        now: f64,
    ) -> Result<LoginFlowJs, JsValue> {
        let pending = PendingLogin::from_json(pending).map_err(err)?;
        let flow = LoginFlow::start(
            self.backend.client(),
            pending,
            browser.as_deref(),
            callback,
            unix(now)?,
        )
        .map_err(err)?;
        Ok(LoginFlowJs {
            flow: Some(flow),
            done: None,
        })
    }
}

/// One login between the callback and its result; every failed step ends it.
#[wasm_bindgen(js_name = LoginFlow)]
pub struct LoginFlowJs {
    flow: Option<LoginFlow>,
    /// The finished login, kept for a 署名API result request (its access token stays in wasm).
    done: Option<Box<Login>>,
}

#[wasm_bindgen(js_class = LoginFlow)]
impl LoginFlowJs {
    /// The next request: `{ method, url, headers: Record<string,string>, body: Uint8Array | null }`.
    #[wasm_bindgen(unchecked_return_type = "OidcRequest")]
    pub fn request(&self, backend: &OidcBackendJs, now: f64) -> Result<Object, JsValue> {
        let flow = self
            .flow
            .as_ref()
            .ok_or(out_of_order("the login flow has ended"))?;
        let request = flow
            .request(backend.backend.client(), unix(now)?)
            .map_err(err)?;
        Ok(request_object(&request))
    }

    /// The response to the last request (`body` null: the request failed on the network).
    /// Returns `{ done: false }` to go on, or `{ done: true, subject, fourInfo? }`.
    #[wasm_bindgen(unchecked_return_type = "LoginStep")]
    pub fn receive(
        &mut self,
        backend: &OidcBackendJs,
        status: u16,
        body: Option<Vec<u8>>,
        now: f64,
    ) -> Result<Object, JsValue> {
        let flow = self
            .flow
            .take()
            .ok_or(out_of_order("the login flow has ended"))?;
        let now = unix(now)?;
        let outcome = HttpResponse::received(status, body.as_deref());
        let mut jwks = backend.jwks.borrow_mut();
        let out = Object::new();
        match flow
            .receive(backend.backend.client(), &mut jwks, outcome, now)
            .map_err(err)?
        {
            Step::Continue(next) => {
                self.flow = Some(next);
                set(&out, "done", false.into());
            }
            Step::Done(login) => {
                let login = self.done.insert(login);
                set(&out, "done", true.into());
                set(&out, "subject", login.subject().into());
                if let Some(info) = login.userinfo.as_ref().and_then(|u| u.four_info()) {
                    set(&out, "fourInfo", four_info_object(&info).into());
                }
            }
        }
        Ok(out)
    }
}

/// Opening a sign transaction (client-credentials token, then the transaction).
#[wasm_bindgen(js_name = SignOpening)]
pub struct SignOpeningJs {
    opening: Option<SignOpening>,
}

#[wasm_bindgen(js_class = SignOpening)]
impl SignOpeningJs {
    /// The next request: `{ method, url, headers, body }`.
    #[wasm_bindgen(unchecked_return_type = "OidcRequest")]
    pub fn request(&self, backend: &OidcBackendJs, now: f64) -> Result<Object, JsValue> {
        let opening = self
            .opening
            .as_ref()
            .ok_or(invalid("the sign opening has ended"))?;
        let request = opening
            .request(backend.backend.client(), unix(now)?)
            .map_err(err)?;
        Ok(request_object(&request))
    }

    /// The response (`body` null: the network failed): `{ opened: false }` to go on, or
    /// `{ opened: true, id, transaction }`.
    #[wasm_bindgen(unchecked_return_type = "SignOpenStep")]
    pub fn receive(
        &mut self,
        backend: &OidcBackendJs,
        status: u16,
        body: Option<Vec<u8>>,
    ) -> Result<Object, JsValue> {
        let opening = self
            .opening
            .take()
            .ok_or(invalid("the sign opening has ended"))?;
        let out = Object::new();
        match opening
            .receive(
                backend.backend.client(),
                HttpResponse::received(status, body.as_deref()),
            )
            .map_err(err)?
        {
            OpenStep::Continue(next) => {
                self.opening = Some(next);
                set(&out, "opened", false.into());
            }
            OpenStep::Opened(tx) => {
                set(&out, "opened", true.into());
                set(&out, "id", tx.id().into());
                set(&out, "transaction", tx.to_json().into());
            }
        }
        Ok(out)
    }
}
