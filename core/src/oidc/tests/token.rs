//! The token request's client authentication.

use super::*;

#[test]
fn client_secret_basic_and_rs256_assertion() {
    let provider = ProviderMetadata::keycloak_layout(ISSUER).unwrap();
    let basic = OidcClient::new(
        ClientConfig::with_auth(
            provider.clone(),
            "client1",
            REDIRECT,
            ClientAuth::ClientSecretBasic("s3cr3t:/+".to_string().into()),
        )
        .unwrap(),
    );
    let request = basic.client_credentials_request(Some("sign"), NOW).unwrap();
    // RFC 6749 §2.3.1: form-urlencoded, then base64.
    let expected =
        <base64ct::Base64 as base64ct::Encoding>::encode_string(b"client1:s3cr3t%3A%2F%2B");
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
    let jws = crate::oidc::jose::CompactJws::parse(&assertion).unwrap();
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
fn a_redirect_from_any_endpoint_is_http_status_never_followed() {
    // The core never follows a 3xx (the backend's client must not either: `redirect:
    // 'manual'`); whatever the body says, the step ends with the status.
    let body = br#"{"access_token":"a","token_type":"Bearer","id":"x","sub":"s"}"#;
    for status in [301, 302, 303, 307, 308] {
        let redirect = || Ok(HttpResponse { status, body });
        let expected = Error::Oidc(OidcError::HttpStatus { status });
        assert_eq!(parse_token_response(redirect()).unwrap_err(), expected);
        assert_eq!(
            parse_userinfo(redirect(), "s", ClaimFormat::default()).unwrap_err(),
            expected
        );
        let format = SignTransactionFormat::default();
        assert_eq!(
            parse_sign_transaction(redirect(), &format).unwrap_err(),
            expected
        );
        assert_eq!(
            parse_sign_result(redirect(), &format, rp_rsa()).unwrap_err(),
            expected
        );
        assert_eq!(
            JwksCache::new().update(redirect(), NOW).unwrap_err(),
            expected
        );
    }
}
