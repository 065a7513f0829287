//! The core's [`Transport`] over any USB device and any reader driver: the only loop that
//! moves transfers. A face (WebUSB, a native USB stack, a device emulator) implements the four
//! methods of [`UsbDevice`]; everything else is here and in the drivers.

use core::future::Future;

use super::{
    ControlSetup, Operation, ReaderDriver, ReaderError, TransferResult, UsbError, UsbStep,
};
use crate::transport::{Capabilities, MaybeSend, Transport, TransportError};

/// A claimed USB interface, as a face provides it. Endpoints are numbers without the
/// direction bit, as WebUSB's `transferOut(endpointNumber, …)` takes them.
pub trait UsbDevice: MaybeSend {
    /// Bulk OUT transfer of `data`.
    fn transfer_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
    ) -> impl Future<Output = Result<(), UsbError>> + MaybeSend;

    /// Bulk IN transfer of at most `max_len` bytes; `timeout_ms` is a hint (see [`UsbStep::In`]).
    fn transfer_in(
        &mut self,
        endpoint: u8,
        max_len: usize,
        timeout_ms: u32,
    ) -> impl Future<Output = Result<Vec<u8>, UsbError>> + MaybeSend;

    /// Control OUT transfer (class or vendor request).
    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
    ) -> impl Future<Output = Result<(), UsbError>> + MaybeSend;

    /// Control IN transfer.
    fn control_in(
        &mut self,
        setup: ControlSetup,
        max_len: usize,
    ) -> impl Future<Output = Result<Vec<u8>, UsbError>> + MaybeSend;

    /// Waits `ms` milliseconds (a timer of the face's runtime: `setTimeout` in a browser).
    /// Emulators may return at once.
    fn wait(&mut self, ms: u32) -> impl Future<Output = ()> + MaybeSend;
}

/// Transfers counted by [`UsbReaderTransport`], for benchmarks and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReaderStats {
    /// APDUs exchanged (successful or not).
    pub apdus: usize,
    /// Bulk OUT transfers made for APDU exchanges.
    pub apdu_transfers_out: usize,
    /// Bulk IN transfers made for APDU exchanges.
    pub apdu_transfers_in: usize,
    /// All transfers, including open and close (bulk and control).
    pub transfers: usize,
    /// Bytes written and read over USB.
    pub bytes_out: usize,
    /// Bytes read over USB.
    pub bytes_in: usize,
}

impl ReaderStats {
    /// Mean USB transfers per APDU (0 when no APDU was sent).
    pub fn transfers_per_apdu(&self) -> f64 {
        if self.apdus == 0 {
            0.0
        } else {
            (self.apdu_transfers_out + self.apdu_transfers_in) as f64 / self.apdus as f64
        }
    }
}

/// Upper bound on transfers for one operation: a driver bug or a hostile device can never
/// keep the loop running forever (the drivers bound themselves well below this).
const MAX_STEPS: usize = 100_000;

/// [`Transport`] over a [`UsbDevice`] through a [`ReaderDriver`].
///
/// The first `transmit` opens the reader (field on, card activated) if [`Self::open`] was not
/// called. After the card is removed every `transmit` fails with `CardRemoved` until
/// [`Self::open`] is called again: a re-activated card has lost its selected application and
/// verified PINs, so the session above must start over rather than continue unknowingly.
pub struct UsbReaderTransport<D: UsbDevice, R: ReaderDriver> {
    device: D,
    driver: R,
    stats: ReaderStats,
    auto_open: bool,
    card_id: Vec<u8>,
}

impl<D: UsbDevice, R: ReaderDriver + MaybeSend> UsbReaderTransport<D, R> {
    /// A transport over `device`, driven by `driver`; nothing is sent until it is opened.
    pub fn new(device: D, driver: R) -> Self {
        UsbReaderTransport {
            device,
            driver,
            stats: ReaderStats::default(),
            auto_open: true,
            card_id: Vec::new(),
        }
    }

    /// Initialises the reader and activates the card; returns the card's identification
    /// (ATQB for contactless readers, ATR for CCID).
    pub async fn open(&mut self) -> Result<Vec<u8>, TransportError> {
        let id = self.run(Operation::Open, false).await?;
        self.auto_open = false;
        self.card_id = id.clone();
        Ok(id)
    }

    /// Deactivates the card and switches the field off.
    pub async fn close(&mut self) -> Result<(), TransportError> {
        self.run(Operation::Close, false).await?;
        Ok(())
    }

    /// ATQB or ATR of the open card.
    pub fn card_id(&self) -> &[u8] {
        &self.card_id
    }

    /// Counters since the transport was made or last reset.
    pub fn stats(&self) -> ReaderStats {
        self.stats
    }

    /// Sets the counters to zero.
    pub fn reset_stats(&mut self) {
        self.stats = ReaderStats::default();
    }

    /// The USB device.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The USB device, mutably.
    pub fn device_mut(&mut self) -> &mut D {
        &mut self.device
    }

    /// The reader driver.
    pub fn driver(&self) -> &R {
        &self.driver
    }

    async fn run(&mut self, op: Operation<'_>, apdu: bool) -> Result<Vec<u8>, ReaderError> {
        let mut step = self.driver.start(op);
        for _ in 0..MAX_STEPS {
            let input = match step {
                UsbStep::Done(r) => return r,
                UsbStep::Out { endpoint, data } => {
                    self.stats.transfers += 1;
                    self.stats.bytes_out += data.len();
                    if apdu {
                        self.stats.apdu_transfers_out += 1;
                    }
                    match self.device.transfer_out(endpoint, &data).await {
                        Ok(()) => TransferResult::Sent,
                        Err(e) => TransferResult::Failed(e),
                    }
                }
                UsbStep::In {
                    endpoint,
                    max_len,
                    timeout_ms,
                } => {
                    self.stats.transfers += 1;
                    if apdu {
                        self.stats.apdu_transfers_in += 1;
                    }
                    match self.device.transfer_in(endpoint, max_len, timeout_ms).await {
                        Ok(mut b) => {
                            // A device must not hand back more than asked for.
                            b.truncate(max_len);
                            self.stats.bytes_in += b.len();
                            TransferResult::Received(b)
                        }
                        Err(e) => TransferResult::Failed(e),
                    }
                }
                UsbStep::ControlOut { setup, data } => {
                    self.stats.transfers += 1;
                    match self.device.control_out(setup, &data).await {
                        Ok(()) => TransferResult::Sent,
                        Err(e) => TransferResult::Failed(e),
                    }
                }
                UsbStep::Wait { ms } => {
                    self.device.wait(ms).await;
                    TransferResult::Waited
                }
                UsbStep::ControlIn { setup, max_len } => {
                    self.stats.transfers += 1;
                    match self.device.control_in(setup, max_len).await {
                        Ok(mut b) => {
                            b.truncate(max_len);
                            TransferResult::Received(b)
                        }
                        Err(e) => TransferResult::Failed(e),
                    }
                }
            };
            step = self.driver.next(input);
        }
        Err(ReaderError::Protocol(
            "too many transfers for one operation",
        ))
    }
}

impl<D: UsbDevice, R: ReaderDriver + MaybeSend> Transport for UsbReaderTransport<D, R> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.auto_open && !self.driver.is_open() {
            self.open().await?;
        }
        self.stats.apdus += 1;
        Ok(self.run(Operation::Exchange(command), true).await?)
    }

    fn capabilities(&self) -> Capabilities {
        self.driver.capabilities()
    }
}
