//! 券面事項確認AP: the card face (券面) as the card stores it: images of name, address, face
//! and security code, birth date, sex and expiry, signed by J-LIS.
//!
//! How real cards sign it (soltia48/myna-card `src/ap/surface.rs` `CardFace::verify`, checked
//! there against a JPKI test card's files): DF28 is a PKCS#1 v1.5 signature, by the key that the
//! key record EF 0004 certifies, over a DigestInfo with SHA-256's AlgorithmIdentifier around
//! three concatenated SHA-256 digests, one per group of TLVs as written: [DF22 DF23 DF24]
//! [DF25 DF26] [DF27]. DF29 (有効期限) and DF2A (セキュリティコード image) come after DF28 and
//! are not signed. DF24 is the card's own key, not the signer's. The key record names its
//! issuer (a J-LIS key that is not on the card) by key id; checking the record against that key
//! is the relying party's part.

use sha2::{Digest, Sha256};

use super::{Application, CardPin, MynaCard};
use crate::error::CardError;
use crate::error::Error;
use crate::four_info::{Date, Sex};
use crate::pin::{CardNumberA, CardNumberB, Pin};
use crate::tlv;
use crate::transport::Transport;

pub(super) const EF_FACE: u16 = 0x0002;
const EF_KEY_RECORD: u16 = 0x0004;

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
    /// DF24: the card's own public key (`90 e 91 n`), the one the card signs challenges with;
    /// not the key that signed this data.
    pub public_key: Vec<u8>,
    /// DF25: 氏名 image (PNG).
    pub name_image: Vec<u8>,
    /// DF26: 住所 image (PNG).
    pub address_image: Vec<u8>,
    /// DF27: 顔写真 (JPEG 2000).
    pub face_image: Vec<u8>,
    /// DF28: signature over [`FaceData::signed_digests`], checked by [`MynaCard::read_face`]
    /// with the key of [`FaceData::key_record`].
    pub signature: Vec<u8>,
    /// SHA-256 of each signed group as written: [DF22 DF23 DF24] [DF25 DF26] [DF27].
    pub signed_digests: [[u8; 32]; 3],
    /// EF 0004: the record of the key that signed DF28, for a server that checks it against
    /// J-LIS's key (named by [`KeyRecord::issuer_key_id`]).
    pub key_record: KeyRecord,
    /// DF29: 有効期限 as stored (not covered by DF28).
    pub expiry_raw: Vec<u8>,
    /// DF29 parsed, when it is YYYYMMDD.
    pub expiry: Option<Date>,
    /// DF2A: セキュリティコード image (PNG) (not covered by DF28).
    pub security_code_image: Vec<u8>,
}

/// EF 0004 of the 券面事項確認AP (the 入力補助AP has one of the same form): the record, a
/// card-verifiable certificate, of the key that signs the AP's data. `7F21 { 5F4E: 証明者鍵ID
/// (16 bytes), 被証明者鍵ID (16 bytes), key (`90 e 91 n`); 5F37: SHA256withRSA over the 5F4E
/// value by the issuer's key }` (soltia48/myna-card `src/data.rs` `CardVerifiableCertificate`;
/// hebingchang/pymyna `myna/core/certificate.py`). A key id is 7 ASCII digits, `08 05`, 3
/// ASCII digits and 4 bytes of padding.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// 証明者鍵ID: the key that signed this record (J-LIS; not on the card).
    pub issuer_key_id: [u8; 16],
    /// 被証明者鍵ID: the key this record certifies.
    pub subject_key_id: [u8; 16],
    /// The certified key as the card writes it (`90 e 91 n`).
    pub public_key: Vec<u8>,
    /// 5F37: the issuer's signature over [`KeyRecord::signed_data`].
    pub signature: Vec<u8>,
    /// The 5F4E value: the bytes the issuer signed.
    pub signed_data: Vec<u8>,
}

impl core::fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyRecord")
            .field("issuer", &KeyRecord::id_text(&self.issuer_key_id))
            .field("subject", &KeyRecord::id_text(&self.subject_key_id))
            .finish_non_exhaustive()
    }
}

impl KeyRecord {
    /// Parses EF 0004 (`7F21 { 5F4E, 5F37 }`).
    pub fn parse(file: &[u8]) -> Result<KeyRecord, Error> {
        let bad = |what| Error::Card(CardError::MalformedResponse { what });
        let outer = tlv::read_at(file, 0)?;
        if outer.tag != 0x7F21 {
            return Err(bad("key record does not start with 7F21"));
        }
        let body = tlv::require(outer.value, 0x5F4E, "key record has no body (5F4E)")?.value;
        let signature = tlv::require(outer.value, 0x5F37, "key record has no signature (5F37)")?;
        let (ids, key) = body
            .split_at_checked(32)
            .ok_or(bad("key record body is shorter than its two key ids"))?;
        let (issuer, subject) = ids.split_at(16);
        let record = KeyRecord {
            issuer_key_id: issuer.try_into().map_err(|_| bad("key id"))?,
            subject_key_id: subject.try_into().map_err(|_| bad("key id"))?,
            public_key: key.to_vec(),
            signature: signature.value.to_vec(),
            signed_data: body.to_vec(),
        };
        record.rsa_key()?;
        Ok(record)
    }

    /// The certified key.
    pub fn rsa_key(&self) -> Result<rsa::PublicKey, Error> {
        rsa_key_object(&self.public_key)
    }

    /// Checks the record's signature with the issuer's key (which a relying party holds; it is
    /// not on the card).
    pub fn verify_with(&self, issuer: &rsa::PublicKey) -> Result<(), Error> {
        crate::verify::signature::verify_rsa(
            issuer,
            crate::digest::DigestAlgorithm::Sha256,
            &self.signed_data,
            &self.signature,
        )
    }

    /// A key id as text: `number/group` (`6000023/001`), or `None` when it is not in that form.
    pub fn id_text(id: &[u8; 16]) -> Option<String> {
        let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
        if !digits(&id[..7]) || !digits(&id[9..12]) {
            return None;
        }
        let text = |b: &[u8]| b.iter().map(|&c| char::from(c)).collect::<String>();
        Some(format!("{}/{}", text(&id[..7]), text(&id[9..12])))
    }
}

/// The card's RSA key object `90 e 91 n` (入力補助AP EF 0004, 券面 DF24 / 5F4E).
pub(super) fn rsa_key_object(object: &[u8]) -> Result<rsa::PublicKey, Error> {
    let e = tlv::require(object, 0x90, "key has no exponent (90)")?.value;
    let n = tlv::require(object, 0x91, "key has no modulus (91)")?.value;
    crate::verify::signature::rsa_public_key(n, e).ok_or(Error::Card(
        CardError::MalformedResponse {
            what: "key is not a usable RSA key",
        },
    ))
}

/// The DigestInfo DF28 signs: SHA-256's AlgorithmIdentifier around the three group digests
/// (96 bytes), as soltia48/myna-card builds it for a real card's file.
fn face_digest_info(digests: &[[u8; 32]; 3]) -> Vec<u8> {
    const PREFIX: [u8; 19] = [
        0x30, 0x71, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x60,
    ];
    let mut out = PREFIX.to_vec();
    for d in digests {
        out.extend_from_slice(d);
    }
    out
}

impl core::fmt::Debug for FaceData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("FaceData(<redacted>)")
    }
}

/// Parses EF 0002 and checks DF28 against the key `record` certifies: a face whose signature
/// does not verify over its three groups is `INTEGRITY_MISMATCH`, never returned.
pub(crate) fn parse_face(file: &[u8], key_record: KeyRecord) -> Result<FaceData, Error> {
    let face = parse_face_unchecked(file, key_record)?;
    face.verify_signature()?;
    Ok(face)
}

impl FaceData {
    /// Checks DF28 over [`FaceData::signed_digests`] with the key [`FaceData::key_record`]
    /// certifies: `INTEGRITY_MISMATCH` when it does not verify.
    pub fn verify_signature(&self) -> Result<(), Error> {
        crate::verify::verify_digest_info(
            &self.key_record.rsa_key()?,
            &face_digest_info(&self.signed_digests),
            &self.signature,
        )
        .map_err(|_| {
            Error::Card(CardError::IntegrityMismatch {
                what: "券面事項 (DF28)",
            })
        })
    }
}

/// Parses EF 0002 without checking DF28 (the 対面確認 reports that check as a named verdict).
pub(crate) fn parse_face_unchecked(file: &[u8], key_record: KeyRecord) -> Result<FaceData, Error> {
    let outer = tlv::read_at(file, 0)?;
    if outer.tag != 0xFF20 {
        return Err(Error::Card(CardError::MalformedResponse {
            what: "face file does not start with FF20",
        }));
    }
    let v = outer.value;
    let item = |tag, what| tlv::require(v, tag, what);
    let get = |tag, what| item(tag, what).map(|t| t.value.to_vec());
    // A signed group: its TLVs as written, hashed in order.
    let group = |tags: &[(u32, &'static str)]| -> Result<[u8; 32], Error> {
        let mut h = Sha256::new();
        for (tag, what) in tags {
            let t = item(*tag, what)?;
            h.update(
                v.get(t.start..t.end)
                    .ok_or(Error::Card(CardError::MalformedResponse { what }))?,
            );
        }
        Ok(h.finalize().into())
    };
    const BIRTH: (u32, &str) = (0xDF22, "face data has no birth date (DF22)");
    const SEX: (u32, &str) = (0xDF23, "face data has no sex (DF23)");
    const KEY: (u32, &str) = (0xDF24, "face data has no key (DF24)");
    const NAME: (u32, &str) = (0xDF25, "face data has no name image (DF25)");
    const ADDRESS: (u32, &str) = (0xDF26, "face data has no address image (DF26)");
    const PHOTO: (u32, &str) = (0xDF27, "face data has no photo (DF27)");
    let signed_digests = [
        group(&[BIRTH, SEX, KEY])?,
        group(&[NAME, ADDRESS])?,
        group(&[PHOTO])?,
    ];
    let signature = get(0xDF28, "face data has no signature (DF28)")?;
    let birth_date_raw = get(BIRTH.0, BIRTH.1)?;
    let expiry_raw = get(0xDF29, "face data has no expiry (DF29)")?;
    let sex_raw = get(SEX.0, SEX.1)?;
    Ok(FaceData {
        header: get(0xDF21, "face data has no header (DF21)")?,
        birth_date: Date::parse(&birth_date_raw),
        birth_date_raw,
        sex: Sex::from_card(&sex_raw),
        public_key: get(KEY.0, KEY.1)?,
        name_image: get(NAME.0, NAME.1)?,
        address_image: get(ADDRESS.0, ADDRESS.1)?,
        face_image: get(PHOTO.0, PHOTO.1)?,
        signature,
        signed_digests,
        key_record,
        expiry: Date::parse(&expiry_raw),
        expiry_raw,
        security_code_image: get(0xDF2A, "face data has no security code image (DF2A)")?,
    })
}

impl<T: Transport> MynaCard<T> {
    /// The card face, opened with 照合番号A or B, its signature (DF28) checked against the key
    /// that EF 0004 certifies (read with no credential); a face that does not verify is
    /// `INTEGRITY_MISMATCH`.
    pub async fn read_face(&mut self, key: SurfaceKey<'_>) -> Result<FaceData, Error> {
        let (which, pin): (CardPin, &dyn Pin) = match key {
            SurfaceKey::A(a) => (CardPin::SurfaceCardNumberA, a),
            SurfaceKey::B(b) => (CardPin::SurfaceCardNumberB, b),
        };
        self.pin_operation(async |card| {
            card.verify_pin(which, pin).await?;
            let file = card.read_tlv_file(Application::Surface, EF_FACE).await?;
            let record = KeyRecord::parse(
                &card
                    .read_tlv_file(Application::Surface, EF_KEY_RECORD)
                    .await?,
            )?;
            parse_face(&file, record)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use rsa::Pkcs1v15Sign;
    use rsa::traits::PublicKeyParts;

    use super::*;

    fn tlv(tag: u16, value: &[u8]) -> Vec<u8> {
        let mut out = tag.to_be_bytes().to_vec();
        if value.len() < 0x80 {
            out.push(value.len() as u8);
        } else {
            out.push(0x82);
            out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        }
        out.extend_from_slice(value);
        out
    }

    fn key_object(k: &rsa::PublicKey) -> Vec<u8> {
        let e = k.e_bytes();
        let n = k.n_bytes();
        [
            vec![0x90, e.len() as u8],
            e.to_vec(),
            vec![0x91],
            tlv(0, &n)[2..].to_vec(),
        ]
        .concat()
    }

    fn signer() -> &'static rsa::PrivateKey {
        static KEY: std::sync::OnceLock<rsa::PrivateKey> = std::sync::OnceLock::new();
        KEY.get_or_init(|| rsa::PrivateKey::new(&mut getrandom::SysRng, 1024).unwrap())
    }

    fn record(signer: &rsa::PrivateKey) -> Vec<u8> {
        let mut body = b"6000023\x08\x05001\0\0\0\0".to_vec();
        body.extend_from_slice(b"1310100\x08\x05001\0\0\0\0");
        body.extend_from_slice(&key_object(&signer.to_public_key()));
        [
            vec![0x7F, 0x21],
            tlv(0, &[tlv(0x5F4E, &body), tlv(0x5F37, &[0xAB; 128])].concat())[2..].to_vec(),
        ]
        .concat()
    }

    /// A face file in the card's layout; `one_range` signs the old way (SHA-256 of DF22..DF2A
    /// without DF28), which real cards do not.
    fn face(signer: &rsa::PrivateKey, one_range: bool) -> Vec<u8> {
        let items: Vec<Vec<u8>> = vec![
            tlv(0xDF22, b"19800217"),
            tlv(0xDF23, b"1"),
            tlv(0xDF24, &[0x90, 0x01, 0x03, 0x91, 0x01, 0x05]),
            tlv(0xDF25, b"\x89PNG name"),
            tlv(0xDF26, b"\x89PNG address"),
            tlv(0xDF27, &[0x5A; 300]),
        ];
        let tail = [tlv(0xDF29, b"20350217"), tlv(0xDF2A, b"\x89PNG code")];
        let info = if one_range {
            crate::digest::SignInput::data(&[items.concat(), tail.concat()].concat())
                .digest_info()
                .unwrap()
        } else {
            let d = |b: &[u8]| -> [u8; 32] { Sha256::digest(b).into() };
            face_digest_info(&[
                d(&items[0..3].concat()),
                d(&items[3..5].concat()),
                d(&items[5]),
            ])
        };
        let sig = signer.sign(Pkcs1v15Sign::new_unprefixed(), &info).unwrap();
        let body = [
            tlv(0xDF21, &[0; 18]),
            items.concat(),
            tlv(0xDF28, &sig),
            tail.concat(),
        ]
        .concat();
        [vec![0xFF, 0x20], tlv(0, &body)[2..].to_vec()].concat()
    }

    #[test]
    fn the_face_verifies_over_its_three_groups_only() {
        let key = signer();
        let r = KeyRecord::parse(&record(key)).unwrap();
        assert_eq!(
            KeyRecord::id_text(&r.issuer_key_id).as_deref(),
            Some("6000023/001")
        );
        assert_eq!(
            KeyRecord::id_text(&r.subject_key_id).as_deref(),
            Some("1310100/001")
        );
        let file = face(key, false);
        let f = parse_face(&file, r.clone()).unwrap();
        assert_eq!(f.birth_date.unwrap().to_string(), "1980-02-17");
        assert_eq!(f.expiry.unwrap().to_string(), "2035-02-17");
        assert_eq!(
            f.signed_digests[2],
            <[u8; 32]>::from(Sha256::digest(tlv(0xDF27, &[0x5A; 300])))
        );
        // DF29 and DF2A are outside the signature: changing them still verifies (as on cards).
        let mut unsigned = file.clone();
        let at = unsigned
            .windows(2)
            .rposition(|w| w == [0xDF, 0x29])
            .unwrap();
        unsigned[at + 3] = b'3';
        assert_eq!(
            parse_face(&unsigned, r.clone()).unwrap().expiry_raw,
            b"30350217"
        );
        // Any byte of the three groups changed: INTEGRITY_MISMATCH.
        for tag in [0x22u8, 0x23, 0x24, 0x25, 0x26, 0x27] {
            let mut bad = file.clone();
            let at = bad.windows(2).position(|w| w == [0xDF, tag]).unwrap();
            let value = if bad[at + 2] == 0x82 { at + 5 } else { at + 3 };
            bad[value] ^= 0x01;
            assert_eq!(
                parse_face(&bad, r.clone()).unwrap_err(),
                Error::Card(CardError::IntegrityMismatch {
                    what: "券面事項 (DF28)"
                }),
                "DF{tag:02X}"
            );
        }
        // One range over DF22..DF2A (the virtual card's old layout) does not verify.
        assert_eq!(
            parse_face(&face(key, true), r.clone()).unwrap_err().code(),
            "INTEGRITY_MISMATCH"
        );
        // Another key's record: INTEGRITY_MISMATCH, not a pass.
        let other = rsa::PrivateKey::new(&mut getrandom::SysRng, 1024).unwrap();
        let wrong = KeyRecord::parse(&record(&other)).unwrap();
        assert_eq!(
            parse_face(&file, wrong).unwrap_err().code(),
            "INTEGRITY_MISMATCH"
        );
    }

    #[test]
    fn bad_records_and_faces_are_typed_errors_never_panics() {
        let key = signer();
        let rec = record(key);
        let file = face(key, false);
        let r = KeyRecord::parse(&rec).unwrap();
        for cut in 0..rec.len() {
            assert!(
                KeyRecord::parse(&rec[..cut]).is_err(),
                "record cut at {cut}"
            );
        }
        for cut in 0..file.len() {
            let e = parse_face(&file[..cut], r.clone()).unwrap_err();
            assert!(
                matches!(e, Error::Card(CardError::MalformedResponse { .. })),
                "face cut at {cut}: {e:?}"
            );
        }
        let mut wrong_tag = rec.clone();
        wrong_tag[1] = 0x22;
        assert!(matches!(
            KeyRecord::parse(&wrong_tag),
            Err(Error::Card(CardError::MalformedResponse { .. }))
        ));
        // Every single byte flipped: parse or a typed error.
        for i in 0..rec.len() {
            let mut b = rec.clone();
            b[i] ^= 0xFF;
            let _ = KeyRecord::parse(&b);
        }
        assert!(format!("{r:?}").contains("6000023/001"));
        assert_eq!(KeyRecord::id_text(&[0xFF; 16]), None);
    }
}
