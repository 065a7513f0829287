//! The OIDC client against an in-process test provider: one positive end-to-end flow per
//! purpose (認証 + 4情報, 署名) and one test per attack or failure, each with its typed error.
//!
//! Shared here: the test provider's keys, the client, and a login run against them; each
//! module tests one part of the client.

use std::sync::OnceLock;

use p256::ecdsa::SigningKey as EcKey;
use rsa::Pkcs1v15Sign;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::jose::{Jwk, b64url, encrypt_jwe};
use super::*;
use crate::cert::{JpkiCertificate, UnixTime};
use crate::error::Error;
use crate::error::{OidcError, UsageError, VerifyError};
use crate::four_info::Sex;
use crate::verify::{RelyingParty, TrustAnchors};

mod authorize;
mod browser;
mod callback;
mod discovery;
mod flow;
mod hostile;
mod id_token;
mod jose;
mod sign_flow;
mod token;
mod userinfo;

const ISSUER: &str = "https://idp.example/api/realms/main";

const OTHER_ISSUER: &str = "https://evil.example/api/realms/main";

const CLIENT_ID: &str = "RP12345678";

const REDIRECT: &str = "https://rp.example/callback";

/// 2026-09-21: inside the test PKI's 2025–2030 validity.
const NOW: UnixTime = UnixTime(1_790_000_000);

const ACCESS: &str = "access-token-value-123";

const SUB: &str = "pairwise-subject-1";

fn provider_rsa() -> &'static rsa::PrivateKey {
    static KEY: OnceLock<rsa::PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).unwrap())
}

/// The relying party's encryption key (the sign result is encrypted to it).
fn rp_rsa() -> &'static rsa::PrivateKey {
    static KEY: OnceLock<rsa::PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).unwrap())
}

fn provider_ec() -> EcKey {
    EcKey::from_slice(&[0x11; 32]).unwrap()
}

fn rp_ec() -> EcKey {
    EcKey::from_slice(&[0x22; 32]).unwrap()
}

fn jwks_body() -> Vec<u8> {
    json!({ "keys": [
        Jwk::rsa_json("rsa-1", &provider_rsa().to_public_key()),
        Jwk::p256_json("ec-1", provider_ec().verifying_key()),
        // An encryption key: skipped.
        { "kty": "RSA", "kid": "enc-1", "use": "enc", "alg": "RSA-OAEP-256", "n": "AQAB", "e": "AQAB" },
    ]})
    .to_string()
    .into_bytes()
}

fn client() -> OidcClient {
    let config = ClientConfig::new(
        ProviderMetadata::keycloak_layout(ISSUER).unwrap(),
        CLIENT_ID,
        REDIRECT,
        SigningKey::from_p256(rp_ec(), Some("rp-ec".into())),
    )
    .unwrap();
    OidcClient::new(config)
}

fn query_of(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn form_of(req: &HttpRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(req.body.as_deref().unwrap())
        .into_owned()
        .collect()
}

struct Started {
    pending: PendingLogin,
    browser: BrowserBinding,
    state: String,
    nonce: String,
}

fn start(client: &OidcClient, request: &LoginRequest) -> Started {
    let Authorization {
        url,
        pending,
        browser,
    } = client.authorize(request, NOW).unwrap();
    let q = query_of(&url);
    Started {
        state: param(&q, "state").unwrap(),
        nonce: param(&q, "nonce").unwrap(),
        pending,
        browser,
    }
}

fn claims(nonce: &str) -> Value {
    json!({
        "iss": ISSUER, "sub": SUB, "aud": CLIENT_ID, "azp": CLIENT_ID,
        "exp": NOW.0 + 300, "iat": NOW.0 - 5, "nonce": nonce, "acr": "aal3",
        "at_hash": b64url(&Sha256::digest(ACCESS.as_bytes())[..16]),
    })
}

fn mint_rs256(claims: &Value) -> String {
    SigningKey::from_rsa(provider_rsa().clone(), Some("rsa-1".into()))
        .sign_jwt(claims)
        .unwrap()
}

fn mint_es256(claims: &Value) -> String {
    SigningKey::from_p256(provider_ec(), Some("ec-1".into()))
        .sign_jwt(claims)
        .unwrap()
}

fn token_body(id_token: &str) -> Vec<u8> {
    json!({ "access_token": ACCESS, "token_type": "Bearer", "expires_in": 300, "id_token": id_token })
        .to_string()
        .into_bytes()
}

fn ok(body: &[u8]) -> HttpOutcome<'_> {
    Ok(HttpResponse { status: 200, body })
}

fn userinfo_body(sub: &str) -> Vec<u8> {
    json!({ "sub": sub, "name": "デジタル　花子", "address": "東京都千代田区紀尾井町1-3",
            "birthdate": "1990-04-01", "gender": "2" })
    .to_string()
    .into_bytes()
}

/// Runs callback → token → (JWKS) → userinfo with a token minted by `mint`.
fn run_login(
    client: &OidcClient,
    started: Started,
    jwks: &mut JwksCache,
    id_token: &str,
    userinfo: &[u8],
) -> Result<Login, Error> {
    let query = format!("code=abc&state={}&session_state=x", started.state);
    let mut flow = LoginFlow::start(
        client,
        started.pending,
        Some(started.browser.value()),
        &query,
        NOW,
    )?;
    let token = token_body(id_token);
    let jwks_doc = jwks_body();
    for _ in 0..5 {
        let request = flow.request(client, NOW)?;
        let body: &[u8] = if request.url.ends_with("/token") {
            &token
        } else if request.url.ends_with("/certs") {
            &jwks_doc
        } else {
            userinfo
        };
        match flow.receive(client, jwks, ok(body), NOW)? {
            Step::Continue(next) => flow = next,
            Step::Done(login) => return Ok(*login),
        }
    }
    panic!("flow did not finish");
}
