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
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use mynacard_core::transport::{Capabilities, Transport, TransportError};
use pcsc::{Card, Context, Disposition, Protocols, Scope, ShareMode};
use zeroize::Zeroizing;

mod doctor;
pub use doctor::observe;

/// Room for the longest response: 65536 data bytes and the status word.
const MAX_RESPONSE: usize = 65536 + 2;

/// A card in a PC/SC reader. Dropping it disconnects and powers the card down, so no PIN
/// verified in this session stays verified for the next program that uses the reader (a warm
/// reset would keep it: docs/card-notes.md).
///
/// The card is held by a thread of its own, which performs every PC/SC call in order: a PC/SC
/// transaction (`SCardBeginTransaction` … `SCardEndTransaction`, the `pcsc` crate's
/// [`Card::transaction`]) borrows the card, so it can only span several of the core's
/// exchanges where one scope holds both. The core opens one around every operation that
/// presents a PIN ([`Transport::begin_exclusive`]): no other program can send the card a
/// command between the VERIFY and the signature, nor before the core cleared the PIN.
pub struct PcscTransport {
    link: Option<Link>,
    reader: String,
    extended_length: bool,
    max_apdu_data_size: Option<u32>,
}

/// The channel to the thread that holds the card.
struct Link {
    requests: Sender<Request>,
    replies: Receiver<Result<Vec<u8>, pcsc::Error>>,
    thread: JoinHandle<()>,
}

enum Request {
    /// A command APDU (may hold a PIN: wiped when dropped).
    Transmit(Zeroizing<Vec<u8>>),
    Begin,
    End,
    Atr,
    /// Disconnect with `SCARD_UNPOWER_CARD` and end the thread.
    Disconnect,
}

impl core::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .field("extended_length", &self.extended_length)
            .field("max_apdu_data_size", &self.max_apdu_data_size)
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

/// `CM_IOCTL_GET_FEATURE_REQUEST`: `SCARD_CTL_CODE(3400)` (PC/SC part 10, pcsc-lite `reader.h`).
const GET_FEATURE_REQUEST: u32 = 3400;
/// `FEATURE_GET_TLV_PROPERTIES` (PC/SC part 10 v2.02.09).
const FEATURE_GET_TLV_PROPERTIES: u8 = 0x12;
/// `PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize`: 0 for a reader of short APDUs only, else the
/// largest APDU data it carries.
const PROPERTY_MAX_APDU_DATA_SIZE: u8 = 0x0A;

/// The control code of `feature` in the answer to `CM_IOCTL_GET_FEATURE_REQUEST`: a list of
/// `tag, 4, code (4 bytes, big-endian)`.
pub fn feature_control_code(features: &[u8], feature: u8) -> Option<u32> {
    features.chunks_exact(6).find_map(|tlv| match tlv {
        [tag, 4, a, b, c, d] if *tag == feature => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    })
}

/// `dwMaxAPDUDataSize` in the answer to `FEATURE_GET_TLV_PROPERTIES`: a list of `tag, length,
/// value (little-endian)`.
pub fn max_apdu_data_size(properties: &[u8]) -> Option<u32> {
    let mut rest = properties;
    while let [tag, len, tail @ ..] = rest {
        let len = usize::from(*len);
        let value = tail.get(..len)?;
        if *tag == PROPERTY_MAX_APDU_DATA_SIZE {
            let mut le = [0u8; 4];
            le.get_mut(..len)?.copy_from_slice(value);
            return Some(u32::from_le_bytes(le));
        }
        rest = &tail[len..];
    }
    None
}

/// Whether a reader whose `dwMaxAPDUDataSize` is `size` carries extended-length APDUs: more than
/// the 256 bytes a short APDU holds.
pub fn carries_extended_length(size: u32) -> bool {
    size > 256
}

/// Asks the reader's driver for `dwMaxAPDUDataSize` (what OpenSC's `reader-pcsc.c` and
/// pcsc-lite's `scardcontrol` sample do). `None` when the driver does not answer it.
fn ask_max_apdu_data_size(card: &Card) -> Option<u32> {
    let mut buf = [0u8; 256];
    let features = card
        .control(pcsc::ctl_code(GET_FEATURE_REQUEST.into()), &[], &mut buf)
        .ok()?;
    let code = feature_control_code(features, FEATURE_GET_TLV_PROPERTIES)?;
    let mut props = [0u8; 256];
    let properties = card.control(code.into(), &[], &mut props).ok()?;
    max_apdu_data_size(properties)
}

/// The thread that holds the card: answers requests in order until told to disconnect or the
/// transport is gone, then disconnects with `SCARD_UNPOWER_CARD`.
fn serve(
    mut card: Card,
    requests: Receiver<Request>,
    replies: Sender<Result<Vec<u8>, pcsc::Error>>,
) {
    let mut buffer = Zeroizing::new(vec![0u8; MAX_RESPONSE]);
    loop {
        let Ok(request) = requests.recv() else {
            break;
        };
        let reply = match request {
            Request::Disconnect => break,
            Request::Transmit(command) => card.transmit(&command, &mut buffer).map(<[u8]>::to_vec),
            Request::Atr => card.status2_owned().map(|s| s.atr().to_vec()),
            // Not inside a transaction: nothing to end.
            Request::End => Ok(Vec::new()),
            Request::Begin => match card.transaction() {
                Err(e) => Err(e),
                Ok(transaction) => {
                    if replies.send(Ok(Vec::new())).is_err() {
                        break;
                    }
                    // Every request until End goes to the card inside the transaction.
                    let mut disconnect = false;
                    let ended = loop {
                        let Ok(request) = requests.recv() else {
                            disconnect = true;
                            break None;
                        };
                        let reply = match request {
                            Request::Transmit(command) => transaction
                                .transmit(&command, &mut buffer)
                                .map(<[u8]>::to_vec),
                            Request::Atr => transaction.status2_owned().map(|s| s.atr().to_vec()),
                            // Never nested by the core; a second Begin is already satisfied.
                            Request::Begin => Ok(Vec::new()),
                            Request::End => break Some(()),
                            Request::Disconnect => {
                                disconnect = true;
                                break None;
                            }
                        };
                        if replies.send(reply).is_err() {
                            disconnect = true;
                            break None;
                        }
                    };
                    if disconnect {
                        // Dropping the transaction ends it (LeaveCard); the card is then
                        // unpowered below.
                        drop(transaction);
                        break;
                    }
                    debug_assert!(ended.is_some());
                    transaction
                        .end(Disposition::LeaveCard)
                        .map(|()| Vec::new())
                        .map_err(|(_, e)| e)
                }
            },
        };
        if replies.send(reply).is_err() {
            break;
        }
    }
    let result = card
        .disconnect(Disposition::UnpowerCard)
        .map(|()| Vec::new())
        .map_err(|(_, e)| e);
    let _ = replies.send(result);
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
                Ok(card) => return PcscTransport::hold(card, name.to_string_lossy().into_owned()),
                Err(e) => last = map_error(e),
            }
        }
        Err(last)
    }

    /// Learns what the reader carries, then hands the card to its thread.
    fn hold(card: Card, reader: String) -> Result<PcscTransport, TransportError> {
        let max_apdu_data_size = ask_max_apdu_data_size(&card);
        let (requests, inbox) = channel();
        let (outbox, replies) = channel();
        let thread = std::thread::Builder::new()
            .name("mynacard-pcsc".into())
            .spawn(move || serve(card, inbox, outbox))
            .map_err(|e| TransportError::Other {
                detail: format!("cannot start the PC/SC thread: {e}"),
            })?;
        Ok(PcscTransport {
            link: Some(Link {
                requests,
                replies,
                thread,
            }),
            reader,
            // A reader that does not say (vpcd of older vsmartcard, many drivers): extended,
            // as My Number Cards take it over contact readers; the core falls back to short
            // reads by itself on a link failure or 6700 of its first extended READ.
            extended_length: max_apdu_data_size.is_none_or(carries_extended_length),
            max_apdu_data_size,
        })
    }

    /// Whether to send extended-length APDUs. By default what the reader says
    /// (`dwMaxAPDUDataSize` of PC/SC part 10 `FEATURE_GET_TLV_PROPERTIES`), or yes when it
    /// does not say; this overrides it. The session also falls back by itself when its first
    /// extended READ BINARY fails on the link or is answered 6700.
    pub fn with_extended_length(mut self, on: bool) -> PcscTransport {
        self.extended_length = on;
        self
    }

    /// The reader's `dwMaxAPDUDataSize` as its driver reported it at connect (`Some(0)`: short
    /// APDUs only), or `None` when the driver does not answer `FEATURE_GET_TLV_PROPERTIES`.
    pub fn reader_max_apdu_data_size(&self) -> Option<u32> {
        self.max_apdu_data_size
    }

    pub fn reader_name(&self) -> &str {
        &self.reader
    }

    /// One request to the card's thread and its reply.
    fn call(&mut self, request: Request) -> Result<Vec<u8>, TransportError> {
        let link = self
            .link
            .as_ref()
            .ok_or(TransportError::ReaderDisconnected)?;
        link.requests
            .send(request)
            .map_err(|_| TransportError::ReaderDisconnected)?;
        match link.replies.recv() {
            Ok(reply) => reply.map_err(map_error),
            Err(_) => Err(TransportError::ReaderDisconnected),
        }
    }

    /// The card's ATR.
    pub fn atr(&mut self) -> Result<Vec<u8>, TransportError> {
        self.call(Request::Atr)
    }

    /// Disconnects and powers the card down (what dropping does), reporting failures.
    pub fn disconnect(mut self) -> Result<(), TransportError> {
        self.close()
    }

    fn close(&mut self) -> Result<(), TransportError> {
        let Some(link) = self.link.take() else {
            return Ok(());
        };
        let result = match link.requests.send(Request::Disconnect) {
            Ok(()) => match link.replies.recv() {
                Ok(reply) => reply.map(drop).map_err(map_error),
                Err(_) => Err(TransportError::ReaderDisconnected),
            },
            Err(_) => Err(TransportError::ReaderDisconnected),
        };
        let _ = link.thread.join();
        result
    }
}

impl Drop for PcscTransport {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

impl Transport for PcscTransport {
    // PC/SC calls block; native callers drive the core with a blocking executor or a thread.
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.call(Request::Transmit(Zeroizing::new(command.to_vec())))
    }

    /// `SCardBeginTransaction`: waits while another program holds a transaction on the card;
    /// from then on other programs' commands wait (or fail with a sharing violation) until
    /// [`Transport::end_exclusive`].
    async fn begin_exclusive(&mut self) -> Result<(), TransportError> {
        self.call(Request::Begin).map(drop)
    }

    /// `SCardEndTransaction` with `SCARD_LEAVE_CARD` (the core cleared the PIN already).
    async fn end_exclusive(&mut self) -> Result<(), TransportError> {
        self.call(Request::End).map(drop)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            extended_length: self.extended_length,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tlv_properties_feature_is_found_in_the_feature_list() {
        // FEATURE_VERIFY_PIN_DIRECT (06) then FEATURE_GET_TLV_PROPERTIES (12), as the CCID
        // driver lists them: tag, 4, the control code big-endian.
        let list = [
            0x06, 4, 0x42, 0x33, 0x00, 0x06, //
            0x12, 4, 0x42, 0x33, 0x00, 0x12,
        ];
        assert_eq!(
            feature_control_code(&list, FEATURE_GET_TLV_PROPERTIES),
            Some(0x4233_0012)
        );
        assert_eq!(
            feature_control_code(&list[..6], FEATURE_GET_TLV_PROPERTIES),
            None
        );
        assert_eq!(feature_control_code(&[], FEATURE_GET_TLV_PROPERTIES), None);
        // A cut or malformed entry is skipped, never read past.
        assert_eq!(feature_control_code(&[0x12, 4, 1, 2], 0x12), None);
        assert_eq!(feature_control_code(&[0x12, 2, 1, 2, 3, 4], 0x12), None);
    }

    #[test]
    fn the_max_apdu_data_size_decides_extended_length() {
        // vsmartcard's vpcd (ifd-vpcd.c): dwMaxAPDUDataSize 0x10000, little-endian.
        let vpcd = [0x0A, 4, 0x00, 0x00, 0x01, 0x00];
        assert_eq!(max_apdu_data_size(&vpcd), Some(0x10000));
        assert!(carries_extended_length(0x10000));
        // A short-APDU reader: 0 (PC/SC part 10), after other properties.
        let short = [0x01, 2, 0x00, 0x00, 0x09, 1, 0x00, 0x0A, 4, 0, 0, 0, 0];
        assert_eq!(max_apdu_data_size(&short), Some(0));
        assert!(!carries_extended_length(0));
        assert!(!carries_extended_length(256));
        assert!(carries_extended_length(261));
        // Absent, or cut short: unknown.
        assert_eq!(max_apdu_data_size(&[0x01, 2, 0x00, 0x00]), None);
        assert_eq!(max_apdu_data_size(&[0x0A, 4, 0x00]), None);
        assert_eq!(max_apdu_data_size(&[0x0A]), None);
        assert_eq!(max_apdu_data_size(&[0x0A, 8, 1, 2, 3, 4, 5, 6, 7, 8]), None);
    }
}
