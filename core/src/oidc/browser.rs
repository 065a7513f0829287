//! The browser binding of a login (RFC 9700 §4.7.1, OIDC Core §3.1.2.1 on `state`): a login
//! started in one browser can be completed only in that browser.
//!
//! Without it a pending login is found by `state` alone, and two attacks work: login CSRF
//! (an attacker starts a login, finishes it as themselves at the provider and sends the
//! callback URL to a victim, whose browser completes the attacker's login) and the
//! redemption of a leaked callback URL from any browser. So [`OidcClient::authorize`]
//! makes a random value, [`BrowserBinding`], that the backend sets as an HttpOnly, Secure,
//! SameSite=Lax cookie ([`BrowserBinding::set_cookie`]); the pending login keeps only its
//! SHA-256, and the callback is accepted only with the same value from the `Cookie:` header
//! ([`browser_cookie`]), compared in constant time.
//!
//! SameSite=Lax, not Strict: the callback is a top-level navigation from the provider's
//! site, which carries Lax cookies and not Strict ones.
//!
//! [`OidcClient::authorize`]: super::OidcClient::authorize

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::jose::{b64url, random};
use crate::error::{Error, OidcError};

/// The cookie's name. `__Host-` (RFC 6265bis §4.1.3.2): the browser accepts it only with
/// `Secure`, `Path=/` and no `Domain`, so a sibling subdomain cannot plant or overwrite it.
pub const LOGIN_COOKIE: &str = "__Host-mynacard-login";

/// The random value that ties a pending login to one browser: 32 bytes from the OS,
/// base64url (43 characters). Set it as the login cookie, keep nothing of it server-side
/// (the [`PendingLogin`](super::PendingLogin) has its hash). `Debug` is redacted; wiped on
/// drop.
#[derive(Clone, PartialEq, Eq)]
pub struct BrowserBinding(Zeroizing<String>);

impl core::fmt::Debug for BrowserBinding {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BrowserBinding(<redacted>)")
    }
}

impl BrowserBinding {
    pub(crate) fn random() -> Result<BrowserBinding, Error> {
        Ok(BrowserBinding(Zeroizing::new(b64url(&random::<32>()?[..]))))
    }

    /// The value, for a face to hand to its caller (a cookie it sets in its own way, or a
    /// process that keeps it, like the CLI's loopback login).
    pub fn value(&self) -> &str {
        &self.0
    }

    /// The `Set-Cookie` header value that carries the binding for `max_age` seconds (use the
    /// login's lifetime): `__Host-mynacard-login=…; Path=/; Max-Age=…; HttpOnly; Secure;
    /// SameSite=Lax`.
    pub fn set_cookie(&self, max_age: u64) -> String {
        cookie(&self.0, max_age)
    }

    /// The `Set-Cookie` header value that removes the login cookie (after the callback,
    /// whatever its outcome).
    pub fn clear_cookie() -> String {
        cookie("", 0)
    }

    /// The hash the pending login keeps.
    pub(crate) fn hash(value: &str) -> String {
        b64url(&Sha256::digest(value.as_bytes()))
    }
}

fn cookie(value: &str, max_age: u64) -> String {
    format!("{LOGIN_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax")
}

/// The login cookie's value in a request's `Cookie:` header (`name=value` pairs separated by
/// `;`, RFC 6265 §5.4), or `None` when it is absent or empty. When a browser sends the name
/// twice, the first is taken (the most specific path comes first; `__Host-` has only `/`).
pub fn browser_cookie(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| name.trim() == LOGIN_COOKIE)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// `presented` (the cookie's value, if the browser sent one) is the binding whose hash is
/// `expected_hash`; compared in constant time. Missing or different: `BROWSER_MISMATCH`.
pub(crate) fn check(expected_hash: &str, presented: Option<&str>) -> Result<(), Error> {
    let presented = presented.ok_or(Error::Oidc(OidcError::BrowserMismatch))?;
    let hash = BrowserBinding::hash(presented);
    if bool::from(hash.as_bytes().ct_eq(expected_hash.as_bytes())) {
        Ok(())
    } else {
        Err(Error::Oidc(OidcError::BrowserMismatch))
    }
}
