//! HTTP as plain data: the requests the client wants sent and the responses the caller got.
//! The core never does I/O; a backend sends [`HttpRequest`] with its own client (reqwest,
//! fetch, ureq) and hands back the status and body, or [`HttpFailed`] when the step failed.

use zeroize::Zeroize;

use crate::error::Error;
use crate::error::{OidcError, UsageError};

/// HTTP method of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// HTTP GET.
    Get,
    /// HTTP POST.
    Post,
}

impl Method {
    /// The method's name as HTTP writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send. It can carry an authorization code, a PKCE verifier, a client
/// assertion or an access token: `Debug` shows the method, the URL without its query and the
/// header names only, and the values are wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// The absolute URL (already checked: https, or http to a loopback host).
    pub url: String,
    /// Header name/value pairs (names lower-case).
    pub headers: Vec<(String, String)>,
    /// The body (a form or JSON), `None` for GET.
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    pub(crate) fn get(url: String) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url,
            headers: vec![("accept".into(), "application/json".into())],
            body: None,
        }
    }

    pub(crate) fn post_form(url: String, form: String) -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            url,
            headers: vec![
                (
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("accept".into(), "application/json".into()),
            ],
            body: Some(form.into_bytes()),
        }
    }

    pub(crate) fn post_json(url: String, json: &serde_json::Value) -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            url,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("accept".into(), "application/json".into()),
            ],
            body: Some(json.to_string().into_bytes()),
        }
    }

    pub(crate) fn with_header(mut self, name: &str, value: String) -> HttpRequest {
        self.headers.push((name.into(), value));
        self
    }

    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl core::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let base = self.url.split('?').next().unwrap_or("");
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        write!(
            f,
            "HttpRequest({} {base}, headers={names:?}, body={})",
            self.method.as_str(),
            if self.body.is_some() {
                "<redacted>"
            } else {
                "none"
            }
        )
    }
}

impl Drop for HttpRequest {
    fn drop(&mut self) {
        self.url.zeroize();
        for (_, v) in &mut self.headers {
            v.zeroize();
        }
        if let Some(body) = &mut self.body {
            body.zeroize();
        }
    }
}

/// What the server answered.
#[derive(Clone, Copy)]
pub struct HttpResponse<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// The response body.
    pub body: &'a [u8],
}

impl core::fmt::Debug for HttpResponse<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "HttpResponse({}, {} bytes <redacted>)",
            self.status,
            self.body.len()
        )
    }
}

/// The caller could not complete the HTTP step (DNS, TCP, TLS, timeout, body cut short).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpFailed;

/// What the caller reports back for one request.
pub type HttpOutcome<'a> = Result<HttpResponse<'a>, HttpFailed>;

impl<'a> HttpResponse<'a> {
    /// The outcome as a foreign HTTP client reports it across a binding: the status and the
    /// body, or no body when the request failed on the network.
    pub fn received(status: u16, body: Option<&'a [u8]>) -> HttpOutcome<'a> {
        body.map(|body| HttpResponse { status, body })
            .ok_or(HttpFailed)
    }
}

#[derive(serde::Deserialize)]
struct OAuthError {
    error: String,
}

/// The provider's OAuth error code, when it is printable ASCII without quotes or backslash
/// (RFC 6749 §5.2's character set) and short; anything else is not echoed.
pub(crate) fn error_code(raw: &str) -> String {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E));
    if ok {
        raw.to_string()
    } else {
        "invalid_error_code".to_string()
    }
}

/// The body of a successful JSON response, or the typed error for a failed step: the
/// provider's OAuth error (`{"error": ...}`) on 4xx, else `HTTP_STATUS`.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    outcome: HttpOutcome<'_>,
    what: &'static str,
) -> Result<T, Error> {
    let response = outcome.map_err(|HttpFailed| Error::Oidc(OidcError::Network))?;
    if !(200..300).contains(&response.status) {
        if (400..500).contains(&response.status) {
            if let Ok(e) = serde_json::from_slice::<OAuthError>(response.body) {
                return Err(Error::Oidc(OidcError::ErrorResponse {
                    error: error_code(&e.error),
                }));
            }
        }
        return Err(Error::Oidc(OidcError::HttpStatus {
            status: response.status,
        }));
    }
    serde_json::from_slice(response.body)
        .map_err(|_| Error::Oidc(OidcError::ResponseInvalid { what }))
}

/// `endpoint` with `pairs` appended as a query.
pub(crate) fn with_query(endpoint: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{sep}{}", ser.finish())
}

/// A form body.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// An endpoint must be https, or http to a loopback host (`localhost`, `127.0.0.0/8`, `::1`)
/// for a development provider. Decided on the parsed URL's scheme and host (WHATWG URL
/// parsing, as `fetch` and `reqwest` do), never on a prefix of the string: in
/// `http://localhost:@evil.example/token` the host is `evil.example`. Refused besides: user
/// info (`user:pass@`, the form that trick uses), a fragment, and whitespace, control
/// characters or a backslash anywhere (clients that parse differently could go elsewhere).
pub(crate) fn check_endpoint(raw: &str) -> Result<(), Error> {
    let refused = Error::Usage(UsageError::InvalidArgument {
        what: "endpoint must be an https URL (http only to a loopback host) without user info or fragment",
    });
    if raw
        .bytes()
        .any(|b| b <= 0x20 || b == 0x7F || b == b'\\' || b == b'#')
    {
        return Err(refused);
    }
    let Ok(url) = url::Url::parse(raw) else {
        return Err(refused);
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused);
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(refused),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(refused),
    }
}

/// Compares two strings without an early exit on the first differing byte.
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
