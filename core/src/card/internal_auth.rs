//! 券面事項確認AP internal authentication (内部認証): the card signs a fresh challenge with its own
//! key, and the answer is checked against the key the card's signed records name. This is the
//! third interface of the Digital Agency's かざし利用 component ("生年月日PINをインプットに内部認証
//! 結果を応答する"), used to show that a card is genuine, not a copy of another card's files.
//!
//! The command form and what verifies it (docs/card-notes.md, "券面事項確認AP internal
//! authentication"): INTERNAL AUTHENTICATE `00 88` is refused by the 券面 keys on real cards
//! (6985, soltia48/myna-card `Card::internal_authenticate`); the AP signs with its default key
//! through `80 2A 00 00` over a SHA-256 DigestInfo (myna-card `SurfaceAp::sign`). The key that
//! verifies the answer is EF 0001 DF12, which only the birth-date key opens and which the
//! record EF 0004 certifies (DF13); EF 0004 is signed by a J-LIS key that is not on the card
//! and not published, so that last check needs a trust anchor the caller holds.

use sha2::{Digest, Sha256};

use super::surface::rsa_key_object;
use super::{Application, CardPin, KeyRecord, MynaCard, Progress, check_signature};
use crate::apdu::{Command, SHORT_LE_MAX};
use crate::digest::SignInput;
use crate::error::{CardError, Error, UsageError, VerifyError};
use crate::four_info::Date;
use crate::pin::BirthDatePin;
use crate::tlv;
use crate::transport::Transport;

const EF_AGE_RECORD: u16 = 0x0001;
const EF_KEY_RECORD: u16 = 0x0004;

/// The shortest challenge accepted: a guessable challenge would let a recorded answer replay.
pub const CHALLENGE_MIN: usize = 16;
/// The longest challenge accepted (the card signs its digest, so any length would do).
pub const CHALLENGE_MAX: usize = 1024;
/// The length of the challenge the SDK draws when the caller gives none.
pub const CHALLENGE_DEFAULT: usize = 32;

/// EF 0001 of the 券面事項確認AP (生年月日の記録), opened by the birth-date key only:
/// `FF10 { DF11 birth YYYYMMDD, DF12 the card key (90 e 91 n), DF13 SHA256withRSA over the
/// DF11 DF12 TLVs as written, by the key EF 0004 certifies }` (soltia48/myna-card `AgeRecord`,
/// verified there on a card's file).
#[derive(Clone, PartialEq, Eq)]
pub struct AgeRecord {
    /// DF11: 生年月日 as stored.
    pub birth_date_raw: Vec<u8>,
    /// DF11 parsed (YYYYMMDD, Gregorian).
    pub birth_date: Option<Date>,
    /// DF12: the card's own key (`90 e 91 n`), the one that answers the challenge.
    pub public_key: Vec<u8>,
    /// DF13: the signature over [`AgeRecord::signed_data`].
    pub signature: Vec<u8>,
    /// The DF11 and DF12 TLVs as written: the bytes DF13 signs.
    pub signed_data: Vec<u8>,
}

impl core::fmt::Debug for AgeRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AgeRecord(<redacted>)")
    }
}

impl AgeRecord {
    /// Parses EF 0001.
    pub fn parse(file: &[u8]) -> Result<AgeRecord, Error> {
        let bad = |what| Error::Card(CardError::MalformedResponse { what });
        let outer = tlv::read_at(file, 0)?;
        if outer.tag != 0xFF10 {
            return Err(bad("birth-date record does not start with FF10"));
        }
        let v = outer.value;
        let birth = tlv::require(v, 0xDF11, "birth-date record has no birth date (DF11)")?;
        let key = tlv::require(v, 0xDF12, "birth-date record has no card key (DF12)")?;
        let signature = tlv::require(v, 0xDF13, "birth-date record has no signature (DF13)")?;
        // Every object before DF13, as written (myna-card `bytes_before(0xDF13)`).
        let signed_data = v
            .get(..signature.start)
            .filter(|_| birth.end <= signature.start && key.end <= signature.start)
            .ok_or(bad("birth-date record signs nothing before DF13"))?
            .to_vec();
        let record = AgeRecord {
            birth_date_raw: birth.value.to_vec(),
            birth_date: Date::parse(birth.value),
            public_key: key.value.to_vec(),
            signature: signature.value.to_vec(),
            signed_data,
        };
        record.rsa_key()?;
        Ok(record)
    }

    /// The card key.
    pub fn rsa_key(&self) -> Result<rsa::PublicKey, Error> {
        rsa_key_object(&self.public_key)
    }

    /// Checks DF13 with the key `record` certifies: `INTEGRITY_MISMATCH` when it does not verify.
    pub fn verify_with(&self, record: &KeyRecord) -> Result<(), Error> {
        crate::verify::signature::verify_rsa(
            &record.rsa_key()?,
            crate::digest::DigestAlgorithm::Sha256,
            &self.signed_data,
            &self.signature,
        )
        .map_err(|_| {
            Error::Card(CardError::IntegrityMismatch {
                what: "生年月日の記録 (EF 0001 DF13)",
            })
        })
    }
}

/// What the card answered: the challenge, its signature, and the two records (as read and
/// parsed) that name and certify the key. A relying party that did not talk to the card itself
/// checks these with [`verify_internal_authentication`].
#[derive(Clone, PartialEq, Eq)]
pub struct InternalAuthentication {
    /// The challenge signed.
    pub challenge: Vec<u8>,
    /// The card's answer: PKCS#1 v1.5 over `DigestInfo(SHA-256, SHA-256(challenge))`.
    pub signature: Vec<u8>,
    /// EF 0001 as read (`FF10 …`).
    pub age_record_file: Vec<u8>,
    /// EF 0004 as read (`7F21 …`).
    pub key_record_file: Vec<u8>,
    /// EF 0001 parsed.
    pub age_record: AgeRecord,
    /// EF 0004 parsed.
    pub key_record: KeyRecord,
}

impl core::fmt::Debug for InternalAuthentication {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("InternalAuthentication(<redacted>)")
    }
}

/// What [`verify_internal_authentication`] established.
#[derive(Clone, PartialEq, Eq)]
pub struct CardGenuineness {
    /// DF11, the birth date the card's signed record holds (compare with your registration).
    pub birth_date: Option<Date>,
    /// Whether the key record was checked against a trust anchor. `false` means only that the
    /// answer comes from the key the card's own records name and that those records agree with
    /// each other; who issued them is then unchecked.
    pub key_record_checked: bool,
    /// 証明者鍵ID of the key record (`6000023/001`), naming the issuer key to check it with.
    pub issuer_key_id: Option<String>,
}

impl core::fmt::Debug for CardGenuineness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CardGenuineness")
            .field("key_record_checked", &self.key_record_checked)
            .field("issuer_key_id", &self.issuer_key_id)
            .finish_non_exhaustive()
    }
}

impl InternalAuthentication {
    /// [`verify_internal_authentication`] over this answer.
    pub fn verify(&self, anchor: Option<&rsa::PublicKey>) -> Result<CardGenuineness, Error> {
        check(
            &self.challenge,
            &self.signature,
            &self.age_record,
            &self.key_record,
            anchor,
        )
    }
}

/// A trust anchor for [`verify_internal_authentication`] from the key object form the card's
/// records write keys in (`90 e 91 n`, as in EF 0004's 5F4E): the J-LIS issuer key, which a
/// relying party obtains itself (it is not published; docs/card-notes.md).
pub fn issuer_key_from_object(object: &[u8]) -> Result<rsa::PublicKey, Error> {
    rsa_key_object(object).map_err(|_| {
        Error::Usage(UsageError::InvalidArgument {
            what: "the issuer key is not a 90 e 91 n RSA key object",
        })
    })
}

/// Checks an internal authentication answer, in this order: EF 0001's DF13 against the key EF
/// 0004 certifies (`INTEGRITY_MISMATCH`), EF 0004 against `anchor` when given
/// (`KEY_RECORD_UNTRUSTED`), then the answer over `challenge` against the card key EF 0001 names
/// (`CARD_NOT_GENUINE`: a genuine card's files on a card with another key end here). The
/// challenge must be the one the relying party issued, fresh; checking that is the caller's part.
pub fn verify_internal_authentication(
    challenge: &[u8],
    signature: &[u8],
    age_record_file: &[u8],
    key_record_file: &[u8],
    anchor: Option<&rsa::PublicKey>,
) -> Result<CardGenuineness, Error> {
    let age = AgeRecord::parse(age_record_file)?;
    let record = KeyRecord::parse(key_record_file)?;
    check(challenge, signature, &age, &record, anchor)
}

fn check(
    challenge: &[u8],
    signature: &[u8],
    age: &AgeRecord,
    record: &KeyRecord,
    anchor: Option<&rsa::PublicKey>,
) -> Result<CardGenuineness, Error> {
    age.verify_with(record)?;
    if let Some(anchor) = anchor {
        record
            .verify_with(anchor)
            .map_err(|_| Error::Verify(VerifyError::KeyRecordUntrusted))?;
    }
    check_answer(&age.rsa_key()?, challenge, signature)?;
    Ok(CardGenuineness {
        birth_date: age.birth_date,
        key_record_checked: anchor.is_some(),
        issuer_key_id: KeyRecord::id_text(&record.issuer_key_id),
    })
}

/// The card's answer over `challenge` checked against `card_key`, the key its signed records
/// name: `CARD_NOT_GENUINE` when it does not verify (a copy of a card's files on another card).
pub(super) fn check_answer(
    card_key: &rsa::PublicKey,
    challenge: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    crate::verify::verify_digest_info(card_key, &challenge_digest_info(challenge), signature)
        .map_err(|_| Error::Verify(VerifyError::CardNotGenuine))
}

/// The caller's challenge checked (16–1024 bytes, else `INVALID_ARGUMENT` before any APDU), or
/// a fresh one of [`CHALLENGE_DEFAULT`] bytes from the OS.
pub(super) fn challenge_or_fresh(challenge: Option<&[u8]>) -> Result<Vec<u8>, Error> {
    match challenge {
        Some(c) if (CHALLENGE_MIN..=CHALLENGE_MAX).contains(&c.len()) => Ok(c.to_vec()),
        Some(_) => Err(Error::Usage(UsageError::InvalidArgument {
            what: "the challenge must be 16 to 1024 bytes",
        })),
        None => Ok(crate::oidc::jose::random::<CHALLENGE_DEFAULT>()?.to_vec()),
    }
}

/// `DigestInfo(SHA-256, SHA-256(challenge))`: what `80 2A 00 00` is given (myna-card
/// `SurfaceAp::sign`).
pub(super) fn challenge_digest_info(challenge: &[u8]) -> Vec<u8> {
    let digest: [u8; 32] = Sha256::digest(challenge).into();
    SignInput::Digest {
        algorithm: crate::digest::DigestAlgorithm::Sha256,
        digest: &digest,
    }
    .digest_info()
    .unwrap_or_default()
}

impl<T: Transport> MynaCard<T> {
    /// The 券面事項確認AP's internal authentication with the birth-date key: in one exclusive
    /// stretch, the tries of EF 0011 (locked → `PIN_LOCKED`, nothing sent), one VERIFY (wrong →
    /// `PIN_INCORRECT` with the tries left, never retried), READ of EF 0001 and EF 0004, and
    /// `80 2A 00 00` over the challenge; then the security state is cleared. The answer is
    /// checked against the card's own records before it is returned (`CARD_NOT_GENUINE`,
    /// `INTEGRITY_MISMATCH`); checking EF 0004 against J-LIS's key is
    /// [`InternalAuthentication::verify`] with the anchor.
    ///
    /// `challenge`: the relying party's fresh challenge (16–1024 bytes), or `None` for 32 bytes
    /// from the OS. A bad challenge is `INVALID_ARGUMENT` before any APDU.
    pub async fn internal_authentication(
        &mut self,
        birth_date: &BirthDatePin,
        challenge: Option<&[u8]>,
    ) -> Result<InternalAuthentication, Error> {
        let challenge = challenge_or_fresh(challenge)?;
        let answer = self
            .pin_operation(async |card| {
                card.verify_pin(CardPin::SurfaceBirthDate, birth_date)
                    .await?;
                let age_record_file = card
                    .read_tlv_file(Application::Surface, EF_AGE_RECORD)
                    .await?;
                let key_record_file = card
                    .read_tlv_file(Application::Surface, EF_KEY_RECORD)
                    .await?;
                let signature = card
                    .surface_sign(&challenge_digest_info(&challenge))
                    .await?;
                Ok((age_record_file, key_record_file, signature))
            })
            .await;
        let (age_record_file, key_record_file, signature) = answer?;
        let answer = InternalAuthentication {
            age_record: AgeRecord::parse(&age_record_file)?,
            key_record: KeyRecord::parse(&key_record_file)?,
            challenge,
            signature,
            age_record_file,
            key_record_file,
        };
        answer.verify(None)?;
        Ok(answer)
    }

    /// 生年月日の記録 (EF 0001 of the 券面事項確認AP), opened by the birth-date key: the birth date
    /// and the card key, DF13 checked with the key EF 0004 certifies (`INTEGRITY_MISMATCH`),
    /// returned with that record. One VERIFY, never retried; cleared after. An age check
    /// (年齢確認) that needs no signature from the card; it does not show the card is genuine
    /// (the file can be copied): [`MynaCard::internal_authentication`] does.
    pub async fn read_birth_date_record(
        &mut self,
        birth_date: &BirthDatePin,
    ) -> Result<(AgeRecord, KeyRecord), Error> {
        let (age_file, record_file) = self
            .pin_operation(async |card| {
                card.verify_pin(CardPin::SurfaceBirthDate, birth_date)
                    .await?;
                let age = card
                    .read_tlv_file(Application::Surface, EF_AGE_RECORD)
                    .await?;
                let record = card
                    .read_tlv_file(Application::Surface, EF_KEY_RECORD)
                    .await?;
                Ok((age, record))
            })
            .await?;
        let age = AgeRecord::parse(&age_file)?;
        let record = KeyRecord::parse(&record_file)?;
        age.verify_with(&record)?;
        Ok((age, record))
    }

    /// `80 2A 00 00 Lc DigestInfo 00` in the 券面事項確認AP: P2 = 00 names the AP's default key,
    /// its card key, which needs no credential (myna-card `SurfaceAp::sign`). Never retried.
    pub(super) async fn surface_sign(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, Error> {
        self.select_application(Application::Surface).await?;
        self.report(Progress::Signing);
        let response = self
            .exchange(
                Command::new(0x80, 0x2A, 0x00, 0x00)
                    .with_data(digest_info)
                    .with_le(SHORT_LE_MAX),
            )
            .await?;
        check_signature(response.into_ok()?)
    }
}

#[cfg(test)]
mod tests {
    use pollster::block_on;
    use rsa::Pkcs1v15Sign;
    use rsa::traits::PublicKeyParts;

    use super::super::testing::{CLEAR, Scripted, hex, hex_of};
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

    fn ok(data: &[u8]) -> Vec<u8> {
        [data, &[0x90, 0x00]].concat()
    }

    fn key_object(k: &rsa::PublicKey) -> Vec<u8> {
        [tlv(&[0x90], &k.e_bytes()), tlv(&[0x91], &k.n_bytes())].concat()
    }

    /// Test keys: [card key, 券面 signer, record CA, another card's key].
    fn keys() -> &'static [rsa::PrivateKey; 4] {
        static KEYS: std::sync::OnceLock<[rsa::PrivateKey; 4]> = std::sync::OnceLock::new();
        KEYS.get_or_init(|| {
            core::array::from_fn(|_| rsa::PrivateKey::new(&mut getrandom::SysRng, 1024).unwrap())
        })
    }

    fn sha256_signature(key: &rsa::PrivateKey, data: &[u8]) -> Vec<u8> {
        key.sign(
            Pkcs1v15Sign::new_unprefixed(),
            &SignInput::data(data).digest_info().unwrap(),
        )
        .unwrap()
    }

    /// EF 0001 and EF 0004 as a card writes them, for the card key `keys()[0]`.
    fn files(tamper_df13: bool) -> (Vec<u8>, Vec<u8>) {
        let [card, signer, ca, _] = keys();
        let signed = [
            tlv(&[0xDF, 0x11], b"19800217"),
            tlv(&[0xDF, 0x12], &key_object(&card.to_public_key())),
        ]
        .concat();
        let mut df13 = sha256_signature(signer, &signed);
        if tamper_df13 {
            df13[5] ^= 1;
        }
        let age = tlv(&[0xFF, 0x10], &[signed, tlv(&[0xDF, 0x13], &df13)].concat());
        let mut body = b"6000023\x08\x05001\0\0\0\0".to_vec();
        body.extend_from_slice(b"1310100\x08\x05001\0\0\0\0");
        body.extend_from_slice(&key_object(&signer.to_public_key()));
        let record = tlv(
            &[0x7F, 0x21],
            &[
                tlv(&[0x5F, 0x4E], &body),
                tlv(&[0x5F, 0x37], &sha256_signature(ca, &body)),
            ]
            .concat(),
        );
        (age, record)
    }

    const CHALLENGE: &[u8] = b"library counter visit 0001 nonce";

    fn sign_command() -> Vec<u8> {
        let di = challenge_digest_info(CHALLENGE);
        [&hex("802A0000")[..], &[di.len() as u8], &di, &[0x00]].concat()
    }

    /// After connect: SELECT 券面AP, tries by short id (P2 91 = 80|11), VERIFY `550217`,
    /// READ 0001 and 0004 by short id (81, 84), `80 2A 00 00`, the clearing.
    fn script(signer: &rsa::PrivateKey, tamper_df13: bool) -> Scripted {
        let (age, record) = files(tamper_df13);
        let sig = signer
            .sign(
                Pkcs1v15Sign::new_unprefixed(),
                &challenge_digest_info(CHALLENGE),
            )
            .unwrap();
        Scripted::new(true)
            .connected()
            .expect("00A4040C0AD3921000310001010402", "9000")
            .expect("00200091", "63CA")
            .expect("0020009106 353530323137", "9000")
            .expect_raw(hex("00B08100 000000"), ok(&age))
            .expect_raw(hex("00B08400 000000"), ok(&record))
            .expect_raw(sign_command(), ok(&sig))
            .cleared()
    }

    fn birth() -> BirthDatePin {
        BirthDatePin::from_gregorian("19800217").unwrap()
    }

    fn after_connect(card: &MynaCard<Scripted>) -> Vec<String> {
        card.transport().events[2..].to_vec()
    }

    #[test]
    fn a_genuine_card_answers_in_seven_apdus_inside_one_cleared_stretch() {
        let [card_key, _, ca, other] = keys();
        let mut card = block_on(MynaCard::connect(script(card_key, false))).unwrap();
        let answer = block_on(card.internal_authentication(&birth(), Some(CHALLENGE))).unwrap();
        assert!(card.transport().done());
        assert_eq!(card.stats().apdus, 2 + 7);
        let events = after_connect(&card);
        assert_eq!(events.first().map(String::as_str), Some("begin"));
        assert_eq!(events.last().map(String::as_str), Some("end"));
        assert_eq!(events[events.len() - 2], CLEAR);
        assert_eq!(events[events.len() - 3], hex_of(&sign_command()));
        assert_eq!(card.transport().verifies(), 1);
        assert_eq!(answer.challenge, CHALLENGE);
        assert_eq!(answer.signature.len(), 128);
        assert!(!format!("{answer:?}").contains("1980"));

        // Without an anchor: the card's own records agree, the issuer is unchecked.
        let g = answer.verify(None).unwrap();
        assert!(!g.key_record_checked);
        assert_eq!(g.birth_date.unwrap().to_string(), "1980-02-17");
        assert_eq!(g.issuer_key_id.as_deref(), Some("6000023/001"));
        // With the issuer's key: checked; with another key: KEY_RECORD_UNTRUSTED.
        assert!(
            answer
                .verify(Some(&ca.to_public_key()))
                .unwrap()
                .key_record_checked
        );
        assert_eq!(
            answer
                .verify(Some(&other.to_public_key()))
                .unwrap_err()
                .code(),
            "KEY_RECORD_UNTRUSTED"
        );
        // A relying party checks the same from the bytes; another challenge is refused.
        let g = verify_internal_authentication(
            CHALLENGE,
            &answer.signature,
            &answer.age_record_file,
            &answer.key_record_file,
            Some(&ca.to_public_key()),
        )
        .unwrap();
        assert!(g.key_record_checked);
        let e = verify_internal_authentication(
            b"another challenge, not the one the card signed",
            &answer.signature,
            &answer.age_record_file,
            &answer.key_record_file,
            Some(&ca.to_public_key()),
        )
        .unwrap_err();
        assert_eq!(e, Error::Verify(VerifyError::CardNotGenuine));
    }

    #[test]
    fn copied_files_on_a_card_with_another_key_are_refused_and_still_cleared() {
        let [_, _, _, other] = keys();
        let mut card = block_on(MynaCard::connect(script(other, false))).unwrap();
        let e = block_on(card.internal_authentication(&birth(), Some(CHALLENGE))).unwrap_err();
        assert_eq!(e, Error::Verify(VerifyError::CardNotGenuine));
        assert_eq!(e.code(), "CARD_NOT_GENUINE");
        assert!(!e.message_ja().is_empty());
        assert!(card.transport().done(), "the clearing went out");
    }

    #[test]
    fn a_birth_date_record_whose_df13_does_not_verify_is_an_integrity_mismatch() {
        let [card_key, ..] = keys();
        let mut card = block_on(MynaCard::connect(script(card_key, true))).unwrap();
        let e = block_on(card.internal_authentication(&birth(), Some(CHALLENGE))).unwrap_err();
        assert_eq!(e.code(), "INTEGRITY_MISMATCH");
        assert!(card.transport().done());
    }

    #[test]
    fn a_locked_key_sends_no_verify_and_a_wrong_one_is_one_try_never_retried() {
        let locked = Scripted::new(true)
            .connected()
            .expect("00A4040C0AD3921000310001010402", "9000")
            .expect("00200091", "63C0");
        let mut card = block_on(MynaCard::connect(locked)).unwrap();
        let e = block_on(card.internal_authentication(&birth(), Some(CHALLENGE))).unwrap_err();
        assert_eq!(e, Error::Pin(crate::error::PinError::Locked));
        assert_eq!(card.transport().verifies(), 0);
        // Nothing was presented: nothing to clear.
        assert!(card.transport().done());

        let wrong = Scripted::new(true)
            .connected()
            .expect("00A4040C0AD3921000310001010402", "9000")
            .expect("00200091", "63CA")
            .expect("0020009106 353530323137", "63C9")
            .cleared();
        let mut card = block_on(MynaCard::connect(wrong)).unwrap();
        let e = block_on(card.internal_authentication(&birth(), Some(CHALLENGE))).unwrap_err();
        assert_eq!(
            e,
            Error::Pin(crate::error::PinError::Incorrect { remaining: 9 })
        );
        assert_eq!(card.transport().verifies(), 1);
        assert!(card.transport().done());
    }

    #[test]
    fn a_bad_challenge_or_birth_date_sends_nothing() {
        for bad in [&b""[..], &[7u8; 15][..], &[7u8; 1025][..]] {
            let mut card = block_on(MynaCard::connect(Scripted::new(true).connected())).unwrap();
            let e = block_on(card.internal_authentication(&birth(), Some(bad))).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT");
            assert_eq!(card.stats().apdus, 2);
        }
        for bad in ["551317", "19800230", "5502170", ""] {
            assert_eq!(
                BirthDatePin::new(bad)
                    .or_else(|_| BirthDatePin::from_gregorian(bad))
                    .unwrap_err()
                    .code(),
                "PIN_FORMAT"
            );
        }
    }

    #[test]
    fn without_a_challenge_a_fresh_one_is_drawn() {
        let (age, record) = files(false);
        // The command carries a challenge the script cannot know: the script ends before the
        // signature, so the scripted transport panics on it, and the command sent is kept.
        let mut drawn = Vec::new();
        for _ in 0..2 {
            let mut card = block_on(MynaCard::connect(
                Scripted::new(true)
                    .connected()
                    .expect("00A4040C0AD3921000310001010402", "9000")
                    .expect("00200091", "63CA")
                    .expect("0020009106 353530323137", "9000")
                    .expect_raw(hex("00B08100 000000"), ok(&age))
                    .expect_raw(hex("00B08400 000000"), ok(&record)),
            ))
            .unwrap();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                block_on(card.internal_authentication(&birth(), None))
            }));
            assert!(r.is_err());
            let sent = card.transport().sent.last().unwrap().clone();
            // 80 2A 00 00, Lc 51: a SHA-256 DigestInfo of the drawn challenge.
            assert_eq!(&sent[..5], hex("802A000033"));
            assert_eq!(&sent[5..24], &challenge_digest_info(b"x")[..19]);
            drawn.push(sent);
        }
        assert_ne!(drawn[0], drawn[1], "two draws, two challenges");
    }

    #[test]
    fn the_birth_date_record_alone_is_six_apdus_and_checked() {
        for tamper in [false, true] {
            let (age, record) = files(tamper);
            let script = Scripted::new(true)
                .connected()
                .expect("00A4040C0AD3921000310001010402", "9000")
                .expect("00200091", "63CA")
                .expect("0020009106 353530323137", "9000")
                .expect_raw(hex("00B08100 000000"), ok(&age))
                .expect_raw(hex("00B08400 000000"), ok(&record))
                .cleared();
            let mut card = block_on(MynaCard::connect(script)).unwrap();
            let r = block_on(card.read_birth_date_record(&birth()));
            assert!(card.transport().done());
            match r {
                Ok((age, record)) => {
                    assert!(!tamper);
                    assert_eq!(age.birth_date.unwrap().to_string(), "1980-02-17");
                    assert_eq!(
                        KeyRecord::id_text(&record.issuer_key_id).as_deref(),
                        Some("6000023/001")
                    );
                }
                Err(e) => {
                    assert!(tamper);
                    assert_eq!(e.code(), "INTEGRITY_MISMATCH");
                }
            }
        }
    }

    #[test]
    fn malformed_records_are_typed_errors_never_panics() {
        let (age, record) = files(false);
        for cut in 0..age.len() {
            assert!(AgeRecord::parse(&age[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..age.len() {
            let mut b = age.clone();
            b[i] ^= 0xFF;
            let _ = AgeRecord::parse(&b);
            let _ = verify_internal_authentication(CHALLENGE, &[0; 128], &b, &record, None);
        }
        assert!(matches!(
            AgeRecord::parse(&record),
            Err(Error::Card(CardError::MalformedResponse { .. }))
        ));
        assert_eq!(
            format!("{:?}", AgeRecord::parse(&age).unwrap()),
            "AgeRecord(<redacted>)"
        );
    }
}
