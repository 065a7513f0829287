//! The discovery document.

use super::*;

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
fn endpoints_are_decided_by_parsed_scheme_and_host() {
    let key = || SigningKey::from_p256(rp_ec(), None);
    let with_token = |token: &str| {
        let mut provider = ProviderMetadata::keycloak_layout(ISSUER).unwrap();
        provider.token_endpoint = token.to_string();
        ClientConfig::new(provider, CLIENT_ID, REDIRECT, key())
    };
    for good in [
        "https://idp.example/token",
        "http://127.0.0.1:8080/token",
        "http://127.0.0.1/token",
        "http://localhost:3000/token",
        "http://LOCALHOST/token",
        "http://[::1]:8080/token",
    ] {
        assert!(with_token(good).is_ok(), "{good}");
    }
    for bad in [
        // The user-info trick: the host is evil.example.
        "http://localhost:@evil.example/token",
        "http://127.0.0.1:@evil.example/token",
        "http://localhost@evil.example/token",
        "https://user:pass@idp.example/token",
        "http://localhost.evil.example/token",
        "http://127.0.0.1.evil.example/token",
        "http://evil.example/token",
        "http://10.0.0.1/token",
        "http://localhost\\@evil.example/token",
        "ftp://idp.example/token",
        "https://idp.example/token#frag",
        "https://idp.example/to ken",
        "token",
        "",
    ] {
        assert!(
            matches!(
                with_token(bad),
                Err(Error::Usage(UsageError::InvalidArgument { .. }))
            ),
            "{bad}"
        );
    }
    // A configured sign-transaction endpoint passes the same check.
    let mut provider = ProviderMetadata::keycloak_layout(ISSUER).unwrap();
    provider.sign_transactions_endpoint = Some("http://localhost:@evil.example/sign".into());
    assert!(ClientConfig::new(provider, CLIENT_ID, REDIRECT, key()).is_err());
    let backend = |sign: &str| {
        let key_der = p256::pkcs8::EncodePrivateKey::to_pkcs8_der(
            &p256::SecretKey::from_slice(&[0x22; 32]).unwrap(),
        )
        .unwrap();
        let mut config = BackendConfig::new(ISSUER, CLIENT_ID, REDIRECT, key_der.as_bytes());
        config.sign_transactions_endpoint = Some(sign);
        Backend::new(config).map(|_| ())
    };
    assert!(backend("https://idp.example/api/sign-transactions").is_ok());
    assert!(matches!(
        backend("http://localhost:@evil.example/api/sign-transactions"),
        Err(Error::Usage(UsageError::InvalidArgument { .. }))
    ));
    assert!(matches!(
        backend("http://sign.example/api/sign-transactions"),
        Err(Error::Usage(UsageError::InvalidArgument { .. }))
    ));
    // Discovered endpoints too.
    let doc = json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/protocol/openid-connect/auth"),
        "token_endpoint": "http://localhost:@evil.example/token",
        "jwks_uri": format!("{ISSUER}/protocol/openid-connect/certs"),
    })
    .to_string();
    assert!(matches!(
        ProviderMetadata::from_discovery(ISSUER, ok(doc.as_bytes())).unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid { .. })
    ));
}

#[test]
fn client_id_is_letters_and_digits() {
    let make = |id: &str| {
        ClientConfig::new(
            ProviderMetadata::keycloak_layout(ISSUER).unwrap(),
            id,
            REDIRECT,
            SigningKey::from_p256(rp_ec(), None),
        )
    };
    assert!(make("RP00000001").is_ok());
    assert!(make(&"a".repeat(255)).is_ok());
    for bad in [
        "",
        "RP-1",
        "RP_1",
        "RP 1",
        "RP1!",
        "ＲＰ1",
        &"a".repeat(256),
    ] {
        assert!(
            matches!(
                make(bad),
                Err(Error::Usage(UsageError::InvalidArgument { .. }))
            ),
            "{bad:?}"
        );
    }
}
