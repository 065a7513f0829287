//! The one door to the card: [`Transport::transmit`] sends a command APDU and returns the raw
//! response APDU. Readers, PC/SC, WebUSB and phone NFC stacks implement it outside the core.

use crate::error::TransportError;
use core::future::Future;

/// `Send` on native targets, nothing on wasm32 (browser futures are not `Send`).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` on native targets, nothing on wasm32 (browser futures are not `Send`).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// What the link between host and card can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// Extended-length APDUs (Lc/Le up to 65535/65536) pass end to end: reader, driver and card.
    /// When true the SDK reads a whole file with one READ BINARY.
    pub extended_length: bool,
}

/// Why a transport could not deliver an APDU. The core maps these to [`crate::Error`] codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The card left the field or the slot (タッチ外れ / 抜去).
    CardRemoved,
    /// No reader, or the named reader does not exist.
    ReaderNotFound,
    /// The reader was unplugged or its connection broke.
    ReaderDisconnected,
    /// The operation was cancelled by the caller.
    Cancelled,
    /// The card or reader did not answer in time.
    Timeout,
    /// Anything else, described for developers (never contains APDU data).
    Other(String),
}

impl core::fmt::Display for TransportError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TransportError::CardRemoved => f.write_str("card removed"),
            TransportError::ReaderNotFound => f.write_str("reader not found"),
            TransportError::ReaderDisconnected => f.write_str("reader disconnected"),
            TransportError::Cancelled => f.write_str("cancelled"),
            TransportError::Timeout => f.write_str("timeout"),
            TransportError::Other { detail: s } => write!(f, "transport error: {s}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// A link to one card. One call, one APDU exchange; the transport does no retries of its own
/// and never interprets status words.
pub trait Transport: MaybeSend {
    /// Sends `command` (a complete command APDU) and returns the complete response APDU,
    /// data followed by SW1 SW2.
    fn transmit(
        &mut self,
        command: &[u8],
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + MaybeSend;

    /// What this link can carry. Called once when a session opens.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(
        &mut self,
        command: &[u8],
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + MaybeSend {
        (**self).transmit(command)
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
}
