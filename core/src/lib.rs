//! # mynacard-core
//!
//! The sans-IO core of the mynacard SDK for the Japanese My Number Card (マイナンバーカード):
//! the card's applications (公的個人認証AP, 券面事項入力補助AP, 券面事項確認AP), PIN rules, APDUs,
//! and the verification a relying party needs. It performs no I/O: every card operation is an
//! `async fn` over a [`Transport`] that a face (PC/SC, WebUSB, CoreNFC, IsoDep) implements with
//! one method, `transmit(apdu) -> response`.
//!
//! ```no_run
//! use mynacard_core::{AuthPin, MynaCard, SignInput, Transport, verify};
//!
//! async fn login<T: Transport>(transport: T, pin_from_user: &str, challenge: &[u8])
//!     -> Result<(), mynacard_core::Error>
//! {
//!     // A malformed PIN fails here, before any APDU: it can never cost a try.
//!     let pin = AuthPin::new(pin_from_user)?;
//!     // Refuses 住基カード and smartphone credentials with WRONG_CARD.
//!     let mut card = MynaCard::connect(transport).await?;
//!     let auth = card.authenticate(&pin, SignInput::data(challenge)).await?;
//!     // What the server does: signature, then certificate chain.
//!     verify::verify_signature(&auth.certificate, SignInput::data(challenge), &auth.signature)?;
//!     verify::jpki_trust_anchors().verify(&auth.certificate, mynacard_core::UnixTime::now())?;
//!     Ok(())
//! }
//! ```
//!
//! A relying party's backend that uses the Digital Agency's デジタル認証アプリ instead of reading
//! the card itself has [`oidc`]: a sans-IO OpenID Connect client (PKCE, ID token checks,
//! 基本4情報 from userinfo, 署名 transactions with a JWE result verified by [`verify`]).
//!
//! Rules the API enforces:
//! - PINs are types ([`AuthPin`], [`SignPin`], [`AssistPin`], [`CardNumberA`], [`CardNumberB`], [`BirthDatePin`])
//!   that check their format on construction, wipe themselves on drop and print as redacted.
//! - Before every VERIFY the SDK asks the card for the remaining tries without spending one;
//!   a locked PIN gives `PIN_LOCKED` and no VERIFY is sent. A refused VERIFY is never retried.
//! - The My Number is read only by [`MynaCard::read_my_number`].
//! - Nothing that comes from the card or the user is logged; `Debug` of personal data is redacted.
//! - Every error has a stable code and English/Japanese messages ([`error::ERROR_CODES`]).

// The workspace lints (Cargo.toml) plus this one: the core's public API is documented (every
// module; no allow is left).
#![warn(missing_docs)]

pub mod apdu;
pub mod card;
pub mod cert;
pub mod cms;
pub mod digest;
pub mod error;
pub mod four_info;
pub mod manual;
pub mod my_number;
pub mod oidc;
#[cfg(feature = "pdf")]
pub mod pdf;
#[cfg(feature = "photo")]
pub mod photo;
pub mod pin;
pub mod reader;
pub mod tlv;
pub mod transport;
pub mod verify;

pub use card::{Application, CardPin, MynaCard, PinState, Progress, Stats};
pub use cert::{JpkiCertificate, KeyAlgorithm, UnixTime};
pub use digest::{DigestAlgorithm, SignInput};
pub use error::{CardKind, Error};
pub use four_info::{CardText, Date, FourInfo, Sex};
pub use my_number::MyNumber;
pub use pin::{AssistPin, AuthPin, BirthDatePin, CardNumberA, CardNumberB, PinKind, SignPin};
pub use transport::{Capabilities, Transport, TransportError};
