//! The authorization response at the redirect URI (RFC 6749 §4.1.2, RFC 9207).

use zeroize::Zeroizing;

use super::OidcClient;
use super::authorize::PendingLogin;
use super::browser::check as check_browser;
use super::http::{ct_eq, error_code};
use crate::cert::UnixTime;
use crate::error::Error;
use crate::error::{OidcError, UsageError};

/// The authorization code, checked to belong to its login. Redacted, wiped on drop.
pub struct AuthorizationCode(pub(crate) Zeroizing<String>);

impl core::fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AuthorizationCode(<redacted>)")
    }
}

const MALFORMED: Error = Error::Oidc(OidcError::ResponseInvalid {
    what: "callback query is malformed",
});

/// The callback's parameters; a repeated parameter is refused (RFC 6749 §3.1).
fn params(query: &str) -> Result<Vec<(String, Zeroizing<String>)>, Error> {
    let mut out: Vec<(String, Zeroizing<String>)> = Vec::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if out.iter().any(|(name, _)| *name == k) {
            return Err(MALFORMED);
        }
        out.push((k.into_owned(), Zeroizing::new(v.into_owned())));
    }
    Ok(out)
}

fn get<'a>(params: &'a [(String, Zeroizing<String>)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A callback as given: a full URL (`http(s)://…`) split into the part before `?` and the
/// query, or a query on its own (a `?` inside it is data, not a separator).
fn split(query_or_url: &str) -> (Option<&str>, &str) {
    if query_or_url.starts_with("https://") || query_or_url.starts_with("http://") {
        match query_or_url.split_once('?') {
            Some((base, query)) => (Some(base), query),
            None => (Some(query_or_url), ""),
        }
    } else {
        (None, query_or_url.strip_prefix('?').unwrap_or(query_or_url))
    }
}

/// The `state` of a callback, to find its [`PendingLogin`] in a server-side store.
pub fn callback_state(query_or_url: &str) -> Result<String, Error> {
    let params = params(split(query_or_url).1)?;
    get(&params, "state")
        .map(str::to_string)
        .ok_or(Error::Oidc(OidcError::StateMismatch))
}

impl OidcClient {
    /// Checks a callback against its login, in this order: `iss` (RFC 9207: a response from
    /// another issuer is dropped before anything else is read), `state`, the browser (the
    /// login cookie's value, `browser`, must be the one set at [`OidcClient::authorize`]:
    /// else `BROWSER_MISMATCH`), the login's expiry, an error response, then the code.
    /// `query_or_url` is the query string, or the full URL the browser was sent to (its part
    /// before `?` must equal the redirect URI exactly).
    pub fn callback(
        &self,
        pending: &PendingLogin,
        browser: Option<&str>,
        query_or_url: &str,
        now: UnixTime,
    ) -> Result<AuthorizationCode, Error> {
        if pending.redirect_uri != self.config.redirect_uri
            || pending.client_id != self.config.client_id
            || pending.issuer != self.config.provider.issuer
        {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "the pending login was made for another client configuration",
            }));
        }
        let (base, query) = split(query_or_url);
        if base.is_some_and(|base| base != pending.redirect_uri) {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "callback URL is not the registered redirect URI",
            }));
        }
        let params = params(query)?;
        match get(&params, "iss") {
            Some(iss) if iss != pending.issuer => {
                return Err(Error::Oidc(OidcError::IssuerMismatch));
            }
            Some(_) => {}
            None if self.config.require_callback_iss
                || self
                    .config
                    .provider
                    .authorization_response_iss_parameter_supported =>
            {
                return Err(Error::Oidc(OidcError::IssuerMismatch));
            }
            None => {}
        }
        match get(&params, "state") {
            Some(state) if ct_eq(state, &pending.state) => {}
            _ => return Err(Error::Oidc(OidcError::StateMismatch)),
        }
        check_browser(&pending.browser_hash, browser)?;
        if pending.is_expired(now) {
            return Err(Error::Oidc(OidcError::LoginExpired));
        }
        if let Some(error) = get(&params, "error") {
            return Err(Error::Oidc(OidcError::ErrorResponse {
                error: error_code(error),
            }));
        }
        match get(&params, "code") {
            Some(code) if !code.is_empty() => {
                Ok(AuthorizationCode(Zeroizing::new(code.to_string())))
            }
            _ => Err(MALFORMED),
        }
    }
}
