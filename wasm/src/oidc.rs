//! The デジタル認証アプリ hand-off for JavaScript backends (Node) and for pages that only start
//! the flow: the core's sans-IO OIDC client (`mynacard_core::oidc`) with `fetch` left to the
//! caller. The relying party's private key belongs on the backend; a page never holds it.
//!
//! ```js
//! const rp = new OidcBackend({ discovery, issuer, clientId, redirectUri, keyPkcs8, keyId });
//! const { url, state, pending } = rp.authorize({ claims: ['name', 'address', 'birthdate', 'gender'] }, now);
//! // keep `pending` (server side, by state), redirect the browser to `url`; on the callback:
//! const flow = rp.start(pendingFor(OidcBackend.callbackState(callbackUrl)), callbackUrl, now);
//! for (;;) {
//!   const req = flow.request(rp, now);                       // { method, url, headers, body }
//!   const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body }).catch(() => null);
//!   const step = flow.receive(rp, res?.status ?? 0, res ? new Uint8Array(await res.arrayBuffer()) : null, now);
//!   if (step.done) return step;                              // { subject, fourInfo? }
//! }
//! ```

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect, Uint8Array};
use mynacard_core::UnixTime;
use mynacard_core::error::Error;
use mynacard_core::oidc::{
    Claim, ClientAuth, ClientConfig, HttpFailed, HttpRequest, HttpResponse, JwksCache, Login,
    LoginFlow, LoginRequest, OidcClient, OpenStep, PendingLogin, ProviderMetadata, SignDigest,
    SignOpening, SignTransaction, SigningKey, Step, callback_state,
};
use wasm_bindgen::prelude::*;

fn err(e: Error) -> JsValue {
    crate::error::to_js(&e)
}

fn invalid(what: &'static str) -> JsValue {
    err(Error::InvalidArgument { what })
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn set(o: &Object, key: &str, value: JsValue) {
    let _ = Reflect::set(o, &key.into(), &value);
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
    if now.is_finite() && now >= 0.0 && now < 1e12 {
        Ok(UnixTime(now as u64))
    } else {
        Err(invalid("now must be seconds since 1970"))
    }
}

/// A relying party's client for one provider (デジタル認証アプリ or its stand-in).
#[wasm_bindgen(js_name = OidcBackend)]
pub struct OidcBackendJs {
    client: OidcClient,
    jwks: RefCell<JwksCache>,
}

#[wasm_bindgen(js_class = OidcBackend)]
impl OidcBackendJs {
    /// `{ issuer, discovery?: Uint8Array, clientId, redirectUri, keyPkcs8: Uint8Array | string,
    /// keyAlg?: 'RS256' | 'ES256', keyId?, requireCallbackIss? }`. The key is PKCS#8, DER or PEM,
    /// RSA (RS256) or P-256 (ES256); `keyAlg`, when given, must match it. With `discovery` (the
    /// body of `issuer/.well-known/openid-configuration`) its issuer must equal `issuer` exactly;
    /// without it the Keycloak-style paths under `issuer` are used.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<OidcBackendJs, JsValue> {
        let issuer = string(&config, "issuer").ok_or(invalid("issuer is required"))?;
        let provider = match bytes(&config, "discovery") {
            Some(body) => ProviderMetadata::from_discovery(
                &issuer,
                Ok(HttpResponse {
                    status: 200,
                    body: &body,
                }),
            ),
            None => ProviderMetadata::keycloak_layout(&issuer),
        }
        .map_err(err)?;
        let client_id = string(&config, "clientId").ok_or(invalid("clientId is required"))?;
        let redirect_uri =
            string(&config, "redirectUri").ok_or(invalid("redirectUri is required"))?;
        let key_bytes = zeroize::Zeroizing::new(
            bytes(&config, "keyPkcs8")
                .or_else(|| string(&config, "keyPkcs8").map(String::into_bytes))
                .ok_or(invalid("keyPkcs8 (PKCS#8 as Uint8Array or PEM string) is required"))?,
        );
        let key = SigningKey::from_pkcs8(&key_bytes, string(&config, "keyId")).map_err(err)?;
        match string(&config, "keyAlg").as_deref() {
            None => {}
            Some(alg) if alg == key.alg().name() => {}
            Some("RS256" | "ES256") => return Err(invalid("keyAlg does not match the key")),
            Some(_) => return Err(invalid("keyAlg must be RS256 or ES256")),
        }
        let mut config_rs =
            ClientConfig::new(provider, &client_id, &redirect_uri, key).map_err(err)?;
        config_rs.require_callback_iss = get(&config, "requireCallbackIss").is_truthy();
        Ok(OidcBackendJs {
            client: OidcClient::new(config_rs),
            jwks: RefCell::new(JwksCache::new()),
        })
    }

    /// The client key's public JWK Set (`{ keys: [...] }`): what to register with the provider.
    #[wasm_bindgen(js_name = publicJwks)]
    pub fn public_jwks(&self) -> Result<JsValue, JsValue> {
        let keys = match &self.client.config().auth {
            ClientAuth::PrivateKeyJwt(key) => key.public_jwk().to_string(),
            ClientAuth::ClientSecretBasic(_) => String::new(),
        };
        js_sys::JSON::parse(&format!("{{\"keys\":[{keys}]}}"))
    }

    /// Starts a login: `{ claims?: ('name'|'address'|'birthdate'|'gender')[], acrValues?,
    /// signTransactionId? }`. Returns `{ url, state, pending }`: redirect the browser to `url`
    /// and keep `pending` (a JSON string with the PKCE verifier and nonce: server-side only,
    /// single use) under `state`.
    pub fn authorize(&self, request: JsValue, now: f64) -> Result<Object, JsValue> {
        let mut login = LoginRequest::authenticate();
        if let Some(list) = get(&request, "claims").dyn_ref::<Array>() {
            for c in list.iter() {
                let claim = c
                    .as_string()
                    .as_deref()
                    .and_then(Claim::from_scope)
                    .ok_or(invalid("claims are name, address, birthdate, gender"))?;
                if !login.claims.contains(&claim) {
                    login.claims.push(claim);
                }
            }
        }
        login.acr_values = string(&request, "acrValues");
        login.sign_transaction_id = string(&request, "signTransactionId");
        let (pending, url) = self.client.authorize(&login, unix(now)?).map_err(err)?;
        let out = Object::new();
        set(&out, "url", url.into());
        set(&out, "state", pending.state().into());
        set(&out, "pending", pending.to_json().into());
        Ok(out)
    }

    /// The `state` of a callback URL or query, to find its pending login.
    #[wasm_bindgen(js_name = callbackState)]
    pub fn callback_state(url_or_query: &str) -> Result<String, JsValue> {
        callback_state(url_or_query).map_err(err)
    }

    /// Checks the callback against its pending login (iss, state, expiry, error responses) and
    /// starts the code exchange.
    pub fn start(&self, pending: &str, callback: &str, now: f64) -> Result<LoginFlowJs, JsValue> {
        let pending = PendingLogin::from_json(pending).map_err(err)?;
        let flow = LoginFlow::start(&self.client, pending, callback, unix(now)?).map_err(err)?;
        Ok(LoginFlowJs { flow: Some(flow) })
    }
}

/// One login between the callback and its result; every failed step ends it.
#[wasm_bindgen(js_name = LoginFlow)]
pub struct LoginFlowJs {
    flow: Option<LoginFlow>,
}

#[wasm_bindgen(js_class = LoginFlow)]
impl LoginFlowJs {
    /// The next request: `{ method, url, headers: Record<string,string>, body: Uint8Array | null }`.
    pub fn request(&self, backend: &OidcBackendJs, now: f64) -> Result<Object, JsValue> {
        let flow = self
            .flow
            .as_ref()
            .ok_or(invalid("the login flow has ended"))?;
        let request = flow.request(&backend.client, unix(now)?).map_err(err)?;
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
        Ok(out)
    }

    /// The response to the last request (`body` null: the request failed on the network).
    /// Returns `{ done: false }` to go on, or `{ done: true, subject, fourInfo? }`.
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
            .ok_or(invalid("the login flow has ended"))?;
        let now = unix(now)?;
        let outcome = body
            .as_deref()
            .map(|body| HttpResponse { status, body })
            .ok_or(HttpFailed);
        let mut jwks = backend.jwks.borrow_mut();
        let out = Object::new();
        match flow
            .receive(&backend.client, &mut jwks, outcome, now)
            .map_err(err)?
        {
            Step::Continue(next) => {
                self.flow = Some(next);
                set(&out, "done", false.into());
            }
            Step::Done(login) => {
                set(&out, "done", true.into());
                set(&out, "subject", login.subject().into());
                if let Some(info) = login.userinfo.as_ref().and_then(|u| u.four_info()) {
                    let o = Object::new();
                    set(&o, "name", info.name.to_marked_string().into());
                    set(&o, "address", info.address.to_marked_string().into());
                    set(&o, "birthDate", info.birth_date.to_string().into());
                    set(&o, "sex", info.sex.code().to_string().into());
                    set(&out, "fourInfo", o.into());
                }
            }
        }
        Ok(out)
    }
}
