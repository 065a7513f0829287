//! The browser binding: a login completes only in the browser that started it (login CSRF,
//! a callback URL replayed from another browser), and the cookie helpers.

use super::*;

fn callback_of(s: &Started) -> String {
    format!("code=abc&state={}", s.state)
}

#[test]
fn attackers_callback_in_the_victims_browser_is_refused() {
    let client = client();
    // The attacker starts a login in their own browser and finishes it at the provider as
    // themselves; the victim has a login of their own in progress (their own cookie).
    let attacker = start(&client, &LoginRequest::authenticate());
    let victim = start(&client, &LoginRequest::authenticate());
    let attackers_callback = callback_of(&attacker);
    // The victim's browser follows the attacker's callback URL: the server finds the
    // attacker's pending login by `state`, and the victim's browser sends its own cookie.
    assert_eq!(
        LoginFlow::start(
            &client,
            attacker.pending,
            Some(victim.browser.value()),
            &attackers_callback,
            NOW
        )
        .unwrap_err(),
        Error::Oidc(OidcError::BrowserMismatch)
    );
}

#[test]
fn victims_callback_from_another_browser_is_refused() {
    let client = client();
    let victim = start(&client, &LoginRequest::authenticate());
    let leaked = callback_of(&victim);
    // Another browser, no cookie at all.
    let pending = PendingLogin::from_json(&victim.pending.to_json()).unwrap();
    assert_eq!(
        LoginFlow::start(&client, pending, None, &leaked, NOW).unwrap_err(),
        Error::Oidc(OidcError::BrowserMismatch)
    );
    // A cookie header without the login cookie, or with a guessed value.
    let pending = PendingLogin::from_json(&victim.pending.to_json()).unwrap();
    assert_eq!(
        LoginFlow::start(
            &client,
            pending,
            browser_cookie("theme=dark; session=1"),
            &leaked,
            NOW
        )
        .unwrap_err(),
        Error::Oidc(OidcError::BrowserMismatch)
    );
    let pending = PendingLogin::from_json(&victim.pending.to_json()).unwrap();
    let mut guessed = victim.browser.value().to_string();
    guessed.replace_range(0..1, if guessed.starts_with('A') { "B" } else { "A" });
    assert_eq!(
        LoginFlow::start(&client, pending, Some(&guessed), &leaked, NOW).unwrap_err(),
        Error::Oidc(OidcError::BrowserMismatch)
    );
    // The right browser, its cookie read from the header the browser sends.
    let header = format!(
        "theme=dark; {LOGIN_COOKIE}={}; other=x",
        victim.browser.value()
    );
    let flow = LoginFlow::start(
        &client,
        victim.pending,
        browser_cookie(&header),
        &leaked,
        NOW,
    );
    assert!(flow.is_ok(), "{flow:?}");
}

#[test]
fn the_right_browser_logs_in() {
    let client = client();
    let s = start(&client, &LoginRequest::four_info());
    let mut jwks = JwksCache::new();
    let id_token = mint_rs256(&claims(&s.nonce));
    let login = run_login(&client, s, &mut jwks, &id_token, &userinfo_body(SUB)).unwrap();
    assert_eq!(login.subject(), SUB);
}

#[test]
fn the_pending_login_keeps_only_the_hash() {
    let client = client();
    let s = start(&client, &LoginRequest::authenticate());
    let value = s.browser.value();
    assert_eq!(value.len(), 43);
    assert!(
        value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let json = s.pending.to_json();
    assert!(!json.contains(value));
    assert!(json.contains(&b64url(&Sha256::digest(value.as_bytes()))));
    assert!(!format!("{:?}", s.browser).contains(value));
    // Two logins, two values.
    assert_ne!(
        start(&client, &LoginRequest::authenticate())
            .browser
            .value(),
        value
    );
}

#[test]
fn cookie_helpers() {
    let client = client();
    let s = start(&client, &LoginRequest::authenticate());
    let value = s.browser.value();
    assert_eq!(
        s.browser.set_cookie(600),
        format!(
            "__Host-mynacard-login={value}; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax"
        )
    );
    assert_eq!(
        BrowserBinding::clear_cookie(),
        "__Host-mynacard-login=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
    );
    assert_eq!(
        browser_cookie(&format!("__Host-mynacard-login={value}")),
        Some(value)
    );
    assert_eq!(
        browser_cookie(&format!("a=1;__Host-mynacard-login = {value} ;b=2")),
        Some(value)
    );
    assert_eq!(browser_cookie("__Host-mynacard-login="), None);
    assert_eq!(
        browser_cookie("mynacard-login=x; __Host-mynacard-loginx=y"),
        None
    );
    assert_eq!(browser_cookie(""), None);
}
