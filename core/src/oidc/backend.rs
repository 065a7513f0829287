//! The relying party's backend as every face assembles it (JS `OidcBackend`, the uniffi
//! `OidcBackend`, the CLI's `login`): provider metadata, the client key, the 署名API's
//! encryption key, and the JWK Set to register — built and checked once, here.

use super::jose::{EncryptionKey, SigningKey};
use super::{ClientAuth, ClientConfig, OidcClient, ProviderMetadata};
use crate::error::Error;
use crate::error::UsageError;

/// What a backend is configured with, as the faces receive it (bytes and strings).
#[derive(Clone, Copy)]
pub struct BackendConfig<'a> {
    /// The issuer, compared exactly with the discovery document's.
    pub issuer: &'a str,
    /// The body of `issuer/.well-known/openid-configuration` as fetched; `None`: the
    /// Keycloak-style endpoint paths under the issuer.
    pub discovery: Option<&'a [u8]>,
    /// The registered client id.
    pub client_id: &'a str,
    /// The registered redirect URI, compared exactly.
    pub redirect_uri: &'a str,
    /// The `private_key_jwt` key: PKCS#8, PEM or DER, RSA (RS256) or P-256 (ES256).
    pub key_pkcs8: &'a [u8],
    /// The key's `kid` as registered.
    pub key_id: Option<&'a str>,
    /// `RS256` or `ES256` when the caller states it: must match the key.
    pub key_alg: Option<&'a str>,
    /// Refuse callbacks without `iss` (RFC 9207).
    pub require_callback_iss: bool,
    /// 署名API: the sign-transaction endpoint, when the discovery document names none.
    pub sign_transactions_endpoint: Option<&'a str>,
    /// 署名API: the RSA key (PKCS#8, PEM or DER) the result is encrypted to.
    pub enc_key_pkcs8: Option<&'a [u8]>,
}

impl<'a> BackendConfig<'a> {
    /// The required parts; everything else off.
    pub fn new(
        issuer: &'a str,
        client_id: &'a str,
        redirect_uri: &'a str,
        key_pkcs8: &'a [u8],
    ) -> BackendConfig<'a> {
        BackendConfig {
            issuer,
            discovery: None,
            client_id,
            redirect_uri,
            key_pkcs8,
            key_id: None,
            key_alg: None,
            require_callback_iss: false,
            sign_transactions_endpoint: None,
            enc_key_pkcs8: None,
        }
    }
}

/// An OIDC client with its keys: what a relying party's backend holds for its lifetime.
#[derive(Debug)]
pub struct Backend {
    client: OidcClient,
    enc_key: Option<EncryptionKey>,
}

impl Backend {
    /// Builds and checks the whole configuration: discovery issuer, key format and algorithm,
    /// client id and redirect URI, encryption key.
    ///
    /// ```
    /// use mynacard_core::oidc::{Backend, BackendConfig};
    /// let e = Backend::new(BackendConfig::new("https://op.example", "RP1", "https://rp.example/cb", b"not a key"))
    ///     .unwrap_err();
    /// assert_eq!(e.code(), "INVALID_ARGUMENT");
    /// ```
    pub fn new(config: BackendConfig<'_>) -> Result<Backend, Error> {
        let mut provider = ProviderMetadata::from_discovery_body(config.issuer, config.discovery)?;
        if let Some(endpoint) = config.sign_transactions_endpoint {
            provider.sign_transactions_endpoint = Some(endpoint.to_string());
        }
        let key = SigningKey::from_pkcs8(config.key_pkcs8, config.key_id.map(str::to_string))?;
        match config.key_alg {
            None => {}
            Some(alg) if alg == key.alg().name() => {}
            Some("RS256" | "ES256") => {
                return Err(Error::Usage(UsageError::InvalidArgument {
                    what: "keyAlg does not match the key",
                }));
            }
            Some(_) => {
                return Err(Error::Usage(UsageError::InvalidArgument {
                    what: "keyAlg must be RS256 or ES256",
                }));
            }
        }
        let enc_key = config
            .enc_key_pkcs8
            .map(EncryptionKey::from_pkcs8)
            .transpose()?;
        let mut client_config =
            ClientConfig::new(provider, config.client_id, config.redirect_uri, key)?;
        client_config.require_callback_iss = config.require_callback_iss;
        Ok(Backend {
            client: OidcClient::new(client_config),
            enc_key,
        })
    }

    /// The OIDC client.
    pub fn client(&self) -> &OidcClient {
        &self.client
    }

    /// The 署名API result's key, or INVALID_ARGUMENT saying how to configure it.
    pub fn enc_key(&self) -> Result<&EncryptionKey, Error> {
        self.enc_key.as_ref().ok_or(Error::Usage(UsageError::InvalidArgument {
            what: "configure the encryption key (encKeyPkcs8 / enc_key_pkcs8) to receive sign results",
        }))
    }

    /// The JWK Set to register with the provider: the client key's public half and, when
    /// configured, the encryption key's (`use: enc`). Never a private part.
    pub fn public_jwks(&self) -> serde_json::Value {
        let key = match &self.client.config().auth {
            ClientAuth::PrivateKeyJwt(key) => Some(key),
            _ => None,
        };
        public_jwks(key, self.enc_key.as_ref())
    }
}

/// `{ "keys": [...] }` of these keys' public halves (the encryption key as `use: enc`).
pub fn public_jwks(key: Option<&SigningKey>, enc_key: Option<&EncryptionKey>) -> serde_json::Value {
    let mut keys = Vec::new();
    if let Some(key) = key {
        keys.push(key.public_jwk());
    }
    if let Some(enc) = enc_key {
        keys.push(enc.public_jwk(Some("enc")));
    }
    serde_json::json!({ "keys": keys })
}
