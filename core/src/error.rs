//! One error model for the whole SDK, in layers. [`Error`] says which layer failed — the PIN
//! ([`PinError`]), the card ([`CardError`]), the link to it ([`TransportError`]), a
//! verification ([`VerifyError`]), the hand-off to the government app ([`OidcError`]) or the
//! caller's use of the API ([`UsageError`]) — and each layer's enum says what.
//!
//! Every leaf has a stable code and an English and a Japanese message, written **once** in the
//! `errors!` table below: the enums, `code()`, `params()` and [`ERROR_CODES`] (the data every
//! face prints) are generated from it, so a variant cannot exist without its code and messages,
//! and a code means the same thing in Rust, JS, Swift, Kotlin and the CLI.
//!
//! This module is a leaf of the core: it names only [`PinKind`] and [`RevocationReason`], which
//! import nothing from the SDK.
//!
//! ```
//! use mynacard_core::error::{Error, PinError};
//! let e: Error = PinError::Incorrect { remaining: 2 }.into();
//! assert_eq!(e.code(), "PIN_INCORRECT");
//! assert!(matches!(e, Error::Pin(PinError::Incorrect { remaining: 2 })));
//! assert_eq!(e.message_ja(), "暗証番号が違います。残り2回です。0回になると暗証番号がロックされます。");
//! ```

use crate::pin::kind::PinKind;
use crate::verify::reason::RevocationReason;

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
    /// The stable name every face prints: `juki`, `smartphone`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            CardKind::JukiCard => "juki",
            CardKind::Smartphone => "smartphone",
            CardKind::Unknown => "unknown",
        }
    }
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

/// Generates, from one definition per layer: the layer enum, its `From` into [`Error`], its
/// `code()`, row and `params()`; the top-level [`Error`] with one variant per layer; and the
/// table [`ERROR_CODES`] in definition order.
macro_rules! errors {
    (
        $(
            $(#[$layer_meta:meta])*
            $Layer:ident($Enum:ident) {
                $(
                    $(#[$meta:meta])*
                    $Variant:ident $({ $($(#[$field_meta:meta])* $field:ident : $ty:ty),* $(,)? })? => $code:literal,
                        en: $en:literal,
                        ja: $ja:literal
                        $(, params: [$($name:literal = $value:expr),* $(,)?])? ;
                )*
            }
        )*
    ) => {
        /// Everything that can go wrong, by layer. Never carries a PIN, card data or APDU data.
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Error {
            $( $(#[$layer_meta])* $Layer($Enum), )*
        }

        $(
            $(#[$layer_meta])*
            #[derive(Clone, Debug, PartialEq, Eq)]
            #[non_exhaustive]
            pub enum $Enum {
                $( $(#[$meta])* $Variant $({ $($(#[$field_meta])* $field: $ty),* })?, )*
            }

            impl From<$Enum> for Error {
                fn from(e: $Enum) -> Self {
                    Error::$Layer(e)
                }
            }

            impl $Enum {
                /// The stable code shared by every face.
                pub const fn code(&self) -> &'static str {
                    self.row().code
                }

                const fn row(&self) -> &'static ErrorCode {
                    match self {
                        $( $Enum::$Variant { .. } => &ErrorCode { code: $code, en: $en, ja: $ja }, )*
                    }
                }

                #[allow(unused_variables)] // a variant's fields are bound whether or not it shows them
                fn params(&self) -> Vec<(&'static str, String)> {
                    match self {
                        $( $Enum::$Variant $({ $($field),* })? => vec![$($(($name, $value)),*)?], )*
                    }
                }
            }

            impl core::fmt::Display for $Enum {
                fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    write!(f, "{}: {}", self.code(), render(self.row().en, self.params()))
                }
            }

            impl std::error::Error for $Enum {}
        )*

        /// The table every face uses, in definition order. Parameters: `{remaining}`, `{pin}`,
        /// `{pin_ja}`, `{rule}`, `{rule_ja}`, `{found}`, `{sw}`, `{detail}`, `{reason}`,
        /// `{reason_ja}`, `{error}` (an OAuth error code), `{status}` (an HTTP status), `{profile}`,
        /// `{key}`, `{needed}`, `{capacity}`.
        pub const ERROR_CODES: &[ErrorCode] = &[
            $( $( ErrorCode { code: $code, en: $en, ja: $ja }, )* )*
        ];

        impl Error {
            const fn row(&self) -> &'static ErrorCode {
                match self {
                    $( Error::$Layer(e) => e.row(), )*
                }
            }

            /// The parameters of this error as name/value pairs, for faces that build their own
            /// text (never a PIN, card data or token content).
            pub fn params(&self) -> Vec<(&'static str, String)> {
                match self {
                    $( Error::$Layer(e) => e.params(), )*
                }
            }
        }

        #[cfg(test)]
        /// One value of every leaf, built from the same definition (the table test walks them).
        fn every_variant() -> Vec<&'static str> {
            vec![$($(stringify!($Variant)),*),*]
        }
    };
}

errors! {
    /// 暗証番号・照合番号: the secret the user typed.
    Pin(PinError) {
        /// The PIN does not have the card's format; nothing was sent to the card.
        Format {
            /// Which PIN, so the message can say its rule.
            kind: PinKind,
        } => "PIN_FORMAT",
            en: "The {pin} must be {rule}. Nothing was sent to the card.",
            ja: "{pin_ja}は{rule_ja}で入力してください。カードには送信していません。",
            params: [
                "pin" = kind.name_en().to_string(),
                "pin_ja" = kind.name_ja().to_string(),
                "rule" = kind.rule_en().to_string(),
                "rule_ja" = kind.rule_ja().to_string(),
            ];
        /// The card refused the PIN; `remaining` tries are left (0: now locked).
        Incorrect {
            /// Tries left after this one.
            remaining: u8,
        } => "PIN_INCORRECT",
            en: "Incorrect PIN. {remaining} tries left; at 0 the PIN is locked.",
            ja: "暗証番号が違います。残り{remaining}回です。0回になると暗証番号がロックされます。",
            params: ["remaining" = remaining.to_string()];
        /// The PIN is locked (閉塞); only a municipal office can reset it. No VERIFY was sent.
        Locked => "PIN_LOCKED",
            en: "This PIN is locked. It can be reset at your municipal office.",
            ja: "暗証番号がロックされています。お住まいの市区町村窓口で初期化してください。";
    }

    /// What the card answered: not the card expected, or an answer the SDK cannot use.
    Card(CardError) {
        /// The card needs a PIN verified before this (6982).
        SecurityStatus => "SECURITY_STATUS",
            en: "The card requires a PIN to be verified first.",
            ja: "先に暗証番号の照合が必要です。";
        /// Not a My Number Card.
        WrongCard {
            /// What the card looks like instead.
            found: CardKind,
        } => "WRONG_CARD",
            en: "This is not a My Number Card ({found}).",
            ja: "マイナンバーカードではありません（{found}）。",
            params: ["found" = found.as_str().to_string()];
        /// The application or file does not exist on this card (6A82).
        FileNotFound => "FILE_NOT_FOUND",
            en: "The card does not have the requested application or file.",
            ja: "カードに該当するアプリケーションまたはファイルがありません。";
        /// A status word the operation cannot continue from.
        UnexpectedStatus {
            /// The status word (SW1 SW2).
            sw: u16,
        } => "UNEXPECTED_STATUS",
            en: "The card answered with status {sw}.",
            ja: "カードがステータス{sw}を返しました。",
            params: ["sw" = format!("{sw:04X}")];
        /// The card's answer does not have the expected shape.
        MalformedResponse {
            /// What was wrong with the response (no card data).
            what: &'static str,
        } => "MALFORMED_RESPONSE",
            en: "The card's answer is malformed ({detail}).",
            ja: "カードの応答が不正です（{detail}）。",
            params: ["detail" = what.to_string()];
        /// Data read from the card does not match the hash the card holds for it.
        IntegrityMismatch {
            /// Which data did not match its integrity record.
            what: &'static str,
        } => "INTEGRITY_MISMATCH",
            en: "Data read from the card does not match its integrity hash ({detail}).",
            ja: "カードから読み取ったデータが改ざん検知用ハッシュと一致しません（{detail}）。",
            params: ["detail" = what.to_string()];
    }

    /// The link to the card: reader, USB, PC/SC, NFC. Transports return these; the core adds
    /// nothing but the layer.
    Transport(TransportError) {
        /// The card left the field or the slot (タッチ外れ / 抜去).
        CardRemoved => "CARD_REMOVED",
            en: "The card was removed. Place it on the reader again.",
            ja: "カードが離れました。もう一度カードをリーダーに置いてください。";
        /// No reader, or the named reader does not exist.
        ReaderNotFound => "READER_NOT_FOUND",
            en: "No card reader was found.",
            ja: "カードリーダーが見つかりません。";
        /// The reader was unplugged or its connection broke.
        ReaderDisconnected => "READER_DISCONNECTED",
            en: "The card reader was disconnected.",
            ja: "カードリーダーの接続が切れました。";
        /// The card or reader did not answer in time.
        Timeout => "TIMEOUT",
            en: "The card did not answer in time.",
            ja: "カードが時間内に応答しませんでした。";
        /// The operation was cancelled by the caller.
        Cancelled => "CANCELLED",
            en: "The operation was cancelled.",
            ja: "操作は中止されました。";
        /// Anything else, described for developers (never contains APDU data).
        Other {
            /// The transport's own description (never APDU data).
            detail: String,
        } => "TRANSPORT",
            en: "Communication with the reader failed ({detail}).",
            ja: "カードリーダーとの通信に失敗しました（{detail}）。",
            params: ["detail" = detail.clone()];
    }

    /// 検証: what a relying party checks before it believes a card.
    Verify(VerifyError) {
        /// A certificate could not be parsed or lacks a required field.
        CertificateInvalid {
            /// Which check failed.
            what: &'static str,
        } => "CERTIFICATE_INVALID",
            en: "The certificate is invalid ({detail}).",
            ja: "電子証明書が不正です（{detail}）。",
            params: ["detail" = what.to_string()];
        /// A signature does not verify.
        SignatureInvalid => "SIGNATURE_INVALID",
            en: "The signature does not verify.",
            ja: "署名の検証に失敗しました。";
        /// A certificate is not issued by any configured trust anchor.
        ChainUntrusted => "CHAIN_UNTRUSTED",
            en: "The certificate was not issued by a trusted certification authority.",
            ja: "電子証明書が信頼できる認証局により発行されていません。";
        /// A certificate is outside its validity period at the checked time.
        CertificateExpired => "CERTIFICATE_EXPIRED",
            en: "The certificate is not valid at this time.",
            ja: "電子証明書の有効期間外です。";
        /// The certificate is revoked (失効). For a 署名用 certificate, reason
        /// `affiliationChanged` (記載事項変更) means the 4情報 changed.
        Revoked {
            /// The CRL's or OCSP response's revocation reason.
            reason: RevocationReason,
        } => "REVOKED",
            en: "The certificate has been revoked (reason: {reason}).",
            ja: "電子証明書は失効しています（理由: {reason_ja}）。",
            params: [
                "reason" = reason.as_str().to_string(),
                "reason_ja" = reason.label_ja().to_string(),
            ];
        /// The revocation source (CRL or OCSP response) does not know this certificate.
        StatusUnknown => "STATUS_UNKNOWN",
            en: "The revocation status of the certificate is unknown.",
            ja: "電子証明書の失効状態が確認できません。";
        /// A CRL or OCSP response is malformed, wrongly signed or for another issuer.
        StatusInvalid {
            /// Why the status evidence could not be used.
            what: &'static str,
        } => "STATUS_INVALID",
            en: "The revocation information is invalid ({detail}).",
            ja: "失効情報が不正です（{detail}）。",
            params: ["detail" = what.to_string()];
        /// A CRL or OCSP response that was valid is out of date at the verification time (a
        /// held CRL past its nextUpdate, an OCSP response without nextUpdate older than the
        /// maximum age): fetch a current one.
        StatusStale {
            /// Which evidence is past its time.
            what: &'static str,
        } => "STATUS_STALE",
            en: "The revocation information is out of date ({detail}). Fetch a current CRL or OCSP response.",
            ja: "失効情報の有効期限が切れています（{detail}）。最新のCRLまたはOCSP応答を取得してください。",
            params: ["detail" = what.to_string()];
        /// A challenge is unknown, already used or expired (replay protection).
        ChallengeInvalid => "CHALLENGE_INVALID",
            en: "The challenge is unknown, already used or expired.",
            ja: "チャレンジが不明、使用済み、または期限切れです。";
        /// The 券面事項確認AP's answer to the internal authentication (内部認証) does not verify
        /// against the card key that the card's own signed record (EF 0001) names: the files
        /// were copied from another card, or the answer is not for this challenge.
        CardNotGenuine => "CARD_NOT_GENUINE",
            en: "The card's internal authentication does not verify against the key its records name: this is not the card whose data it carries.",
            ja: "カードの内部認証の応答が、カードに記録された鍵で検証できません。記録されたデータの本来のカードではありません。";
        /// The key record (EF 0004) of the 券面事項確認AP is not signed by the trust anchor
        /// given (the J-LIS key that issues key records).
        KeyRecordUntrusted => "KEY_RECORD_UNTRUSTED",
            en: "The card's key record is not signed by the trusted issuer key.",
            ja: "カードの鍵の記録が、信頼する発行者の鍵で署名されていません。";
    }

    /// The hand-off to デジタル認証アプリ (OIDC): the provider's answers and the login's life.
    Oidc(OidcError) {
        /// The callback's `state` is not the one this login sent (or no login has it).
        StateMismatch => "OIDC_STATE_MISMATCH",
            en: "The sign-in response does not belong to this sign-in (state mismatch). Please start again.",
            ja: "ログインの応答がこのログインのものではありません（state不一致）。最初からやり直してください。";
        /// An `iss` (callback per RFC 9207, discovery document) names another issuer.
        IssuerMismatch => "OIDC_ISSUER_MISMATCH",
            en: "The response comes from an unexpected identity provider (issuer mismatch).",
            ja: "想定外の認証サーバーからの応答です（issuer不一致）。";
        /// The provider answered with an OAuth error code (e.g. `access_denied`). The code is
        /// the provider's, checked to be printable ASCII; `error_description` is not kept.
        ErrorResponse {
            /// The provider's `error` code (OAuth 2.0 §5.2).
            error: String,
        } => "OIDC_ERROR_RESPONSE",
            en: "The identity provider refused the request ({error}).",
            ja: "認証サーバーが要求を拒否しました（{error}）。",
            params: ["error" = error.clone()];
        /// A provider response (discovery, JWKS, token, userinfo, sign result) is malformed.
        ResponseInvalid {
            /// What was wrong with the response.
            what: &'static str,
        } => "OIDC_RESPONSE_INVALID",
            en: "The identity provider's response is invalid ({detail}).",
            ja: "認証サーバーの応答が不正です（{detail}）。",
            params: ["detail" = what.to_string()];
        /// The caller reported that an HTTP step failed (network, TLS, timeout).
        Network => "OIDC_NETWORK",
            en: "The identity provider could not be reached. Please start again.",
            ja: "認証サーバーと通信できませんでした。最初からやり直してください。";
        /// An endpoint answered with an unexpected HTTP status.
        HttpStatus {
            /// The HTTP status code.
            status: u16,
        } => "HTTP_STATUS",
            en: "The identity provider answered with HTTP status {status}.",
            ja: "認証サーバーがHTTPステータス{status}を返しました。",
            params: ["status" = status.to_string()];
        /// The ID token failed a check (`reason` names which; never token content).
        IdTokenInvalid {
            /// Which ID-token check failed.
            reason: &'static str,
        } => "ID_TOKEN_INVALID",
            en: "The ID token is invalid ({detail}).",
            ja: "IDトークンが不正です（{detail}）。",
            params: ["detail" = reason.to_string()];
        /// No key in the provider's JWKS has the token's `kid`, even after one re-fetch.
        JwksKeyUnknown => "JWKS_KEY_UNKNOWN",
            en: "The identity provider's signing key is unknown.",
            ja: "認証サーバーの署名鍵が不明です。";
        /// userinfo's `sub` is not the ID token's `sub`.
        UserinfoSubMismatch => "USERINFO_SUB_MISMATCH",
            en: "The user information belongs to another user than the ID token.",
            ja: "ユーザー情報がIDトークンの利用者と一致しません。";
        /// A JWE could not be decrypted with the relying party's key, or is malformed.
        JweInvalid => "JWE_INVALID",
            en: "The encrypted response could not be decrypted.",
            ja: "暗号化された応答を復号できませんでした。";
        /// The pending login is older than its lifetime.
        LoginExpired => "LOGIN_EXPIRED",
            en: "The sign-in took too long. Please start again.",
            ja: "ログインの有効期限が切れました。最初からやり直してください。";
        /// The pending login was already used (a callback replayed).
        LoginReplayed => "LOGIN_REPLAYED",
            en: "This sign-in response was already used.",
            ja: "このログインの応答は既に使用されています。";
        /// The callback came to a browser that did not start this login: its login cookie is
        /// missing or another one (login CSRF, or a callback URL used from another browser).
        BrowserMismatch => "BROWSER_MISMATCH",
            en: "This sign-in was started in another browser. Please start again here.",
            ja: "このログインは別のブラウザで開始されました。このブラウザで最初からやり直してください。";
    }

    /// The caller's use of the API: a bad argument, a busy or closed session, a step out of
    /// order. Never the card's or the user's doing.
    Usage(UsageError) {
        /// A caller-supplied argument is out of range (e.g. a digest of the wrong length).
        InvalidArgument {
            /// Which argument, and why.
            what: &'static str,
        } => "INVALID_ARGUMENT",
            en: "Invalid argument ({detail}).",
            ja: "引数が不正です（{detail}）。",
            params: ["detail" = what.to_string()];
        /// Another operation on this session is still running; this call sent nothing to the
        /// card (a double tap never costs a second PIN try).
        Busy => "BUSY",
            en: "Another operation on this card is still running. Nothing was sent to the card.",
            ja: "このカードで別の操作を実行中です。カードには送信していません。";
        /// The session was closed; open a new one.
        SessionClosed => "SESSION_CLOSED",
            en: "The card session is closed. Connect to the card again.",
            ja: "カードとの接続は終了しています。もう一度カードに接続してください。";
        /// A step was called out of order (e.g. a sign result before the login finished).
        OutOfOrder {
            /// Which step came out of order.
            what: &'static str,
        } => "OUT_OF_ORDER",
            en: "This step cannot be done now ({detail}).",
            ja: "この手順は現在実行できません（{detail}）。",
            params: ["detail" = what.to_string()];
        /// What was asked to be signed does not fit the card's key, found from its certificate
        /// before the signature APDU: a digest too short for an ECDSA P-384 key (SHA-1), or a
        /// DigestInfo longer than an RSA modulus can carry. Sign the data (`SignInput::data`)
        /// or give a digest of the key's own algorithm.
        DigestUnfitForKey {
            /// The digest given (`SHA-1`, …).
            digest: &'static str,
            /// The card key's algorithm (`RSA`, `ECDSA P-384`).
            key: &'static str,
        } => "DIGEST_UNFIT_FOR_KEY",
            en: "A {digest} digest cannot be signed with the card's {key} key. Give the data, or a digest of the key's own algorithm.",
            ja: "{digest}のダイジェストはカードの{key}鍵では署名できません。データそのもの、または鍵に合ったハッシュのダイジェストを渡してください。",
            params: ["digest" = digest.to_string(), "key" = key.to_string()];
    }

    /// 電子署名付きPDF: a PDF that cannot be signed or checked as it is (feature `pdf`).
    Pdf(PdfError) {
        /// The file is not a PDF the SDK can read: truncated, a broken cross-reference table
        /// or trailer, no page, or a signature dictionary that is not what ISO 32000-1 §12.8
        /// prescribes. `what` names the part, never file content.
        Malformed {
            /// Which part of the file is broken.
            what: &'static str,
        } => "PDF_MALFORMED",
            en: "The PDF file is damaged or not a PDF ({detail}).",
            ja: "PDFファイルが壊れているか、PDFではありません（{detail}）。",
            params: ["detail" = what.to_string()];
        /// The PDF is encrypted (a /Encrypt dictionary): an incremental signature cannot be
        /// added to it without its password, and the SDK does not decrypt.
        Encrypted => "PDF_ENCRYPTED",
            en: "The PDF file is encrypted. Save it without encryption, then sign it.",
            ja: "PDFファイルが暗号化されています。暗号化を解除して保存してから署名してください。";
        /// The signature profile forbids the card's key (profile `moj`: RSA-2048 only, as for
        /// 登記・供託 and 電子公証). Found from the certificate before the signature APDU.
        KeyForbidden {
            /// The profile (`moj`, `pades`).
            profile: &'static str,
            /// The key found (`RSA-4096`, `ECDSA P-384`).
            key: String,
        } => "PDF_KEY_FORBIDDEN",
            en: "The signature profile {profile} does not accept a {key} key (RSA-2048 only).",
            ja: "署名プロファイル{profile}は{key}鍵を受け付けません（RSA-2048のみ）。",
            params: ["profile" = profile.to_string(), "key" = key.clone()];
        /// The CMS signature is larger than the room reserved for /Contents when the file was
        /// prepared; prepare again with a larger `contents_capacity`.
        ContentsTooSmall {
            /// Bytes the signature needs.
            needed: usize,
            /// Bytes reserved.
            capacity: usize,
        } => "PDF_CONTENTS_TOO_SMALL",
            en: "The signature ({needed} bytes) does not fit the space reserved in the PDF ({capacity} bytes).",
            ja: "署名（{needed}バイト）がPDFに確保した領域（{capacity}バイト）に収まりません。",
            params: ["needed" = needed.to_string(), "capacity" = capacity.to_string()];
        /// The PDF has no signature to verify.
        NotSigned => "PDF_NOT_SIGNED",
            en: "The PDF file has no signature.",
            ja: "PDFファイルに署名がありません。";
    }
}

/// Fills `{name}` parameters of `template`.
fn render(template: &str, params: Vec<(&'static str, String)>) -> String {
    let mut out = template.to_string();
    for (name, value) in params {
        out = out.replace(&format!("{{{name}}}"), &value);
    }
    out
}

impl Error {
    /// The stable code shared by every face.
    pub const fn code(&self) -> &'static str {
        self.row().code
    }

    /// Remaining tries, for `PIN_INCORRECT`.
    pub fn remaining_tries(&self) -> Option<u8> {
        match self {
            Error::Pin(PinError::Incorrect { remaining }) => Some(*remaining),
            _ => None,
        }
    }

    /// English message.
    pub fn message_en(&self) -> String {
        render(self.row().en, self.params())
    }

    /// Japanese message (日本語のメッセージ).
    pub fn message_ja(&self) -> String {
        render(self.row().ja, self.params())
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message_en())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every leaf; the table test checks it covers [`every_variant`].
    fn samples() -> Vec<Error> {
        vec![
            PinError::Format {
                kind: PinKind::Auth,
            }
            .into(),
            PinError::Incorrect { remaining: 2 }.into(),
            PinError::Locked.into(),
            CardError::SecurityStatus.into(),
            CardError::WrongCard {
                found: CardKind::JukiCard,
            }
            .into(),
            CardError::FileNotFound.into(),
            CardError::UnexpectedStatus { sw: 0x6D00 }.into(),
            CardError::MalformedResponse { what: "x" }.into(),
            CardError::IntegrityMismatch { what: "x" }.into(),
            TransportError::CardRemoved.into(),
            TransportError::ReaderNotFound.into(),
            TransportError::ReaderDisconnected.into(),
            TransportError::Timeout.into(),
            TransportError::Cancelled.into(),
            TransportError::Other { detail: "x".into() }.into(),
            VerifyError::CertificateInvalid { what: "x" }.into(),
            VerifyError::SignatureInvalid.into(),
            VerifyError::ChainUntrusted.into(),
            VerifyError::CertificateExpired.into(),
            VerifyError::Revoked {
                reason: RevocationReason::KeyCompromise,
            }
            .into(),
            VerifyError::StatusUnknown.into(),
            VerifyError::StatusInvalid { what: "x" }.into(),
            VerifyError::StatusStale { what: "x" }.into(),
            VerifyError::ChallengeInvalid.into(),
            VerifyError::CardNotGenuine.into(),
            VerifyError::KeyRecordUntrusted.into(),
            OidcError::StateMismatch.into(),
            OidcError::IssuerMismatch.into(),
            OidcError::ErrorResponse {
                error: "access_denied".into(),
            }
            .into(),
            OidcError::ResponseInvalid { what: "x" }.into(),
            OidcError::Network.into(),
            OidcError::HttpStatus { status: 500 }.into(),
            OidcError::IdTokenInvalid { reason: "x" }.into(),
            OidcError::JwksKeyUnknown.into(),
            OidcError::UserinfoSubMismatch.into(),
            OidcError::JweInvalid.into(),
            OidcError::LoginExpired.into(),
            OidcError::LoginReplayed.into(),
            OidcError::BrowserMismatch.into(),
            UsageError::InvalidArgument { what: "x" }.into(),
            UsageError::Busy.into(),
            UsageError::SessionClosed.into(),
            UsageError::OutOfOrder { what: "x" }.into(),
            UsageError::DigestUnfitForKey {
                digest: "SHA-1",
                key: "ECDSA P-384",
            }
            .into(),
            PdfError::Malformed { what: "x" }.into(),
            PdfError::Encrypted.into(),
            PdfError::KeyForbidden {
                profile: "moj",
                key: "ECDSA P-384".into(),
            }
            .into(),
            PdfError::ContentsTooSmall {
                needed: 9000,
                capacity: 8192,
            }
            .into(),
            PdfError::NotSigned.into(),
        ]
    }

    #[test]
    fn the_table_has_one_unique_row_per_variant_in_order() {
        let all = samples();
        assert_eq!(all.len(), every_variant().len());
        assert_eq!(all.len(), ERROR_CODES.len());
        for (e, row) in all.iter().zip(ERROR_CODES) {
            assert_eq!(e.code(), row.code);
        }
        let mut codes: Vec<_> = ERROR_CODES.iter().map(|r| r.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ERROR_CODES.len(), "a code is used twice");
        assert!(
            codes
                .iter()
                .all(|c| c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        );
    }

    #[test]
    fn messages_have_no_unfilled_parameters() {
        for e in samples() {
            for m in [e.message_en(), e.message_ja(), e.to_string()] {
                assert!(!m.contains('{'), "{}: {m}", e.code());
            }
        }
        assert!(
            Error::from(PinError::Format {
                kind: PinKind::Sign
            })
            .message_en()
            .contains("6 to 16")
        );
        assert_eq!(
            Error::from(CardError::UnexpectedStatus { sw: 0x6A86 }).params(),
            vec![("sw", "6A86".to_string())]
        );
    }

    #[test]
    fn a_layer_prints_like_the_error_it_becomes() {
        let t = TransportError::Other {
            detail: "usb stall".into(),
        };
        assert_eq!(t.to_string(), Error::from(t.clone()).to_string());
        assert_eq!(t.code(), "TRANSPORT");
    }
}
