//! USB card readers emulated from the device's side, each holding a [`VirtualCard`]: they take
//! the bulk transfers a host makes and answer as the reader would. Written from the readers'
//! documented behaviour (`docs/readers.md`), apart from the SDK's drivers in
//! `mynacard_core::reader`, so a misreading of a frame format shows up as a failing test
//! instead of being mirrored on both sides.
//!
//! - [`Rcs380`]: Sony RC-S380 (Port-100 frames) with a Type B card in its field.
//! - [`Rcs300`]: Sony RC-S300 (CCID Escape + PC/SC transparent session) with a Type B card.
//! - [`CcidReader`]: a contact CCID reader at short or extended APDU level.
//!
//! The contactless ones put the card behind [`Picc`], an ISO/IEC 14443-3/-4 Type B card
//! emulation (ATQB, ATTRIB, I-block chaining both ways, injected S(WTX), lifting).
//!
//! Faults for tests: [`UsbEmulator::unplug`] (every transfer fails as on a vanished device),
//! lifting the card ([`Picc::lift`], [`Picc::lift_after_frames`]), WTX and CCID time
//! extensions. Every emulator counts the transfers it served.
//!
//! With the feature `core-transport` each emulator also implements the SDK's
//! `mynacard_core::reader::UsbDevice`, so `UsbReaderTransport` drives it directly; a wasm build
//! can put the same emulators behind a `navigator.usb` double.

mod ccid;
mod picc;
mod rcs300;
mod rcs380;

pub use ccid::{CcidLevel, CcidReader};
pub use picc::{Picc, PiccConfig};
pub use rcs300::Rcs300;
pub use rcs380::Rcs380;

/// How a transfer fails at the device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsbFault {
    /// The device is gone.
    Disconnected,
    /// Nothing to read: the host would wait until its timeout.
    Timeout,
    /// Wrong endpoint or malformed request.
    Stall,
}

/// Transfers served, for benchmarks and assertions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransferCount {
    pub out: usize,
    pub r#in: usize,
}

/// A USB device answering bulk transfers.
pub trait UsbEmulator {
    /// A bulk OUT transfer from the host.
    fn transfer_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), UsbFault>;
    /// The bulk IN side and the plug, shared by every emulated reader.
    fn port(&mut self) -> &mut BulkPort;
    fn port_ref(&self) -> &BulkPort;
    /// A bulk IN transfer to the host, at most `max_len` bytes.
    fn transfer_in(&mut self, endpoint: u8, max_len: usize) -> Result<Vec<u8>, UsbFault> {
        self.port().transfer_in(endpoint, max_len)
    }
    /// Pulls the plug: every later transfer fails with [`UsbFault::Disconnected`].
    fn unplug(&mut self) {
        self.port().unplugged = true;
    }
    /// Transfers served so far.
    fn transfers(&self) -> TransferCount {
        self.port_ref().count
    }
}

/// What the emulated readers share: the queue of IN messages, the transfer counters and
/// whether the plug was pulled.
#[derive(Clone, Debug)]
pub struct BulkPort {
    pub(crate) queue: InQueue,
    pub(crate) unplugged: bool,
    pub(crate) count: TransferCount,
    endpoint_out: u8,
    endpoint_in: u8,
}

impl BulkPort {
    pub(crate) fn new(endpoint_out: u8, endpoint_in: u8) -> BulkPort {
        BulkPort {
            queue: InQueue::default(),
            unplugged: false,
            count: TransferCount::default(),
            endpoint_out,
            endpoint_in,
        }
    }

    /// Counts a bulk OUT transfer; Err when unplugged or on the wrong endpoint.
    pub(crate) fn accept_out(&mut self, endpoint: u8) -> Result<(), UsbFault> {
        if self.unplugged {
            return Err(UsbFault::Disconnected);
        }
        self.count.out += 1;
        if endpoint != self.endpoint_out {
            return Err(UsbFault::Stall);
        }
        Ok(())
    }

    fn transfer_in(&mut self, endpoint: u8, max_len: usize) -> Result<Vec<u8>, UsbFault> {
        if self.unplugged {
            return Err(UsbFault::Disconnected);
        }
        self.count.r#in += 1;
        if endpoint != self.endpoint_in {
            return Err(UsbFault::Stall);
        }
        self.queue.pop(max_len)
    }
}

/// Bytes queued for IN transfers, handed out in pieces of at most `max_len` like a bulk
/// endpoint (a message longer than the host asked for continues in the next transfer).
/// The first `in_pipe` messages are already in the device's IN pipe: a host's cancel
/// ([`InQueue::clear`]) does not take them back.
#[derive(Clone, Debug, Default)]
pub(crate) struct InQueue {
    messages: std::collections::VecDeque<Vec<u8>>,
    in_pipe: usize,
}

impl InQueue {
    pub fn push(&mut self, m: Vec<u8>) {
        self.messages.push_back(m);
    }
    /// A message already on its way to the host, ahead of everything not yet sent.
    pub fn push_in_pipe(&mut self, m: Vec<u8>) {
        self.messages.insert(self.in_pipe, m);
        self.in_pipe += 1;
    }
    pub fn clear(&mut self) {
        self.messages.truncate(self.in_pipe);
    }
    pub fn pop(&mut self, max_len: usize) -> Result<Vec<u8>, UsbFault> {
        let Some(front) = self.messages.front_mut() else {
            return Err(UsbFault::Timeout);
        };
        if front.len() <= max_len {
            self.in_pipe = self.in_pipe.saturating_sub(1);
            return Ok(self.messages.pop_front().unwrap_or_default());
        }
        let rest = front.split_off(max_len);
        let head = core::mem::replace(front, rest);
        Ok(head)
    }
}

#[cfg(feature = "core-transport")]
mod core_device {
    use super::{CcidReader, Rcs300, Rcs380, UsbEmulator, UsbFault};
    use mynacard_core::reader::{ControlSetup, UsbDevice, UsbError};

    fn map(e: UsbFault) -> UsbError {
        match e {
            UsbFault::Disconnected => UsbError::Disconnected,
            UsbFault::Timeout => UsbError::Timeout,
            UsbFault::Stall => UsbError::Stall,
        }
    }

    macro_rules! usb_device {
        ($t:ty) => {
            impl UsbDevice for $t {
                async fn transfer_out(
                    &mut self,
                    endpoint: u8,
                    data: &[u8],
                ) -> Result<(), UsbError> {
                    UsbEmulator::transfer_out(self, endpoint, data).map_err(map)
                }
                async fn transfer_in(
                    &mut self,
                    endpoint: u8,
                    max_len: usize,
                    _timeout_ms: u32,
                ) -> Result<Vec<u8>, UsbError> {
                    UsbEmulator::transfer_in(self, endpoint, max_len).map_err(map)
                }
                async fn control_out(
                    &mut self,
                    _setup: ControlSetup,
                    _data: &[u8],
                ) -> Result<(), UsbError> {
                    Err(UsbError::Stall)
                }
                async fn control_in(
                    &mut self,
                    _setup: ControlSetup,
                    _max_len: usize,
                ) -> Result<Vec<u8>, UsbError> {
                    Err(UsbError::Stall)
                }
                async fn wait(&mut self, ms: u32) {
                    // Emulated time: nothing to wait for, but the guard times are recorded.
                    self.waited_ms += u64::from(ms);
                }
            }
        };
    }

    usb_device!(Rcs380);
    usb_device!(Rcs300);
    usb_device!(CcidReader);
}
