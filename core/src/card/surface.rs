//! 券面事項確認AP: the card face (券面) as the card stores it: images of name, address, face
//! and security code, birth date, sex and expiry, signed by J-LIS.

use super::{Application, CardPin, MynaCard};
use crate::error::CardError;
use crate::error::Error;
use crate::four_info::{Date, Sex};
use crate::pin::{CardNumberA, CardNumberB, Pin};
use crate::tlv;
use crate::transport::Transport;

const EF_FACE: u16 = 0x0002;

/// Which number opens the face data.
#[derive(Clone, Copy, Debug)]
pub enum SurfaceKey<'a> {
    /// 照合番号A: the My Number.
    A(&'a CardNumberA),
    /// 照合番号B: birth date, expiry year, security code.
    B(&'a CardNumberB),
}

/// The front face of the card (EF 0002: `FF20 { DF21 .. DF2A }`). Text formats of birth date
/// and expiry are not publicly confirmed: both the raw bytes and a parsed date are given.
#[derive(Clone, PartialEq, Eq)]
pub struct FaceData {
    /// DF21: header (meaning unconfirmed).
    pub header: Vec<u8>,
    /// DF22: 生年月日 as stored.
    pub birth_date_raw: Vec<u8>,
    /// DF22 parsed, when it is YYYYMMDD.
    pub birth_date: Option<Date>,
    /// DF23: 性別.
    pub sex: Option<Sex>,
    /// DF24: public key data.
    pub public_key: Vec<u8>,
    /// DF25: 氏名 image (PNG).
    pub name_image: Vec<u8>,
    /// DF26: 住所 image (PNG).
    pub address_image: Vec<u8>,
    /// DF27: 顔写真 (JPEG 2000).
    pub face_image: Vec<u8>,
    /// DF28: signature.
    pub signature: Vec<u8>,
    /// DF29: 有効期限 as stored.
    pub expiry_raw: Vec<u8>,
    /// DF29 parsed, when it is YYYYMMDD.
    pub expiry: Option<Date>,
    /// DF2A: セキュリティコード image (PNG).
    pub security_code_image: Vec<u8>,
}

impl core::fmt::Debug for FaceData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("FaceData(<redacted>)")
    }
}

pub(crate) fn parse_face(file: &[u8]) -> Result<FaceData, Error> {
    let outer = tlv::read_at(file, 0)?;
    if outer.tag != 0xFF20 {
        return Err(Error::Card(CardError::MalformedResponse {
            what: "face file does not start with FF20",
        }));
    }
    let v = outer.value;
    let get = |tag, what| tlv::require(v, tag, what).map(|t| t.value.to_vec());
    let birth_date_raw = get(0xDF22, "face data has no birth date (DF22)")?;
    let expiry_raw = get(0xDF29, "face data has no expiry (DF29)")?;
    let sex_raw = get(0xDF23, "face data has no sex (DF23)")?;
    Ok(FaceData {
        header: get(0xDF21, "face data has no header (DF21)")?,
        birth_date: Date::parse(&birth_date_raw),
        birth_date_raw,
        sex: Sex::from_card(&sex_raw),
        public_key: get(0xDF24, "face data has no key (DF24)")?,
        name_image: get(0xDF25, "face data has no name image (DF25)")?,
        address_image: get(0xDF26, "face data has no address image (DF26)")?,
        face_image: get(0xDF27, "face data has no photo (DF27)")?,
        signature: get(0xDF28, "face data has no signature (DF28)")?,
        expiry: Date::parse(&expiry_raw),
        expiry_raw,
        security_code_image: get(0xDF2A, "face data has no security code image (DF2A)")?,
    })
}

impl<T: Transport> MynaCard<T> {
    /// The card face, opened with 照合番号A or B.
    pub async fn read_face(&mut self, key: SurfaceKey<'_>) -> Result<FaceData, Error> {
        let (which, pin): (CardPin, &dyn Pin) = match key {
            SurfaceKey::A(a) => (CardPin::SurfaceCardNumberA, a),
            SurfaceKey::B(b) => (CardPin::SurfaceCardNumberB, b),
        };
        self.verify_pin(which, pin).await?;
        let file = self.read_tlv_file(Application::Surface, EF_FACE).await?;
        parse_face(&file)
    }
}
