//! The callback URL: its issuer (mix-up, RFC 9207) and that it is the registered redirect URI.

use super::*;

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
        LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::IssuerMismatch)
    );
    // Checked before the error parameters are read.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!(
        "error=access_denied&state={}&iss=https%3A%2F%2Fevil.example",
        s.state
    );
    assert_eq!(
        LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::IssuerMismatch)
    );
    // When the client requires iss (RFC 9207), a callback without it is refused.
    let mut config = client.config().clone();
    config.require_callback_iss = true;
    let strict = OidcClient::new(config);
    let s = start(&strict, &LoginRequest::authenticate());
    let q = format!("code=abc&state={}", s.state);
    assert_eq!(
        LoginFlow::start(&strict, s.pending, Some(s.browser.value()), &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::IssuerMismatch)
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
        LoginFlow::start(&client, s.pending, Some(s.browser.value()), &url, NOW).unwrap_err(),
        Error::Usage(UsageError::InvalidArgument { .. })
    ));
    let s = start(&client, &LoginRequest::authenticate());
    let url = format!("{REDIRECT}?code=abc&state={}", s.state);
    assert!(LoginFlow::start(&client, s.pending, Some(s.browser.value()), &url, NOW).is_ok());
    // In a bare query, `?` is data.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("?code=abc?def&state={}", s.state);
    assert!(LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).is_ok());
    // Repeated parameters are refused.
    let s = start(&client, &LoginRequest::authenticate());
    let q = format!("code=abc&code=def&state={}", s.state);
    assert!(matches!(
        LoginFlow::start(&client, s.pending, Some(s.browser.value()), &q, NOW).unwrap_err(),
        Error::Oidc(OidcError::ResponseInvalid { .. })
    ));
}
