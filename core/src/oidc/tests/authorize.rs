//! The authorization request's parameters and claims.

use super::*;

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
    let Authorization { url, pending, .. } = client.authorize(&req, NOW).unwrap();
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
