//! ISO/IEC 7816-4 command and response APDUs: encoding (short and extended length) and the
//! one place where a status word gets its meaning.

use crate::error::Error;
use crate::error::{CardError, PinError, UsageError};

/// A command APDU. `le` is the number of response bytes expected: `None` for none,
/// `Some(256)` is short `00`, `Some(65536)` is extended `00 00`.
#[derive(Clone, PartialEq, Eq)]
pub struct Command<'a> {
    /// Class byte (00 interindustry, 80 proprietary as in `80 2A`).
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// First parameter byte.
    pub p1: u8,
    /// Second parameter byte.
    pub p2: u8,
    /// Command data (Lc is its length; empty for none).
    pub data: &'a [u8],
    /// Expected response length (Le), see the type's doc.
    pub le: Option<usize>,
}

/// The largest response one short APDU can ask for.
pub const SHORT_LE_MAX: usize = 256;
/// The largest response one extended APDU can ask for.
pub const EXTENDED_LE_MAX: usize = 65536;

impl<'a> Command<'a> {
    /// A command with no data and no Le.
    pub const fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: &[],
            le: None,
        }
    }

    /// The same command with `data` as its body.
    pub const fn with_data(mut self, data: &'a [u8]) -> Self {
        self.data = data;
        self
    }

    /// The same command expecting `le` response bytes.
    pub const fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// Whether this command needs the extended-length form.
    pub fn is_extended(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > SHORT_LE_MAX)
    }

    /// Encodes the command (ISO 7816-4 §5.1, cases 1 to 4, short or extended).
    ///
    /// Fails with `INVALID_ARGUMENT` when Lc or Le is out of range (never panics).
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let lc = self.data.len();
        if lc > 65535 {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "command data longer than 65535 bytes",
            }));
        }
        if let Some(le) = self.le {
            if le == 0 || le > EXTENDED_LE_MAX {
                return Err(Error::Usage(UsageError::InvalidArgument {
                    what: "Le must be 1..=65536",
                }));
            }
        }
        let mut out = Vec::with_capacity(4 + 3 + lc + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if self.is_extended() {
            if lc > 0 {
                out.push(0);
                out.extend_from_slice(&(lc as u16).to_be_bytes());
                out.extend_from_slice(self.data);
            }
            if let Some(le) = self.le {
                if lc == 0 {
                    out.push(0);
                }
                out.extend_from_slice(&((le % 65536) as u16).to_be_bytes());
            }
        } else {
            if lc > 0 {
                out.push(lc as u8);
                out.extend_from_slice(self.data);
            }
            if let Some(le) = self.le {
                out.push((le % 256) as u8);
            }
        }
        Ok(out)
    }
}

impl core::fmt::Debug for Command<'_> {
    // Header and lengths only: the data of a VERIFY is a PIN.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, Lc={}, Le={:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

/// A status word (SW1 SW2).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl core::fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SW {:04X}", self.0)
    }
}

impl core::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

/// What a status word means, in the card's terms. The only interpretation of status words in
/// the SDK: operations match on this, never on raw numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 9000.
    Ok,
    /// 63Cx: a reference data (PIN) check failed or was queried; `x` tries remain.
    Tries(u8),
    /// 6983 / 6984: the PIN is blocked (閉塞).
    PinBlocked,
    /// 6982: a PIN must be verified first.
    SecurityStatusNotSatisfied,
    /// 6A82: no such application or file.
    FileNotFound,
    /// 6986: command not allowed (no current EF).
    NoCurrentEf,
    /// 6700 or 6Cxx: wrong length.
    WrongLength,
    /// 6B00: offset beyond the end of the file.
    WrongOffset,
    /// 6A86 / 6A87 / 6A80: wrong parameters or data.
    WrongParameters,
    /// 6D00 / 6E00: instruction or class not supported.
    NotSupported,
    /// 6F00: no precise diagnosis (seen as the first answer after power-on on some cards).
    NoDiagnosis,
    /// Anything else.
    Other,
}

impl StatusWord {
    /// 9000: normal processing.
    pub const OK: StatusWord = StatusWord(0x9000);

    /// What this status word means to the SDK.
    pub fn status(self) -> Status {
        let [sw1, sw2] = self.0.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => Status::Ok,
            (0x63, x) if x & 0xF0 == 0xC0 => Status::Tries(x & 0x0F),
            (0x69, 0x83) | (0x69, 0x84) => Status::PinBlocked,
            (0x69, 0x82) => Status::SecurityStatusNotSatisfied,
            (0x69, 0x86) => Status::NoCurrentEf,
            (0x6A, 0x82) => Status::FileNotFound,
            (0x67, 0x00) | (0x6C, _) => Status::WrongLength,
            (0x6B, 0x00) => Status::WrongOffset,
            (0x6A, 0x80) | (0x6A, 0x86) | (0x6A, 0x87) => Status::WrongParameters,
            (0x6D, 0x00) | (0x6E, 0x00) => Status::NotSupported,
            (0x6F, 0x00) => Status::NoDiagnosis,
            _ => Status::Other,
        }
    }

    /// The error this status word is when it ends an operation that expected 9000.
    pub fn to_error(self) -> Error {
        match self.status() {
            Status::Ok => Error::Card(CardError::MalformedResponse {
                what: "9000 where an error was expected",
            }),
            Status::Tries(0) | Status::PinBlocked => Error::Pin(PinError::Locked),
            Status::Tries(remaining) => Error::Pin(PinError::Incorrect { remaining }),
            Status::SecurityStatusNotSatisfied => Error::Card(CardError::SecurityStatus),
            Status::FileNotFound => Error::Card(CardError::FileNotFound),
            _ => Error::Card(CardError::UnexpectedStatus { sw: self.0 }),
        }
    }
}

/// A response APDU split into data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The response data, without the status word.
    pub data: Vec<u8>,
    /// SW1 SW2.
    pub sw: StatusWord,
}

impl core::fmt::Debug for Response {
    // Length only: responses carry certificates, 4情報 and the My Number.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Response({} bytes, {:?})", self.data.len(), self.sw)
    }
}

impl Response {
    /// Splits a raw response APDU. Fewer than two bytes is `MALFORMED_RESPONSE`.
    pub fn parse(mut raw: Vec<u8>) -> Result<Response, Error> {
        if raw.len() < 2 {
            return Err(Error::Card(CardError::MalformedResponse {
                what: "response shorter than a status word",
            }));
        }
        let sw2 = raw.pop().unwrap_or_default();
        let sw1 = raw.pop().unwrap_or_default();
        Ok(Response {
            data: raw,
            sw: StatusWord(u16::from_be_bytes([sw1, sw2])),
        })
    }

    /// What the status word means ([`StatusWord::status`]).
    pub fn status(&self) -> Status {
        self.sw.status()
    }

    /// The data when the status is 9000, else the status word's error.
    pub fn into_ok(self) -> Result<Vec<u8>, Error> {
        match self.sw.status() {
            Status::Ok => Ok(self.data),
            _ => Err(self.sw.to_error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_cases() {
        assert_eq!(
            Command::new(0, 0x20, 0, 0x80).encode().unwrap(),
            [0, 0x20, 0, 0x80]
        );
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(256).encode().unwrap(),
            [0, 0xB0, 0, 0, 0]
        );
        assert_eq!(
            Command::new(0, 0xA4, 2, 0x0C)
                .with_data(&[0, 0x0A])
                .encode()
                .unwrap(),
            [0, 0xA4, 2, 0x0C, 2, 0, 0x0A]
        );
        assert_eq!(
            Command::new(0x80, 0x2A, 0, 0x80)
                .with_data(&[1, 2, 3])
                .with_le(256)
                .encode()
                .unwrap(),
            [0x80, 0x2A, 0, 0x80, 3, 1, 2, 3, 0]
        );
    }

    #[test]
    fn extended_cases() {
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(65536).encode().unwrap(),
            [0, 0xB0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(1590).encode().unwrap(),
            [0, 0xB0, 0, 0, 0, 0x06, 0x36]
        );
        let data = vec![0xAB; 300];
        let enc = Command::new(0x80, 0x2A, 0, 0x80)
            .with_data(&data)
            .with_le(256)
            .encode()
            .unwrap();
        assert_eq!(&enc[..7], &[0x80, 0x2A, 0, 0x80, 0, 0x01, 0x2C]);
        assert_eq!(&enc[enc.len() - 2..], &[0x01, 0x00]);
        assert_eq!(enc.len(), 7 + 300 + 2);
    }

    #[test]
    fn bad_lengths_are_errors() {
        assert!(Command::new(0, 0xB0, 0, 0).with_le(0).encode().is_err());
        assert!(Command::new(0, 0xB0, 0, 0).with_le(65537).encode().is_err());
        let big = vec![0; 65536];
        assert!(
            Command::new(0, 0xD6, 0, 0)
                .with_data(&big)
                .encode()
                .is_err()
        );
    }

    #[test]
    fn status_words() {
        assert_eq!(StatusWord(0x63C2).status(), Status::Tries(2));
        assert_eq!(StatusWord(0x63C0).to_error(), Error::Pin(PinError::Locked));
        assert_eq!(StatusWord(0x6984).to_error(), Error::Pin(PinError::Locked));
        assert_eq!(StatusWord(0x6983).to_error(), Error::Pin(PinError::Locked));
        assert_eq!(
            StatusWord(0x6982).to_error(),
            Error::Card(CardError::SecurityStatus)
        );
        assert_eq!(
            StatusWord(0x6A82).to_error(),
            Error::Card(CardError::FileNotFound)
        );
        assert_eq!(StatusWord(0x6300).status(), Status::Other);
        assert_eq!(
            StatusWord(0x6D00).to_error(),
            Error::Card(CardError::UnexpectedStatus { sw: 0x6D00 })
        );
    }

    #[test]
    fn response_parse() {
        assert!(Response::parse(vec![]).is_err());
        assert!(Response::parse(vec![0x90]).is_err());
        let r = Response::parse(vec![1, 2, 0x90, 0]).unwrap();
        assert_eq!(r.data, [1, 2]);
        assert_eq!(r.sw, StatusWord::OK);
        assert_eq!(format!("{r:?}"), "Response(2 bytes, SW 9000)");
    }

    #[test]
    fn debug_never_shows_data() {
        let pin = b"1234";
        let s = format!("{:?}", Command::new(0, 0x20, 0, 0x80).with_data(pin));
        assert!(!s.contains("1234") && !s.contains("31"), "{s}");
    }
}
