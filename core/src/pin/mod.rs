//! PINs and 照合番号: checked against the card's format when constructed, so a malformed value
//! can never reach the card and cost a try; wiped from memory on drop; redacted in `Debug`.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::Error;
use crate::error::PinError;
use crate::my_number::check_digit;

mod era;
pub(crate) mod kind;
pub use kind::PinKind;

impl PinKind {
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
                // The birth part is a real date in a Japanese era (as the birth-date key is:
                // 2月30日 or 令和99 cannot be on a card), then the expiry year, then the code.
                digits(14) && {
                    let b = input.as_bytes();
                    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
                    era::is_real_date(two(0), two(2), two(4))
                }
            }
            PinKind::BirthDate => {
                digits(6) && {
                    let b = input.as_bytes();
                    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
                    era::is_real_date(two(0), two(2), two(4))
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

pin_type!(
    /// 生年月日 key of the 券面事項確認AP (EF 0011): a real birth date YYMMDD with the Japanese era
    /// year, as the card expects it (card-evidence §5: `550217` for 1980-02-17 = 昭和55).
    BirthDatePin,
    PinKind::BirthDate
);

impl BirthDatePin {
    /// From the Gregorian birth date a service holds in its own registration record
    /// (`YYYYMMDD`, or `YYYY-MM-DD`), converted to the card's era form; a date before 大正 or
    /// that does not exist is `PIN_FORMAT`.
    pub fn from_gregorian(date: &str) -> Result<Self, Error> {
        let err = Error::Pin(PinError::Format {
            kind: PinKind::BirthDate,
        });
        let date = crate::four_info::Date::parse(date.as_bytes()).ok_or(err.clone())?;
        // The era form is the PIN itself: wiped once the PIN type holds its own copy.
        let yymmdd = zeroize::Zeroizing::new(era::era_yymmdd(date).ok_or(err)?);
        BirthDatePin::new(&yymmdd)
    }

    /// What a face's caller types: 6 digits are the card's era form ([`BirthDatePin::new`]),
    /// anything else the Gregorian date of a registration record
    /// ([`BirthDatePin::from_gregorian`]).
    pub fn from_text(input: &str) -> Result<Self, Error> {
        if input.len() == 6 {
            BirthDatePin::new(input)
        } else {
            BirthDatePin::from_gregorian(input)
        }
    }
}

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
        assert!(CardNumberB::new("55023020352285").is_err()); // 2月30日
        assert!(CardNumberB::new("00021720352285").is_err()); // era year 0
        assert!(CardNumberB::new("5502172035228").is_err());
    }

    #[test]
    fn birth_date_pin_is_a_real_era_date() {
        // 1980-02-17 = 昭和55 (card-evidence §5).
        assert_eq!(BirthDatePin::new("550217").unwrap().bytes(), b"550217");
        assert_eq!(
            BirthDatePin::from_gregorian("19800217").unwrap().bytes(),
            b"550217"
        );
        assert_eq!(
            BirthDatePin::from_gregorian("1980-02-17").unwrap().bytes(),
            b"550217"
        );
        // Era boundaries: 昭和64 is 1989-01-01..07, 平成元年 from 01-08, 令和元年 from 2019-05-01.
        for (greg, era) in [
            ("19890107", "640107"),
            ("19890108", "010108"),
            ("20190430", "310430"),
            ("20190501", "010501"),
            ("19261225", "011225"),
            ("19261224", "151224"),
            ("20000229", "120229"),
        ] {
            assert_eq!(
                BirthDatePin::from_gregorian(greg).unwrap().bytes(),
                era.as_bytes(),
                "{greg}"
            );
            assert!(BirthDatePin::new(era).is_ok(), "{era}");
        }
        // A leap day where some era's year is a leap year (平成12 = 2000), and 昭和64 ends on
        // 01-07 but 令和64 (2082) is still a date: the card's form does not name the era.
        assert!(BirthDatePin::new("120229").is_ok());
        assert!(BirthDatePin::new("640108").is_ok());
        for bad in [
            "",
            "55021",
            "5502170",
            "55o217",
            "５５０２１７",
            "551317", // month 13
            "550200", // day 00
            "550230", // 30 February
            "550431", // 31 April
            "000101", // era year 0
            "010107", // no era's first year has 1/7: 平成 began on 01-08, 令和 05-01, 大正 07-30, 昭和 12-25
            "570229", // 昭和57 = 1982, 令和57 = 2075: no leap year; 大正, 平成 have no year 57
            "170229", // 昭和17 = 1942, 平成17 = 2005, 令和17 = 2035; 大正 has 15 years
        ] {
            assert_eq!(
                BirthDatePin::new(bad).err(),
                Some(Error::Pin(PinError::Format {
                    kind: PinKind::BirthDate
                })),
                "{bad:?}"
            );
        }
        for bad in ["18680101", "19120729", "19800230", "1980021", "abcdefgh"] {
            assert!(BirthDatePin::from_gregorian(bad).is_err(), "{bad}");
        }
        assert!(BirthDatePin::from_gregorian("19120730").is_ok()); // 大正元年
        for (text, era) in [
            ("550217", "550217"),
            ("19800217", "550217"),
            ("1980-02-17", "550217"),
        ] {
            assert_eq!(
                BirthDatePin::from_text(text).unwrap().bytes(),
                era.as_bytes()
            );
        }
        assert!(BirthDatePin::from_text("5502171").is_err());
        assert_eq!(
            format!("{:?}", BirthDatePin::new("550217").unwrap()),
            "BirthDatePin(<redacted>)"
        );
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
