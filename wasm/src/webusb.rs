//! The core's `UsbDevice` over a WebUSB `USBDevice`, and `requestReader()` / `getReaders()`.
//! Which reader a device is, which interface to claim, what to read before the driver starts
//! and which driver to build are the core's (`mynacard_core::reader::devices`): this file only
//! reads the `USBDevice`'s descriptors into plain values and makes the transfers.
//!
//! WebUSB has no transfer timeouts: an IN transfer is raced with a timer, and when the timer
//! wins the pending transfer is kept and awaited by the next IN transfer on that endpoint, so a
//! late answer is never lost nor read twice.

use js_sys::{Array, Object, Promise, Uint8Array};
use mynacard_core::Error;
use mynacard_core::reader::devices::{self, DeviceDescriptor, InterfaceDescriptor, ReaderModel};
use mynacard_core::reader::{
    AnyDriver, ControlSetup, ReaderKind, UsbDevice, UsbError, UsbReaderTransport,
};
use mynacard_core::transport::TransportError;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::bindings::{self, UsbDeviceJs, get, get_uint, set};
use mynacard_core::error::UsageError;

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

/// Appends the interfaces of `configuration` (a USBConfiguration), at most 32, from their
/// first alternate: number, class and the bulk endpoints the core picks from.
fn interfaces(configuration: &JsValue, out: &mut Vec<InterfaceDescriptor>) {
    let list = get(configuration, "interfaces");
    if !Array::is_array(&list) {
        return;
    }
    let list = Array::from(&list);
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
        let mut info = InterfaceDescriptor {
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
                    Some("in") => info.add_bulk_endpoint(n as u8, true),
                    Some("out") => info.add_bulk_endpoint(n as u8, false),
                    _ => {}
                }
            }
        }
        out.push(info);
    }
}

/// The core's identity of `device`: its ids and the interfaces of all its configurations
/// (before open() a device may have no active configuration).
fn descriptor(device: &JsValue) -> Option<DeviceDescriptor> {
    let vendor_id = get_uint(device, "vendorId", 0xFFFF)? as u16;
    let product_id = get_uint(device, "productId", 0xFFFF)? as u16;
    let mut found = Vec::new();
    interfaces(&get(device, "configuration"), &mut found);
    let all = get(device, "configurations");
    if Array::is_array(&all) {
        let all = Array::from(&all);
        for i in 0..all.length().min(8) {
            interfaces(&all.get(i), &mut found);
        }
    }
    Some(DeviceDescriptor {
        vendor_id,
        product_id,
        interfaces: found,
    })
}

/// The supported reader `device` is (`core::reader::devices` decides).
fn model(device: &JsValue) -> Option<&'static ReaderModel> {
    devices::identify(&descriptor(device)?)
}

/// The reader a device is, from its ids or (CCID) its interface class.
pub fn reader_kind(device: &JsValue) -> Option<ReaderKind> {
    model(device).map(|m| m.kind)
}

/// A reader link: the core's `UsbReaderTransport` with the driver of this reader.
pub struct UsbLink {
    transport: UsbReaderTransport<WebUsb, AnyDriver>,
}

fn claim_error(e: &JsValue) -> Error {
    match bindings::error_name(e).as_str() {
        "SecurityError" => Error::Transport(TransportError::Other {
            detail: "the browser refused to claim the reader's interface (a CCID reader, \
                     class 0x0B, is protected for ordinary pages; use a vendor-class reader \
                     or an Isolated Web App)"
                .into(),
        }),
        // Chrome: "Unable to claim interface." — another program or a kernel driver has it.
        "NetworkError" => Error::Transport(TransportError::Other {
            detail: "the reader is in use by another program or driver (Linux: unbind the \
                     port100 kernel driver; Windows: install WinUSB for the reader)"
                .into(),
        }),
        "NotFoundError" => Error::Transport(TransportError::ReaderDisconnected),
        _ => Error::Transport(TransportError::Other {
            detail: format!("USB set-up failed: {}", bindings::error_message(e)),
        }),
    }
}

/// Opens `device`, claims the reader interface, reads its endpoints (and, for a CCID reader,
/// its configuration descriptor) and activates the card.
pub async fn open(device: UsbDeviceJs) -> Result<UsbLink, Error> {
    let model = model(&device).ok_or(Error::Usage(UsageError::InvalidArgument {
        what: "not a supported reader (RC-S380, RC-S300 or CCID class)",
    }))?;
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
    let mut active = Vec::new();
    interfaces(&get(&device, "configuration"), &mut active);
    let interface = devices::select_interface(model, &active)
        .ok_or(Error::Transport(TransportError::ReaderNotFound))?;
    bindings::call(device.claim_interface(interface.number))
        .await
        .map_err(|e| claim_error(&e))?;
    let mut usb = WebUsb {
        device: device.clone(),
        interface: interface.number,
        pending_in: None,
    };
    let configuration = match model.descriptor_request() {
        Some((setup, max_len)) => usb.control_in(setup, max_len).await.ok(),
        None => None,
    };
    let driver = devices::driver_for(model, &interface, configuration.as_deref());
    let mut link = UsbLink {
        transport: UsbReaderTransport::new(usb, driver),
    };
    if let Err(e) = link.transport.open().await {
        link.release().await;
        return Err(e.into());
    }
    Ok(link)
}

impl UsbLink {
    pub fn kind(&self) -> ReaderKind {
        self.transport.driver().kind()
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

/// `navigator.usb.requestDevice` filters of the supported readers (the core's table).
pub fn filters() -> Array {
    let filters = Array::new();
    for f in devices::chooser_filters() {
        let o = Object::new();
        if let Some(v) = f.vendor_id {
            set(&o, "vendorId", v.into());
        }
        if let Some(p) = f.product_id {
            set(&o, "productId", p.into());
        }
        if let Some(c) = f.class_code {
            set(&o, "classCode", c.into());
        }
        filters.push(&o);
    }
    filters
}

/// Asks the user to pick a reader (needs a user gesture). Resolves to the `USBDevice`.
pub async fn request_reader() -> Result<JsValue, Error> {
    let options = Object::new();
    set(&options, "filters", filters().into());
    match bindings::call(bindings::usb_request_device(&options)).await {
        Ok(device) => Ok(device),
        Err(e) if bindings::error_name(&e) == "NotFoundError" => {
            Err(Error::Transport(TransportError::ReaderNotFound))
        }
        Err(e) if bindings::error_name(&e) == "TypeError" => {
            Err(Error::Transport(TransportError::Other {
                detail: "WebUSB is not available in this browser".into(),
            }))
        }
        Err(e) => Err(Error::Transport(TransportError::Other {
            detail: bindings::error_message(&e),
        })),
    }
}

/// Readers the user already allowed this origin to use.
pub async fn get_readers() -> Result<Array, Error> {
    let devices = bindings::call(bindings::usb_get_devices())
        .await
        .map_err(|e| {
            Error::Transport(TransportError::Other {
                detail: bindings::error_message(&e),
            })
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
