//! The core's sans-IO OIDC client end to end against the development provider (`server.mjs`,
//! `oidc-provider` on 127.0.0.1): discovery, 認証 + 4情報 with both client-assertion and both
//! ID-token algorithms, 署名 with a sign transaction and its JWE result verified against the
//! virtual card's test PKI, replay, and a provider that goes away mid-flow.
//!
//! Needs Node ≥ 20.19; runs `npm ci` in `tests/oidc-provider` when the provider is not installed.

use std::path::Path;

use mynacard_cli::http::{agent, send};
use mynacard_core::cert::{JpkiCertificate, UnixTime};
use mynacard_core::error::Error;
use mynacard_core::error::OidcError;
use mynacard_core::four_info::Sex;
use mynacard_core::oidc::{
    Authorization, ClientConfig, HttpFailed, HttpResponse, JwksCache, JwsAlg, Login, LoginFlow,
    LoginRequest, OidcClient, PendingLogins, ProviderMetadata, SignDigest, SignTransactionFormat,
    SigningKey, Step, callback_state, encryption_jwk, open_sign_transaction, parse_sign_result,
    parse_sign_transaction, parse_token_response, sign_result_request, verify_sign_result,
};
use mynacard_core::verify::{RelyingParty, TrustAnchors};
use mynacard_oidc_dev::Provider;
use mynacard_virtual_card::resident::{Resident, ResidentError};
use serde_json::json;

const REDIRECT: &str = "https://rp.example/callback";

fn pki(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../virtual-card/pki")
            .join(name),
    )
    .unwrap()
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
    let Authorization {
        url,
        pending,
        browser,
    } = client.authorize(request, now)?;
    logins.insert(pending, now);
    let callback = Resident::new("hanako").log_in(&url, REDIRECT).unwrap();
    assert!(callback.contains("iss="), "RFC 9207 iss in {callback}");
    let pending = logins.take(&callback_state(&callback)?, now)?;
    let mut flow = LoginFlow::start(client, pending, Some(browser.value()), &callback, now)?;
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
                    Error::Oidc(OidcError::LoginReplayed)
                );
                return Ok(*login);
            }
        }
    }
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
            "jwks": {"keys": [SigningKey::from_p256(ec.clone(), Some("rp-ec".into())).public_jwk(), encryption_jwk(&rsa_enc.to_public_key(), Some("rp-enc"))]},
        },
        {
            "client_id": "RP87654321",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "RS256",
            "id_token_signed_response_alg": "ES256",
            "jwks": {"keys": [SigningKey::from_rsa(rsa_sig.clone(), Some("rp-rsa".into())).public_jwk()]},
        },
    ]);
    let provider = Provider::start(&clients).unwrap();
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
    metadata.sign_transactions_endpoint =
        Some(format!("{}/api/sign-transactions", provider.origin()));

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

    // The API reference's parameter rules, kept by the stand-in: the SDK's authorization
    // request is inside them (state and nonce 43 characters of base64url); a state or nonce
    // of 256 characters or outside %x20-7E, or a client_id with other characters, is refused.
    let Authorization { url, .. } = es_client
        .authorize(&LoginRequest::four_info(), UnixTime::now())
        .unwrap();
    let (base, query) = url.split_once('?').unwrap();
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    for name in ["state", "nonce"] {
        let value = &params.iter().find(|(k, _)| k == name).unwrap().1;
        assert_eq!(value.len(), 43, "{name}");
        assert!(value.bytes().all(|b| (0x20..=0x7e).contains(&b)));
    }
    let authorization_status = |replace: &[(&str, &str)]| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &params {
            let v = replace
                .iter()
                .find(|(name, _)| name == k)
                .map_or(v.as_str(), |(_, new)| new);
            ser.append_pair(k, v);
        }
        let response = agent
            .get(format!("{base}?{}", ser.finish()))
            .call()
            .unwrap();
        response.status().as_u16()
    };
    let as_is = authorization_status(&[]);
    assert!((300..400).contains(&as_is), "the SDK's request: {as_is}");
    let long = "a".repeat(256);
    let longest = "a".repeat(255);
    assert!((300..400).contains(&authorization_status(&[
        ("state", &longest),
        ("nonce", &longest)
    ])));
    for bad in [
        &[("state", long.as_str())][..],
        &[("nonce", long.as_str())],
        &[("state", "tab\there")],
        &[("nonce", "日本語")],
        &[("client_id", "RP-1234")],
    ] {
        assert_eq!(authorization_status(bad), 400, "{bad:?}");
    }

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
    // The default acr_values "aal3 crl" were sent; the stand-in answers the first value.
    assert_eq!(login_a.id_token.acr.as_deref(), Some("aal3"));

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
        let url = es_client
            .authorize(&LoginRequest::authenticate(), UnixTime::now())
            .unwrap()
            .url;
        match Resident::new(persona).log_in(&url, REDIRECT) {
            Err(ResidentError::Refused(refused)) => {
                assert_eq!(refused["error"], error, "{persona}: {refused}")
            }
            other => panic!("{persona}: {other:?}"),
        }
    }
    // Login CSRF: an attacker (taro) finishes a login as themselves and sends the callback to
    // a victim, whose browser carries its own login cookie: refused before any token request.
    let attacker = es_client
        .authorize(&LoginRequest::four_info(), UnixTime::now())
        .unwrap();
    let victim = es_client
        .authorize(&LoginRequest::four_info(), UnixTime::now())
        .unwrap();
    let attackers_callback = Resident::new("taro")
        .log_in(&attacker.url, REDIRECT)
        .unwrap();
    assert_eq!(
        LoginFlow::start(
            &es_client,
            attacker.pending.clone(),
            Some(victim.browser.value()),
            &attackers_callback,
            UnixTime::now()
        )
        .unwrap_err(),
        Error::Oidc(OidcError::BrowserMismatch)
    );
    // The same callback from a browser without the cookie: refused too.
    assert_eq!(
        LoginFlow::start(
            &es_client,
            attacker.pending.clone(),
            None,
            &attackers_callback,
            UnixTime::now()
        )
        .unwrap_err(),
        Error::Oidc(OidcError::BrowserMismatch)
    );
    // In the browser that started it, taro logs in as taro.
    let Authorization {
        pending, browser, ..
    } = attacker;
    let callback = attackers_callback;
    let mut flow = LoginFlow::start(
        &es_client,
        pending,
        Some(browser.value()),
        &callback,
        UnixTime::now(),
    )
    .unwrap();
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
    let Authorization {
        url,
        pending,
        browser,
    } = es_client
        .authorize(&LoginRequest::four_info(), now)
        .unwrap();
    let callback = Resident::new("hanako").log_in(&url, REDIRECT).unwrap();
    let flow =
        LoginFlow::start(&es_client, pending, Some(browser.value()), &callback, now).unwrap();
    drop(provider);
    let request = flow.request(&es_client, now).unwrap();
    let sent = send(&agent, &request);
    assert!(sent.is_err());
    assert_eq!(
        flow.receive(&es_client, &mut jwks, Err(HttpFailed), now)
            .unwrap_err(),
        Error::Oidc(OidcError::Network)
    );
}
