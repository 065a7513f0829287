//! The resident in a browser, holding a virtual card (feature `resident`): follows a
//! provider's redirects with a cookie jar and, on the development stand-in's login screen
//! (`GET /interaction/{uid}` as JSON `{challenge, action}`), signs the challenge with the
//! 利用者証明用 key of the persona's card through the SDK. `mynacard login --virtual` and the
//! OIDC end-to-end tests use it; an app team's CI can too, against the stand-in
//! (`tests/oidc-provider`).

use base64ct::{Base64, Encoding};
use mynacard_core::error::OidcError;
use serde_json::Value;

/// A browser's HTTP: no redirects followed (the resident follows them itself, keeping cookies),
/// statuses returned as they are, 30 s for the whole of each request.
fn browser() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into()
}

fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    url[..end].to_string()
}

/// Why the resident did not get through the login screen.
#[derive(Debug)]
pub enum ResidentError {
    /// The login screen refused the card's signature: its JSON `{error, message}`.
    Refused(Value),
    /// The card operation failed.
    Card(mynacard_core::Error),
    /// The provider answered something a browser could not follow.
    Provider(String),
}

impl std::fmt::Display for ResidentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResidentError::Refused(v) => write!(f, "the login screen refused: {v}"),
            ResidentError::Card(e) => write!(f, "card: {}: {}", e.code(), e.message_en()),
            ResidentError::Provider(s) => write!(f, "provider: {s}"),
        }
    }
}

/// As the relying party sees it: a refusal is the provider's error response, a failed card
/// operation keeps its code, anything else is the network.
impl From<ResidentError> for mynacard_core::Error {
    fn from(e: ResidentError) -> Self {
        match e {
            ResidentError::Refused(v) => mynacard_core::Error::Oidc(OidcError::ErrorResponse {
                error: v["error"].as_str().unwrap_or("access_denied").to_string(),
            }),
            ResidentError::Card(e) => e,
            ResidentError::Provider(_) => mynacard_core::Error::Oidc(OidcError::Network),
        }
    }
}

/// The resident with a virtual card in a browser: follows the provider's redirects with a
/// cookie jar, and on the login screen (`GET /interaction/{uid}` as JSON `{challenge, action}`)
/// signs the challenge with the 利用者証明用 key of the persona's card through the SDK and
/// posts `{certificate, signature}`.
pub struct Resident {
    persona: String,
    agent: ureq::Agent,
    cookies: Vec<(String, String)>,
}

impl Resident {
    /// A resident holding the built-in virtual card `persona` (taro, hanako, revoked, …).
    pub fn new(persona: &str) -> Resident {
        Resident {
            persona: persona.to_string(),
            agent: browser(),
            cookies: Vec::new(),
        }
    }

    /// Follows `authorization_url` until the provider sends the browser to a URL starting with
    /// `redirect_uri`, and returns that URL (the callback) without loading it.
    pub fn log_in(
        &mut self,
        authorization_url: &str,
        redirect_uri: &str,
    ) -> Result<String, ResidentError> {
        let origin = origin_of(authorization_url);
        let mut url = authorization_url.to_string();
        for _ in 0..12 {
            if url.starts_with(redirect_uri) {
                return Ok(url);
            }
            let mut response = self
                .with_cookies(self.agent.get(&url))
                .header("accept", "application/json")
                .call()
                .map_err(|e| ResidentError::Provider(format!("GET {url}: {e}")))?;
            self.keep_cookies(&response);
            let status = response.status().as_u16();
            if status == 200 {
                let page: Value = read_json(&mut response)?;
                let challenge = page["challenge"]
                    .as_str()
                    .and_then(|c| Base64::decode_vec(c).ok())
                    .ok_or_else(|| ResidentError::Provider(format!("no challenge: {page}")))?;
                let action = page["action"]
                    .as_str()
                    .ok_or_else(|| ResidentError::Provider(format!("no action: {page}")))?;
                let (certificate, signature) = self.card_signs(&challenge)?;
                let body = serde_json::json!({
                    "certificate": Base64::encode_string(&certificate),
                    "signature": Base64::encode_string(&signature),
                });
                let mut response = self
                    .with_cookies(self.agent.post(format!("{origin}{action}")))
                    .header("accept", "application/json")
                    .header("content-type", "application/json")
                    .send(body.to_string())
                    .map_err(|e| ResidentError::Provider(format!("POST {action}: {e}")))?;
                self.keep_cookies(&response);
                if response.status().as_u16() == 401 {
                    return Err(ResidentError::Refused(read_json(&mut response)?));
                }
                url = next_url(&origin, &response)?;
                continue;
            }
            if !(300..400).contains(&status) {
                return Err(ResidentError::Provider(format!("{status} at {url}")));
            }
            url = next_url(&origin, &response)?;
        }
        Err(ResidentError::Provider("too many redirects".into()))
    }

    /// What the resident's app does on the login screen: the virtual card signs the challenge
    /// with its 利用者証明用 key through the SDK (the persona's PIN).
    fn card_signs(&self, challenge: &[u8]) -> Result<(Vec<u8>, Vec<u8>), ResidentError> {
        use crate::{Persona, VirtualCard, VirtualTransport};
        use mynacard_core::{AuthPin, MynaCard, SignInput};
        let unknown = || ResidentError::Provider(format!("no persona {:?}", self.persona));
        let persona = Persona::builtin(&self.persona).ok_or_else(unknown)?;
        let card = VirtualCard::builtin(&self.persona).ok_or_else(unknown)?;
        pollster::block_on(async {
            let mut card = MynaCard::connect(VirtualTransport::new(card)).await?;
            let pin = AuthPin::new(&persona.auth_pin)?;
            let auth = card.authenticate(&pin, SignInput::data(challenge)).await?;
            Ok((auth.certificate.der().to_vec(), auth.signature))
        })
        .map_err(ResidentError::Card)
    }

    fn with_cookies<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        if self.cookies.is_empty() {
            return request;
        }
        let header = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        request.header("cookie", &header)
    }

    fn keep_cookies(&mut self, response: &ureq::http::Response<ureq::Body>) {
        for set in response.headers().get_all("set-cookie") {
            let Ok(set) = set.to_str() else { continue };
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() && !attrs.contains("1970") {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }
}

fn read_json(response: &mut ureq::http::Response<ureq::Body>) -> Result<Value, ResidentError> {
    let body = response
        .body_mut()
        .read_to_vec()
        .map_err(|e| ResidentError::Provider(e.to_string()))?;
    serde_json::from_slice(&body).map_err(|e| ResidentError::Provider(e.to_string()))
}

fn next_url(
    origin: &str,
    response: &ureq::http::Response<ureq::Body>,
) -> Result<String, ResidentError> {
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or_else(|| ResidentError::Provider("a redirect without Location".into()))?;
    Ok(if location.starts_with('/') {
        format!("{origin}{location}")
    } else {
        location.to_string()
    })
}
