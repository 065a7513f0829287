//! The one door to the card: [`Transport::transmit`] sends a command APDU and returns the raw
//! response APDU. Readers, PC/SC, WebUSB and phone NFC stacks implement it outside the core.

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

/// Why a transport could not deliver an APDU: the transport layer of [`crate::Error`].
pub use crate::error::TransportError;

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

    /// Begins a stretch of exchanges that no other client of the reader may interleave a
    /// command into (PC/SC `SCardBeginTransaction`, Web Smart Card `startTransaction`). The
    /// core calls it before the first APDU of every operation that presents a PIN and
    /// [`Transport::end_exclusive`] after its last one, so nothing can reach the card between
    /// the VERIFY and the signature, nor before the security state is cleared. Never nested.
    ///
    /// The default does nothing: right for a link that only this session uses (a USB reader
    /// claimed by one page, a phone's NFC session).
    fn begin_exclusive(&mut self) -> impl Future<Output = Result<(), TransportError>> + MaybeSend {
        core::future::ready(Ok(()))
    }

    /// Ends what [`Transport::begin_exclusive`] began, leaving the card powered (its security
    /// state was already cleared by the core). Called once for every successful begin, also
    /// when the operation failed.
    fn end_exclusive(&mut self) -> impl Future<Output = Result<(), TransportError>> + MaybeSend {
        core::future::ready(Ok(()))
    }

    /// `true` before and `false` after the commands that clear the card's security state at
    /// the end of a PIN operation. A link that refuses commands once its caller cancelled (an
    /// `AbortSignal` in the browser) must still send these, or a cancel right after the VERIFY
    /// would leave the PIN verified. The default does nothing: a link that never refuses on its
    /// own has nothing to change.
    fn clearing(&mut self, on: bool) {
        let _ = on;
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
    fn begin_exclusive(&mut self) -> impl Future<Output = Result<(), TransportError>> + MaybeSend {
        (**self).begin_exclusive()
    }
    fn end_exclusive(&mut self) -> impl Future<Output = Result<(), TransportError>> + MaybeSend {
        (**self).end_exclusive()
    }
    fn clearing(&mut self, on: bool) {
        (**self).clearing(on)
    }
}
