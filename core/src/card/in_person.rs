//! 対面確認 at the 窓口: the PIN-less check staff do with the card in hand. With 照合番号B (read
//! from the card face, as the Digital Agency's マイナンバーカード対面確認アプリ does), the
//! 券面事項確認AP's face data is read and its issuer signature (DF28) checked, the key record
//! (EF 0004) checked against the issuer key the caller holds, and the card proves it is present
//! by signing a fresh challenge with its own key (the same `80 2A 00 00` answer as the
//! internal authentication of かざし利用, [`MynaCard::internal_authentication`]), checked
//! against DF24, the card key the signed face data names.
//!
//! No My Number is read: 照合番号B does not open EF 0005 (the My Number image) and nothing of
//! the 入力補助AP is touched (docs/card-notes.md, Access row).

use super::internal_auth::{challenge_digest_info, challenge_or_fresh, check_answer};
use super::surface::{EF_FACE, parse_face_unchecked, rsa_key_object};
use super::{Application, CardPin, FaceData, KeyRecord, MynaCard};
use crate::error::{Error, VerifyError};
use crate::pin::CardNumberB;
use crate::transport::Transport;

const EF_KEY_RECORD: u16 = 0x0004;

/// The outcome of one named check of the 対面確認.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// Verified.
    Passed,
    /// Did not verify: the error code of the one error model says how
    /// (`INTEGRITY_MISMATCH`, `KEY_RECORD_UNTRUSTED`, `CARD_NOT_GENUINE`).
    Failed {
        /// The stable error code.
        code: &'static str,
    },
    /// Not checked, and why (the issuer key was not given).
    NotChecked {
        /// Why, in English (a stable phrase).
        reason: &'static str,
    },
}

impl Check {
    fn of(result: Result<(), Error>) -> Check {
        match result {
            Ok(()) => Check::Passed,
            Err(e) => Check::Failed { code: e.code() },
        }
    }

    /// Whether this check passed.
    pub fn passed(&self) -> bool {
        *self == Check::Passed
    }

    /// `passed`, `failed` or `not_checked`, as every face spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Check::Passed => "passed",
            Check::Failed { .. } => "failed",
            Check::NotChecked { .. } => "not_checked",
        }
    }
}

/// 真正性の判定: each check named, none folded into a single "ok".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticity {
    /// 券面事項の署名: DF28 over the three signed groups, by the key EF 0004 certifies.
    pub face_signature: Check,
    /// 鍵記録 EF 0004: its signature under the issuer (J-LIS) key the caller gave.
    pub key_record: Check,
    /// チャレンジへの応答: the card's signature over the fresh challenge, by the card key DF24
    /// of the signed face data (a copy of the files on another card fails here).
    pub challenge_answer: Check,
}

impl Authenticity {
    /// True only when all three checks passed. Without the issuer key the key record is
    /// `NotChecked` and the card is not called genuine.
    pub fn genuine(&self) -> bool {
        self.face_signature.passed() && self.key_record.passed() && self.challenge_answer.passed()
    }
}

/// What the 対面確認 gives staff: the face as the card holds it and the verdict. The face data
/// is given even when a check failed, for staff to see what the card claims; it is vouched for
/// only when [`Authenticity::genuine`] is true.
#[derive(Clone, PartialEq, Eq)]
pub struct InPersonCheck {
    /// EF 0002 parsed: 顔写真 (JPEG 2000), 氏名・住所・セキュリティコード images, 生年月日, 性別,
    /// 有効期限, and the key record.
    pub face: FaceData,
    /// The challenge the card signed.
    pub challenge: Vec<u8>,
    /// The card's answer.
    pub signature: Vec<u8>,
    /// 証明者鍵ID of the key record (`6000023/001`), naming the issuer key to check it with.
    pub issuer_key_id: Option<String>,
    /// The verdict.
    pub authenticity: Authenticity,
}

impl core::fmt::Debug for InPersonCheck {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InPersonCheck")
            .field("issuer_key_id", &self.issuer_key_id)
            .field("authenticity", &self.authenticity)
            .finish_non_exhaustive()
    }
}

/// The three checks over what the card gave.
fn judge(
    face: &FaceData,
    challenge: &[u8],
    signature: &[u8],
    issuer: Option<&rsa::PublicKey>,
) -> Authenticity {
    let face_signature = Check::of(face.verify_signature());
    let key_record = match issuer {
        Some(issuer) => Check::of(
            face.key_record
                .verify_with(issuer)
                .map_err(|_| Error::Verify(VerifyError::KeyRecordUntrusted)),
        ),
        None => Check::NotChecked {
            reason: "no issuer key given",
        },
    };
    let challenge_answer = Check::of(
        rsa_key_object(&face.public_key)
            .map_err(|_| Error::Verify(VerifyError::CardNotGenuine))
            .and_then(|key| check_answer(&key, challenge, signature)),
    );
    Authenticity {
        face_signature,
        key_record,
        challenge_answer,
    }
}

impl InPersonCheck {
    /// The verdict recomputed from the data (for a server given the parts by a client).
    pub fn rejudge(&self, issuer: Option<&rsa::PublicKey>) -> Authenticity {
        judge(&self.face, &self.challenge, &self.signature, issuer)
    }
}

impl<T: Transport> MynaCard<T> {
    /// 対面確認 (PIN-less, at the 窓口): in one exclusive stretch, the tries of 照合番号B
    /// (locked → `PIN_LOCKED`, nothing sent), one VERIFY (wrong → `PIN_INCORRECT` with the tries
    /// left, never retried), READ of EF 0002 (face) and EF 0004 (key record), and `80 2A 00 00`
    /// over the challenge; then the security state is cleared. The checks (face signature, key
    /// record under `issuer`, challenge answer) are returned named in
    /// [`InPersonCheck::authenticity`]; a failed check is a verdict, not an error.
    ///
    /// `challenge`: a fresh one (16–1024 bytes) or `None` for 32 bytes from the OS; a bad one is
    /// `INVALID_ARGUMENT` before any APDU. `issuer`: the J-LIS key that signs key records
    /// (not published; the caller chooses its source, see [`super::issuer_key_from_object`]).
    pub async fn in_person_check(
        &mut self,
        number_b: &CardNumberB,
        challenge: Option<&[u8]>,
        issuer: Option<&rsa::PublicKey>,
    ) -> Result<InPersonCheck, Error> {
        let challenge = challenge_or_fresh(challenge)?;
        let (face_file, record_file, signature) = self
            .pin_operation(async |card| {
                card.verify_pin(CardPin::SurfaceCardNumberB, number_b)
                    .await?;
                let face = card.read_tlv_file(Application::Surface, EF_FACE).await?;
                let record = card
                    .read_tlv_file(Application::Surface, EF_KEY_RECORD)
                    .await?;
                let signature = card
                    .surface_sign(&challenge_digest_info(&challenge))
                    .await?;
                Ok((face, record, signature))
            })
            .await?;
        let key_record = KeyRecord::parse(&record_file)?;
        let issuer_key_id = KeyRecord::id_text(&key_record.issuer_key_id);
        let face = parse_face_unchecked(&face_file, key_record)?;
        let authenticity = judge(&face, &challenge, &signature, issuer);
        Ok(InPersonCheck {
            face,
            challenge,
            signature,
            issuer_key_id,
            authenticity,
        })
    }
}
