//! PINs and 照合番号: checked against the card's format when constructed, so a malformed value
//! can never reach the card and cost a try; wiped from memory on drop; redacted in `Debug`.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::Error;
use crate::error::PinError;
use crate::my_number::check_digit;

/// Which secret a value is. Each has its own format and its own retry counter on the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// 利用者証明用電子証明書の暗証番号: 4 digits, 3 tries.
    Auth,
    /// 署名用電子証明書の暗証番号: 6–16 of A–Z and 0–9, 5 tries.
    Sign,
    /// 券面事項入力補助用の暗証番号: 4 digits, 3 tries.
    Assist,
    /// 照合番号A: the 12-digit My Number itself.
    CardNumberA,
    /// 照合番号B: birth date YYMMDD (Japanese era year) + expiry year YYYY + 4-digit security code.
    CardNumberB,
}

impl PinKind {
    /// What the user calls this secret, in English.
    pub fn name_en(self) -> &'static str {
        match self {
            PinKind::Auth => "user authentication PIN",
            PinKind::Sign => "signature PIN",
            PinKind::Assist => "text input assistance PIN",
            PinKind::CardNumberA => "collation number A (My Number)",
            PinKind::CardNumberB => "collation number B",
        }
    }

    /// What the user calls this secret, in Japanese.
    pub fn name_ja(self) -> &'static str {
        match self {
            PinKind::Auth => "利用者証明用電子証明書の暗証番号",
            PinKind::Sign => "署名用電子証明書の暗証番号",
            PinKind::Assist => "券面事項入力補助用の暗証番号",
            PinKind::CardNumberA => "照合番号A（個人番号）",
            PinKind::CardNumberB => "照合番号B",
        }
    }

    /// Its format, in English (the `{rule}` of `PIN_FORMAT`).
    pub fn rule_en(self) -> &'static str {
        match self {
            PinKind::Auth | PinKind::Assist => "exactly 4 digits",
            PinKind::Sign => "6 to 16 characters of A-Z and 0-9",
            PinKind::CardNumberA => "the 12-digit My Number with a valid check digit",
            PinKind::CardNumberB => {
                "14 digits: birth date YYMMDD in the Japanese era, expiry year YYYY, 4-digit security code"
            }
        }
    }

    /// Its format, in Japanese (the `{rule_ja}` of `PIN_FORMAT`).
    pub fn rule_ja(self) -> &'static str {
        match self {
            PinKind::Auth | PinKind::Assist => "数字4桁",
            PinKind::Sign => "英大文字（A～Z）と数字（0～9）の6～16文字",
            PinKind::CardNumberA => "検査用数字が正しい12桁の個人番号",
            PinKind::CardNumberB => {
                "14桁の数字（和暦の生年月日6桁＋有効期限の西暦年4桁＋セキュリティコード4桁）"
            }
        }
    }

    /// Every kind, in a stable order.
    pub const ALL: [PinKind; 5] = [
        PinKind::Auth,
        PinKind::Sign,
        PinKind::Assist,
        PinKind::CardNumberA,
        PinKind::CardNumberB,
    ];

    /// The stable name every face spells this kind with: `auth`, `sign`, `assist`,
    /// `card_number_a`, `card_number_b`.
    pub const fn as_str(self) -> &'static str {
        match self {
            PinKind::Auth => "auth",
            PinKind::Sign => "sign",
            PinKind::Assist => "assist",
            PinKind::CardNumberA => "card_number_a",
            PinKind::CardNumberB => "card_number_b",
        }
    }

    /// The kind named `name` as [`PinKind::as_str`] spells it.
    pub fn from_name(name: &str) -> Option<PinKind> {
        PinKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Checks `input` against this kind's format and keeps nothing: the faces' "is this PIN
    /// well-formed?" before any card is touched (a malformed PIN never costs a try).
    ///
    /// ```
    /// use mynacard_core::PinKind;
    /// assert!(PinKind::Auth.check("1234").is_ok());
    /// assert_eq!(PinKind::Sign.check("abc").unwrap_err().code(), "PIN_FORMAT");
    /// ```
    pub fn check(self, input: &str) -> Result<(), Error> {
        self.encode(input).map(|bytes| drop(Secret(bytes)))
    }

    /// Checks `input` and returns the bytes the card expects (ASCII).
    fn encode(self, input: &str) -> Result<Vec<u8>, Error> {
        let err = Error::Pin(PinError::Format { kind: self });
        let digits = |n: usize| input.len() == n && input.bytes().all(|b| b.is_ascii_digit());
        let ok = match self {
            PinKind::Auth | PinKind::Assist => digits(4),
            PinKind::Sign => {
                (6..=16).contains(&input.len())
                    && input
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_alphabetic())
            }
            PinKind::CardNumberA => {
                digits(12) && check_digit(&input[..11]) == Some(input.as_bytes()[11] - b'0')
            }
            PinKind::CardNumberB => {
                digits(14) && {
                    let b = input.as_bytes();
                    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
                    (1..=12).contains(&two(2)) && (1..=31).contains(&two(4))
                }
            }
        };
        if !ok {
            return Err(err);
        }
        // The card stores the signature PIN in upper case; lower-case input means the same PIN.
        Ok(input.bytes().map(|b| b.to_ascii_uppercase()).collect())
    }
}

/// The bytes of a secret. Wiped on drop; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
struct Secret(Vec<u8>);

macro_rules! pin_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Secret);

        impl $name {
            /// Checks the format; nothing is sent anywhere.
            pub fn new(input: &str) -> Result<Self, Error> {
                $kind.encode(input).map(|v| $name(Secret(v)))
            }

            /// Which secret this is.
            pub const KIND: PinKind = $kind;
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl core::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                $name::new(s)
            }
        }

        impl sealed::Sealed for $name {}
        impl Pin for $name {
            fn kind(&self) -> PinKind {
                $kind
            }
            fn bytes(&self) -> &[u8] {
                &self.0 .0
            }
        }
    };
}

mod sealed {
    pub trait Sealed {}
}

/// A validated secret the card can verify. Sealed: only the types of this module are PINs, so
/// an unchecked string can never be verified.
pub trait Pin: sealed::Sealed + core::fmt::Debug + Send + Sync {
    /// Which secret this is.
    fn kind(&self) -> PinKind;
    #[doc(hidden)]
    fn bytes(&self) -> &[u8];
}

pin_type!(
    /// 利用者証明用電子証明書の暗証番号 (4 digits).
    AuthPin,
    PinKind::Auth
);
pin_type!(
    /// 署名用電子証明書の暗証番号 (6–16 of A–Z, 0–9; lower case is accepted and upper-cased).
    SignPin,
    PinKind::Sign
);
pin_type!(
    /// 券面事項入力補助用の暗証番号 (4 digits).
    AssistPin,
    PinKind::Assist
);
pin_type!(
    /// 照合番号A: the My Number (12 digits, valid check digit).
    CardNumberA,
    PinKind::CardNumberA
);
pin_type!(
    /// 照合番号B: birth date YYMMDD in the Japanese era + expiry year + security code (14 digits).
    CardNumberB,
    PinKind::CardNumberB
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_and_assist() {
        assert!(AuthPin::new("1234").is_ok());
        for bad in ["", "123", "12345", "12a4", "１２３４", " 1234", "12 4"] {
            assert_eq!(
                AuthPin::new(bad),
                Err(Error::Pin(PinError::Format {
                    kind: PinKind::Auth
                })),
                "{bad:?}"
            );
            assert!(AssistPin::new(bad).is_err());
        }
    }

    #[test]
    fn sign_pin() {
        assert!(SignPin::new("ABC123").is_ok());
        assert!(SignPin::new("A1B2C3D4E5F6G7H8").is_ok());
        assert_eq!(SignPin::new("abc123").unwrap().bytes(), b"ABC123");
        for bad in [
            "ABC12",
            "A1B2C3D4E5F6G7H8I",
            "ABC-123",
            "ABCÄ123",
            "ＡＢＣ１２３",
        ] {
            assert!(SignPin::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn card_number_a_needs_check_digit() {
        // 12345678901 → check digit 8 (worked example of the official formula).
        assert!(CardNumberA::new("123456789018").is_ok());
        assert!(CardNumberA::new("123456789010").is_err());
        assert!(CardNumberA::new("12345678901").is_err());
    }

    #[test]
    fn card_number_b() {
        assert!(CardNumberB::new("55021720352285").is_ok());
        assert!(CardNumberB::new("55131720352285").is_err()); // month 13
        assert!(CardNumberB::new("55020020352285").is_err()); // day 00
        assert!(CardNumberB::new("5502172035228").is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let s = format!(
            "{:?} {:?}",
            AuthPin::new("9876").unwrap(),
            SignPin::new("SECRET99").unwrap()
        );
        assert_eq!(s, "AuthPin(<redacted>) SignPin(<redacted>)");
    }
}
