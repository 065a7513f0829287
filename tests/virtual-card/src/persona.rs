//! Personas: who the virtual card belongs to and how its answers vary, from `personas.toml`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::files::App;

/// The personas shipped with the crate.
const BUILTIN: &str = include_str!("../personas.toml");

/// 性別 as the card codes it (1 male, 2 female, 9 not applicable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    NotApplicable,
}

impl Sex {
    pub fn code(self) -> u8 {
        match self {
            Sex::Male => b'1',
            Sex::Female => b'2',
            Sex::NotApplicable => b'9',
        }
    }
}

/// What `00 20 00 80` (no data) answers right after a correct VERIFY: `63Cx` on the card
/// OpenSC recorded (pull/959), `9000` on others (soltia48/myna-card). See docs/card-notes.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum VerifiedTriesAnswer {
    #[serde(rename = "63Cx")]
    Tries,
    #[serde(rename = "9000")]
    Ok,
}

/// How the card answers the first APDU after power-on: normally, or `6F00` as
/// soltia48/myna-card saw on some cards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum FirstApdu {
    #[serde(rename = "normal")]
    Normal,
    #[serde(rename = "6F00")]
    NoDiagnosis,
}

/// A command that can name its EF by a short EF id (ISO 7816-4): READ BINARY (P1 = 80|SFI),
/// VERIFY (P2 = 80|SFI, tries query and PIN), COMPUTE DIGITAL SIGNATURE (P2 = 80|SFI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShortEfIdCommand {
    Read,
    Verify,
    Sign,
}

/// Which short-EF-id forms a card refuses, and with which status word (hex). The form is
/// recorded on cards only for READ / VERIFY in the 入力補助AP and 券面AP (AokiApp/jsapdu) and
/// mock-tested for 80 2A (soltia48/myna-card), so a card may answer anything to it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortEfIdRefusals {
    pub read: Option<String>,
    pub verify: Option<String>,
    pub sign: Option<String>,
    /// Only the 公的個人認証AP refuses; the other two take short ids.
    #[serde(default)]
    pub jpki_only: bool,
}

/// One cardholder and the variant of card they hold.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    #[serde(skip)]
    pub id: String,
    pub description: String,
    /// JPKI token EF 0006 contents before padding.
    pub token: String,
    /// ATR as hex.
    pub atr: String,
    pub auth_pin: String,
    pub sign_pin: String,
    pub assist_pin: String,
    pub auth_tries: u8,
    pub sign_tries: u8,
    pub assist_tries: u8,
    /// 氏名, with 外字 as private-use code points.
    pub name: String,
    /// 住所, with 外字 as private-use code points.
    pub address: String,
    /// 生年月日 as YYYY-MM-DD.
    pub birth: String,
    pub sex: Sex,
    /// 氏名 as the 署名用 certificate carries it (代替文字 for 外字).
    pub cert_name: String,
    pub cert_address: String,
    /// 個人番号, 12 digits with a valid check digit.
    pub my_number: String,
    /// The card's 有効期限 year (part of 照合番号B).
    pub expiry_year: u16,
    /// セキュリティコード (part of 照合番号B).
    pub security_code: String,
    pub verified_tries_answer: VerifiedTriesAnswer,
    pub first_apdu_after_power_on: FirstApdu,
    /// Whether READ BINARY and VERIFY take a short EF id (P1 / P2 = 80|SFI, ISO 7816-4). True
    /// for most personas (AokiApp/jsapdu reads and verifies this way on cards); `false` models a
    /// card that answers 6A86 to that form in READ, VERIFY and 80 2A, so the SDK's fallback to
    /// SELECT EF is exercised.
    #[serde(default = "yes")]
    pub short_ef_ids: bool,
    /// Finer refusals of short EF ids (per command, any status word); see [`ShortEfIdRefusals`].
    #[serde(default)]
    pub short_ef_id_refusals: Option<ShortEfIdRefusals>,
    /// 入力補助AP EF 0003 (integrity hashes) opens with the PIN and 照合番号A only, not with
    /// 照合番号B: its access with 照合番号B has no public record.
    #[serde(default)]
    pub integrity_closed_to_card_number_b: bool,
    /// The sex code byte the card's EFs hold (4情報 DF25, 券面 DF23), when it is not `sex`'s
    /// (e.g. `"3"`, a code JIS X 0303 does not define). The certificates keep `sex`.
    #[serde(default)]
    pub sex_code: Option<String>,
    /// Whether SELECT of the GlobalPlatform Issuer Security Domain (`A0 00 00 01 51 00 00`)
    /// works (9000, leaving the application and its verified PINs). Recorded on one card
    /// (soltia48/myna-card `src/mf.rs`, used by soltia48/myna-sign to clear the security state);
    /// `false` answers 6A82, so the SDK's other way (SELECT of another AP) is exercised.
    #[serde(default = "yes")]
    pub issuer_security_domain: bool,
    // ---- 券面事項確認AP, `80 2A` and transport variants (issue 14, kenmen) ----
    /// Whether the card takes extended-length APDUs (evidence §2: cards do). `false` models a
    /// card, or a reader in front of it, that answers 6700 to every extended APDU (persona
    /// `nobu`): which readers cannot carry them is unconfirmed.
    #[serde(default = "yes")]
    pub extended_length: bool,
    /// A forged card (issue 20): a genuine card's files (certificates, 券面 records EF 0001,
    /// 0002, 0004, 0005; here taro's) copied onto a card whose keys are another card's
    /// (hanako's): the 券面 card key (80 2A 00 00) and the JPKI keys sign with keys the copied
    /// records and certificates do not name, so the internal authentication and every signature
    /// check refuse it.
    #[serde(default)]
    pub forged_keys: bool,
}

fn yes() -> bool {
    true
}

impl Persona {
    /// Every built-in persona, by id.
    pub fn all() -> Vec<Persona> {
        Persona::parse_toml(BUILTIN).expect("built-in personas.toml is valid (checked by tests)")
    }

    /// The built-in persona `id` (`taro`, `hanako`, `locked`, `expired`, `revoked`, `juki`,
    /// `phone`, the command-form variants `jiro`, `mai`, `shiro`, `ken`, `yuki`, `nobu` (no
    /// extended length) and `goro` (no Issuer Security Domain), `nise` (a genuine card's files
    /// on a card with other keys: a forged card), and `p384`, the modelled ECDSA P-384
    /// generation).
    pub fn builtin(id: &str) -> Option<Persona> {
        Persona::all().into_iter().find(|p| p.id == id)
    }

    /// Ids of the built-in personas.
    pub fn ids() -> Vec<String> {
        Persona::all().into_iter().map(|p| p.id).collect()
    }

    /// Personas from a TOML document of `[id]` tables.
    pub fn parse_toml(text: &str) -> Result<Vec<Persona>, String> {
        let map: BTreeMap<String, Persona> = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for (id, mut p) in map {
            p.id = id;
            p.check()?;
            out.push(p);
        }
        Ok(out)
    }

    fn check(&self) -> Result<(), String> {
        let bad = |what: &str| Err(format!("persona {}: {what}", self.id));
        if self.birth_ymd().is_none() {
            return bad("birth is not YYYY-MM-DD");
        }
        if !valid_my_number(&self.my_number) {
            return bad("my_number is not 12 digits with a valid check digit");
        }
        if self.atr_bytes().is_none() {
            return bad("atr is not hex");
        }
        if self.security_code.len() != 4 || !self.security_code.bytes().all(|b| b.is_ascii_digit())
        {
            return bad("security_code is not 4 digits");
        }
        Ok(())
    }

    /// The status word the card answers to `command` naming its EF by a short EF id in `app`,
    /// or `None` when it takes the form.
    pub fn short_ef_id_refusal(&self, command: ShortEfIdCommand, app: App) -> Option<u16> {
        if !self.short_ef_ids {
            return Some(0x6A86);
        }
        let r = self.short_ef_id_refusals.as_ref()?;
        if r.jpki_only && app != App::Jpki {
            return None;
        }
        let sw = match command {
            ShortEfIdCommand::Read => &r.read,
            ShortEfIdCommand::Verify => &r.verify,
            ShortEfIdCommand::Sign => &r.sign,
        };
        sw.as_deref().and_then(|s| u16::from_str_radix(s, 16).ok())
    }

    /// The sex code byte of the card's EFs.
    pub fn card_sex_code(&self) -> u8 {
        match self.sex_code.as_deref().map(str::as_bytes) {
            Some([code]) => *code,
            _ => self.sex.code(),
        }
    }

    pub fn atr_bytes(&self) -> Option<Vec<u8>> {
        hex(&self.atr)
    }

    /// (year, month, day) of birth.
    pub fn birth_ymd(&self) -> Option<(u16, u8, u8)> {
        let b = self.birth.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let y = self.birth[0..4].parse().ok()?;
        let m = self.birth[5..7].parse().ok()?;
        let d = self.birth[8..10].parse().ok()?;
        ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
    }

    /// Birth date as the card stores it: YYYYMMDD.
    pub fn birth_yyyymmdd(&self) -> String {
        self.birth.replace('-', "")
    }

    /// Birth date as YYMMDD in the Japanese era (和暦), as 照合番号B uses it
    /// (soltia48/myna-card `src/data.rs`: 1980-02-17 → 550217).
    pub fn birth_era_yymmdd(&self) -> String {
        let (y, m, d) = self.birth_ymd().unwrap_or((2000, 1, 1));
        let ymd = (u32::from(y), u32::from(m), u32::from(d));
        // Era first days: 令和 2019-05-01, 平成 1989-01-08, 昭和 1926-12-25, 大正 1912-07-30.
        let era_year = if ymd >= (2019, 5, 1) {
            ymd.0 - 2018
        } else if ymd >= (1989, 1, 8) {
            ymd.0 - 1988
        } else if ymd >= (1926, 12, 25) {
            ymd.0 - 1925
        } else if ymd >= (1912, 7, 30) {
            ymd.0 - 1911
        } else {
            ymd.0 - 1867
        };
        format!("{:02}{:02}{:02}", era_year % 100, m, d)
    }

    /// 照合番号A: the My Number.
    pub fn card_number_a(&self) -> String {
        self.my_number.clone()
    }

    /// 照合番号B: birth date YYMMDD (和暦) + expiry year YYYY + security code, 14 digits.
    pub fn card_number_b(&self) -> String {
        format!(
            "{}{:04}{}",
            self.birth_era_yymmdd(),
            self.expiry_year,
            self.security_code
        )
    }
}

/// 12 digits whose last is the check digit (令和版 番号法施行令 §8 formula).
pub fn valid_my_number(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = (1..=11u32)
        .map(|n| u32::from(b[11 - n as usize] - b'0') * if n <= 6 { n + 1 } else { n - 5 })
        .sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    u32::from(b[11] - b'0') == check
}

pub(crate) fn hex(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_personas_are_valid() {
        let all = Persona::all();
        assert_eq!(all.len(), 16);
        for id in [
            "taro", "hanako", "locked", "expired", "revoked", "juki", "phone", "jiro", "mai",
            "shiro", "ken", "yuki", "nobu", "goro", "nise",
        ] {
            assert!(Persona::builtin(id).is_some(), "{id}");
        }
        // The modelled P-384 generation (issue 18).
        assert!(Persona::builtin("p384").is_some());
    }

    #[test]
    fn card_number_b_uses_the_japanese_era() {
        let taro = Persona::builtin("taro").unwrap();
        // The recorded example: 1980-02-17 (昭和55), expiry 2035, code 2285.
        assert_eq!(taro.card_number_b(), "55021720352285");
        let hanako = Persona::builtin("hanako").unwrap();
        assert_eq!(hanako.birth_era_yymmdd(), "041103"); // 平成4
    }

    #[test]
    fn my_number_check_digit() {
        assert!(valid_my_number("123456789018"));
        assert!(!valid_my_number("123456789019"));
        assert!(!valid_my_number("12345678901"));
    }
}
