//! The backend's login after the callback, as a state machine: it says which HTTP request to
//! send next, takes the outcome, and yields a [`Login`] only when every check passed. A failed
//! step ends the flow (it is consumed): there is no partial login.

use zeroize::Zeroizing;

use super::OidcClient;
use super::authorize::PendingLogin;
use super::callback::AuthorizationCode;
use super::discovery::{JwksCache, KeyLookup};
use super::http::{HttpOutcome, HttpRequest};
use super::id_token::{Expected, IdTokenClaims, id_token_key_id, validate_id_token};
use super::token::{AccessToken, TokenResponse, parse_token_response};
use super::userinfo::{UserInfo, parse_userinfo, userinfo_request};
use crate::cert::UnixTime;
use crate::error::Error;
use crate::error::{OidcError, UsageError};

/// A completed login. `Debug` is redacted.
#[derive(Clone)]
pub struct Login {
    /// The checked ID token's claims.
    pub id_token: IdTokenClaims,
    /// Present when 4情報 were asked for.
    pub userinfo: Option<UserInfo>,
    /// The access token (redacted in `Debug`, wiped on drop).
    pub access_token: AccessToken,
    /// The sign transaction this login authorised, if any.
    pub sign_transaction_id: Option<String>,
}

impl Login {
    /// The provider's subject identifier for this user.
    pub fn subject(&self) -> &str {
        &self.id_token.sub
    }
}

impl core::fmt::Debug for Login {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Login({:?}, <redacted>)", self.id_token)
    }
}

enum Stage {
    /// Waiting for the token response.
    Token { code: AuthorizationCode },
    /// Waiting for the JWKS, to check the ID token in `tokens`.
    Jwks { tokens: TokenResponse },
    /// Waiting for userinfo.
    Userinfo {
        tokens: TokenResponse,
        id_token: IdTokenClaims,
    },
}

/// One login between the callback and [`Login`].
pub struct LoginFlow {
    pending: PendingLogin,
    stage: Stage,
    /// The JWKS was fetched because of this token's `kid` (at most once).
    refetched: bool,
}

impl core::fmt::Debug for LoginFlow {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let stage = match self.stage {
            Stage::Token { .. } => "token",
            Stage::Jwks { .. } => "jwks",
            Stage::Userinfo { .. } => "userinfo",
        };
        write!(f, "LoginFlow(waiting for {stage}, <redacted>)")
    }
}

/// Where the flow is after a response.
#[derive(Debug)]
// The flow moves once per HTTP round trip: boxing it would buy nothing measurable.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// Send [`LoginFlow::request`] and call [`LoginFlow::receive`] again.
    Continue(LoginFlow),
    /// Every check passed.
    Done(Box<Login>),
}

impl LoginFlow {
    /// Checks the callback ([`OidcClient::callback`]) and starts the code exchange. `pending`
    /// is consumed: take it out of its store first (single use). `browser` is the login
    /// cookie's value from the callback request ([`browser_cookie`](super::browser_cookie)),
    /// `None` when it had none: the login completes only in the browser that started it.
    pub fn start(
        client: &OidcClient,
        pending: PendingLogin,
        browser: Option<&str>,
        callback_query: &str,
        now: UnixTime,
    ) -> Result<LoginFlow, Error> {
        let code = client.callback(&pending, browser, callback_query, now)?;
        Ok(LoginFlow {
            pending,
            stage: Stage::Token { code },
            refetched: false,
        })
    }

    /// The next request to send. Build it just before sending (the client assertion inside a
    /// token request is valid for a short time from `now`).
    pub fn request(&self, client: &OidcClient, now: UnixTime) -> Result<HttpRequest, Error> {
        match &self.stage {
            Stage::Token { code } => client.token_request(&self.pending, code, now),
            Stage::Jwks { .. } => Ok(JwksCache::request(&client.config.provider)),
            Stage::Userinfo { tokens, .. } => {
                let endpoint =
                    client
                        .config
                        .provider
                        .userinfo_endpoint
                        .as_deref()
                        .ok_or(Error::Usage(UsageError::InvalidArgument {
                            what: "the provider has no userinfo endpoint",
                        }))?;
                Ok(userinfo_request(endpoint, &tokens.access_token))
            }
        }
    }

    /// Takes the outcome of [`LoginFlow::request`]. Any failure ends the flow.
    pub fn receive(
        self,
        client: &OidcClient,
        jwks: &mut JwksCache,
        outcome: HttpOutcome<'_>,
        now: UnixTime,
    ) -> Result<Step, Error> {
        let LoginFlow {
            pending,
            stage,
            refetched,
        } = self;
        match stage {
            Stage::Token { .. } => {
                let tokens = parse_token_response(outcome)?;
                Self::check_id_token(client, jwks, pending, tokens, refetched, now)
            }
            Stage::Jwks { tokens } => {
                jwks.update(outcome, now)?;
                Self::check_id_token(client, jwks, pending, tokens, true, now)
            }
            Stage::Userinfo { tokens, id_token } => {
                let userinfo = parse_userinfo(outcome, &id_token.sub, client.config.claim_format)?;
                Ok(Step::Done(Box::new(Login {
                    id_token,
                    userinfo: Some(userinfo),
                    access_token: tokens.access_token,
                    sign_transaction_id: pending.sign_transaction_id.clone(),
                })))
            }
        }
    }

    fn check_id_token(
        client: &OidcClient,
        jwks: &JwksCache,
        pending: PendingLogin,
        tokens: TokenResponse,
        refetched: bool,
        now: UnixTime,
    ) -> Result<Step, Error> {
        let token: &Zeroizing<String> =
            tokens
                .id_token
                .as_ref()
                .ok_or(Error::Oidc(OidcError::IdTokenInvalid {
                    reason: "token response has no id_token",
                }))?;
        let (alg, kid) = id_token_key_id(token)?;
        let key = match jwks.lookup(kid.as_deref(), alg, refetched)? {
            KeyLookup::Found(key) => key,
            KeyLookup::FetchJwks => {
                return Ok(Step::Continue(LoginFlow {
                    pending,
                    stage: Stage::Jwks { tokens },
                    refetched: true,
                }));
            }
        };
        let config = &client.config;
        let id_token = validate_id_token(
            token,
            key,
            &Expected {
                issuer: &pending.issuer,
                client_id: &pending.client_id,
                nonce: &pending.nonce,
                access_token: Some(tokens.access_token.secret()),
                acr_values: pending.acr_values.as_deref(),
                now,
                skew: config.clock_skew,
                max_age: config.id_token_max_age,
            },
        )?;
        if pending.claims.is_empty() {
            return Ok(Step::Done(Box::new(Login {
                id_token,
                userinfo: None,
                access_token: tokens.access_token.clone(),
                sign_transaction_id: pending.sign_transaction_id.clone(),
            })));
        }
        Ok(Step::Continue(LoginFlow {
            pending,
            stage: Stage::Userinfo { tokens, id_token },
            refetched,
        }))
    }
}
