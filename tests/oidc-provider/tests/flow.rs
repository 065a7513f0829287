//! The core's sans-IO OIDC client end to end against the development provider (`server.mjs`,
//! `oidc-provider` on 127.0.0.1): discovery, 認証 + 4情報 with both client-assertion and both
//! ID-token algorithms, 署名 with a sign transaction and its JWE result verified against the
//! virtual card's test PKI, replay, and a provider that goes away mid-flow.
//!
//! Needs Node ≥ 20.19; runs `npm ci` in `tests/oidc-provider` when the provider is not installed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use mynacard_core::cert::{JpkiCertificate, UnixTime};
use mynacard_core::error::Error;
use mynacard_core::four_info::Sex;
use mynacard_core::oidc::{
    ClientConfig, HttpFailed, HttpRequest, HttpResponse, JwksCache, JwsAlg, Login, LoginFlow,
    LoginRequest, Method, OidcClient, PendingLogins, ProviderMetadata, SignDigest,
    SignTransactionFormat, SigningKey, Step, callback_state, open_sign_transaction,
    parse_sign_result, parse_sign_transaction, parse_token_response, sign_result_request,
    verify_sign_result,
};
use mynacard_core::verify::{RelyingParty, TrustAnchors};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

const REDIRECT: &str = "https://rp.example/callback";

fn b64url(bytes: &[u8]) -> String {
    // Test-only base64url without padding (no extra dependency for one helper).
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The provider process; killed (by its handle) when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider(clients: &Value) -> Provider {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !dir.join("node_modules/oidc-provider").exists() {
        // The workspace's `cargo test --workspace` runs this too: install the locked provider.
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .status()
            .expect("npm is installed");
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    let mut child = Command::new("node")
        .arg("server.mjs")
        .arg("0")
        .current_dir(dir)
        .env("OIDC_DEV_CLIENTS", clients.to_string())
        .stdout(Stdio::piped())
        // MYNACARD_OIDC_DEV_LOG=1 shows the provider's log.
        .stderr(if std::env::var_os("MYNACARD_OIDC_DEV_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("node is installed");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    // Keep draining: a closed pipe would kill the provider at its next write.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let issuer = serde_json::from_str::<Value>(&line).expect("provider started")["issuer"]
        .as_str()
        .unwrap()
        .to_string();
    Provider { child, issuer }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

/// The backend's HTTP: sends the core's request as it is.
fn send(agent: &ureq::Agent, request: &HttpRequest) -> Result<(u16, Vec<u8>), HttpFailed> {
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(&request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let response = match (&request.method, &request.body) {
        (Method::Get, _) | (_, None) => agent.run(builder.body(()).unwrap()),
        (_, Some(body)) => agent.run(builder.body(body.clone()).unwrap()),
    };
    let mut response = response.map_err(|_| HttpFailed)?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().map_err(|_| HttpFailed)?;
    Ok((status, body))
}

/// A user agent that follows redirects with a cookie jar until the provider sends it to the
/// relying party's redirect URI, and returns that URL (the callback).
struct Browser {
    agent: ureq::Agent,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            agent: agent(),
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &ureq::http::Response<ureq::Body>) {
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() && !attrs.contains("1970") {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }

    /// Follows the provider to the callback, logging the resident in on the provider's login
    /// screen with the 利用者証明用 key of `persona`'s virtual card (through the SDK).
    fn login(&mut self, origin: &str, authorization_url: &str, persona: &str) -> String {
        self.try_login(origin, authorization_url, persona).unwrap()
    }

    /// As [`Browser::login`]; Err with the login screen's refusal.
    fn try_login(
        &mut self,
        origin: &str,
        authorization_url: &str,
        persona: &str,
    ) -> Result<String, Value> {
        let mut url = authorization_url.to_string();
        for _ in 0..12 {
            if url.starts_with(REDIRECT) {
                return Ok(url);
            }
            let mut request = self.agent.get(&url).header("accept", "application/json");
            let cookie = self.cookie_header();
            if !cookie.is_empty() {
                request = request.header("cookie", &cookie);
            }
            let mut response = request.call().unwrap();
            self.keep_cookies(&response);
            let status = response.status().as_u16();
            if status == 200 {
                // The login screen: sign its challenge with the card, post the result.
                let page: Value =
                    serde_json::from_slice(&response.body_mut().read_to_vec().unwrap()).unwrap();
                let challenge = b64_decode(page["challenge"].as_str().unwrap());
                let (certificate, signature) = card_signs(persona, &challenge);
                let body = serde_json::json!({
                    "certificate": b64(&certificate),
                    "signature": b64(&signature),
                });
                let action = format!("{origin}{}", page["action"].as_str().unwrap());
                let mut response = self
                    .agent
                    .post(&action)
                    .header("accept", "application/json")
                    .header("content-type", "application/json")
                    .header("cookie", &self.cookie_header())
                    .send(body.to_string())
                    .unwrap();
                self.keep_cookies(&response);
                if response.status().as_u16() == 401 {
                    return Err(serde_json::from_slice(
                        &response.body_mut().read_to_vec().unwrap(),
                    )
                    .unwrap());
                }
                url = next_url(origin, &response);
                continue;
            }
            assert!(
                (300..400).contains(&status),
                "provider answered {status} at {url}"
            );
            url = next_url(origin, &response);
        }
        panic!("too many redirects");
    }
}

fn next_url(origin: &str, response: &ureq::http::Response<ureq::Body>) -> String {
    let location = response
        .headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap();
    if location.starts_with('/') {
        format!("{origin}{location}")
    } else {
        location.to_string()
    }
}

/// What the resident's app does on the login screen: the virtual card signs the challenge with
/// its 利用者証明用 key through the SDK (the persona's PIN), giving certificate and signature.
fn card_signs(persona: &str, challenge: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use mynacard_core::{AuthPin, MynaCard, SignInput};
    use mynacard_virtual_card::{VirtualCard, VirtualTransport};
    let p = mynacard_virtual_card::Persona::builtin(persona).unwrap();
    let transport = VirtualTransport::new(VirtualCard::builtin(persona).unwrap());
    pollster::block_on(async {
        let mut card = MynaCard::connect(transport).await.unwrap();
        let auth = card
            .authenticate(
                &AuthPin::new(&p.auth_pin).unwrap(),
                SignInput::data(challenge),
            )
            .await
            .unwrap();
        (auth.certificate.der().to_vec(), auth.signature)
    })
}

fn b64_decode(s: &str) -> Vec<u8> {
    use base64ct::Encoding;
    base64ct::Base64::decode_vec(s).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(bytes)
}

fn origin(issuer: &str) -> String {
    issuer.split("/api/").next().unwrap().to_string()
}

/// Runs a login: authorize, browser, callback, then the flow's HTTP steps.
fn login(
    client: &OidcClient,
    agent: &ureq::Agent,
    jwks: &mut JwksCache,
    request: &LoginRequest,
) -> Result<Login, Error> {
    let now = UnixTime::now();
    let mut logins = PendingLogins::new();
    let (pending, url) = client.authorize(request, now)?;
    logins.insert(pending, now);
    let callback = Browser::new().login(&origin(&client.config().provider.issuer), &url, "hanako");
    assert!(callback.contains("iss="), "RFC 9207 iss in {callback}");
    let pending = logins.take(&callback_state(&callback)?, now)?;
    let mut flow = LoginFlow::start(client, pending, &callback, now)?;
    loop {
        let now = UnixTime::now();
        let request = flow.request(client, now)?;
        let sent = send(agent, &request);
        let outcome = sent.as_ref().map(|(status, body)| HttpResponse {
            status: *status,
            body,
        });
        match flow.receive(client, jwks, outcome.map_err(|e| *e), now)? {
            Step::Continue(next) => flow = next,
            Step::Done(login) => {
                // Replaying the callback finds nothing to resume.
                assert_eq!(
                    logins.take(&callback_state(&callback)?, now).unwrap_err(),
                    Error::LoginReplayed
                );
                return Ok(*login);
            }
        }
    }
}

fn ec_jwk(kid: &str, key: &p256::ecdsa::SigningKey) -> Value {
    let point = key.verifying_key().to_sec1_point(false);
    let b = point.as_bytes();
    json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
           "x": b64url(&b[1..33]), "y": b64url(&b[33..65])})
}

fn rsa_jwk(kid: &str, key: &rsa::PrivateKey, use_: &str, alg: &str) -> Value {
    let public = key.to_public_key();
    json!({"kty": "RSA", "kid": kid, "use": use_, "alg": alg,
           "n": b64url(&public.n_bytes()), "e": b64url(&public.e_bytes())})
}

fn pki(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../virtual-card/pki")
            .join(name),
    )
    .unwrap()
}

#[test]
fn whole_flow_against_the_development_provider() {
    let ec = p256::ecdsa::SigningKey::from_slice(&[0x5a; 32]).unwrap();
    let rsa_sig = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).unwrap();
    let rsa_enc = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).unwrap();
    let clients = json!([
        {
            "client_id": "RP12345678",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "ES256",
            "id_token_signed_response_alg": "RS256",
            "jwks": {"keys": [ec_jwk("rp-ec", &ec), rsa_jwk("rp-enc", &rsa_enc, "enc", "RSA-OAEP-256")]},
        },
        {
            "client_id": "RP87654321",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "RS256",
            "id_token_signed_response_alg": "ES256",
            "jwks": {"keys": [rsa_jwk("rp-rsa", &rsa_sig, "sig", "RS256")]},
        },
    ]);
    let provider = start_provider(&clients);
    let agent = agent();

    // Discovery: issuer compared exactly, endpoints at the service's paths.
    let request = ProviderMetadata::discovery_request(&provider.issuer).unwrap();
    let (status, body) = send(&agent, &request).unwrap();
    let mut metadata = ProviderMetadata::from_discovery(
        &provider.issuer,
        Ok(HttpResponse {
            status,
            body: &body,
        }),
    )
    .unwrap();
    assert_eq!(
        metadata.token_endpoint,
        format!("{}/protocol/openid-connect/token", provider.issuer)
    );
    assert!(metadata.authorization_response_iss_parameter_supported);
    metadata.sign_transactions_endpoint = Some(format!(
        "{}/api/sign-transactions",
        origin(&provider.issuer)
    ));

    let es_client = OidcClient::new(
        ClientConfig::new(
            metadata.clone(),
            "RP12345678",
            REDIRECT,
            SigningKey::from_p256(ec, Some("rp-ec".into())),
        )
        .unwrap(),
    );
    let rs_client = OidcClient::new(
        ClientConfig::new(
            metadata.clone(),
            "RP87654321",
            REDIRECT,
            SigningKey::from_rsa(rsa_sig, Some("rp-rsa".into())),
        )
        .unwrap(),
    );
    let mut jwks = JwksCache::new();

    // 認証 + 基本4情報: ES256 client assertion, RS256 ID token.
    let login_a = login(&es_client, &agent, &mut jwks, &LoginRequest::four_info()).unwrap();
    assert_eq!(login_a.id_token.alg, JwsAlg::Rs256);
    let four = login_a.userinfo.as_ref().unwrap().four_info().unwrap();
    assert_eq!(four.name.to_string(), "佐藤　花子");
    assert_eq!(
        four.address.to_string(),
        "大阪府大阪市北区中之島一丁目三番二〇号"
    );
    assert_eq!(four.birth_date.to_string(), "1992-11-03");
    assert_eq!(four.sex, Sex::Female);
    assert!(!format!("{login_a:?}").contains("花子"));

    // 認証 only: RS256 client assertion, ES256 ID token (same cached JWKS).
    let login_b = login(&rs_client, &agent, &mut jwks, &LoginRequest::authenticate()).unwrap();
    assert_eq!(login_b.id_token.alg, JwsAlg::Es256);
    assert!(login_b.userinfo.is_none());

    // 署名: client credentials → sign transaction → authorization → JWE result → verify.
    let endpoint = metadata.sign_transactions_endpoint.clone().unwrap();
    let format = SignTransactionFormat::default();
    let digest = SignDigest::of_document("電子申請書 2026".as_bytes());
    let request = es_client
        .client_credentials_request(None, UnixTime::now())
        .unwrap();
    let (status, body) = send(&agent, &request).unwrap();
    let cc = parse_token_response(Ok(HttpResponse {
        status,
        body: &body,
    }))
    .unwrap();
    let (status, body) = send(
        &agent,
        &open_sign_transaction(&endpoint, &cc.access_token, &digest, &format),
    )
    .unwrap();
    let id = parse_sign_transaction(
        Ok(HttpResponse {
            status,
            body: &body,
        }),
        &format,
    )
    .unwrap();
    let login_s = login(&es_client, &agent, &mut jwks, &LoginRequest::sign(&id.0)).unwrap();
    let (status, body) = send(
        &agent,
        &sign_result_request(&endpoint, &login_s.access_token, &id),
    )
    .unwrap();
    let result = parse_sign_result(
        Ok(HttpResponse {
            status,
            body: &body,
        }),
        &format,
        &rsa_enc,
    )
    .unwrap();
    let ca = JpkiCertificate::from_der(&pki("sign-ca.crt.der")).unwrap();
    let rp = RelyingParty::new(TrustAnchors::new(vec![ca]));
    let verified = verify_sign_result(&result, &digest, &rp, UnixTime::now()).unwrap();
    assert!(verified.four_info.is_some());
    // The result was handed out once.
    let (status, _) = send(
        &agent,
        &sign_result_request(&endpoint, &login_s.access_token, &id),
    )
    .unwrap();
    assert_eq!(status, 404);

    // The login screen refuses a revoked or an expired card's signature.
    for (persona, error) in [("revoked", "revoked"), ("expired", "expired")] {
        let (_, url) = es_client
            .authorize(&LoginRequest::authenticate(), UnixTime::now())
            .unwrap();
        let refused = Browser::new()
            .try_login(&origin(&provider.issuer), &url, persona)
            .unwrap_err();
        assert_eq!(refused["error"], error, "{persona}: {refused}");
    }
    // taro logs in as taro.
    let (pending, url) = es_client
        .authorize(&LoginRequest::four_info(), UnixTime::now())
        .unwrap();
    let callback = Browser::new().login(&origin(&provider.issuer), &url, "taro");
    let mut flow = LoginFlow::start(&es_client, pending, &callback, UnixTime::now()).unwrap();
    let taro = loop {
        let now = UnixTime::now();
        let request = flow.request(&es_client, now).unwrap();
        let sent = send(&agent, &request);
        let outcome = sent.as_ref().map(|(status, body)| HttpResponse {
            status: *status,
            body,
        });
        match flow
            .receive(&es_client, &mut jwks, outcome.map_err(|e| *e), now)
            .unwrap()
        {
            Step::Continue(next) => flow = next,
            Step::Done(login) => break login,
        }
    };
    assert_eq!(taro.subject(), "taro");

    // The provider goes away between the callback and the token request: no login.
    let now = UnixTime::now();
    let (pending, url) = es_client
        .authorize(&LoginRequest::four_info(), now)
        .unwrap();
    let callback = Browser::new().login(&origin(&provider.issuer), &url, "hanako");
    let flow = LoginFlow::start(&es_client, pending, &callback, now).unwrap();
    drop(provider);
    let request = flow.request(&es_client, now).unwrap();
    let sent = send(&agent, &request);
    assert!(sent.is_err());
    assert_eq!(
        flow.receive(&es_client, &mut jwks, Err(HttpFailed), now)
            .unwrap_err(),
        Error::OidcNetwork
    );
}
