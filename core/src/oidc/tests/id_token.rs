//! The ID token's checks: nonce, iss, aud/azp, times, at_hash, alg and signature, key rotation.

use super::*;

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
        let mut sig = crate::oidc::jose::b64url_decode(sig).unwrap();
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
    let flow = LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap();
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

fn login_asking_acr(acr_values: Option<&str>, acr: Option<&str>) -> Result<Login, Error> {
    let client = client();
    let request = LoginRequest {
        acr_values: acr_values.map(str::to_string),
        ..LoginRequest::authenticate()
    };
    let s = start(&client, &request);
    assert_eq!(s.pending.acr_values(), acr_values);
    let mut c = claims(&s.nonce);
    match acr {
        Some(acr) => c["acr"] = json!(acr),
        None => {
            c.as_object_mut().unwrap().remove("acr");
        }
    }
    run_login(&client, s, &mut JwksCache::new(), &mint_rs256(&c), b"")
}

#[test]
fn acr_answers_what_was_asked() {
    // The default asks for "aal3 crl" (the Digital Agency's example).
    assert_eq!(
        LoginRequest::authenticate().acr_values.as_deref(),
        Some(DEFAULT_ACR_VALUES)
    );
    assert_eq!(DEFAULT_ACR_VALUES, "aal3 crl");
    let url = client()
        .authorize(&LoginRequest::four_info(), NOW)
        .unwrap()
        .url;
    assert_eq!(param(&query_of(&url), "acr_values").unwrap(), "aal3 crl");
    // One of the values, or the whole string.
    let login = login_asking_acr(Some("aal3 crl"), Some("aal3")).unwrap();
    assert_eq!(login.id_token.acr.as_deref(), Some("aal3"));
    assert!(login_asking_acr(Some("aal3 crl"), Some("crl")).is_ok());
    assert!(login_asking_acr(Some("aal3 crl"), Some("aal3 crl")).is_ok());
    // Something else, a part of a value, or nothing while something was asked: refused.
    for acr in [
        Some("aal1"),
        Some("aal"),
        Some(""),
        Some("aal3 crl x"),
        None,
    ] {
        let e = login_asking_acr(Some("aal3 crl"), acr).unwrap_err();
        assert!(reason(e).starts_with("acr "), "{acr:?}");
    }
    // Nothing asked: acr_values not sent, acr not compared.
    let url = client()
        .authorize(
            &LoginRequest {
                acr_values: None,
                ..LoginRequest::authenticate()
            },
            NOW,
        )
        .unwrap()
        .url;
    assert_eq!(param(&query_of(&url), "acr_values"), None);
    assert!(login_asking_acr(None, None).is_ok());
    assert!(login_asking_acr(None, Some("aal1")).is_ok());
    // The pending login keeps what was asked across a store.
    let client = client();
    let s = start(&client, &LoginRequest::authenticate());
    let back = PendingLogin::from_json(&s.pending.to_json()).unwrap();
    assert_eq!(back.acr_values(), Some("aal3 crl"));
}
