//! 暗証番号の変更: a new value for the 利用者証明用 PIN, the 署名用 password or the
//! 券面事項入力補助用 PIN, in the command form real-card clients send (docs/card-notes.md,
//! "Changing a PIN").

use super::{CardPin, MynaCard};
use crate::apdu::{Command, Status};
use crate::error::{CardError, Error, PinError, UsageError};
use crate::pin::{AssistPin, AuthPin, Pin, PinKind, SignPin};
use crate::transport::Transport;

impl<T: Transport> MynaCard<T> {
    /// Changes the 利用者証明用電子証明書の暗証番号 (4 digits) from `current` to `new`.
    ///
    /// Both are checked when constructed, so a malformed one never reaches the card. The tries
    /// are checked first (a locked PIN is `PIN_LOCKED` with no VERIFY); `current` is sent
    /// exactly once, and a wrong one is `PIN_INCORRECT` with the tries left and changes
    /// nothing. Nothing stays verified afterwards.
    pub async fn change_auth_pin(&mut self, current: &AuthPin, new: &AuthPin) -> Result<(), Error> {
        self.change_reference_data(CardPin::JpkiAuth, current, new)
            .await
    }

    /// Changes the 署名用電子証明書の暗証番号 (6–16 of A–Z and 0–9; the card holds upper case, so
    /// lower-case input is the same password) from `current` to `new`, as
    /// [`change_auth_pin`](Self::change_auth_pin) does.
    pub async fn change_sign_pin(&mut self, current: &SignPin, new: &SignPin) -> Result<(), Error> {
        self.change_reference_data(CardPin::JpkiSign, current, new)
            .await
    }

    /// Changes the 券面事項入力補助用の暗証番号 (4 digits) from `current` to `new`, as
    /// [`change_auth_pin`](Self::change_auth_pin) does.
    pub async fn change_assist_pin(
        &mut self,
        current: &AssistPin,
        new: &AssistPin,
    ) -> Result<(), Error> {
        self.change_reference_data(CardPin::Assist, current, new)
            .await
    }

    /// The faces' form of the three above: the PIN named by its kind (`auth`, `sign`,
    /// `assist`), both values as typed. `current` is checked first, then `new`, each by the
    /// rule of `kind` (`PIN_FORMAT`), before any APDU. 照合番号A/B are printed on the card
    /// and cannot be changed: `INVALID_ARGUMENT`, nothing sent.
    pub async fn change_pin(
        &mut self,
        kind: PinKind,
        current: &str,
        new: &str,
    ) -> Result<(), Error> {
        match kind {
            PinKind::Auth => {
                let current = AuthPin::new(current)?;
                self.change_auth_pin(&current, &AuthPin::new(new)?).await
            }
            PinKind::Sign => {
                let current = SignPin::new(current)?;
                self.change_sign_pin(&current, &SignPin::new(new)?).await
            }
            PinKind::Assist => {
                let current = AssistPin::new(current)?;
                self.change_assist_pin(&current, &AssistPin::new(new)?)
                    .await
            }
            PinKind::CardNumberA | PinKind::CardNumberB | PinKind::BirthDate => {
                Err(Error::Usage(UsageError::InvalidArgument {
                    what: "照合番号 and the birth-date key cannot be changed: only auth, sign and assist PINs",
                }))
            }
        }
    }

    /// The peers' form (jpki/myna `src/pin.rs` + `src/apdu.rs`; soltia48/myna-card
    /// `JpkiAp::change_pin`, `TextAp::change_pin`, `Card::change_reference_data`): SELECT the
    /// PIN EF, VERIFY `00 20 00 80` with the current PIN, then CHANGE REFERENCE DATA
    /// `00 24 01 80 Lc new` on that same current EF (ISO/IEC 7816-4: P1 = 01, the data field
    /// holds the new reference data only, the old one having been verified). The tries query
    /// before it goes the same way (`00 20 00 80`); no short EF id in P2 here, since no
    /// public client sends CHANGE with one. One exclusive stretch, cleared at the end.
    async fn change_reference_data(
        &mut self,
        which: CardPin,
        current: &dyn Pin,
        new: &dyn Pin,
    ) -> Result<(), Error> {
        if current.kind() != which.kind() || new.kind() != which.kind() {
            return Err(Error::Usage(UsageError::InvalidArgument {
                what: "PIN of the wrong kind for this PIN EF",
            }));
        }
        self.pin_operation(async |card| {
            card.verify_pin_by(which, current, false).await?;
            // VERIFY by P2 = 80 left the PIN EF the current EF (`verify_pin_by`).
            debug_assert_eq!(card.selected_ef, Some(which.ef()));
            let response = card
                .exchange(Command::new(0x00, 0x24, 0x01, 0x80).with_data(new.bytes()))
                .await?;
            match response.status() {
                Status::Ok => Ok(()),
                Status::SecurityStatusNotSatisfied => Err(Error::Card(CardError::SecurityStatus)),
                Status::PinBlocked => Err(Error::Pin(PinError::Locked)),
                _ => Err(response.sw.to_error()),
            }
        })
        .await
    }
}
