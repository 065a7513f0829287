//! The PC/SC transport: a My Number Card in any PC/SC reader (pcsc-lite on Linux, WinSCard on
//! Windows, CryptoTokenKit on macOS), for kiosks, 窓口 terminals and desktop apps.
//!
//! ```no_run
//! use mynacard_core::MynaCard;
//! use mynacard_pcsc::PcscTransport;
//!
//! # async fn f() -> Result<(), mynacard_core::Error> {
//! let transport = PcscTransport::connect(None)?; // first reader with a card in it
//! let mut card = MynaCard::connect(transport).await?;
//! let cert = card.read_auth_certificate().await?;
//! # Ok(()) }
//! ```

use std::ffi::{CStr, CString};

use mynacard_core::transport::{Capabilities, Transport, TransportError};
use pcsc::{Card, Context, Disposition, Protocols, Scope, ShareMode};

/// Room for the longest response: 65536 data bytes and the status word.
const MAX_RESPONSE: usize = 65536 + 2;

/// A card in a PC/SC reader. Dropping it disconnects and powers the card down, so no PIN
/// verified in this session stays verified for the next program that uses the reader (a warm
/// reset would keep it: docs/card-notes.md).
pub struct PcscTransport {
    card: Option<Card>,
    reader: String,
    extended_length: bool,
    buffer: Vec<u8>,
}

impl core::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .field("extended_length", &self.extended_length)
            .finish()
    }
}

/// Maps PC/SC errors onto the SDK's transport errors.
///
/// `ResetCard` (another application reset the card) becomes `ReaderDisconnected`: the session's
/// state on the card is gone and the caller has to reconnect. `NoService` (no pcscd or
/// WinSCard service) becomes `ReaderNotFound`, the nearest thing a user can act on.
pub fn map_error(e: pcsc::Error) -> TransportError {
    use pcsc::Error as E;
    match e {
        E::RemovedCard | E::NoSmartcard | E::UnpoweredCard | E::UnresponsiveCard => {
            TransportError::CardRemoved
        }
        E::ReaderUnavailable
        | E::UnknownReader
        | E::NoReadersAvailable
        | E::NoService
        | E::ServiceStopped => TransportError::ReaderNotFound,
        E::ResetCard => TransportError::ReaderDisconnected,
        E::Timeout => TransportError::Timeout,
        E::Cancelled => TransportError::Cancelled,
        other => TransportError::Other {
            detail: other.to_string(),
        },
    }
}

fn context() -> Result<Context, TransportError> {
    Context::establish(Scope::User).map_err(map_error)
}

impl PcscTransport {
    /// Names of the readers PC/SC knows.
    pub fn list_readers() -> Result<Vec<String>, TransportError> {
        let ctx = context()?;
        match ctx.list_readers_owned() {
            Ok(readers) => Ok(readers
                .iter()
                .map(|r| r.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Connects to the card in `reader`: the exact name, or the one reader whose name contains
    /// it; `None` takes the first reader with a card in it.
    pub fn connect(reader: Option<&str>) -> Result<PcscTransport, TransportError> {
        let ctx = context()?;
        let readers: Vec<CString> = match ctx.list_readers_owned() {
            Ok(r) => r,
            Err(pcsc::Error::NoReadersAvailable) => return Err(TransportError::ReaderNotFound),
            Err(e) => return Err(map_error(e)),
        };
        let chosen: Vec<&CStr> = match reader {
            Some(name) => {
                let exact: Vec<&CStr> = readers
                    .iter()
                    .map(|r| r.as_c_str())
                    .filter(|r| r.to_string_lossy() == name)
                    .collect();
                if exact.is_empty() {
                    let partial: Vec<&CStr> = readers
                        .iter()
                        .map(|r| r.as_c_str())
                        .filter(|r| r.to_string_lossy().contains(name))
                        .collect();
                    if partial.len() != 1 {
                        return Err(TransportError::ReaderNotFound);
                    }
                    partial
                } else {
                    exact
                }
            }
            None => readers.iter().map(|r| r.as_c_str()).collect(),
        };
        if chosen.is_empty() {
            return Err(TransportError::ReaderNotFound);
        }
        let mut last = TransportError::CardRemoved;
        for name in chosen {
            match ctx.connect(name, ShareMode::Shared, Protocols::T1 | Protocols::T0) {
                Ok(card) => {
                    return Ok(PcscTransport {
                        card: Some(card),
                        reader: name.to_string_lossy().into_owned(),
                        extended_length: true,
                        buffer: vec![0; MAX_RESPONSE],
                    });
                }
                Err(e) => last = map_error(e),
            }
        }
        Err(last)
    }

    /// Whether to send extended-length APDUs (default: yes). My Number Cards accept them over
    /// contact readers (docs/card-notes.md); turn it off for readers that do not carry them.
    /// The session also falls back by itself when a card answers 6700.
    pub fn with_extended_length(mut self, on: bool) -> PcscTransport {
        self.extended_length = on;
        self
    }

    pub fn reader_name(&self) -> &str {
        &self.reader
    }

    fn card(&self) -> Result<&Card, TransportError> {
        self.card.as_ref().ok_or(TransportError::ReaderDisconnected)
    }

    /// The card's ATR.
    pub fn atr(&self) -> Result<Vec<u8>, TransportError> {
        Ok(self
            .card()?
            .status2_owned()
            .map_err(map_error)?
            .atr()
            .to_vec())
    }

    /// Disconnects and powers the card down (what dropping does), reporting failures.
    pub fn disconnect(mut self) -> Result<(), TransportError> {
        match self.card.take() {
            Some(card) => card
                .disconnect(Disposition::UnpowerCard)
                .map_err(|(_, e)| map_error(e)),
            None => Ok(()),
        }
    }

    fn transmit_now(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let card = self
            .card
            .as_ref()
            .ok_or(TransportError::ReaderDisconnected)?;
        let response = card
            .transmit(command, &mut self.buffer)
            .map_err(map_error)?;
        Ok(response.to_vec())
    }
}

impl Drop for PcscTransport {
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            let _ = card.disconnect(Disposition::UnpowerCard);
        }
    }
}

impl Transport for PcscTransport {
    // PC/SC calls block; native callers drive the core with a blocking executor or a thread.
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.transmit_now(command)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            extended_length: self.extended_length,
        }
    }
}
