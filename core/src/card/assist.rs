//! 券面事項入力補助AP: 基本4情報 and the My Number as text, with the card's integrity data
//! (EF 0003: SHA-256 of both and a J-LIS signature over the hashes).

use sha2::{Digest, Sha256};

use super::{Application, CardPin, MynaCard};
use crate::error::CardError;
use crate::error::Error;
use crate::four_info::{self, FourInfo};
use crate::my_number::MyNumber;
use crate::pin::{AssistPin, CardNumberB, Pin};
use crate::tlv;
use crate::transport::Transport;

const EF_MY_NUMBER: u16 = 0x0001;
const EF_FOUR_INFO: u16 = 0x0002;
const EF_INTEGRITY: u16 = 0x0003;
const EF_KEY_RECORD: u16 = 0x0004;

/// EF 0003 of the 入力補助AP: what a server needs to check that 4情報 and My Number are what
/// J-LIS wrote. The SDK checks the hashes; the signature is checked with the key record
/// ([`MynaCard::read_assist_key_record`]) by whoever trusts that key.
#[derive(Clone, PartialEq, Eq)]
pub struct AssistIntegrity {
    /// DF31: SHA-256 of the My Number EF.
    pub my_number_sha256: Vec<u8>,
    /// DF32: SHA-256 of the 4情報 from the DF22 tag to the end.
    pub four_info_sha256: Vec<u8>,
    /// DF33: SHA256withRSA signature over `signed_data`.
    pub signature: Vec<u8>,
    /// The DF31 and DF32 TLVs as the card holds them: the signed bytes.
    pub signed_data: Vec<u8>,
}

impl core::fmt::Debug for AssistIntegrity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AssistIntegrity(..)")
    }
}

impl AssistIntegrity {
    fn parse(file: &[u8]) -> Result<AssistIntegrity, Error> {
        let outer = tlv::read_at(file, 0)?;
        if outer.tag != 0xFF30 {
            return Err(Error::Card(CardError::MalformedResponse {
                what: "integrity file does not start with FF30",
            }));
        }
        let mn = tlv::require(outer.value, 0xDF31, "integrity file has no DF31")?;
        let fi = tlv::require(outer.value, 0xDF32, "integrity file has no DF32")?;
        let sig = tlv::require(outer.value, 0xDF33, "integrity file has no DF33")?;
        if mn.value.len() != 32 || fi.value.len() != 32 {
            return Err(Error::Card(CardError::MalformedResponse {
                what: "integrity hash is not SHA-256",
            }));
        }
        Ok(AssistIntegrity {
            my_number_sha256: mn.value.to_vec(),
            four_info_sha256: fi.value.to_vec(),
            signature: sig.value.to_vec(),
            signed_data: [
                &outer.value[mn.start..mn.end],
                &outer.value[fi.start..fi.end],
            ]
            .concat(),
        })
    }
}

/// Whether 4情報 could be checked against the card's integrity data (EF 0003). A caller must
/// look at this before treating 4情報 as what J-LIS wrote: [`Integrity::NotCheckable`] means
/// the data is exactly as the card gave it, unchecked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// DF32 matches the 4情報 read; the hashes, signature and signed bytes are here for a
    /// server that checks the J-LIS signature.
    Verified(AssistIntegrity),
    /// EF 0003 could not be read, so nothing was checked.
    /// EF 0003 could not be read, so nothing was checked.
    NotCheckable {
        /// Why it could not be read.
        reason: NotCheckableReason,
    },
}

impl Integrity {
    /// The integrity data, when 4情報 was checked against it.
    pub fn verified(&self) -> Option<&AssistIntegrity> {
        match self {
            Integrity::Verified(i) => Some(i),
            Integrity::NotCheckable { .. } => None,
        }
    }

    /// A stable code for faces: `verified`, or the reason's code.
    pub fn code(&self) -> &'static str {
        match self {
            Integrity::Verified(_) => "verified",
            Integrity::NotCheckable { reason } => reason.code(),
        }
    }
}

/// Why 4情報 could not be checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotCheckableReason {
    /// EF 0003 answered 6982 (security status not satisfied) to the key that opened 4情報:
    /// whether 照合番号B opens EF 0003 has no public record (docs/card-notes.md).
    IntegrityFileClosed,
}

impl NotCheckableReason {
    /// A stable code for faces (`integrity_file_closed`).
    pub fn code(self) -> &'static str {
        match self {
            NotCheckableReason::IntegrityFileClosed => "integrity_file_closed",
        }
    }
}

/// 基本4情報 as read, with whether it was checked against the card's integrity data.
#[derive(Clone, Debug)]
pub struct FourInfoRead {
    /// 基本4情報: name, address, date of birth, sex.
    pub four_info: FourInfo,
    /// Whether it was checked against the card's integrity data; look at it first.
    pub integrity: Integrity,
    /// EF 0002 exactly as read, for a server that re-checks the hash.
    pub file: RedactedBytes,
}

/// 個人番号 as read, checked against DF31.
#[derive(Clone, Debug)]
pub struct MyNumberRead {
    /// 個人番号: the twelve digits, check digit verified.
    pub my_number: MyNumber,
    /// The integrity data (DF31) the number was checked against.
    pub integrity: AssistIntegrity,
}

/// Personal data bytes: `Debug` shows the length only.
#[derive(Clone, PartialEq, Eq)]
pub struct RedactedBytes(pub Vec<u8>);

impl core::fmt::Debug for RedactedBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

impl<T: Transport> MynaCard<T> {
    async fn four_info_after_verify(&mut self) -> Result<FourInfoRead, Error> {
        let file = self
            .read_tlv_file(Application::Assist, EF_FOUR_INFO)
            .await?;
        let parsed = four_info::parse(&file)?;
        let integrity = match self.read_tlv_file(Application::Assist, EF_INTEGRITY).await {
            Ok(record) => AssistIntegrity::parse(&record)?,
            // The key that opened 4情報 does not open EF 0003 (照合番号B on some cards, maybe):
            // 4情報 is returned, marked unchecked, never as verified.
            Err(Error::Card(CardError::SecurityStatus)) => {
                return Ok(FourInfoRead {
                    four_info: parsed.info,
                    integrity: Integrity::NotCheckable {
                        reason: NotCheckableReason::IntegrityFileClosed,
                    },
                    file: RedactedBytes(file),
                });
            }
            Err(e) => return Err(e),
        };
        let hashed =
            file.get(parsed.hashed.clone())
                .ok_or(Error::Card(CardError::MalformedResponse {
                    what: "4情報 range",
                }))?;
        if Sha256::digest(hashed).as_slice() != integrity.four_info_sha256.as_slice() {
            return Err(Error::Card(CardError::IntegrityMismatch {
                what: "4情報 (DF32)",
            }));
        }
        Ok(FourInfoRead {
            four_info: parsed.info,
            integrity: Integrity::Verified(integrity),
            file: RedactedBytes(file),
        })
    }

    /// 基本4情報 with the 4-digit 券面事項入力補助用暗証番号.
    pub async fn read_four_info(&mut self, pin: &AssistPin) -> Result<FourInfoRead, Error> {
        self.pin_operation(async |card| {
            card.verify_pin(CardPin::Assist, pin).await?;
            card.four_info_after_verify().await
        })
        .await
    }

    /// 基本4情報 with 照合番号B (printed on the card), where the card allows it.
    pub async fn read_four_info_with_card_number_b(
        &mut self,
        number: &CardNumberB,
    ) -> Result<FourInfoRead, Error> {
        self.pin_operation(async |card| {
            card.verify_pin(CardPin::AssistCardNumberB, number).await?;
            card.four_info_after_verify().await
        })
        .await
    }

    /// 個人番号. Deliberately its own call: an application that only needs 4情報 never
    /// touches the My Number.
    pub async fn read_my_number(&mut self, pin: &AssistPin) -> Result<MyNumberRead, Error> {
        self.pin_operation(async |card| card.read_my_number_with(CardPin::Assist, pin).await)
            .await
    }

    async fn read_my_number_with(
        &mut self,
        which: CardPin,
        pin: &dyn Pin,
    ) -> Result<MyNumberRead, Error> {
        self.verify_pin(which, pin).await?;
        // The hash covers the physical EF (17 bytes incl. filler), so read it whole.
        let file = zeroize::Zeroizing::new(
            self.read_small_file(Application::Assist, EF_MY_NUMBER)
                .await?,
        );
        let object = tlv::read_at(&file, 0)?;
        if object.tag != 0xFF10 {
            return Err(Error::Card(CardError::MalformedResponse {
                what: "My Number file does not start with FF10",
            }));
        }
        let digits = core::str::from_utf8(object.value).map_err(|_| {
            Error::Card(CardError::MalformedResponse {
                what: "My Number is not ASCII",
            })
        })?;
        let my_number = MyNumber::new(digits)?;
        let integrity = AssistIntegrity::parse(
            &self
                .read_tlv_file(Application::Assist, EF_INTEGRITY)
                .await?,
        )?;
        // Sources say DF31 hashes the whole EF; accept the object alone too (card-notes §integrity).
        let whole = Sha256::digest(&file[..]);
        let object_only = Sha256::digest(&file[object.start..object.end]);
        let expected = integrity.my_number_sha256.as_slice();
        if whole.as_slice() != expected && object_only.as_slice() != expected {
            return Err(Error::Card(CardError::IntegrityMismatch {
                what: "My Number (DF31)",
            }));
        }
        Ok(MyNumberRead {
            my_number,
            integrity,
        })
    }

    /// EF 0004: the record of the key that signed the integrity data (`7F21 { 5F4E ..., 5F37 ... }`),
    /// as the card holds it. Read after a 入力補助AP verification.
    pub async fn read_assist_key_record(&mut self) -> Result<Vec<u8>, Error> {
        self.read_tlv_file(Application::Assist, EF_KEY_RECORD).await
    }
}
