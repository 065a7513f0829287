//! A login from start to finish, and what ends one early: state, replay, expiry, the provider's errors, the network.

use super::*;

#[test]
fn end_to_end_four_info_es256_client_rs256_token() {
    let client = client();
    let Authorization {
        url,
        pending,
        browser,
    } = client.authorize(&LoginRequest::four_info(), NOW).unwrap();
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
    let flow = LoginFlow::start(&client, pending, Some(browser.value()), &query, NOW).unwrap();

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
    let jws = crate::oidc::jose::CompactJws::parse(&assertion).unwrap();
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
    let jws2 =
        crate::oidc::jose::CompactJws::parse(param(&again, "client_assertion").unwrap().leak())
            .unwrap();
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
    let err = LoginFlow::start(
        &client,
        s.pending,
        Some(s.browser.value()),
        "code=abc&state=not-mine",
        NOW,
    )
    .unwrap_err();
    assert_eq!(err, Error::Oidc(OidcError::StateMismatch));
    let s = start(&client, &LoginRequest::authenticate());
    assert_eq!(
        LoginFlow::start(&client, s.pending, Some(s.browser.value()), "code=abc", NOW).unwrap_err(),
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
        LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, late).unwrap_err(),
        Error::Oidc(OidcError::LoginExpired)
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
        LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::ErrorResponse {
            error: "access_denied".into()
        })
    );
    // A hostile error code is not echoed.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("error=%3Cscript%3E%22&state={}", s.state);
    assert_eq!(
        LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::ErrorResponse {
            error: "invalid_error_code".into()
        })
    );
    // Token endpoint errors.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("code=abc&state={}", s.state);
    let flow = LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap();
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
    let flow = LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap();
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
    let flow = LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap();
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
    let flow = LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap();
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
    let flow = LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap();
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
