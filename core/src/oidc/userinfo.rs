//! The userinfo response (OIDC Core §5.3) and its 基本4情報 claims mapped to [`FourInfo`].
//! The value formats of デジタル認証アプリ (address as a string or an object, how gender is
//! coded, the date form) are unconfirmed, so [`ClaimFormat`] says what to accept.

use serde::Deserialize;

use super::http::{HttpOutcome, HttpRequest, json_body};
use super::token::AccessToken;
use crate::error::Error;
use crate::error::OidcError;
use crate::four_info::{CardText, Date, FourInfo, Sex};

/// How `address` is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AddressFormat {
    /// A JSON string.
    String,
    /// An OIDC address object; its `formatted` member is used.
    Formatted,
    /// Either of the two.
    #[default]
    Either,
}

/// How `gender` is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GenderFormat {
    /// ISO/IEC 5218 digits as on the card: `"0"`, `"1"`, `"2"`, `"9"` (also as JSON numbers).
    Iso5218,
    /// OIDC Core §5.1 words: `"male"`, `"female"` (other values are refused).
    OidcWords,
    /// Either of the two.
    #[default]
    Either,
}

/// The accepted userinfo claim formats. `birthdate` is `YYYY-MM-DD` (OIDC) or `YYYYMMDD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ClaimFormat {
    /// How `address` is given.
    pub address: AddressFormat,
    /// How `gender` is given.
    pub gender: GenderFormat,
}

/// What userinfo said about the user. Personal data: `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The subject (must equal the ID token's).
    pub sub: String,
    /// 氏名.
    pub name: Option<CardText>,
    /// 住所.
    pub address: Option<CardText>,
    /// 生年月日.
    pub birth_date: Option<Date>,
    /// 性別.
    pub sex: Option<Sex>,
}

impl core::fmt::Debug for UserInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("UserInfo(<redacted>)")
    }
}

impl UserInfo {
    /// 基本4情報, when all four were given.
    pub fn four_info(&self) -> Option<FourInfo> {
        Some(FourInfo {
            name: self.name.clone()?,
            address: self.address.clone()?,
            birth_date: self.birth_date?,
            sex: self.sex?,
        })
    }
}

#[derive(Deserialize)]
struct RawUserInfo {
    sub: Option<String>,
    name: Option<serde_json::Value>,
    address: Option<serde_json::Value>,
    birthdate: Option<serde_json::Value>,
    gender: Option<serde_json::Value>,
}

fn bad(what: &'static str) -> Error {
    Error::Oidc(OidcError::ResponseInvalid { what })
}

fn text(value: &serde_json::Value) -> Option<&str> {
    value.as_str().filter(|s| !s.is_empty())
}

fn address(value: &serde_json::Value, format: AddressFormat) -> Option<&str> {
    let as_string = || text(value);
    let as_object = || value.get("formatted").and_then(text);
    match format {
        AddressFormat::String => as_string(),
        AddressFormat::Formatted => as_object(),
        AddressFormat::Either => as_string().or_else(as_object),
    }
}

fn gender(value: &serde_json::Value, format: GenderFormat) -> Option<Sex> {
    let digits = || match value {
        serde_json::Value::String(s) => Sex::from_code(s.as_bytes()),
        serde_json::Value::Number(n) => Sex::from_code(n.to_string().as_bytes()),
        _ => None,
    };
    let words = || match value.as_str()? {
        "male" => Some(Sex::Male),
        "female" => Some(Sex::Female),
        _ => None,
    };
    match format {
        GenderFormat::Iso5218 => digits(),
        GenderFormat::OidcWords => words(),
        GenderFormat::Either => digits().or_else(words),
    }
}

/// The GET of the userinfo endpoint with the access token.
pub fn userinfo_request(endpoint: &str, token: &AccessToken) -> HttpRequest {
    HttpRequest::get(endpoint.to_string())
        .with_header("authorization", format!("Bearer {}", token.secret()))
}

/// Parses a userinfo response for the user whose ID token said `id_token_sub`: a different
/// `sub` is `USERINFO_SUB_MISMATCH` (OIDC Core §5.3.2); a claim in an unaccepted format is
/// `OIDC_RESPONSE_INVALID`, never silently dropped.
pub fn parse_userinfo(
    outcome: HttpOutcome<'_>,
    id_token_sub: &str,
    format: ClaimFormat,
) -> Result<UserInfo, Error> {
    let raw: RawUserInfo = json_body(outcome, "userinfo is not a JSON object")?;
    let sub = raw.sub.ok_or(bad("userinfo sub is missing"))?;
    if sub != id_token_sub {
        return Err(Error::Oidc(OidcError::UserinfoSubMismatch));
    }
    let name = match &raw.name {
        None => None,
        Some(v) => Some(CardText::from_text(text(v).ok_or(bad("name format"))?)),
    };
    let address = match &raw.address {
        None => None,
        Some(v) => Some(CardText::from_text(
            address(v, format.address).ok_or(bad("address format"))?,
        )),
    };
    let birth_date = match &raw.birthdate {
        None => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|s| Date::parse(s.as_bytes()))
                .ok_or(bad("birthdate format"))?,
        ),
    };
    let sex = match &raw.gender {
        None => None,
        Some(v) => Some(gender(v, format.gender).ok_or(bad("gender format"))?),
    };
    Ok(UserInfo {
        sub,
        name,
        address,
        birth_date,
        sex,
    })
}
