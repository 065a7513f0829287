//! 基本4情報 (name, address, birth date, sex) as the 券面事項入力補助AP stores it
//! (EF 0002: `FF20 { DF21 offsets, DF22 name, DF23 address, DF24 birth YYYYMMDD, DF25 sex }`),
//! with 外字 kept visibly marked.

use core::ops::Range;

use crate::error::CardError;
use crate::error::Error;
use crate::tlv;

/// 基本4情報. `Debug` is redacted: this is personal data and must never reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct FourInfo {
    /// 氏名.
    pub name: CardText,
    /// 住所.
    pub address: CardText,
    /// 生年月日.
    pub birth_date: Date,
    /// 性別.
    pub sex: Sex,
}

impl core::fmt::Debug for FourInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("FourInfo(<redacted>)")
    }
}

/// 性別, coded as in ISO/IEC 5218 / JIS X 0303 (the card's DF25 and the 署名用 certificate use
/// these digits). A code outside 0/1/2/9 read from a card is kept as [`Sex::Unrecognized`], not
/// refused: the rest of 4情報 is still good, and the caller decides how to show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    /// 0: not known.
    NotKnown,
    /// 1: 男性.
    Male,
    /// 2: 女性.
    Female,
    /// 9: not applicable (適用不能).
    NotApplicable,
    /// A one-byte code the SDK does not know (e.g. `3`, which one public decoder maps while
    /// JIS X 0303 does not define it), kept as the card gave it.
    Unrecognized(u8),
}

impl Sex {
    /// Sex from the card's one-byte code (`1`, `2`, `9`; `0` not known); `None` otherwise.
    pub fn from_code(code: &[u8]) -> Option<Sex> {
        match code {
            b"0" => Some(Sex::NotKnown),
            b"1" => Some(Sex::Male),
            b"2" => Some(Sex::Female),
            b"9" => Some(Sex::NotApplicable),
            _ => None,
        }
    }
    /// A sex code as a card (DF25, 券面 DF23) or the 署名用 certificate holds it: one byte,
    /// a known code or [`Sex::Unrecognized`]. `None` only when the value is not one byte.
    pub fn from_card(code: &[u8]) -> Option<Sex> {
        match code {
            [byte] => Some(Sex::from_code(code).unwrap_or(Sex::Unrecognized(*byte))),
            _ => None,
        }
    }
    /// The code as one character; an unrecognized byte as the character of the same value
    /// (`char::from(byte)`), so the byte is never lost.
    pub fn code(self) -> char {
        match self {
            Sex::NotKnown => '0',
            Sex::Male => '1',
            Sex::Female => '2',
            Sex::NotApplicable => '9',
            Sex::Unrecognized(byte) => char::from(byte),
        }
    }
    /// Whether the code is one of ISO/IEC 5218's (0, 1, 2, 9).
    pub fn is_recognized(self) -> bool {
        !matches!(self, Sex::Unrecognized(_))
    }
    /// The Japanese label (男, 女, …) as printed on the card.
    pub fn label_ja(self) -> &'static str {
        match self {
            Sex::NotKnown => "不明",
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::NotApplicable => "適用不能",
            Sex::Unrecognized(_) => "未定義のコード",
        }
    }
}

/// A calendar date (Gregorian), checked to exist.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year (Gregorian).
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day, 1-31.
    pub day: u8,
}

impl core::fmt::Debug for Date {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Date(<redacted>)")
    }
}

impl core::fmt::Display for Date {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Date {
    /// A date if it exists in the Gregorian calendar; `None` otherwise.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year > 0 && (1..=days).contains(&day)).then_some(Date { year, month, day })
    }

    /// Parses `YYYYMMDD` (the card) or `YYYY-MM-DD` (OIDC `birthdate`).
    pub fn parse(s: &[u8]) -> Option<Date> {
        let digits: Vec<u8> = match s.len() {
            8 => s.to_vec(),
            10 if s[4] == b'-' && s[7] == b'-' => [&s[..4], &s[5..7], &s[8..]].concat(),
            _ => return None,
        };
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |r: Range<usize>| {
            digits[r]
                .iter()
                .fold(0u16, |a, d| a * 10 + u16::from(d - b'0'))
        };
        Date::new(n(0..4), n(4..6) as u8, n(6..8) as u8)
    }
}

/// One piece of card text.
#[derive(Clone, PartialEq, Eq)]
pub enum TextSegment {
    /// Ordinary characters.
    Text(String),
    /// 外字: a character outside the common code set. Kept, not dropped, so a form can show
    /// that something is there and ask the resident to confirm it.
    Gaiji(Gaiji),
}

/// How a 外字 appeared in the data.
#[derive(Clone, PartialEq, Eq)]
pub enum Gaiji {
    /// A character in a Unicode private use area (U+E000–U+F8FF, planes 15–16).
    PrivateUse(char),
    /// Bytes that are not valid UTF-8.
    Undecodable(Vec<u8>),
}

/// Text read from the card (name or address) with 外字 marked.
#[derive(Clone, PartialEq, Eq)]
pub struct CardText {
    segments: Vec<TextSegment>,
}

impl core::fmt::Debug for CardText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CardText(<redacted>)")
    }
}

/// The mark shown in place of a 外字: 〓 (ゲタ記号), the customary placeholder in Japanese
/// administrative systems.
pub const GAIJI_MARK: char = '〓';

fn is_private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

impl CardText {
    /// Decodes UTF-8, marking private-use characters and undecodable bytes as 外字.
    pub fn decode(bytes: &[u8]) -> CardText {
        let mut segments = Vec::new();
        let mut text = String::new();
        let flush = |text: &mut String, segments: &mut Vec<TextSegment>| {
            if !text.is_empty() {
                segments.push(TextSegment::Text(core::mem::take(text)));
            }
        };
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().chars() {
                if is_private_use(c) {
                    flush(&mut text, &mut segments);
                    segments.push(TextSegment::Gaiji(Gaiji::PrivateUse(c)));
                } else {
                    text.push(c);
                }
            }
            if !chunk.invalid().is_empty() {
                flush(&mut text, &mut segments);
                segments.push(TextSegment::Gaiji(Gaiji::Undecodable(
                    chunk.invalid().to_vec(),
                )));
            }
        }
        flush(&mut text, &mut segments);
        CardText { segments }
    }

    /// From a string (e.g. an OIDC claim or a certificate attribute).
    pub fn from_text(s: &str) -> CardText {
        CardText::decode(s.as_bytes())
    }

    /// The text in parts: plain text and 外字 (characters outside JIS) marks.
    pub fn segments(&self) -> &[TextSegment] {
        &self.segments
    }

    /// Whether the text holds 外字 that cannot be shown as Unicode.
    pub fn has_gaiji(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, TextSegment::Gaiji(_)))
    }

    /// The text with every 外字 shown as [`GAIJI_MARK`].
    pub fn to_marked_string(&self) -> String {
        self.segments
            .iter()
            .map(|s| match s {
                TextSegment::Text(t) => t.as_str(),
                TextSegment::Gaiji(_) => "〓",
            })
            .collect()
    }
}

impl core::fmt::Display for CardText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_marked_string())
    }
}

const TAG_FOUR_INFO: u32 = 0xFF20;

/// A parsed EF 0002 and the byte range its integrity hash (EF 0003 DF32) covers.
pub(crate) struct ParsedFourInfo {
    pub info: FourInfo,
    /// From the DF22 tag to the end of the FF20 value, in the file's bytes.
    pub hashed: Range<usize>,
}

/// Parses the 券面事項入力補助AP's EF 0002. Trailing filler after the FF20 object is ignored.
pub(crate) fn parse(file: &[u8]) -> Result<ParsedFourInfo, Error> {
    let outer = tlv::read_at(file, 0)?;
    if outer.tag != TAG_FOUR_INFO {
        return Err(Error::Card(CardError::MalformedResponse {
            what: "4情報 file does not start with FF20",
        }));
    }
    let value_start = outer.end - outer.value.len();
    let inner = outer.value;
    let name = tlv::require(inner, 0xDF22, "4情報 has no name (DF22)")?;
    let address = tlv::require(inner, 0xDF23, "4情報 has no address (DF23)")?;
    let birth = tlv::require(inner, 0xDF24, "4情報 has no birth date (DF24)")?;
    let sex = tlv::require(inner, 0xDF25, "4情報 has no sex (DF25)")?;
    let info = FourInfo {
        name: CardText::decode(name.value),
        address: CardText::decode(address.value),
        birth_date: Date::parse(birth.value).ok_or(Error::Card(CardError::MalformedResponse {
            what: "4情報 birth date is not YYYYMMDD",
        }))?,
        // An unknown one-byte code is kept (Sex::Unrecognized), never a reason to drop 4情報.
        sex: Sex::from_card(sex.value).ok_or(Error::Card(CardError::MalformedResponse {
            what: "4情報 sex is not one byte",
        }))?,
    };
    Ok(ParsedFourInfo {
        info,
        hashed: value_start + name.start..outer.end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        if value.len() < 128 {
            v.push(value.len() as u8);
        } else {
            v.extend_from_slice(&[0x82, (value.len() >> 8) as u8, value.len() as u8]);
        }
        v.extend_from_slice(value);
        v
    }

    fn file(name: &str, address: &str) -> Vec<u8> {
        let body = [
            tlv(&[0xDF, 0x21], &[0; 8]),
            tlv(&[0xDF, 0x22], name.as_bytes()),
            tlv(&[0xDF, 0x23], address.as_bytes()),
            tlv(&[0xDF, 0x24], b"19800217"),
            tlv(&[0xDF, 0x25], b"1"),
        ]
        .concat();
        tlv(&[0xFF, 0x20], &body)
    }

    #[test]
    fn parses_and_marks_gaiji() {
        let f = file("山\u{E001}太郎", "東京都千代田区");
        let p = parse(&f).unwrap();
        assert_eq!(p.info.name.to_marked_string(), "山〓太郎");
        assert!(p.info.name.has_gaiji());
        assert!(!p.info.address.has_gaiji());
        assert_eq!(p.info.birth_date, Date::new(1980, 2, 17).unwrap());
        assert_eq!(p.info.sex, Sex::Male);
        assert_eq!(&f[p.hashed.start..p.hashed.start + 2], &[0xDF, 0x22]);
        assert_eq!(p.hashed.end, f.len());
        assert_eq!(format!("{:?}", p.info), "FourInfo(<redacted>)");
    }

    #[test]
    fn long_address_and_filler() {
        let addr = "北海道".repeat(20);
        let mut f = file("A", &addr);
        assert_eq!(&f[..3], &[0xFF, 0x20, 0x82]);
        let len = f.len();
        f.extend_from_slice(&[0xFF; 40]);
        let p = parse(&f).unwrap();
        assert_eq!(p.info.address.to_marked_string(), addr);
        assert_eq!(p.hashed.end, len);
    }

    #[test]
    fn undecodable_bytes_are_kept() {
        let t = CardText::decode(&[b'A', 0xFF, 0xFE, b'B']);
        assert_eq!(t.to_marked_string(), "A〓〓B");
        assert!(
            matches!(&t.segments()[1], TextSegment::Gaiji(Gaiji::Undecodable(b)) if b == &[0xFF])
        );
    }

    #[test]
    fn unknown_sex_codes_are_kept() {
        for (code, sex) in [
            (b'0', Sex::NotKnown),
            (b'1', Sex::Male),
            (b'2', Sex::Female),
            (b'9', Sex::NotApplicable),
            (b'3', Sex::Unrecognized(b'3')),
            (0xFF, Sex::Unrecognized(0xFF)),
        ] {
            assert_eq!(Sex::from_card(&[code]), Some(sex));
            assert_eq!(sex.code() as u32, u32::from(code));
        }
        assert_eq!(Sex::from_card(b""), None);
        assert_eq!(Sex::from_card(b"12"), None);
        assert_eq!(Sex::from_code(b"3"), None, "strict parser for OIDC claims");
        // DF25 is the last item: its one value byte ends the file.
        let mut f = file("A", "B");
        *f.last_mut().unwrap() = b'3';
        let p = parse(&f).unwrap();
        assert_eq!(p.info.sex, Sex::Unrecognized(b'3'));
        assert!(!p.info.sex.is_recognized());
        assert_eq!(p.info.birth_date, Date::new(1980, 2, 17).unwrap());
    }

    #[test]
    fn dates() {
        assert!(Date::parse(b"20000229").is_some());
        assert!(Date::parse(b"19000229").is_none());
        assert!(Date::parse(b"2024-02-30").is_none());
        assert_eq!(Date::parse(b"1980-02-17"), Date::new(1980, 2, 17));
    }

    #[test]
    fn missing_fields_are_errors() {
        assert!(parse(&[0xFF, 0x20, 0x00]).is_err());
        assert!(parse(&[0x30, 0x00]).is_err());
        assert!(parse(&[]).is_err());
    }
}
