//! The OIDC client against an in-process test provider: one positive end-to-end flow per
//! purpose (認証 + 4情報, 署名) and one test per attack or failure, each with its typed error.

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
    state: String,
    nonce: String,
}

fn start(client: &OidcClient, request: &LoginRequest) -> Started {
    let (pending, url) = client.authorize(request, NOW).unwrap();
    let q = query_of(&url);
    Started {
        state: param(&q, "state").unwrap(),
        nonce: param(&q, "nonce").unwrap(),
        pending,
    }
}

fn claims(nonce: &str) -> Value {
    json!({
        "iss": ISSUER, "sub": SUB, "aud": CLIENT_ID, "azp": CLIENT_ID,
        "exp": NOW.0 + 300, "iat": NOW.0 - 5, "nonce": nonce,
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
    let mut flow = LoginFlow::start(client, started.pending, &query, NOW)?;
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

#[test]
fn end_to_end_four_info_es256_client_rs256_token() {
    let client = client();
    let (pending, url) = client.authorize(&LoginRequest::four_info(), NOW).unwrap();
    let q = query_of(&url);
    assert!(url.starts_with(&format!("{ISSUER}/protocol/openid-connect/auth?")));
    assert_eq!(param(&q, "response_type").unwrap(), "code");
    assert_eq!(param(&q, "client_id").unwrap(), CLIENT_ID);
    assert_eq!(param(&q, "redirect_uri").unwrap(), REDIRECT);
    assert_eq!(
        param(&q, "scope").unwrap(),
        "openid name address birthdate gender"
    );
    assert_eq!(param(&q, "code_challenge_method").unwrap(), "S256");
    assert_eq!(
        param(&q, "code_challenge").unwrap(),
        pkce_challenge(&pending.code_verifier)
    );
    assert!((43..=128).contains(&pending.code_verifier.len()));
    let state = param(&q, "state").unwrap();
    let nonce = param(&q, "nonce").unwrap();
    assert_ne!(state, nonce);

    // The pending login survives a store round trip.
    let pending = PendingLogin::from_json(&pending.to_json()).unwrap();
    let mut logins = PendingLogins::new();
    logins.insert(pending, NOW);
    let query = format!(
        "code=the-code&state={state}&iss={}",
        "https%3A%2F%2Fidp.example%2Fapi%2Frealms%2Fmain"
    );
    let pending = logins.take(&callback_state(&query).unwrap(), NOW).unwrap();
    let verifier = pending.code_verifier.clone();
    let flow = LoginFlow::start(&client, pending, &query, NOW).unwrap();

    // Token request: code, exact redirect URI, verifier, private_key_jwt assertion.
    let request = flow.request(&client, NOW).unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url,
        format!("{ISSUER}/protocol/openid-connect/token")
    );
    let form = form_of(&request);
    assert_eq!(param(&form, "grant_type").unwrap(), "authorization_code");
    assert_eq!(param(&form, "code").unwrap(), "the-code");
    assert_eq!(param(&form, "redirect_uri").unwrap(), REDIRECT);
    assert_eq!(param(&form, "code_verifier").unwrap(), verifier);
    assert_eq!(param(&form, "client_assertion_type").unwrap(), JWT_BEARER);
    let assertion = param(&form, "client_assertion").unwrap();
    let jws = jose::CompactJws::parse(&assertion).unwrap();
    assert_eq!(jws.alg, JwsAlg::Es256);
    let rp_jwks = Jwks::from_json(
        json!({"keys": [Jwk::p256_json("rp-ec", rp_ec().verifying_key())]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert!(jws.verify(rp_jwks.find(Some("rp-ec"), JwsAlg::Es256).unwrap()));
    let a: Value = serde_json::from_slice(&jws.payload).unwrap();
    assert_eq!(a["iss"], CLIENT_ID);
    assert_eq!(a["sub"], CLIENT_ID);
    assert_eq!(a["aud"], request.url.as_str());
    assert_eq!(a["exp"].as_u64().unwrap(), NOW.0 + 60);
    // A fresh jti for every assertion.
    let again = form_of(&flow.request(&client, NOW).unwrap());
    let jws2 = jose::CompactJws::parse(param(&again, "client_assertion").unwrap().leak()).unwrap();
    let a2: Value = serde_json::from_slice(&jws2.payload).unwrap();
    assert_ne!(a["jti"], a2["jti"]);
    // Nothing secret in Debug.
    let shown = format!("{request:?}");
    assert!(!shown.contains("the-code") && !shown.contains(&verifier) && !shown.contains("eyJ"));

    let token = token_body(&mint_rs256(&claims(&nonce)));
    let mut jwks = JwksCache::new();
    let Step::Continue(flow) = flow.receive(&client, &mut jwks, ok(&token), NOW).unwrap() else {
        panic!("expected the JWKS step");
    };
    let request = flow.request(&client, NOW).unwrap();
    assert_eq!(
        request.url,
        format!("{ISSUER}/protocol/openid-connect/certs")
    );
    let Step::Continue(flow) = flow
        .receive(&client, &mut jwks, ok(&jwks_body()), NOW)
        .unwrap()
    else {
        panic!("expected the userinfo step");
    };
    let request = flow.request(&client, NOW).unwrap();
    assert_eq!(
        request.header("authorization").unwrap(),
        format!("Bearer {ACCESS}")
    );
    assert!(!format!("{request:?}").contains(ACCESS));
    let Step::Done(login) = flow
        .receive(&client, &mut jwks, ok(&userinfo_body(SUB)), NOW)
        .unwrap()
    else {
        panic!("expected a login");
    };
    assert_eq!(login.subject(), SUB);
    assert_eq!(login.id_token.alg, JwsAlg::Rs256);
    let four = login.userinfo.as_ref().unwrap().four_info().unwrap();
    assert_eq!(four.name.to_string(), "デジタル　花子");
    assert_eq!(four.birth_date.to_string(), "1990-04-01");
    assert_eq!(four.sex, Sex::Female);
    let shown = format!("{login:?}");
    assert!(!shown.contains(SUB) && !shown.contains(ACCESS) && !shown.contains("花子"));
    // The callback is single-use.
    assert_eq!(
        logins.take(&state, NOW).unwrap_err(),
        Error::Oidc(OidcError::LoginReplayed)
    );
}

#[test]
fn end_to_end_authenticate_only_es256_token_cached_jwks() {
    let client = client();
    let mut jwks = JwksCache::new();
    jwks.update(ok(&jwks_body()), NOW).unwrap();
    let s = start(&client, &LoginRequest::authenticate());
    let nonce = s.nonce.clone();
    let login = run_login(&client, s, &mut jwks, &mint_es256(&claims(&nonce)), b"").unwrap();
    assert_eq!(login.id_token.alg, JwsAlg::Es256);
    assert!(login.userinfo.is_none());
}

#[test]
fn wrong_state() {
    let client = client();
    let s = start(&client, &LoginRequest::authenticate());
    let err = LoginFlow::start(&client, s.pending, "code=abc&state=not-mine", NOW).unwrap_err();
    assert_eq!(err, Error::Oidc(OidcError::StateMismatch));
    let s = start(&client, &LoginRequest::authenticate());
    assert_eq!(
        LoginFlow::start(&client, s.pending, "code=abc", NOW).unwrap_err(),
        Error::Oidc(OidcError::StateMismatch)
    );
}

#[test]
fn replayed_and_expired_pending_login() {
    let client = client();
    let mut logins = PendingLogins::new();
    let s = start(&client, &LoginRequest::authenticate());
    logins.insert(s.pending, NOW);
    assert!(logins.take(&s.state, NOW).is_ok());
    assert_eq!(
        logins.take(&s.state, NOW).unwrap_err(),
        Error::Oidc(OidcError::LoginReplayed)
    );
    assert_eq!(
        logins.take("never-issued", NOW).unwrap_err(),
        Error::Oidc(OidcError::StateMismatch)
    );

    let s = start(&client, &LoginRequest::authenticate());
    logins.insert(s.pending, NOW);
    let late = UnixTime(NOW.0 + 601);
    assert_eq!(
        logins.take(&s.state, late).unwrap_err(),
        Error::Oidc(OidcError::LoginExpired)
    );
    // Then purged: an unknown state.
    assert_eq!(
        logins.take(&s.state, late).unwrap_err(),
        Error::Oidc(OidcError::StateMismatch)
    );
    // A pending login kept elsewhere still expires at the callback.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("code=abc&state={}", s.state);
    assert_eq!(
        LoginFlow::start(&client, s.pending, &q, late).unwrap_err(),
        Error::Oidc(OidcError::LoginExpired)
    );
}

fn login_with_claims(edit: impl FnOnce(&mut Value)) -> Result<Login, Error> {
    let client = client();
    let s = start(&client, &LoginRequest::authenticate());
    let mut c = claims(&s.nonce);
    edit(&mut c);
    let token = mint_rs256(&c);
    run_login(&client, s, &mut JwksCache::new(), &token, b"")
}

fn reason(e: Error) -> &'static str {
    match e {
        Error::Oidc(OidcError::IdTokenInvalid { reason }) => reason,
        other => panic!("expected ID_TOKEN_INVALID, got {other:?}"),
    }
}

#[test]
fn wrong_nonce() {
    let e = login_with_claims(|c| c["nonce"] = json!("another-nonce")).unwrap_err();
    assert_eq!(reason(e), "nonce does not match");
    let e = login_with_claims(|c| {
        c.as_object_mut().unwrap().remove("nonce");
    })
    .unwrap_err();
    assert_eq!(reason(e), "nonce is missing");
}

#[test]
fn wrong_iss() {
    let e = login_with_claims(|c| c["iss"] = json!(OTHER_ISSUER)).unwrap_err();
    assert_eq!(reason(e), "iss is not the provider");
}

#[test]
fn wrong_aud_and_azp() {
    let e = login_with_claims(|c| c["aud"] = json!("RP99999999")).unwrap_err();
    assert_eq!(reason(e), "aud does not contain this client");
    let e = login_with_claims(|c| c["azp"] = json!("RP99999999")).unwrap_err();
    assert_eq!(reason(e), "azp is another client");
    let e = login_with_claims(|c| {
        c["aud"] = json!([CLIENT_ID, "RP99999999"]);
        c.as_object_mut().unwrap().remove("azp");
    })
    .unwrap_err();
    assert_eq!(reason(e), "azp is missing with several aud");
    assert!(login_with_claims(|c| c["aud"] = json!([CLIENT_ID, "other"])).is_ok());
}

#[test]
fn expired_and_future_tokens() {
    let e = login_with_claims(|c| c["exp"] = json!(NOW.0 - 61)).unwrap_err();
    assert_eq!(reason(e), "token has expired");
    // Within the 60 s skew.
    assert!(login_with_claims(|c| c["exp"] = json!(NOW.0 - 30)).is_ok());
    let e = login_with_claims(|c| c["iat"] = json!(NOW.0 + 120)).unwrap_err();
    assert_eq!(reason(e), "iat is in the future");
    let e = login_with_claims(|c| c["iat"] = json!(NOW.0 - 3600)).unwrap_err();
    assert_eq!(reason(e), "iat is too old");
    let e = login_with_claims(|c| c["exp"] = json!(1.5e9)).unwrap_err();
    assert_eq!(reason(e), "exp is missing or not an integer");
}

#[test]
fn at_hash_mismatch() {
    let e = login_with_claims(|c| c["at_hash"] = json!(b64url(&[0u8; 16]))).unwrap_err();
    assert_eq!(reason(e), "at_hash does not match the access token");
    // Absent at_hash is allowed.
    assert!(
        login_with_claims(|c| {
            c.as_object_mut().unwrap().remove("at_hash");
        })
        .is_ok()
    );
}

fn unsigned_token(header: &Value, claims: &Value, sig: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes()),
        b64url(sig)
    )
}

fn login_with_token(make: impl FnOnce(&str) -> String) -> Result<Login, Error> {
    let client = client();
    let s = start(&client, &LoginRequest::authenticate());
    let token = make(&s.nonce);
    run_login(&client, s, &mut JwksCache::new(), &token, b"")
}

#[test]
fn alg_none_is_refused() {
    let e =
        login_with_token(|n| unsigned_token(&json!({"alg": "none"}), &claims(n), b"")).unwrap_err();
    assert_eq!(reason(e), "alg is not RS256 or ES256");
    let e = login_with_token(|n| {
        let t = unsigned_token(&json!({"alg": "none", "kid": "rsa-1"}), &claims(n), b"");
        t.trim_end_matches('.').to_string() + "."
    })
    .unwrap_err();
    assert_eq!(reason(e), "alg is not RS256 or ES256");
}

#[test]
fn hs256_with_the_public_key_is_refused() {
    use rsa::pkcs8::EncodePublicKey;
    let e = login_with_token(|n| {
        // The classic key-confusion attack: HMAC keyed with the provider's public key.
        let secret = provider_rsa()
            .to_public_key()
            .to_public_key_der()
            .unwrap()
            .into_vec();
        let header = json!({"alg": "HS256", "kid": "rsa-1"});
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims(n).to_string().as_bytes())
        );
        // Any 32-byte MAC: the algorithm is refused before a key is looked at.
        let mac = Sha256::digest([secret.as_slice(), input.as_bytes()].concat());
        format!("{input}.{}", b64url(&mac))
    })
    .unwrap_err();
    assert_eq!(reason(e), "alg is not RS256 or ES256");
}

#[test]
fn tampered_signature_and_payload() {
    let e = login_with_token(|n| {
        let t = mint_rs256(&claims(n));
        let (rest, sig) = t.rsplit_once('.').unwrap();
        let mut sig = jose::b64url_decode(sig).unwrap();
        sig[10] ^= 1;
        format!("{rest}.{}", b64url(&sig))
    })
    .unwrap_err();
    assert_eq!(reason(e), "signature does not verify");
    let e = login_with_token(|n| {
        let t = mint_es256(&claims(n));
        let parts: Vec<&str> = t.split('.').collect();
        let mut c = claims(n);
        c["sub"] = json!("someone-else");
        format!(
            "{}.{}.{}",
            parts[0],
            b64url(c.to_string().as_bytes()),
            parts[2]
        )
    })
    .unwrap_err();
    assert_eq!(reason(e), "signature does not verify");
    // An RS256 header on an EC key's kid: the key does not fit the algorithm.
    let e = login_with_token(|n| {
        let t = mint_rs256(&claims(n));
        let parts: Vec<&str> = t.split('.').collect();
        let h = b64url(
            json!({"alg": "RS256", "kid": "ec-1"})
                .to_string()
                .as_bytes(),
        );
        format!("{h}.{}.{}", parts[1], parts[2])
    })
    .unwrap_err();
    assert_eq!(e, Error::Oidc(OidcError::JwksKeyUnknown));
}

#[test]
fn unknown_kid_refetches_once_then_fails() {
    let client = client();
    let mut jwks = JwksCache::new();
    jwks.update(ok(&jwks_body()), NOW).unwrap();
    let s = start(&client, &LoginRequest::authenticate());
    let token = SigningKey::from_rsa(provider_rsa().clone(), Some("rotated-2".into()))
        .sign_jwt(&claims(&s.nonce))
        .unwrap();
    let q = format!("code=abc&state={}", s.state);
    let flow = LoginFlow::start(&client, s.pending, &q, NOW).unwrap();
    let Step::Continue(flow) = flow
        .receive(&client, &mut jwks, ok(&token_body(&token)), NOW)
        .unwrap()
    else {
        panic!()
    };
    // Exactly one re-fetch is asked for.
    assert!(flow.request(&client, NOW).unwrap().url.ends_with("/certs"));
    let e = flow
        .receive(&client, &mut jwks, ok(&jwks_body()), NOW)
        .unwrap_err();
    assert_eq!(e, Error::Oidc(OidcError::JwksKeyUnknown));
    // The cache on its own: a miss after a refetch is final.
    assert!(matches!(
        jwks.lookup(Some("rotated-2"), JwsAlg::Rs256, false)
            .unwrap(),
        KeyLookup::FetchJwks
    ));
    assert_eq!(
        jwks.lookup(Some("rotated-2"), JwsAlg::Rs256, true)
            .unwrap_err(),
        Error::Oidc(OidcError::JwksKeyUnknown)
    );
}

#[test]
fn rotated_kid_found_after_refetch() {
    let client = client();
    let mut jwks = JwksCache::new();
    jwks.update(ok(br#"{"keys":[]}"#), NOW).unwrap();
    let s = start(&client, &LoginRequest::authenticate());
    let nonce = s.nonce.clone();
    assert!(run_login(&client, s, &mut jwks, &mint_rs256(&claims(&nonce)), b"").is_ok());
}

#[test]
fn mix_up_callback_from_another_issuer() {
    let client = client();
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!(
        "code=abc&state={}&iss={}",
        s.state,
        form_urlencoded::byte_serialize(OTHER_ISSUER.as_bytes()).collect::<String>()
    );
    assert_eq!(
        LoginFlow::start(&client, s.pending, &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::IssuerMismatch)
    );
    // Checked before the error parameters are read.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!(
        "error=access_denied&state={}&iss=https%3A%2F%2Fevil.example",
        s.state
    );
    assert_eq!(
        LoginFlow::start(&client, s.pending, &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::IssuerMismatch)
    );
    // When the client requires iss (RFC 9207), a callback without it is refused.
    let mut config = client.config().clone();
    config.require_callback_iss = true;
    let strict = OidcClient::new(config);
    let s = start(&strict, &LoginRequest::authenticate());
    let q = format!("code=abc&state={}", s.state);
    assert_eq!(
        LoginFlow::start(&strict, s.pending, &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::IssuerMismatch)
    );
}

#[test]
fn userinfo_sub_mismatch() {
    let client = client();
    let s = start(&client, &LoginRequest::four_info());
    let nonce = s.nonce.clone();
    let e = run_login(
        &client,
        s,
        &mut JwksCache::new(),
        &mint_rs256(&claims(&nonce)),
        &userinfo_body("someone-else"),
    )
    .unwrap_err();
    assert_eq!(e, Error::Oidc(OidcError::UserinfoSubMismatch));
}

#[test]
fn userinfo_claim_formats() {
    let parse = |body: Value, format: ClaimFormat| {
        parse_userinfo(ok(body.to_string().as_bytes()), SUB, format)
    };
    let u = parse(
        json!({"sub": SUB, "address": {"formatted": "東京都"}, "gender": "male", "birthdate": "19800217"}),
        ClaimFormat::default(),
    )
    .unwrap();
    assert_eq!(u.address.unwrap().to_string(), "東京都");
    assert_eq!(u.sex, Some(Sex::Male));
    assert_eq!(u.birth_date.unwrap().to_string(), "1980-02-17");
    let strict = ClaimFormat {
        address: AddressFormat::String,
        gender: GenderFormat::Iso5218,
    };
    assert_eq!(
        parse(json!({"sub": SUB, "gender": "male"}), strict).unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid {
            what: "gender format"
        })
    );
    assert_eq!(
        parse(json!({"sub": SUB, "address": {"formatted": "x"}}), strict).unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid {
            what: "address format"
        })
    );
    assert_eq!(
        parse(json!({"sub": SUB, "birthdate": "1980-02-30"}), strict).unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid {
            what: "birthdate format"
        })
    );
}

#[test]
fn error_responses() {
    let client = client();
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!(
        "error=access_denied&error_description=%E3%82%AD%E3%83%A3%E3%83%B3%E3%82%BB%E3%83%AB&state={}",
        s.state
    );
    assert_eq!(
        LoginFlow::start(&client, s.pending, &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::ErrorResponse {
            error: "access_denied".into()
        })
    );
    // A hostile error code is not echoed.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("error=%3Cscript%3E%22&state={}", s.state);
    assert_eq!(
        LoginFlow::start(&client, s.pending, &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::ErrorResponse {
            error: "invalid_error_code".into()
        })
    );
    // Token endpoint errors.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("code=abc&state={}", s.state);
    let flow = LoginFlow::start(&client, s.pending, &q, NOW).unwrap();
    let body = br#"{"error":"invalid_grant","error_description":"Code not valid"}"#;
    let e = flow
        .receive(
            &client,
            &mut JwksCache::new(),
            Ok(HttpResponse { status: 400, body }),
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e,
        Error::Oidc(OidcError::ErrorResponse {
            error: "invalid_grant".into()
        })
    );
    assert_eq!(
        e.message_ja(),
        "認証サーバーが要求を拒否しました（invalid_grant）。"
    );
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("code=abc&state={}", s.state);
    let flow = LoginFlow::start(&client, s.pending, &q, NOW).unwrap();
    let e = flow
        .receive(
            &client,
            &mut JwksCache::new(),
            Ok(HttpResponse {
                status: 502,
                body: b"<html>",
            }),
            NOW,
        )
        .unwrap_err();
    assert_eq!(e, Error::Oidc(OidcError::HttpStatus { status: 502 }));
}

#[test]
fn network_failure_mid_flow_gives_no_login() {
    let client = client();
    // Token step fails.
    let s = start(&client, &LoginRequest::four_info());
    let q = format!("code=abc&state={}", s.state);
    let flow = LoginFlow::start(&client, s.pending, &q, NOW).unwrap();
    assert_eq!(
        flow.receive(&client, &mut JwksCache::new(), Err(HttpFailed), NOW)
            .unwrap_err(),
        Error::Oidc(OidcError::Network)
    );
    // JWKS step fails: the cache keeps nothing, no login.
    let s = start(&client, &LoginRequest::four_info());
    let token = token_body(&mint_rs256(&claims(&s.nonce)));
    let q = format!("code=abc&state={}", s.state);
    let mut jwks = JwksCache::new();
    let flow = LoginFlow::start(&client, s.pending, &q, NOW).unwrap();
    let Step::Continue(flow) = flow.receive(&client, &mut jwks, ok(&token), NOW).unwrap() else {
        panic!()
    };
    assert_eq!(
        flow.receive(&client, &mut jwks, Err(HttpFailed), NOW)
            .unwrap_err(),
        Error::Oidc(OidcError::Network)
    );
    assert!(jwks.jwks().is_none());
    // Userinfo step fails after a valid ID token: still no login.
    let s = start(&client, &LoginRequest::four_info());
    let token = token_body(&mint_rs256(&claims(&s.nonce)));
    let q = format!("code=abc&state={}", s.state);
    let flow = LoginFlow::start(&client, s.pending, &q, NOW).unwrap();
    let Step::Continue(flow) = flow.receive(&client, &mut jwks, ok(&token), NOW).unwrap() else {
        panic!()
    };
    let Step::Continue(flow) = flow
        .receive(&client, &mut jwks, ok(&jwks_body()), NOW)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        flow.receive(&client, &mut jwks, Err(HttpFailed), NOW)
            .unwrap_err(),
        Error::Oidc(OidcError::Network)
    );
}

#[test]
fn callback_url_must_be_the_redirect_uri() {
    let client = client();
    let s = start(&client, &LoginRequest::authenticate());
    let url = format!(
        "https://rp.example/callback/../x?code=abc&state={}",
        s.state
    );
    assert!(matches!(
        LoginFlow::start(&client, s.pending, &url, NOW).unwrap_err(),
        Error::Usage(UsageError::InvalidArgument { .. })
    ));
    let s = start(&client, &LoginRequest::authenticate());
    let url = format!("{REDIRECT}?code=abc&state={}", s.state);
    assert!(LoginFlow::start(&client, s.pending, &url, NOW).is_ok());
    // In a bare query, `?` is data.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("?code=abc?def&state={}", s.state);
    assert!(LoginFlow::start(&client, s.pending, &q, NOW).is_ok());
    // Repeated parameters are refused.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("code=abc&code=def&state={}", s.state);
    assert!(matches!(
        LoginFlow::start(&client, s.pending, &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid { .. })
    ));
}

#[test]
fn client_secret_basic_and_rs256_assertion() {
    let provider = ProviderMetadata::keycloak_layout(ISSUER).unwrap();
    let basic = OidcClient::new(
        ClientConfig::with_auth(
            provider.clone(),
            "client:1",
            REDIRECT,
            ClientAuth::ClientSecretBasic("s3cr3t/+".to_string().into()),
        )
        .unwrap(),
    );
    let request = basic.client_credentials_request(Some("sign"), NOW).unwrap();
    // RFC 6749 §2.3.1: form-urlencoded, then base64.
    let expected =
        <base64ct::Base64 as base64ct::Encoding>::encode_string(b"client%3A1:s3cr3t%2F%2B");
    assert_eq!(
        request.header("authorization").unwrap(),
        format!("Basic {expected}")
    );
    let form = form_of(&request);
    assert_eq!(param(&form, "grant_type").unwrap(), "client_credentials");
    assert!(param(&form, "client_assertion").is_none());
    assert!(!format!("{:?}", basic.config()).contains("s3cr3t"));
    let tokens = parse_token_response(ok(
        br#"{"access_token":"a","token_type":"Bearer","refresh_token":"r-123"}"#,
    ))
    .unwrap();
    assert!(!format!("{tokens:?}").contains("r-123"));
    let refresh = basic
        .refresh_request(tokens.refresh_token.as_ref().unwrap(), NOW)
        .unwrap();
    let form = form_of(&refresh);
    assert_eq!(param(&form, "grant_type").unwrap(), "refresh_token");
    assert_eq!(param(&form, "refresh_token").unwrap(), "r-123");

    let rsa_client = OidcClient::new(
        ClientConfig::new(
            provider,
            CLIENT_ID,
            REDIRECT,
            SigningKey::from_rsa(rp_rsa().clone(), Some("rp-rsa".into())),
        )
        .unwrap(),
    );
    let form = form_of(&rsa_client.client_credentials_request(None, NOW).unwrap());
    let assertion = param(&form, "client_assertion").unwrap();
    let jws = jose::CompactJws::parse(&assertion).unwrap();
    assert_eq!(jws.alg, JwsAlg::Rs256);
    let keys = Jwks::from_json(
        json!({"keys": [Jwk::rsa_json("rp-rsa", &rp_rsa().to_public_key())]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert!(jws.verify(keys.find(Some("rp-rsa"), JwsAlg::Rs256).unwrap()));
    assert!(!format!("{:?}", rsa_client.config()).contains("PrivateKey {"));
}

#[test]
fn discovery() {
    let doc = json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/protocol/openid-connect/auth"),
        "token_endpoint": format!("{ISSUER}/protocol/openid-connect/token"),
        "userinfo_endpoint": format!("{ISSUER}/protocol/openid-connect/userinfo"),
        "jwks_uri": format!("{ISSUER}/protocol/openid-connect/certs"),
        "authorization_response_iss_parameter_supported": true,
        "response_types_supported": ["code"],
    })
    .to_string();
    assert_eq!(
        ProviderMetadata::discovery_request(ISSUER).unwrap().url,
        format!("{ISSUER}/.well-known/openid-configuration")
    );
    let m = ProviderMetadata::from_discovery(ISSUER, ok(doc.as_bytes())).unwrap();
    assert!(m.authorization_response_iss_parameter_supported);
    assert_eq!(
        ProviderMetadata::from_discovery(OTHER_ISSUER, ok(doc.as_bytes())).unwrap_err(),
        Error::Oidc(OidcError::IssuerMismatch)
    );
    let plain = doc.replace("https://idp", "http://idp");
    assert!(matches!(
        ProviderMetadata::from_discovery(
            "http://idp.example/api/realms/main",
            ok(plain.as_bytes())
        )
        .unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid { .. })
    ));
    let agency = ProviderMetadata::digital_auth_app(Environment::Sandbox);
    assert_eq!(
        agency.issuer,
        "https://sb-auth-and-sign.go.jp/api/realms/main"
    );
    assert_eq!(
        agency.token_endpoint,
        "https://sb-auth-and-sign.go.jp/api/realms/main/protocol/openid-connect/token"
    );
}

#[test]
fn authorize_parameters_are_checked() {
    let client = client();
    let bad = LoginRequest {
        sign_transaction_id: Some("not-a-uuid".into()),
        ..LoginRequest::default()
    };
    assert!(client.authorize(&bad, NOW).is_err());
    let bad = LoginRequest {
        acr_values: Some("aal3\ncrl".into()),
        ..LoginRequest::default()
    };
    assert!(client.authorize(&bad, NOW).is_err());
    let req = LoginRequest {
        acr_values: Some("aal3 crl".into()),
        ..LoginRequest::sign("123e4567-e89b-12d3-a456-426614174000")
    };
    let (pending, url) = client.authorize(&req, NOW).unwrap();
    let q = query_of(&url);
    assert_eq!(param(&q, "scope").unwrap(), "openid sign");
    assert_eq!(param(&q, "acr_values").unwrap(), "aal3 crl");
    assert_eq!(
        param(&q, "sign_transaction_id").unwrap(),
        "123e4567-e89b-12d3-a456-426614174000"
    );
    let shown = format!("{pending:?}");
    assert!(!shown.contains(&pending.code_verifier) && !shown.contains(&pending.state));
    assert!(
        ClientConfig::new(
            ProviderMetadata::keycloak_layout(ISSUER).unwrap(),
            CLIENT_ID,
            "http://rp.example/cb",
            SigningKey::from_p256(rp_ec(), None)
        )
        .is_err()
    );
}

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/virtual-card/pki/");

fn pki(name: &str) -> Vec<u8> {
    std::fs::read(format!("{PKI}{name}")).unwrap()
}

/// The provider's sign result for `digest`: hanako's 署名用 key signs it (as the card would),
/// signature and certificate each JWE to the relying party's key. Returns the body and the
/// raw signature.
fn sign_result_body(digest: &[u8; 32]) -> (String, Vec<u8>) {
    use rsa::pkcs8::DecodePrivateKey;
    let card_key = rsa::PrivateKey::from_pkcs8_der(&pki("hanako-sign.key.der")).unwrap();
    let digest_info = crate::digest::SignInput::Digest {
        algorithm: crate::digest::DigestAlgorithm::Sha256,
        digest,
    }
    .digest_info()
    .unwrap();
    let signature = card_key
        .sign_with_rng(
            &mut getrandom::SysRng,
            Pkcs1v15Sign::new_unprefixed(),
            &digest_info,
        )
        .unwrap();
    let rp_public = rp_rsa().to_public_key();
    let body = json!({
        "signature": encrypt_jwe(&signature, &rp_public),
        "certificate": encrypt_jwe(&pki("hanako-sign.crt.der"), &rp_public),
    })
    .to_string();
    (body, signature)
}

/// A login for `request` with an RS256 ID token and no userinfo.
fn plain_login(client: &OidcClient, request: &LoginRequest) -> Login {
    let s = start(client, request);
    let nonce = s.nonce.clone();
    run_login(
        client,
        s,
        &mut JwksCache::new(),
        &mint_rs256(&claims(&nonce)),
        b"",
    )
    .unwrap()
}

#[test]
fn sign_flow_opens_authorises_and_verifies() {
    let endpoint = "https://idp.example/api/sign-transactions";
    let document = "申請書 2026".as_bytes();
    let digest = SignDigest::of_document(document);
    // Without a sign-transaction endpoint there is nothing to open.
    assert!(matches!(
        SignOpening::start(digest.clone()).request(&client(), NOW),
        Err(Error::Usage(UsageError::InvalidArgument { .. }))
    ));
    let mut config = client().config().clone();
    config.provider.sign_transactions_endpoint = Some(endpoint.into());
    let client = OidcClient::new(config);

    let opening = SignOpening::start(digest.clone());
    let token = opening.request(&client, NOW).unwrap();
    assert_eq!(
        param(&form_of(&token), "grant_type").unwrap(),
        "client_credentials"
    );
    let OpenStep::Continue(opening) = opening
        .receive(
            &client,
            ok(br#"{"access_token":"cc","token_type":"Bearer"}"#),
        )
        .unwrap()
    else {
        panic!("the token comes first")
    };
    let open = opening.request(&client, NOW).unwrap();
    assert_eq!(open.url, endpoint);
    assert_eq!(open.header("authorization").unwrap(), "Bearer cc");
    let OpenStep::Opened(tx) = opening
        .receive(
            &client,
            ok(br#"{"id":"123e4567-e89b-12d3-a456-426614174000"}"#),
        )
        .unwrap()
    else {
        panic!("then the transaction")
    };
    // The backend keeps it across the redirect: no secret in it, and it round-trips.
    let kept = tx.to_json();
    assert!(!kept.contains("cc"), "{kept}");
    let tx = SignTransaction::from_json(&kept).unwrap();
    assert_eq!(tx.id(), "123e4567-e89b-12d3-a456-426614174000");
    assert!(SignTransaction::from_json(r#"{"id":"x","digest":{"sha256":"AAAA"}}"#).is_err());

    // A login for something else does not fetch this result.
    let other = plain_login(&client, &LoginRequest::authenticate());
    assert!(matches!(
        tx.result_request(&client, &other),
        Err(Error::Usage(UsageError::InvalidArgument { .. }))
    ));
    let login = plain_login(&client, &tx.login_request());
    let result = tx.result_request(&client, &login).unwrap();
    assert_eq!(result.url, format!("{endpoint}/{}/result", tx.id()));

    let SignDigest::Sha256(d) = &digest else {
        panic!()
    };
    let (body, signature) = sign_result_body(d);
    let ca = JpkiCertificate::from_der(&pki("sign-ca.crt.der")).unwrap();
    let rp = RelyingParty::new(TrustAnchors::new(vec![ca]));
    let enc = EncryptionKey::from_rsa(rp_rsa().clone());
    let signed = tx
        .finish(&client, ok(body.as_bytes()), &enc, &rp, NOW)
        .unwrap();
    assert_eq!(signed.signature, signature);
    assert!(signed.signer.four_info.is_some());
    assert!(!format!("{signed:?}").contains("花子"));
    // A result for another document is refused; so is one the provider failed to give.
    let (other_body, _) = sign_result_body(&[7; 32]);
    assert_eq!(
        tx.finish(&client, ok(other_body.as_bytes()), &enc, &rp, NOW)
            .unwrap_err(),
        Error::Verify(VerifyError::SignatureInvalid)
    );
    assert_eq!(
        tx.finish(&client, Err(HttpFailed), &enc, &rp, NOW)
            .unwrap_err(),
        Error::Oidc(OidcError::Network)
    );
}

#[test]
fn end_to_end_sign_transaction() {
    let client = client();
    let endpoint = "https://idp.example/api/sign-transactions";
    let format = SignTransactionFormat::default();
    let document = "申請書 2026".as_bytes();
    let digest = SignDigest::of_document(document);

    // 1. Client-credentials token.
    let request = client.client_credentials_request(None, NOW).unwrap();
    assert_eq!(
        param(&form_of(&request), "grant_type").unwrap(),
        "client_credentials"
    );
    let cc = parse_token_response(ok(
        br#"{"access_token":"cc-token","token_type":"bearer","expires_in":60}"#,
    ))
    .unwrap();
    // 2. Open the transaction.
    let open = open_sign_transaction(endpoint, &cc.access_token, &digest, &format);
    assert_eq!(open.header("authorization").unwrap(), "Bearer cc-token");
    let body: Value = serde_json::from_slice(open.body.as_deref().unwrap()).unwrap();
    let SignDigest::Sha256(d) = &digest else {
        panic!()
    };
    assert_eq!(
        body["hash"].as_str().unwrap(),
        <base64ct::Base64 as base64ct::Encoding>::encode_string(d)
    );
    let id = parse_sign_transaction(
        Ok(HttpResponse {
            status: 201,
            body: br#"{"id":"123e4567-e89b-12d3-a456-426614174000"}"#,
        }),
        &format,
    )
    .unwrap();
    // 3. The user signs in the app: authorization with sign_transaction_id.
    let s = start(&client, &LoginRequest::sign(&id.0));
    let nonce = s.nonce.clone();
    let login = run_login(
        &client,
        s,
        &mut JwksCache::new(),
        &mint_rs256(&claims(&nonce)),
        b"",
    )
    .unwrap();
    assert_eq!(login.sign_transaction_id.as_deref(), Some(id.0.as_str()));
    // 4. The result, encrypted to the relying party's key.
    let result_req = sign_result_request(endpoint, &login.access_token, &id);
    assert_eq!(result_req.url, format!("{endpoint}/{}/result", id.0));
    let (result, signature) = sign_result_body(d);
    let card_key_size = 256;
    let parsed = parse_sign_result(ok(result.as_bytes()), &format, rp_rsa()).unwrap();
    assert_eq!(parsed.signature.len(), card_key_size);
    // 5. Signature and 署名用 certificate.
    let ca = JpkiCertificate::from_der(&pki("sign-ca.crt.der")).unwrap();
    let rp = RelyingParty::new(TrustAnchors::new(vec![ca]));
    let verified = verify_sign_result(&parsed, &digest, &rp, NOW).unwrap();
    assert!(verified.four_info.is_some());
    // Another document's digest does not verify.
    assert_eq!(
        verify_sign_result(&parsed, &SignDigest::of_document(b"other"), &rp, NOW).unwrap_err(),
        Error::Verify(VerifyError::SignatureInvalid)
    );
    // Base64 plaintexts are accepted too.
    let rp_public = rp_rsa().to_public_key();
    let b64 = |b: &[u8]| <base64ct::Base64 as base64ct::Encoding>::encode_string(b);
    let result = json!({
        "signature": encrypt_jwe(b64(&signature).as_bytes(), &rp_public),
        "certificate": encrypt_jwe(b64(&pki("hanako-sign.crt.der")).as_bytes(), &rp_public),
    })
    .to_string();
    let parsed = parse_sign_result(ok(result.as_bytes()), &format, rp_rsa()).unwrap();
    assert!(verify_sign_result(&parsed, &digest, &rp, NOW).is_ok());
}

#[test]
fn jwe_to_the_wrong_key_or_altered() {
    let rp_public = rp_rsa().to_public_key();
    let jwe = encrypt_jwe(b"certificate", &rp_public);
    assert_eq!(&decrypt_jwe(&jwe, rp_rsa()).unwrap()[..], b"certificate");
    // Encrypted to another key (here the provider's).
    let other = encrypt_jwe(b"certificate", &provider_rsa().to_public_key());
    assert_eq!(
        decrypt_jwe(&other, rp_rsa()).unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );
    let format = SignTransactionFormat::default();
    let body = json!({"signature": other, "certificate": other}).to_string();
    assert_eq!(
        parse_sign_result(ok(body.as_bytes()), &format, rp_rsa()).unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );
    // One changed ciphertext byte, header or tag.
    let parts: Vec<String> = jwe.split('.').map(str::to_string).collect();
    for i in [0usize, 2, 3, 4] {
        let mut p = parts.clone();
        let mut bytes = jose::b64url_decode(&p[i]).unwrap();
        bytes[0] ^= 1;
        p[i] = b64url(&bytes);
        assert_eq!(
            decrypt_jwe(&p.join("."), rp_rsa()).unwrap_err(),
            Error::Oidc(OidcError::JweInvalid)
        );
    }
    // Other algorithms are refused.
    let mut p = parts.clone();
    p[0] = b64url(br#"{"alg":"RSA1_5","enc":"A256GCM"}"#);
    assert_eq!(
        decrypt_jwe(&p.join("."), rp_rsa()).unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );
    p[0] = b64url(br#"{"alg":"dir","enc":"A256GCM"}"#);
    assert_eq!(
        decrypt_jwe(&p.join("."), rp_rsa()).unwrap_err(),
        Error::Oidc(OidcError::JweInvalid)
    );
}

#[test]
fn garbage_never_panics() {
    let client = client();
    let inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b".".to_vec(),
        b"....".to_vec(),
        b"a.b.c".to_vec(),
        b"eyJhbGciOiJSUzI1NiJ9..".to_vec(),
        b"{\"keys\":[{\"kty\":\"RSA\",\"n\":\"\",\"e\":\"\"}]}".to_vec(),
        b"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}".to_vec(),
        b"{\"sub\":[1,2],\"gender\":{}}".to_vec(),
        vec![0xff; 64],
        "%%%&&&=?=&state=%FF%FE".as_bytes().to_vec(),
    ];
    for input in &inputs {
        let text = String::from_utf8_lossy(input);
        let _ = Jwks::from_json(input);
        let _ = id_token_key_id(&text);
        let _ = decrypt_jwe(&text, rp_rsa());
        let _ = callback_state(&text);
        let _ = parse_token_response(ok(input));
        let _ = parse_userinfo(ok(input), SUB, ClaimFormat::default());
        let _ = ProviderMetadata::from_discovery(ISSUER, ok(input));
        let _ = parse_sign_transaction(ok(input), &SignTransactionFormat::default());
        let s = start(&client, &LoginRequest::four_info());
        let _ = LoginFlow::start(&client, s.pending, &text, NOW);
        let jwk = Jwks::from_json(&jwks_body()).unwrap();
        let key = jwk.find(Some("rsa-1"), JwsAlg::Rs256).unwrap();
        let _ = validate_id_token(
            &text,
            key,
            &Expected {
                issuer: ISSUER,
                client_id: CLIENT_ID,
                nonce: "n",
                access_token: None,
                now: NOW,
                skew: 60,
                max_age: 600,
            },
        );
    }
    // The provider's public modulus size is what it is; a small RSA key in a JWKS is refused.
    let small = json!({"keys":[{"kty":"RSA","kid":"s","n": b64url(&[0xC3; 64]), "e":"AQAB"}]});
    assert!(Jwks::from_json(small.to_string().as_bytes()).is_err());
    assert_eq!(provider_rsa().size(), 256);
}

#[test]
fn key_files_in_pkcs8_der_or_pem_and_their_public_jwk() {
    use p256::pkcs8::EncodePrivateKey;
    let der = rp_ec().to_pkcs8_der().unwrap();
    let from_der = SigningKey::from_pkcs8(der.as_bytes(), Some("k1".into())).unwrap();
    assert_eq!(from_der.alg(), JwsAlg::Es256);
    let pem = der.to_pem("PRIVATE KEY", Default::default()).unwrap();
    let from_pem = SigningKey::from_pkcs8(pem.as_bytes(), None).unwrap();
    assert_eq!(from_pem.alg(), JwsAlg::Es256);
    // The JWK is the public key the provider will verify assertions with.
    let jwk = from_der.public_jwk();
    assert_eq!(jwk, Jwk::p256_json("k1", rp_ec().verifying_key()));
    assert!(jwk.get("d").is_none(), "no private part in the JWK");
    assert!(from_pem.public_jwk().get("kid").is_none());
    let assertion = from_der.sign_jwt(&json!({"a": 1})).unwrap();
    let jwks = Jwks::from_json(json!({"keys": [jwk]}).to_string().as_bytes()).unwrap();
    let key = jwks.find(Some("k1"), JwsAlg::Es256).unwrap();
    assert!(jose::CompactJws::parse(&assertion).unwrap().verify(key));

    let rsa_der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(rp_rsa()).unwrap();
    let rsa = SigningKey::from_pkcs8(rsa_der.as_bytes(), None).unwrap();
    assert_eq!(rsa.alg(), JwsAlg::Rs256);
    assert_eq!(rsa.public_jwk()["kty"], "RSA");

    for bad in [
        &b""[..],
        b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        &[0x30, 0x03, 0x02, 0x01, 0x00],
    ] {
        assert!(matches!(
            SigningKey::from_pkcs8(bad, None),
            Err(Error::Usage(UsageError::InvalidArgument { .. }))
        ));
    }
}

#[test]
fn claims_by_scope_name_each_once() {
    let request = LoginRequest::authenticate()
        .with_claim_scopes(["name", "birthdate", "name"])
        .unwrap();
    assert_eq!(request.claims, vec![Claim::Name, Claim::Birthdate]);
    assert!(matches!(
        LoginRequest::authenticate().with_claim_scopes(["name", "my_number"]),
        Err(Error::Usage(UsageError::InvalidArgument { .. }))
    ));
    assert!(matches!(
        LoginRequest::authenticate().with_claim_scopes([""]),
        Err(Error::Usage(UsageError::InvalidArgument { .. }))
    ));
}
