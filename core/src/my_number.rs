//! 個人番号 (My Number). Reading it is a separate, explicitly named call
//! ([`crate::MynaCard::read_my_number`]); the value is wiped on drop and redacted in `Debug`.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::CardError;
use crate::error::Error;

/// The check digit (検査用数字) of a My Number from its first 11 digits, per the formula in
/// 行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第8条.
/// `None` when `first11` is not 11 ASCII digits.
pub fn check_digit(first11: &str) -> Option<u8> {
    let b = first11.as_bytes();
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut sum = 0u32;
    for n in 1..=11u32 {
        let p = u32::from(b[11 - n as usize] - b'0');
        let q = if n <= 6 { n + 1 } else { n - 5 };
        sum += p * q;
    }
    let r = sum % 11;
    Some(if r <= 1 { 0 } else { (11 - r) as u8 })
}

/// 個人番号: 12 digits with a valid check digit.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MyNumber(String);

impl MyNumber {
    /// Checks 12 digits and the check digit.
    pub fn new(digits: &str) -> Result<MyNumber, Error> {
        let ok = digits.len() == 12
            && digits.bytes().all(|b| b.is_ascii_digit())
            && check_digit(&digits[..11]) == Some(digits.as_bytes()[11] - b'0');
        if ok {
            Ok(MyNumber(digits.to_string()))
        } else {
            Err(Error::Card(CardError::MalformedResponse {
                what: "My Number is not 12 digits with a valid check digit",
            }))
        }
    }

    /// The 12 digits. Handle with the care the マイナンバー法 requires: never log or store them
    /// without a legal basis.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MyNumber(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert_eq!(check_digit("12345678901"), Some(8));
        assert_eq!(check_digit("00000000000"), Some(0));
        assert_eq!(check_digit("1234567890"), None);
        assert_eq!(check_digit("1234567890a"), None);
        assert!(MyNumber::new("123456789018").is_ok());
        assert!(MyNumber::new("123456789019").is_err());
        assert_eq!(
            format!("{:?}", MyNumber::new("123456789018").unwrap()),
            "MyNumber(<redacted>)"
        );
    }
}
