//! The core's `UsbDevice` over a WebUSB `USBDevice`, the choice of reader driver by vendor and
//! product id (or CCID class), and `requestReader()` / `getReaders()`.
//!
//! WebUSB has no transfer timeouts: an IN transfer is raced with a timer, and when the timer
//! wins the pending transfer is kept and awaited by the next IN transfer on that endpoint, so a
//! late answer is never lost nor read twice.

use js_sys::{Array, Object, Promise, Uint8Array};
use mynacard_core::Error;
use mynacard_core::reader::ccid::{Ccid, CcidConfig, CcidLevel};
use mynacard_core::reader::port100::{Port100, Port100Config, RCS380_PRODUCT_ID};
use mynacard_core::reader::rcs300::{RCS300_PRODUCT_IDS, Rcs300, Rcs300Config};
use mynacard_core::reader::{
    ControlSetup, Operation, ReaderDriver, SONY_VENDOR_ID, TransferResult, UsbDevice, UsbError,
    UsbInterface, UsbReaderTransport, UsbStep,
};
use mynacard_core::transport::TransportError;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::bindings::{self, UsbDeviceJs, get, get_uint, set};

/// USB interface class of CCID smart-card readers.
pub const CLASS_CCID: u8 = 0x0B;
const CLASS_VENDOR: u8 = 0xFF;

/// Slack added to a driver's own timeout before the face gives up on an IN transfer.
const IN_SLACK_MS: u32 = 2_000;
const IN_MAX_MS: u32 = 60_000;

/// A claimed interface of a WebUSB device.
pub struct WebUsb {
    device: UsbDeviceJs,
    interface: u8,
    pending_in: Option<(u8, Promise)>,
}

impl WebUsb {
    /// Releases the interface and closes the device; errors are ignored (it may be gone).
    pub async fn release(&self) {
        let _ = bindings::call(self.device.release_interface(self.interface)).await;
        let _ = bindings::call(self.device.close()).await;
    }

    fn gone(&self) -> bool {
        self.device.opened() == JsValue::FALSE
    }
}

fn usb_error(e: &JsValue) -> UsbError {
    match bindings::error_name(e).as_str() {
        // Chrome: "The device was disconnected." / a closed device after unplugging.
        "NotFoundError" | "InvalidStateError" => UsbError::Disconnected,
        "NetworkError" => UsbError::Disconnected,
        // A pending transfer cancelled because the device was closed or went away.
        "AbortError" => UsbError::Disconnected,
        "TimeoutError" => UsbError::Timeout,
        _ => UsbError::Other(bindings::error_message(e)),
    }
}

/// `status` of a USBInTransferResult / USBOutTransferResult.
fn status(result: &JsValue) -> Result<(), UsbError> {
    match get(result, "status").as_string().as_deref() {
        Some("ok") => Ok(()),
        Some("stall") => Err(UsbError::Stall),
        Some("babble") => Err(UsbError::Other("babble".into())),
        _ => Err(UsbError::Other("transfer result without status".into())),
    }
}

fn setup_object(setup: ControlSetup) -> Object {
    let o = Object::new();
    let kind = match (setup.request_type >> 5) & 3 {
        0 => "standard",
        1 => "class",
        _ => "vendor",
    };
    let recipient = match setup.request_type & 0x1F {
        0 => "device",
        1 => "interface",
        2 => "endpoint",
        _ => "other",
    };
    set(&o, "requestType", kind.into());
    set(&o, "recipient", recipient.into());
    set(&o, "request", setup.request.into());
    set(&o, "value", setup.value.into());
    set(&o, "index", setup.index.into());
    o
}

impl UsbDevice for WebUsb {
    async fn transfer_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), UsbError> {
        if self.gone() {
            return Err(UsbError::Disconnected);
        }
        let buf = Uint8Array::from(data);
        let r = bindings::call(self.device.transfer_out(endpoint, &buf))
            .await
            .map_err(|e| usb_error(&e))?;
        status(&r)
    }

    async fn transfer_in(
        &mut self,
        endpoint: u8,
        max_len: usize,
        timeout_ms: u32,
    ) -> Result<Vec<u8>, UsbError> {
        if self.gone() {
            return Err(UsbError::Disconnected);
        }
        let transfer = match self.pending_in.take() {
            Some((ep, p)) if ep == endpoint => p,
            _ => {
                let len = max_len.min(0x10_0000) as u32;
                match self.device.transfer_in(endpoint, len) {
                    Ok(v) => bindings::promise(v),
                    Err(e) => return Err(usb_error(&e)),
                }
            }
        };
        let limit = timeout_ms.saturating_add(IN_SLACK_MS).min(IN_MAX_MS);
        let marker = JsValue::from_str("mynacard:timeout");
        let race = Promise::race(&Array::of2(
            &transfer,
            &bindings::timer(limit, marker.clone()),
        ));
        let r = JsFuture::from(race).await.map_err(|e| usb_error(&e))?;
        if r == marker {
            self.pending_in = Some((endpoint, transfer));
            return Err(UsbError::Timeout);
        }
        status(&r)?;
        let data = bindings::bytes_of(&get(&r, "data")).unwrap_or_default();
        Ok(data)
    }

    async fn control_out(&mut self, setup: ControlSetup, data: &[u8]) -> Result<(), UsbError> {
        if self.gone() {
            return Err(UsbError::Disconnected);
        }
        let r = bindings::call(
            self.device
                .control_transfer_out(&setup_object(setup), &Uint8Array::from(data)),
        )
        .await
        .map_err(|e| usb_error(&e))?;
        status(&r)
    }

    async fn control_in(
        &mut self,
        setup: ControlSetup,
        max_len: usize,
    ) -> Result<Vec<u8>, UsbError> {
        if self.gone() {
            return Err(UsbError::Disconnected);
        }
        let len = max_len.min(0xFFFF) as u16;
        let r = bindings::call(self.device.control_transfer_in(&setup_object(setup), len))
            .await
            .map_err(|e| usb_error(&e))?;
        status(&r)?;
        Ok(bindings::bytes_of(&get(&r, "data")).unwrap_or_default())
    }

    async fn wait(&mut self, ms: u32) {
        bindings::sleep(ms).await;
    }
}

/// Releases a claimed interface and closes the device (best effort).
pub struct Releaser {
    device: UsbDeviceJs,
    interface: u8,
}

impl Releaser {
    pub async fn run(self) {
        let _ = bindings::call(self.device.release_interface(self.interface)).await;
        let _ = bindings::call(self.device.close()).await;
    }
}

/// Which reader a USB device is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderKind {
    Rcs380,
    Rcs300,
    Ccid,
}

impl ReaderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReaderKind::Rcs380 => "rcs380",
            ReaderKind::Rcs300 => "rcs300",
            ReaderKind::Ccid => "ccid",
        }
    }
}

/// One interface of the active configuration: number, class, bulk endpoints.
#[derive(Clone, Copy, Debug, Default)]
struct InterfaceInfo {
    number: u8,
    class: u8,
    bulk_in: Option<u8>,
    bulk_out: Option<u8>,
}

/// Interfaces of `configuration` (a USBConfiguration), at most 32, from their first alternate.
fn interfaces(configuration: &JsValue) -> Vec<InterfaceInfo> {
    let list = get(configuration, "interfaces");
    if !Array::is_array(&list) {
        return Vec::new();
    }
    let list = Array::from(&list);
    let mut out = Vec::new();
    for i in 0..list.length().min(32) {
        let iface = list.get(i);
        let Some(number) = get_uint(&iface, "interfaceNumber", 255) else {
            continue;
        };
        let alternate = {
            let a = get(&iface, "alternate");
            if a.is_object() {
                a
            } else {
                let all = get(&iface, "alternates");
                if Array::is_array(&all) {
                    Array::from(&all).get(0)
                } else {
                    JsValue::UNDEFINED
                }
            }
        };
        let mut info = InterfaceInfo {
            number: number as u8,
            class: get_uint(&alternate, "interfaceClass", 255).unwrap_or(0) as u8,
            ..Default::default()
        };
        let endpoints = get(&alternate, "endpoints");
        if Array::is_array(&endpoints) {
            let endpoints = Array::from(&endpoints);
            for j in 0..endpoints.length().min(32) {
                let ep = endpoints.get(j);
                if get(&ep, "type").as_string().as_deref() != Some("bulk") {
                    continue;
                }
                let Some(n) = get_uint(&ep, "endpointNumber", 15) else {
                    continue;
                };
                match get(&ep, "direction").as_string().as_deref() {
                    Some("in") if info.bulk_in.is_none() => info.bulk_in = Some(n as u8),
                    Some("out") if info.bulk_out.is_none() => info.bulk_out = Some(n as u8),
                    _ => {}
                }
            }
        }
        out.push(info);
    }
    out
}

/// The reader a device is, from its ids or (CCID) its interface class.
pub fn reader_kind(device: &JsValue) -> Option<ReaderKind> {
    let vid = get_uint(device, "vendorId", 0xFFFF)? as u16;
    let pid = get_uint(device, "productId", 0xFFFF)? as u16;
    if vid == SONY_VENDOR_ID && pid == RCS380_PRODUCT_ID {
        return Some(ReaderKind::Rcs380);
    }
    if vid == SONY_VENDOR_ID && RCS300_PRODUCT_IDS.contains(&pid) {
        return Some(ReaderKind::Rcs300);
    }
    // Before open() a device may have no active configuration: look at all of them.
    let mut configs = vec![get(device, "configuration")];
    let all = get(device, "configurations");
    if Array::is_array(&all) {
        configs.extend(Array::from(&all).iter().take(8));
    }
    configs
        .iter()
        .flat_map(interfaces)
        .any(|i| i.class == CLASS_CCID)
        .then_some(ReaderKind::Ccid)
}

/// Any of the three drivers behind one type, so the transfer loop of `UsbReaderTransport`
/// exists once in the module instead of once per driver.
pub struct AnyDriver(Box<dyn ReaderDriver>);

impl ReaderDriver for AnyDriver {
    fn start(&mut self, op: Operation<'_>) -> UsbStep {
        self.0.start(op)
    }
    fn next(&mut self, input: TransferResult) -> UsbStep {
        self.0.next(input)
    }
    fn is_open(&self) -> bool {
        self.0.is_open()
    }
    fn capabilities(&self) -> mynacard_core::Capabilities {
        self.0.capabilities()
    }
    fn interface(&self) -> UsbInterface {
        self.0.interface()
    }
}

/// A reader link: the core's `UsbReaderTransport` with the driver of this reader.
pub struct UsbLink {
    kind: ReaderKind,
    transport: UsbReaderTransport<WebUsb, AnyDriver>,
}

fn claim_error(e: &JsValue) -> Error {
    match bindings::error_name(e).as_str() {
        "SecurityError" => Error::Transport {
            detail: "the browser refused to claim the reader's interface (a CCID reader, \
                     class 0x0B, is protected for ordinary pages; use a vendor-class reader \
                     or an Isolated Web App)"
                .into(),
        },
        // Chrome: "Unable to claim interface." — another program or a kernel driver has it.
        "NetworkError" => Error::Transport {
            detail: "the reader is in use by another program or driver (Linux: unbind the \
                     port100 kernel driver; Windows: install WinUSB for the reader)"
                .into(),
        },
        "NotFoundError" => Error::ReaderDisconnected,
        _ => Error::Transport {
            detail: format!("USB set-up failed: {}", bindings::error_message(e)),
        },
    }
}

/// dwFeatures and dwMaxCCIDMessageLength from the CCID class descriptor (type 0x21, 54 bytes)
/// inside a configuration descriptor. Bounded walk; `None` when absent or malformed.
pub fn ccid_descriptor(config: &[u8]) -> Option<(u32, u32)> {
    let mut i = 0usize;
    for _ in 0..256 {
        let len = *config.get(i)? as usize;
        if len < 2 {
            return None;
        }
        let d = config.get(i..i + len)?;
        if d[1] == 0x21 && len >= 48 {
            let dw = |o: usize| u32::from_le_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]);
            return Some((dw(40), dw(44)));
        }
        i += len;
    }
    None
}

/// Opens `device`, claims the reader interface, reads its endpoints and activates the card.
pub async fn open(device: UsbDeviceJs) -> Result<UsbLink, Error> {
    let kind = reader_kind(&device).ok_or(Error::InvalidArgument {
        what: "not a supported reader (RC-S380, RC-S300 or CCID class)",
    })?;
    if device.opened() != JsValue::TRUE {
        bindings::call(device.open())
            .await
            .map_err(|e| claim_error(&e))?;
    }
    if !get(&device, "configuration").is_object() {
        bindings::call(device.select_configuration(1))
            .await
            .map_err(|e| claim_error(&e))?;
    }
    let all = interfaces(&get(&device, "configuration"));
    let pick = |class: u8, number: Option<u8>| {
        all.iter()
            .find(|i| i.class == class && number.is_none_or(|n| n == i.number))
            .or_else(|| all.iter().find(|i| i.class == class))
            .copied()
    };
    let info = match kind {
        ReaderKind::Rcs380 => pick(CLASS_VENDOR, Some(0)).unwrap_or(InterfaceInfo {
            number: 0,
            class: CLASS_VENDOR,
            ..Default::default()
        }),
        ReaderKind::Rcs300 => pick(CLASS_VENDOR, Some(1)).unwrap_or(InterfaceInfo {
            number: 1,
            class: CLASS_VENDOR,
            ..Default::default()
        }),
        ReaderKind::Ccid => pick(CLASS_CCID, None).ok_or(Error::ReaderNotFound)?,
    };
    bindings::call(device.claim_interface(info.number))
        .await
        .map_err(|e| claim_error(&e))?;
    let mut usb = WebUsb {
        device: device.clone(),
        interface: info.number,
        pending_in: None,
    };
    let driver: Box<dyn ReaderDriver> = match kind {
        ReaderKind::Rcs380 => {
            let d = Port100Config::default();
            Box::new(Port100::new(Port100Config {
                endpoint_out: info.bulk_out.unwrap_or(d.endpoint_out),
                endpoint_in: info.bulk_in.unwrap_or(d.endpoint_in),
                ..d
            }))
        }
        ReaderKind::Rcs300 => {
            let d = Rcs300Config::default();
            Box::new(Rcs300::new(Rcs300Config {
                endpoint_out: info.bulk_out.unwrap_or(d.endpoint_out),
                endpoint_in: info.bulk_in.unwrap_or(d.endpoint_in),
                ..d
            }))
        }
        ReaderKind::Ccid => {
            // GET_DESCRIPTOR (CONFIGURATION 0): the CCID class descriptor says the level.
            let config = usb
                .control_in(
                    ControlSetup {
                        request_type: 0x80,
                        request: 6,
                        value: 0x0200,
                        index: 0,
                    },
                    1024,
                )
                .await
                .ok();
            let d = CcidConfig::default();
            let (level, max_message) = match config.as_deref().and_then(ccid_descriptor) {
                Some((features, max)) => (
                    CcidLevel::from_features(features),
                    (max as usize).clamp(64, 0x1_0000 + 10),
                ),
                None => (d.level, d.max_message),
            };
            Box::new(Ccid::new(CcidConfig {
                endpoint_out: info.bulk_out.unwrap_or(d.endpoint_out),
                endpoint_in: info.bulk_in.unwrap_or(d.endpoint_in),
                level,
                max_message,
                ..d
            }))
        }
    };
    let mut link = UsbLink {
        kind,
        transport: UsbReaderTransport::new(usb, AnyDriver(driver)),
    };
    if let Err(e) = link.transport.open().await {
        link.release().await;
        return Err(e.into());
    }
    Ok(link)
}

impl UsbLink {
    pub fn kind(&self) -> ReaderKind {
        self.kind
    }

    /// What releases the reader without this link (the core consumed it).
    pub fn releaser(&self) -> Releaser {
        let usb = self.transport.device();
        Releaser {
            device: usb.device.clone(),
            interface: usb.interface,
        }
    }

    /// USB transfers made so far (for the page's diagnostics and tests).
    pub fn transfers(&self) -> usize {
        self.transport.stats().transfers
    }

    pub async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        use mynacard_core::Transport;
        // Unplugged: say so, rather than the driver's "card removed" of a closed link.
        if self.transport.device().gone() {
            return Err(TransportError::ReaderDisconnected);
        }
        self.transport.transmit(apdu).await
    }

    pub fn capabilities(&self) -> mynacard_core::Capabilities {
        use mynacard_core::Transport;
        self.transport.capabilities()
    }

    /// Field off / card powered down (best effort), then the interface released.
    pub async fn close(&mut self) {
        let _ = self.transport.close().await;
        self.release().await;
    }

    async fn release(&self) {
        self.transport.device().release().await;
    }
}

/// `navigator.usb.requestDevice` filters of the supported readers.
pub fn filters() -> Array {
    let filters = Array::new();
    let ids = [
        (SONY_VENDOR_ID, RCS380_PRODUCT_ID),
        (SONY_VENDOR_ID, RCS300_PRODUCT_IDS[0]),
        (SONY_VENDOR_ID, RCS300_PRODUCT_IDS[1]),
    ];
    for (v, p) in ids {
        let f = Object::new();
        set(&f, "vendorId", v.into());
        set(&f, "productId", p.into());
        filters.push(&f);
    }
    let f = Object::new();
    set(&f, "classCode", CLASS_CCID.into());
    filters.push(&f);
    filters
}

/// Asks the user to pick a reader (needs a user gesture). Resolves to the `USBDevice`.
pub async fn request_reader() -> Result<JsValue, Error> {
    let options = Object::new();
    set(&options, "filters", filters().into());
    match bindings::call(bindings::usb_request_device(&options)).await {
        Ok(device) => Ok(device),
        Err(e) if bindings::error_name(&e) == "NotFoundError" => Err(Error::ReaderNotFound),
        Err(e) if bindings::error_name(&e) == "TypeError" => Err(Error::Transport {
            detail: "WebUSB is not available in this browser".into(),
        }),
        Err(e) => Err(Error::Transport {
            detail: bindings::error_message(&e),
        }),
    }
}

/// Readers the user already allowed this origin to use.
pub async fn get_readers() -> Result<Array, Error> {
    let devices = bindings::call(bindings::usb_get_devices())
        .await
        .map_err(|e| Error::Transport {
            detail: bindings::error_message(&e),
        })?;
    let out = Array::new();
    if Array::is_array(&devices) {
        for d in Array::from(&devices).iter().take(64) {
            if reader_kind(&d).is_some() {
                out.push(&d);
            }
        }
    }
    Ok(out)
}
