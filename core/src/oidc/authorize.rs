//! The authorization request (OIDC Core §3.1.2.1 with PKCE, RFC 7636) and the record the
//! backend keeps until the callback: [`PendingLogin`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::OidcClient;
use super::browser::BrowserBinding;
use super::http::with_query;
use super::jose::{b64url, random};
use crate::cert::UnixTime;
use crate::error::Error;
use crate::error::{OidcError, UsageError};

/// A part of 基本4情報 the relying party asks for (each is its own scope).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Claim {
    /// `name` (氏名).
    Name,
    /// `address` (住所).
    Address,
    /// `birthdate` (生年月日).
    Birthdate,
    /// `gender` (性別).
    Gender,
}

impl Claim {
    /// The four claims of 基本4情報, in the order the provider lists them.
    pub const ALL: [Claim; 4] = [Claim::Name, Claim::Address, Claim::Birthdate, Claim::Gender];

    /// The claim whose scope is `name` (`name`, `address`, `birthdate`, `gender`).
    pub fn from_scope(name: &str) -> Option<Claim> {
        Claim::ALL.into_iter().find(|c| c.scope() == name)
    }

    /// The OIDC scope value that asks for this claim.
    pub fn scope(self) -> &'static str {
        match self {
            Claim::Name => "name",
            Claim::Address => "address",
            Claim::Birthdate => "birthdate",
            Claim::Gender => "gender",
        }
    }
}

/// The `acr_values` a login sends unless told otherwise: the Digital Agency's API reference
/// gives `acr_values=aal3 crl` as its example (認可エンドポイント, developers.digital.go.jp
/// `auth-and-sign/authserver`), and the third-party clients that passed the sandbox send
/// exactly that. What the provider answers in the ID token's `acr` is unconfirmed: the
/// client accepts the whole string or one of its space-separated values (see
/// `docs/oidc.md`).
pub const DEFAULT_ACR_VALUES: &str = "aal3 crl";

/// What a login asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginRequest {
    /// 4情報 parts; empty for 認証 only (`scope=openid`).
    pub claims: Vec<Claim>,
    /// A sign transaction (署名): adds scope `sign` and `sign_transaction_id`.
    pub sign_transaction_id: Option<String>,
    /// `acr_values` (default [`DEFAULT_ACR_VALUES`]); `None` sends none. When sent, the ID
    /// token's `acr` must be the whole string or one of its values (OIDC Core §3.1.3.7
    /// step 11).
    pub acr_values: Option<String>,
}

impl Default for LoginRequest {
    fn default() -> LoginRequest {
        LoginRequest {
            claims: Vec::new(),
            sign_transaction_id: None,
            acr_values: Some(DEFAULT_ACR_VALUES.to_string()),
        }
    }
}

impl LoginRequest {
    /// Adds 基本4情報 parts by their scope names (`name`, `address`, `birthdate`, `gender`),
    /// each once: the form the faces receive them in from their callers.
    pub fn with_claim_scopes<'a>(
        mut self,
        scopes: impl IntoIterator<Item = &'a str>,
    ) -> Result<LoginRequest, Error> {
        for scope in scopes {
            let claim =
                Claim::from_scope(scope).ok_or(Error::Usage(UsageError::InvalidArgument {
                    what: "claims are name, address, birthdate, gender",
                }))?;
            if !self.claims.contains(&claim) {
                self.claims.push(claim);
            }
        }
        Ok(self)
    }

    /// 認証: who is this (scope `openid`).
    pub fn authenticate() -> LoginRequest {
        LoginRequest::default()
    }

    /// 認証 with all of 基本4情報 (`openid name address birthdate gender`).
    pub fn four_info() -> LoginRequest {
        LoginRequest {
            claims: Claim::ALL.to_vec(),
            ..LoginRequest::default()
        }
    }

    /// 署名 of an opened sign transaction (`openid sign`, `sign_transaction_id`).
    pub fn sign(sign_transaction_id: &str) -> LoginRequest {
        LoginRequest {
            sign_transaction_id: Some(sign_transaction_id.to_string()),
            ..LoginRequest::default()
        }
    }
}

/// The login in progress, kept by the backend between the redirect to the provider and the
/// callback (in the user's session, or server-side keyed by `state`). Serialisable so any
/// store can hold it; single-use (see [`PendingLogins`]) and expiring at `expires_at`.
/// Holds the PKCE verifier and nonce: `Debug` is redacted and they are wiped on drop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) code_verifier: String,
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) claims: Vec<Claim>,
    pub(crate) sign_transaction_id: Option<String>,
    /// The `acr_values` sent, which the ID token's `acr` must answer.
    pub(crate) acr_values: Option<String>,
    /// base64url SHA-256 of the [`BrowserBinding`] set as the login cookie (never the value).
    pub(crate) browser_hash: String,
    pub(crate) created_at: u64,
    pub(crate) expires_at: u64,
}

impl core::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "PendingLogin(issuer={}, expires_at={}, <redacted>)",
            self.issuer, self.expires_at
        )
    }
}

impl Drop for PendingLogin {
    fn drop(&mut self) {
        self.state.zeroize();
        self.nonce.zeroize();
        self.code_verifier.zeroize();
    }
}

impl PendingLogin {
    /// The `state` sent (the key for a server-side store).
    pub fn state(&self) -> &str {
        &self.state
    }

    /// When this pending login stops being accepted.
    pub fn expires_at(&self) -> UnixTime {
        UnixTime(self.expires_at)
    }

    /// Whether the login is past its expiry at `now`.
    pub fn is_expired(&self, now: UnixTime) -> bool {
        now.0 > self.expires_at
    }

    /// The 4情報 claims this login asked for.
    pub fn claims(&self) -> &[Claim] {
        &self.claims
    }

    /// The sign transaction this login authorises, for a 署名API login.
    pub fn sign_transaction_id(&self) -> Option<&str> {
        self.sign_transaction_id.as_deref()
    }

    /// The `acr_values` this login sent.
    pub fn acr_values(&self) -> Option<&str> {
        self.acr_values.as_deref()
    }

    /// The record as JSON, for a store (it contains the PKCE verifier: keep it server-side or
    /// in an encrypted session).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a record written by [`PendingLogin::to_json`]; anything else is `INVALID_ARGUMENT`.
    pub fn from_json(json: &str) -> Result<PendingLogin, Error> {
        serde_json::from_str(json).map_err(|_| {
            Error::Usage(UsageError::InvalidArgument {
                what: "not a PendingLogin record",
            })
        })
    }
}

/// 1-255 printable ASCII (the service's rule for `state`, `nonce` and similar parameters).
fn printable(s: &str) -> bool {
    (1..=255).contains(&s.len()) && s.bytes().all(|b| (0x20..=0x7E).contains(&b))
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// 32 random bytes, base64url: 43 characters, within every length rule involved.
fn random_token() -> Result<String, Error> {
    Ok(b64url(&random::<32>()?[..]))
}

/// The S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    b64url(&Sha256::digest(verifier.as_bytes()))
}

/// A login started by [`OidcClient::authorize`]: where to send the browser, what to keep,
/// and the value to set as the login cookie in the same response.
#[derive(Debug)]
pub struct Authorization {
    /// The provider's authorization URL (redirect the browser there).
    pub url: String,
    /// Keep until the callback (server-side by `state`, single use).
    pub pending: PendingLogin,
    /// Set as the login cookie ([`BrowserBinding::set_cookie`]); give its value back to
    /// [`LoginFlow::start`](super::LoginFlow::start) from the callback's `Cookie:` header.
    pub browser: BrowserBinding,
}

impl OidcClient {
    /// Starts a login: fresh `state`, `nonce`, PKCE verifier and browser binding, and the URL
    /// to redirect the browser to. Keep the [`PendingLogin`] until the callback and set the
    /// [`BrowserBinding`] as the login cookie.
    pub fn authorize(&self, request: &LoginRequest, now: UnixTime) -> Result<Authorization, Error> {
        if let Some(id) = &request.sign_transaction_id {
            if !is_uuid(id) {
                return Err(Error::Usage(UsageError::InvalidArgument {
                    what: "sign_transaction_id must be a UUID",
                }));
            }
        }
        if let Some(acr) = &request.acr_values {
            if !printable(acr) {
                return Err(Error::Usage(UsageError::InvalidArgument {
                    what: "acr_values must be 1-255 printable ASCII",
                }));
            }
        }
        let mut claims: Vec<Claim> = Vec::new();
        for c in &request.claims {
            if !claims.contains(c) {
                claims.push(*c);
            }
        }
        let mut scope = String::from("openid");
        for c in &claims {
            scope.push(' ');
            scope.push_str(c.scope());
        }
        if request.sign_transaction_id.is_some() {
            scope.push_str(" sign");
        }
        let browser = BrowserBinding::random()?;
        let pending = PendingLogin {
            state: random_token()?,
            nonce: random_token()?,
            code_verifier: random_token()?,
            issuer: self.config.provider.issuer.clone(),
            client_id: self.config.client_id.clone(),
            redirect_uri: self.config.redirect_uri.clone(),
            claims,
            sign_transaction_id: request.sign_transaction_id.clone(),
            acr_values: request.acr_values.clone(),
            browser_hash: BrowserBinding::hash(browser.value()),
            created_at: now.0,
            expires_at: now.0.saturating_add(self.config.login_ttl),
        };
        let challenge = pkce_challenge(&pending.code_verifier);
        let mut pairs: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", &self.config.client_id),
            ("redirect_uri", &self.config.redirect_uri),
            ("scope", &scope),
            ("state", &pending.state),
            ("nonce", &pending.nonce),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        if let Some(acr) = &request.acr_values {
            pairs.push(("acr_values", acr));
        }
        if let Some(id) = &request.sign_transaction_id {
            pairs.push(("sign_transaction_id", id));
        }
        let url = with_query(&self.config.provider.authorization_endpoint, &pairs);
        Ok(Authorization {
            url,
            pending,
            browser,
        })
    }
}

/// Pending logins of one server process, keyed by `state`: each is handed out once. A used
/// `state` is remembered until its expiry, so a replayed callback is told apart
/// (`LOGIN_REPLAYED`) from one this server never issued (`OIDC_STATE_MISMATCH`). A backend
/// with several processes keeps the same rules in its shared store.
#[derive(Debug, Default)]
pub struct PendingLogins {
    /// state → the login (None once taken) and its expiry.
    entries: HashMap<String, (Option<PendingLogin>, u64)>,
}

impl PendingLogins {
    /// An empty store.
    pub fn new() -> PendingLogins {
        PendingLogins::default()
    }

    /// Keeps `login` under its `state`; expired ones are dropped first.
    pub fn insert(&mut self, login: PendingLogin, now: UnixTime) {
        self.purge(now);
        let expiry = login.expires_at;
        self.entries
            .insert(login.state.clone(), (Some(login), expiry));
    }

    /// Takes the login a callback's `state` names, once.
    pub fn take(&mut self, state: &str, now: UnixTime) -> Result<PendingLogin, Error> {
        let result = match self.entries.get_mut(state) {
            None => Err(Error::Oidc(OidcError::StateMismatch)),
            Some((slot, expiry)) => match slot.take() {
                None => Err(Error::Oidc(OidcError::LoginReplayed)),
                Some(_) if now.0 > *expiry => Err(Error::Oidc(OidcError::LoginExpired)),
                Some(login) => Ok(login),
            },
        };
        self.purge(now);
        result
    }

    /// How many logins wait for their callback (expired ones count until the next insert or take).
    pub fn len(&self) -> usize {
        self.entries.values().filter(|(l, _)| l.is_some()).count()
    }

    /// Whether no login is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn purge(&mut self, now: UnixTime) {
        self.entries.retain(|_, (_, expiry)| now.0 <= *expiry);
    }
}
