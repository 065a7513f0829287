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
