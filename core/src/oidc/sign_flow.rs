//! The 署名API as sans-IO steps, so that every face runs it the same way: [`SignOpening`]
//! (client-credentials token, then the sign transaction over the digest), the resident's login
//! for it ([`SignTransaction::login_request`], an ordinary [`super::LoginFlow`]), then
//! [`SignTransaction::result_request`] and [`SignTransaction::finish`], which decrypts the JWE
//! result and verifies signature and 署名用 certificate before anything is returned.

use serde::{Deserialize, Serialize};

use super::flow::Login;
use super::http::{HttpOutcome, HttpRequest};
use super::jose::EncryptionKey;
use super::jose::check_jwe_shape;
use super::sign_transaction::{
    SignDigest, SignTransactionId, open_sign_result, open_sign_transaction, parse_sign_transaction,
    sign_result_parts, sign_result_request, verify_sign_result,
};
use super::token::{AccessToken, parse_token_response};
use super::{LoginRequest, OidcClient};
use crate::cert::{JpkiCertificate, UnixTime};
use crate::error::Error;
use crate::error::UsageError;
use crate::verify::{RelyingParty, Verified};

fn endpoint(client: &OidcClient) -> Result<&str, Error> {
    client
        .config()
        .provider
        .sign_transactions_endpoint
        .as_deref()
        .ok_or(Error::Usage(UsageError::InvalidArgument {
            what: "the provider has no sign-transaction endpoint configured",
        }))
}

/// Opening a sign transaction: two requests (token, then the transaction).
pub struct SignOpening {
    digest: SignDigest,
    token: Option<AccessToken>,
}

impl core::fmt::Debug for SignOpening {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "SignOpening({:?}, token: {})",
            self.digest,
            self.token.is_some()
        )
    }
}

/// What [`SignOpening::receive`] leads to.
#[derive(Debug)]
pub enum OpenStep {
    /// Send the next request of the opening.
    Continue(SignOpening),
    /// The transaction is open: send the resident to authorise it.
    Opened(SignTransaction),
}

impl SignOpening {
    /// Starts opening a transaction over `digest`.
    pub fn start(digest: SignDigest) -> SignOpening {
        SignOpening {
            digest,
            token: None,
        }
    }

    /// The next request: the client-credentials token, then the transaction.
    pub fn request(&self, client: &OidcClient, now: UnixTime) -> Result<HttpRequest, Error> {
        let endpoint = endpoint(client)?;
        match &self.token {
            None => client.client_credentials_request(None, now),
            Some(token) => Ok(open_sign_transaction(
                endpoint,
                token,
                &self.digest,
                &client.config().sign_format,
            )),
        }
    }

    /// The response to the last request; any failure ends the opening.
    pub fn receive(self, client: &OidcClient, outcome: HttpOutcome<'_>) -> Result<OpenStep, Error> {
        match self.token {
            None => {
                let token = parse_token_response(outcome)?.access_token;
                Ok(OpenStep::Continue(SignOpening {
                    digest: self.digest,
                    token: Some(token),
                }))
            }
            Some(_) => {
                let id = parse_sign_transaction(outcome, &client.config().sign_format)?;
                Ok(OpenStep::Opened(SignTransaction {
                    id: id.0,
                    digest: self.digest,
                }))
            }
        }
    }
}

/// An open sign transaction: what the backend keeps while the resident signs (serialisable,
/// holds no secret: the transaction id and the digest).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignTransaction {
    id: String,
    #[serde(with = "digest_serde")]
    digest: SignDigest,
}

impl core::fmt::Debug for SignTransaction {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SignTransaction({}, {:?})", self.id, self.digest)
    }
}

/// A verified signature from the 署名API.
#[derive(Clone)]
pub struct SignedByResident {
    /// The resident's signature, as the 署名API returned it.
    pub signature: Vec<u8>,
    /// The 署名用 certificate (carries 基本4情報).
    pub certificate: JpkiCertificate,
    /// What the relying party's verification found (subject, serial, 4情報, status).
    pub signer: Verified,
}

impl core::fmt::Debug for SignedByResident {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SignedByResident({:?}, <redacted>)", self.certificate)
    }
}

impl SignTransaction {
    /// The transaction's id at the provider.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The login that authorises this transaction (`sign` scope, `sign_transaction_id`).
    pub fn login_request(&self) -> LoginRequest {
        LoginRequest::sign(&self.id)
    }

    /// The GET of the result, with the access token of the login that authorised it; a login
    /// for another transaction (or none) is refused here.
    pub fn result_request(&self, client: &OidcClient, login: &Login) -> Result<HttpRequest, Error> {
        if login.sign_transaction_id.as_deref() != Some(self.id.as_str()) {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "that login did not authorise this sign transaction",
            }));
        }
        Ok(sign_result_request(
            endpoint(client)?,
            &login.access_token,
            &SignTransactionId(self.id.clone()),
        ))
    }

    /// Decrypts the result with the relying party's key and verifies the signature over the
    /// digest and the 署名用 certificate with `rp`'s anchors and CRLs: the mode of a relying
    /// party that is itself the verifier (a government body, or a platform operator, PF事業者,
    /// running its own 署名API client). A relying party that signs through an operator uses
    /// [`SignTransaction::forward`] instead.
    pub fn finish(
        &self,
        client: &OidcClient,
        outcome: HttpOutcome<'_>,
        enc_key: &EncryptionKey,
        rp: &RelyingParty,
        now: UnixTime,
    ) -> Result<SignedByResident, Error> {
        self.forward(client, outcome)?.open(enc_key, rp, now)
    }

    /// The result as the service sent it, still encrypted, for a relying party that signs
    /// through a 大臣認定 platform operator (PF事業者): the result is encrypted to the
    /// operator's key, the relying party forwards it ([`SealedSignResult::to_json`]) and never
    /// holds the resident's certificate (PocketSign's guide: SP事業者 may not keep the raw
    /// certificate). Checked here: the HTTP outcome, both fields present, each a JWE of the
    /// accepted shape (RSA-OAEP-256, A256GCM); else the same errors as [`SignTransaction::finish`].
    pub fn forward(
        &self,
        client: &OidcClient,
        outcome: HttpOutcome<'_>,
    ) -> Result<SealedSignResult, Error> {
        let (signature, certificate) = sign_result_parts(outcome, &client.config().sign_format)?;
        Ok(SealedSignResult {
            transaction: self.clone(),
            signature,
            certificate,
        })
    }

    /// For the backend's store between the redirect and the callback.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a record written by [`SignTransaction::to_json`]; anything else is `INVALID_ARGUMENT`.
    pub fn from_json(json: &str) -> Result<SignTransaction, Error> {
        serde_json::from_str(json).map_err(|_| {
            Error::Usage(UsageError::InvalidArgument {
                what: "not a sign transaction record",
            })
        })
    }
}

/// A 署名API result still encrypted to the operator's key (封をした署名結果): what a relying
/// party that signs through a platform operator forwards to it. It has the transaction (id and
/// digest, to verify against) and the two JWEs; it has no certificate and no signature in the
/// clear, and nothing here decrypts it without the operator's key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedSignResult {
    transaction: SignTransaction,
    signature: String,
    certificate: String,
}

impl core::fmt::Debug for SealedSignResult {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SealedSignResult({:?}, <sealed>)", self.transaction)
    }
}

impl SealedSignResult {
    /// The sign transaction's id at the provider.
    pub fn transaction_id(&self) -> &str {
        self.transaction.id()
    }

    /// The record to send to the operator: `{"transaction": {"id", "digest"}, "signature":
    /// JWE, "certificate": JWE}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a record written by [`SealedSignResult::to_json`] (the operator's side); each
    /// JWE is checked for shape. Anything else is `INVALID_ARGUMENT` or `JWE_INVALID`.
    pub fn from_json(json: &str) -> Result<SealedSignResult, Error> {
        let sealed: SealedSignResult = serde_json::from_str(json).map_err(|_| {
            Error::Usage(UsageError::InvalidArgument {
                what: "not a sealed sign result record",
            })
        })?;
        check_jwe_shape(&sealed.signature)?;
        check_jwe_shape(&sealed.certificate)?;
        Ok(sealed)
    }

    /// The operator's side: decrypts with its key and verifies the signature over the
    /// transaction's digest (in its mode) and the 署名用 certificate with `rp`, as
    /// [`SignTransaction::finish`] does.
    pub fn open(
        &self,
        enc_key: &EncryptionKey,
        rp: &RelyingParty,
        now: UnixTime,
    ) -> Result<SignedByResident, Error> {
        let result = open_sign_result(&self.signature, &self.certificate, enc_key.rsa())?;
        let signer = verify_sign_result(&result, &self.transaction.digest, rp, now)?;
        Ok(SignedByResident {
            signature: result.signature,
            certificate: result.certificate,
            signer,
        })
    }
}

/// `SignDigest` as `{"sha256": base64}` or `{"digestInfo": base64}`.
mod digest_serde {
    use base64ct::{Base64, Encoding};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::SignDigest;

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    enum Form {
        Sha256(String),
        DigestInfo(String),
    }

    pub fn serialize<S: Serializer>(digest: &SignDigest, s: S) -> Result<S::Ok, S::Error> {
        match digest {
            SignDigest::Sha256(d) => Form::Sha256(Base64::encode_string(d)),
            SignDigest::DigestInfo(d) => Form::DigestInfo(Base64::encode_string(d)),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SignDigest, D::Error> {
        use serde::de::Error;
        match Form::deserialize(d)? {
            Form::Sha256(b) => Base64::decode_vec(&b)
                .ok()
                .and_then(|v| <[u8; 32]>::try_from(v).ok())
                .map(SignDigest::Sha256)
                .ok_or_else(|| D::Error::custom("sha256 is not 32 bytes of base64")),
            Form::DigestInfo(b) => Base64::decode_vec(&b)
                .map(SignDigest::DigestInfo)
                .map_err(|_| D::Error::custom("digestInfo is not base64")),
        }
    }
}
