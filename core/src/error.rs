//! One error type for the whole SDK. Each variant has a stable code (the `code()` string) and a
//! message in English and Japanese; the table [`ERROR_CODES`] is the data every face (JS, Swift,
//! Kotlin) prints, so a code means the same thing everywhere.

use crate::pin::PinKind;
use crate::transport::TransportError;

/// Which kind of card answered when a My Number Card was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardKind {
    /// 住民基本台帳カード (the card before the My Number Card; token `JPKIAPICCTOKEN`).
    JukiCard,
    /// A smartphone's JPKI credential (スマホ用電子証明書; token `JPKIAPGPSETOKEN`).
    Smartphone,
    /// No JPKI application, or a token the SDK does not know.
    Unknown,
}

impl CardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CardKind::JukiCard => "juki",
            CardKind::Smartphone => "smartphone",
            CardKind::Unknown => "unknown",
        }
    }
}

/// Everything that can go wrong. Never carries a PIN, card data or APDU data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The PIN does not have the card's format; nothing was sent to the card.
    PinFormat { kind: PinKind },
    /// The card refused the PIN; `remaining` tries are left (0: now locked).
    PinIncorrect { remaining: u8 },
    /// The PIN is locked (閉塞); only a municipal office can reset it. No VERIFY was sent.
    PinLocked,
    /// The card needs a PIN verified before this (6982).
    SecurityStatus,
    /// Not a My Number Card.
    WrongCard { found: CardKind },
    /// The card was removed or lifted off the reader.
    CardRemoved,
    /// No reader, or the named reader does not exist.
    ReaderNotFound,
    /// The reader was unplugged or its link broke.
    ReaderDisconnected,
    /// The card or reader did not answer in time.
    Timeout,
    /// The caller cancelled the operation.
    Cancelled,
    /// Another transport failure (developer detail, no card data).
    Transport { detail: String },
    /// The application or file does not exist on this card (6A82).
    FileNotFound,
    /// A status word the operation cannot continue from.
    UnexpectedStatus { sw: u16 },
    /// The card's answer does not have the expected shape.
    MalformedResponse { what: &'static str },
    /// Data read from the card does not match the hash the card holds for it.
    IntegrityMismatch { what: &'static str },
    /// A certificate could not be parsed or lacks a required field.
    CertificateInvalid { what: &'static str },
    /// A signature does not verify.
    SignatureInvalid,
    /// A certificate is not issued by any configured trust anchor.
    ChainUntrusted,
    /// A certificate is outside its validity period at the checked time.
    CertificateExpired,
    /// A caller-supplied argument is out of range (e.g. a digest of the wrong length).
    InvalidArgument { what: &'static str },
    /// The certificate is revoked (失効). For a 署名用 certificate, reason
    /// `affiliationChanged`-like 記載事項変更 means the 4情報 changed.
    Revoked {
        reason: crate::verify::RevocationReason,
    },
    /// The revocation source (CRL or OCSP response) does not know this certificate.
    StatusUnknown,
    /// A CRL or OCSP response is malformed, wrongly signed, for another issuer, or stale.
    StatusInvalid { what: &'static str },
    /// A CRL or OCSP response that was valid is out of date at the verification time (a held
    /// CRL past its nextUpdate, an OCSP response without nextUpdate older than the maximum
    /// age): fetch a current one.
    StatusStale { what: &'static str },
    /// A challenge is unknown, already used or expired (replay protection).
    ChallengeInvalid,
    /// OIDC: the callback's `state` is not the one this login sent (or no login has it).
    OidcStateMismatch,
    /// OIDC: an `iss` (callback per RFC 9207, discovery document) names another issuer.
    OidcIssuerMismatch,
    /// OIDC: the provider answered with an OAuth error code (e.g. `access_denied`). The code is
    /// the provider's, checked to be printable ASCII; `error_description` is not kept.
    OidcErrorResponse { error: String },
    /// OIDC: a provider response (discovery, JWKS, token, userinfo, sign result) is malformed.
    OidcResponseInvalid { what: &'static str },
    /// OIDC: the caller reported that an HTTP step failed (network, TLS, timeout).
    OidcNetwork,
    /// OIDC: an endpoint answered with an unexpected HTTP status.
    HttpStatus { status: u16 },
    /// OIDC: the ID token failed a check (`reason` names which; never token content).
    IdTokenInvalid { reason: &'static str },
    /// OIDC: no key in the provider's JWKS has the token's `kid`, even after one re-fetch.
    JwksKeyUnknown,
    /// OIDC: userinfo's `sub` is not the ID token's `sub`.
    UserinfoSubMismatch,
    /// A JWE could not be decrypted with the relying party's key, or is malformed.
    JweInvalid,
    /// OIDC: the pending login is older than its lifetime.
    LoginExpired,
    /// OIDC: the pending login was already used (a callback replayed).
    LoginReplayed,
}

/// One row of the shared error table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode {
    /// Stable, SCREAMING_SNAKE_CASE.
    pub code: &'static str,
    /// English message; `{name}` marks a parameter.
    pub en: &'static str,
    /// Japanese message; same parameters.
    pub ja: &'static str,
}

/// The table every face uses. Parameters: `{remaining}`, `{pin}`, `{found}`, `{sw}`, `{detail}`,
/// `{error}` (an OAuth error code), `{status}` (an HTTP status).
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode {
        code: "PIN_FORMAT",
        en: "The {pin} must be {rule}. Nothing was sent to the card.",
        ja: "{pin_ja}は{rule_ja}で入力してください。カードには送信していません。",
    },
    ErrorCode {
        code: "PIN_INCORRECT",
        en: "Incorrect PIN. {remaining} tries left; at 0 the PIN is locked.",
        ja: "暗証番号が違います。残り{remaining}回です。0回になると暗証番号がロックされます。",
    },
    ErrorCode {
        code: "PIN_LOCKED",
        en: "This PIN is locked. It can be reset at your municipal office.",
        ja: "暗証番号がロックされています。お住まいの市区町村窓口で初期化してください。",
    },
    ErrorCode {
        code: "SECURITY_STATUS",
        en: "The card requires a PIN to be verified first.",
        ja: "先に暗証番号の照合が必要です。",
    },
    ErrorCode {
        code: "WRONG_CARD",
        en: "This is not a My Number Card ({found}).",
        ja: "マイナンバーカードではありません（{found}）。",
    },
    ErrorCode {
        code: "CARD_REMOVED",
        en: "The card was removed. Place it on the reader again.",
        ja: "カードが離れました。もう一度カードをリーダーに置いてください。",
    },
    ErrorCode {
        code: "READER_NOT_FOUND",
        en: "No card reader was found.",
        ja: "カードリーダーが見つかりません。",
    },
    ErrorCode {
        code: "READER_DISCONNECTED",
        en: "The card reader was disconnected.",
        ja: "カードリーダーの接続が切れました。",
    },
    ErrorCode {
        code: "TIMEOUT",
        en: "The card did not answer in time.",
        ja: "カードが時間内に応答しませんでした。",
    },
    ErrorCode {
        code: "CANCELLED",
        en: "The operation was cancelled.",
        ja: "操作は中止されました。",
    },
    ErrorCode {
        code: "TRANSPORT",
        en: "Communication with the reader failed ({detail}).",
        ja: "カードリーダーとの通信に失敗しました（{detail}）。",
    },
    ErrorCode {
        code: "FILE_NOT_FOUND",
        en: "The card does not have the requested application or file.",
        ja: "カードに該当するアプリケーションまたはファイルがありません。",
    },
    ErrorCode {
        code: "UNEXPECTED_STATUS",
        en: "The card answered with status {sw}.",
        ja: "カードがステータス{sw}を返しました。",
    },
    ErrorCode {
        code: "MALFORMED_RESPONSE",
        en: "The card's answer is malformed ({detail}).",
        ja: "カードの応答が不正です（{detail}）。",
    },
    ErrorCode {
        code: "INTEGRITY_MISMATCH",
        en: "Data read from the card does not match its integrity hash ({detail}).",
        ja: "カードから読み取ったデータが改ざん検知用ハッシュと一致しません（{detail}）。",
    },
    ErrorCode {
        code: "CERTIFICATE_INVALID",
        en: "The certificate is invalid ({detail}).",
        ja: "電子証明書が不正です（{detail}）。",
    },
    ErrorCode {
        code: "SIGNATURE_INVALID",
        en: "The signature does not verify.",
        ja: "署名の検証に失敗しました。",
    },
    ErrorCode {
        code: "CHAIN_UNTRUSTED",
        en: "The certificate was not issued by a trusted certification authority.",
        ja: "電子証明書が信頼できる認証局により発行されていません。",
    },
    ErrorCode {
        code: "CERTIFICATE_EXPIRED",
        en: "The certificate is not valid at this time.",
        ja: "電子証明書の有効期間外です。",
    },
    ErrorCode {
        code: "REVOKED",
        en: "The certificate has been revoked (reason: {reason}).",
        ja: "電子証明書は失効しています（理由: {reason_ja}）。",
    },
    ErrorCode {
        code: "STATUS_UNKNOWN",
        en: "The revocation status of the certificate is unknown.",
        ja: "電子証明書の失効状態が確認できません。",
    },
    ErrorCode {
        code: "STATUS_INVALID",
        en: "The revocation information is invalid ({detail}).",
        ja: "失効情報が不正です（{detail}）。",
    },
    ErrorCode {
        code: "STATUS_STALE",
        en: "The revocation information is out of date ({detail}). Fetch a current CRL or OCSP response.",
        ja: "失効情報の有効期限が切れています（{detail}）。最新のCRLまたはOCSP応答を取得してください。",
    },
    ErrorCode {
        code: "CHALLENGE_INVALID",
        en: "The challenge is unknown, already used or expired.",
        ja: "チャレンジが不明、使用済み、または期限切れです。",
    },
    ErrorCode {
        code: "OIDC_STATE_MISMATCH",
        en: "The sign-in response does not belong to this sign-in (state mismatch). Please start again.",
        ja: "ログインの応答がこのログインのものではありません（state不一致）。最初からやり直してください。",
    },
    ErrorCode {
        code: "OIDC_ISSUER_MISMATCH",
        en: "The response comes from an unexpected identity provider (issuer mismatch).",
        ja: "想定外の認証サーバーからの応答です（issuer不一致）。",
    },
    ErrorCode {
        code: "OIDC_ERROR_RESPONSE",
        en: "The identity provider refused the request ({error}).",
        ja: "認証サーバーが要求を拒否しました（{error}）。",
    },
    ErrorCode {
        code: "OIDC_RESPONSE_INVALID",
        en: "The identity provider's response is invalid ({detail}).",
        ja: "認証サーバーの応答が不正です（{detail}）。",
    },
    ErrorCode {
        code: "OIDC_NETWORK",
        en: "The identity provider could not be reached. Please start again.",
        ja: "認証サーバーと通信できませんでした。最初からやり直してください。",
    },
    ErrorCode {
        code: "HTTP_STATUS",
        en: "The identity provider answered with HTTP status {status}.",
        ja: "認証サーバーがHTTPステータス{status}を返しました。",
    },
    ErrorCode {
        code: "ID_TOKEN_INVALID",
        en: "The ID token is invalid ({detail}).",
        ja: "IDトークンが不正です（{detail}）。",
    },
    ErrorCode {
        code: "JWKS_KEY_UNKNOWN",
        en: "The identity provider's signing key is unknown.",
        ja: "認証サーバーの署名鍵が不明です。",
    },
    ErrorCode {
        code: "USERINFO_SUB_MISMATCH",
        en: "The user information belongs to another user than the ID token.",
        ja: "ユーザー情報がIDトークンの利用者と一致しません。",
    },
    ErrorCode {
        code: "JWE_INVALID",
        en: "The encrypted response could not be decrypted.",
        ja: "暗号化された応答を復号できませんでした。",
    },
    ErrorCode {
        code: "LOGIN_EXPIRED",
        en: "The sign-in took too long. Please start again.",
        ja: "ログインの有効期限が切れました。最初からやり直してください。",
    },
    ErrorCode {
        code: "LOGIN_REPLAYED",
        en: "This sign-in response was already used.",
        ja: "このログインの応答は既に使用されています。",
    },
    ErrorCode {
        code: "INVALID_ARGUMENT",
        en: "Invalid argument ({detail}).",
        ja: "引数が不正です（{detail}）。",
    },
];

/// The index of `code` in [`ERROR_CODES`], evaluated at compile time by [`row!`].
#[allow(clippy::panic)] // only ever evaluated in a const: a missing row fails the build
const fn row_index(code: &str) -> usize {
    let code = code.as_bytes();
    let mut i = 0;
    while i < ERROR_CODES.len() {
        let row = ERROR_CODES[i].code.as_bytes();
        if row.len() == code.len() {
            let mut j = 0;
            while j < row.len() && row[j] == code[j] {
                j += 1;
            }
            if j == row.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("an error code without a row in ERROR_CODES")
}

/// `&ERROR_CODES[i]` for the row of this code, found at compile time.
macro_rules! row {
    ($code:literal) => {{
        const INDEX: usize = row_index($code);
        &ERROR_CODES[INDEX]
    }};
}

impl Error {
    /// The stable code shared by every face.
    pub fn code(&self) -> &'static str {
        self.row().code
    }

    /// This error's row of [`ERROR_CODES`]. The match is exhaustive and each `row!` is looked
    /// up at compile time: a variant without a row, or a row missing from the table, does not
    /// build — there is no fallback.
    fn row(&self) -> &'static ErrorCode {
        match self {
            Error::PinFormat { .. } => row!("PIN_FORMAT"),
            Error::PinIncorrect { .. } => row!("PIN_INCORRECT"),
            Error::PinLocked => row!("PIN_LOCKED"),
            Error::SecurityStatus => row!("SECURITY_STATUS"),
            Error::WrongCard { .. } => row!("WRONG_CARD"),
            Error::CardRemoved => row!("CARD_REMOVED"),
            Error::ReaderNotFound => row!("READER_NOT_FOUND"),
            Error::ReaderDisconnected => row!("READER_DISCONNECTED"),
            Error::Timeout => row!("TIMEOUT"),
            Error::Cancelled => row!("CANCELLED"),
            Error::Transport { .. } => row!("TRANSPORT"),
            Error::FileNotFound => row!("FILE_NOT_FOUND"),
            Error::UnexpectedStatus { .. } => row!("UNEXPECTED_STATUS"),
            Error::MalformedResponse { .. } => row!("MALFORMED_RESPONSE"),
            Error::IntegrityMismatch { .. } => row!("INTEGRITY_MISMATCH"),
            Error::CertificateInvalid { .. } => row!("CERTIFICATE_INVALID"),
            Error::SignatureInvalid => row!("SIGNATURE_INVALID"),
            Error::ChainUntrusted => row!("CHAIN_UNTRUSTED"),
            Error::CertificateExpired => row!("CERTIFICATE_EXPIRED"),
            Error::InvalidArgument { .. } => row!("INVALID_ARGUMENT"),
            Error::Revoked { .. } => row!("REVOKED"),
            Error::StatusUnknown => row!("STATUS_UNKNOWN"),
            Error::StatusInvalid { .. } => row!("STATUS_INVALID"),
            Error::StatusStale { .. } => row!("STATUS_STALE"),
            Error::ChallengeInvalid => row!("CHALLENGE_INVALID"),
            Error::OidcStateMismatch => row!("OIDC_STATE_MISMATCH"),
            Error::OidcIssuerMismatch => row!("OIDC_ISSUER_MISMATCH"),
            Error::OidcErrorResponse { .. } => row!("OIDC_ERROR_RESPONSE"),
            Error::OidcResponseInvalid { .. } => row!("OIDC_RESPONSE_INVALID"),
            Error::OidcNetwork => row!("OIDC_NETWORK"),
            Error::HttpStatus { .. } => row!("HTTP_STATUS"),
            Error::IdTokenInvalid { .. } => row!("ID_TOKEN_INVALID"),
            Error::JwksKeyUnknown => row!("JWKS_KEY_UNKNOWN"),
            Error::UserinfoSubMismatch => row!("USERINFO_SUB_MISMATCH"),
            Error::JweInvalid => row!("JWE_INVALID"),
            Error::LoginExpired => row!("LOGIN_EXPIRED"),
            Error::LoginReplayed => row!("LOGIN_REPLAYED"),
        }
    }

    /// Remaining tries, for `PIN_INCORRECT`.
    pub fn remaining_tries(&self) -> Option<u8> {
        match self {
            Error::PinIncorrect { remaining } => Some(*remaining),
            _ => None,
        }
    }

    /// The parameters of this error as name/value pairs, for faces that build their own text.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Error::PinFormat { kind } => vec![
                ("pin", kind.name_en().to_string()),
                ("pin_ja", kind.name_ja().to_string()),
                ("rule", kind.rule_en().to_string()),
                ("rule_ja", kind.rule_ja().to_string()),
            ],
            Error::PinIncorrect { remaining } => vec![("remaining", remaining.to_string())],
            Error::WrongCard { found } => vec![("found", found.as_str().to_string())],
            Error::UnexpectedStatus { sw } => vec![("sw", format!("{sw:04X}"))],
            Error::Transport { detail } => vec![("detail", detail.clone())],
            Error::MalformedResponse { what }
            | Error::IntegrityMismatch { what }
            | Error::CertificateInvalid { what }
            | Error::StatusInvalid { what }
            | Error::StatusStale { what }
            | Error::InvalidArgument { what }
            | Error::OidcResponseInvalid { what } => vec![("detail", what.to_string())],
            Error::IdTokenInvalid { reason } => vec![("detail", reason.to_string())],
            Error::OidcErrorResponse { error } => vec![("error", error.clone())],
            Error::HttpStatus { status } => vec![("status", status.to_string())],
            Error::Revoked { reason } => vec![
                ("reason", reason.as_str().to_string()),
                ("reason_ja", reason.label_ja().to_string()),
            ],
            _ => Vec::new(),
        }
    }

    fn render(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (name, value) in self.params() {
            out = out.replace(&format!("{{{name}}}"), &value);
        }
        out
    }

    /// English message.
    pub fn message_en(&self) -> String {
        self.render(self.row().en)
    }

    /// Japanese message (日本語のメッセージ).
    pub fn message_ja(&self) -> String {
        self.render(self.row().ja)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message_en())
    }
}

impl std::error::Error for Error {}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::CardRemoved => Error::CardRemoved,
            TransportError::ReaderNotFound => Error::ReaderNotFound,
            TransportError::ReaderDisconnected => Error::ReaderDisconnected,
            TransportError::Cancelled => Error::Cancelled,
            TransportError::Timeout => Error::Timeout,
            TransportError::Other(detail) => Error::Transport { detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Error> {
        vec![
            Error::PinFormat {
                kind: PinKind::Auth,
            },
            Error::PinIncorrect { remaining: 2 },
            Error::PinLocked,
            Error::SecurityStatus,
            Error::WrongCard {
                found: CardKind::JukiCard,
            },
            Error::CardRemoved,
            Error::ReaderNotFound,
            Error::ReaderDisconnected,
            Error::Timeout,
            Error::Cancelled,
            Error::Transport { detail: "x".into() },
            Error::FileNotFound,
            Error::UnexpectedStatus { sw: 0x6D00 },
            Error::MalformedResponse { what: "x" },
            Error::IntegrityMismatch { what: "x" },
            Error::CertificateInvalid { what: "x" },
            Error::SignatureInvalid,
            Error::ChainUntrusted,
            Error::CertificateExpired,
            Error::InvalidArgument { what: "x" },
            Error::Revoked {
                reason: crate::verify::RevocationReason::KeyCompromise,
            },
            Error::StatusUnknown,
            Error::StatusInvalid { what: "x" },
            Error::StatusStale { what: "x" },
            Error::ChallengeInvalid,
            Error::OidcStateMismatch,
            Error::OidcIssuerMismatch,
            Error::OidcErrorResponse {
                error: "access_denied".into(),
            },
            Error::OidcResponseInvalid { what: "x" },
            Error::OidcNetwork,
            Error::HttpStatus { status: 500 },
            Error::IdTokenInvalid { reason: "x" },
            Error::JwksKeyUnknown,
            Error::UserinfoSubMismatch,
            Error::JweInvalid,
            Error::LoginExpired,
            Error::LoginReplayed,
        ]
    }

    #[test]
    fn every_code_has_a_row_and_rows_are_unique() {
        let all = samples();
        assert_eq!(all.len(), ERROR_CODES.len());
        for e in &all {
            assert!(
                ERROR_CODES.iter().any(|r| r.code == e.code()),
                "{}",
                e.code()
            );
        }
        let mut codes: Vec<_> = ERROR_CODES.iter().map(|r| r.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ERROR_CODES.len());
    }

    #[test]
    fn messages_have_no_unfilled_parameters() {
        for e in samples() {
            for m in [e.message_en(), e.message_ja()] {
                assert!(!m.contains('{'), "{}: {m}", e.code());
            }
        }
        assert_eq!(
            Error::PinIncorrect { remaining: 2 }.message_ja(),
            "暗証番号が違います。残り2回です。0回になると暗証番号がロックされます。"
        );
        assert!(
            Error::PinFormat {
                kind: PinKind::Sign
            }
            .message_en()
            .contains("6 to 16")
        );
    }
}
