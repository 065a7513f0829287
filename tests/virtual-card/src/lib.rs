//! A virtual My Number Card (マイナンバーカード) that answers APDUs the way real cards were
//! seen to: the 公的個人認証AP with RSA-2048 keys and a test PKI, the 券面事項入力補助AP
//! (基本4情報, 個人番号, integrity hashes and signature) and the 券面事項確認AP, with retry
//! counters that decrement and lock, and security state that resets as the real card's does.
//!
//! Every behaviour and its source is listed in `docs/card-notes.md`; where real cards differ
//! the [`Persona`] chooses the variant, so tests cover each.
//!
//! The card is bytes in, bytes out ([`VirtualCard::process`]) and does not depend on the SDK
//! it tests. It reaches the SDK three ways: in process through [`VirtualTransport`] (feature
//! `core-transport`), and through the real PC/SC stack with [`vpcd::serve`] or the
//! `mynacard-vpcd` binary.
//!
//! ```
//! use mynacard_virtual_card::VirtualCard;
//!
//! let mut card = VirtualCard::builtin("taro").unwrap();
//! // SELECT the JPKI AP.
//! let r = card.process(&[0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]);
//! assert_eq!(r, [0x90, 0x00]);
//! ```

mod card;
#[cfg(feature = "core-transport")]
pub mod checks;
mod command;
mod encode;
mod files;
mod persona;
pub mod pki;
#[cfg(feature = "resident")]
pub mod resident;
#[cfg(feature = "core-transport")]
mod transport;
pub mod usb;
pub mod vpcd;

pub use card::{Seen, VirtualCard, sw};
pub use files::App;
pub use persona::{
    FirstApdu, Persona, Sex, ShortEfIdCommand, ShortEfIdRefusals, VerifiedTriesAnswer,
    valid_my_number,
};
#[cfg(feature = "core-transport")]
pub use transport::{Sent, VirtualTransport};

impl vpcd::VpcdCard for VirtualCard {
    fn atr(&self) -> Vec<u8> {
        VirtualCard::atr(self).to_vec()
    }
    fn power_on(&mut self) {
        VirtualCard::power_on(self);
    }
    fn power_off(&mut self) {
        VirtualCard::power_off(self);
    }
    fn reset(&mut self) {
        VirtualCard::warm_reset(self);
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        VirtualCard::process(self, apdu)
    }
}
