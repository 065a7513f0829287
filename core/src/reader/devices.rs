//! Which USB readers the SDK drives and how to recognise them: reader identity, apart from the
//! transport (the face that moves transfers) and from the reader protocols (the drivers).
//!
//! One table, [`READERS`], lists every supported reader: its ids or interface class, the
//! interface to claim, its driver and what the link needs before the driver can start
//! ([`LinkQuirks`]). Everything else is derived from it, so a reader added there is offered in
//! the browser's chooser, recognised and driven at once:
//!
//! 1. the face offers the readers with [`chooser_filters`] (WebUSB `requestDevice` filters);
//! 2. it reads the device's ids and interface descriptors into a [`DeviceDescriptor`] and
//!    asks [`identify`] which reader it is;
//! 3. it claims the interface [`select_interface`] picks (with its bulk endpoints);
//! 4. when [`ReaderModel::descriptor_request`] says so it reads the configuration descriptor
//!    (GET_DESCRIPTOR), which carries the CCID class descriptor ([`CcidClassDescriptor`]);
//! 5. [`driver_for`] builds the sans-IO driver ([`AnyDriver`]) for
//!    [`super::UsbReaderTransport`].
//!
//! No I/O here: the face reads the descriptors its own way (WebUSB objects, a native USB
//! stack) and hands over plain values. Descriptor bytes are untrusted: parsing never panics and
//! every walk is bounded. Adding a reader: `docs/readers.md`, "Adding a reader".

use super::ccid::{Ccid, CcidConfig, CcidLevel};
use super::port100::{Port100, Port100Config};
use super::rcs300::{Rcs300, Rcs300Config};
use super::{ControlSetup, Operation, ReaderDriver, TransferResult, UsbStep};
use crate::transport::Capabilities;

/// USB interface class of CCID smart-card readers (USB class code 0x0B). Chromium protects it:
/// WebUSB lets only Isolated Web Apps claim such an interface.
pub const CLASS_CCID: u8 = 0x0B;
/// USB interface class "vendor-specific" (0xFF): what ordinary web pages may claim.
pub const CLASS_VENDOR: u8 = 0xFF;

/// USB vendor id of Sony (PaSoRi readers).
pub const SONY_VENDOR_ID: u16 = 0x054C;
/// Sony RC-S380 product id (the /S and /P variants share it).
pub const RCS380_PRODUCT_ID: u16 = 0x06C3;
/// Sony RC-S300/S and RC-S300/P product ids.
pub const RCS300_PRODUCT_IDS: [u16; 2] = [0x0DC8, 0x0DC9];

/// Which driver family a reader needs. The names are the stable strings faces show
/// ([`ReaderKind::as_str`]: JavaScript's `readerKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReaderKind {
    /// Sony RC-S380: Port-100 frames, ISO/IEC 14443-4 run by the host ([`Port100`]).
    Rcs380,
    /// Sony RC-S300: CCID escape messages on a vendor interface ([`Rcs300`]).
    Rcs300,
    /// Any CCID (class 0x0B) reader at APDU level ([`Ccid`]).
    Ccid,
}

impl ReaderKind {
    /// The stable name faces print and JavaScript compares (`'rcs380' | 'rcs300' | 'ccid'`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReaderKind::Rcs380 => "rcs380",
            ReaderKind::Rcs300 => "rcs300",
            ReaderKind::Ccid => "ccid",
        }
    }
}

/// Which USB interface a reader's driver talks to, so a face can select and claim it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsbInterface {
    /// USB (vendor, product) ids this reader has; empty: matched by interface `class` alone.
    pub ids: &'static [(u16, u16)],
    /// Interface class to claim (0xFF vendor-specific, 0x0B CCID).
    pub class: u8,
    /// Interface number the reader always uses, also when its descriptors are not readable;
    /// `None`: the first interface of `class` in the descriptors.
    pub number: Option<u8>,
}

/// What the link needs beyond claiming the interface, per reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LinkQuirks {
    /// The driver's exchange level and message size come from the CCID class descriptor: read
    /// the configuration descriptor ([`CONFIGURATION_DESCRIPTOR_REQUEST`]) before
    /// [`driver_for`].
    pub class_descriptor: bool,
}

/// One row of [`READERS`]: a supported reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderModel {
    /// The driver family ([`driver_for`] builds it).
    pub kind: ReaderKind,
    /// Product name as sold (PaSoRi is Sony's brand for its NFC readers), for diagnostics.
    pub name: &'static str,
    /// Ids or class that recognise the reader, and the interface to claim.
    pub interface: UsbInterface,
    /// What the link needs before the driver starts.
    pub quirks: LinkQuirks,
}

impl ReaderModel {
    /// The control transfer to make (and the bytes to ask for) before [`driver_for`], or
    /// `None` when the reader's descriptors add nothing the driver needs.
    pub fn descriptor_request(&self) -> Option<(ControlSetup, usize)> {
        self.quirks.class_descriptor.then_some((
            CONFIGURATION_DESCRIPTOR_REQUEST,
            CONFIGURATION_DESCRIPTOR_MAX_LEN,
        ))
    }

    /// Whether this row names the device by its ids.
    fn has_ids(&self, vendor_id: u16, product_id: u16) -> bool {
        self.interface.ids.contains(&(vendor_id, product_id))
    }
}

/// The supported readers, ids before class: a reader matched by its ids (the RC-S300 also has
/// a CCID interface 0) is never taken for a generic CCID reader. Add new readers here.
pub static READERS: [ReaderModel; 3] = [
    ReaderModel {
        kind: ReaderKind::Rcs380,
        name: "Sony RC-S380 (PaSoRi)",
        // Interface 0, bulk OUT 2 / IN 1 (docs/readers.md).
        interface: UsbInterface {
            ids: &[(SONY_VENDOR_ID, RCS380_PRODUCT_ID)],
            class: CLASS_VENDOR,
            number: Some(0),
        },
        quirks: LinkQuirks {
            class_descriptor: false,
        },
    },
    ReaderModel {
        kind: ReaderKind::Rcs300,
        name: "Sony RC-S300 (PaSoRi)",
        // Interface 1 (vendor); interface 0 is CCID, refused to ordinary pages.
        interface: UsbInterface {
            ids: &[
                (SONY_VENDOR_ID, RCS300_PRODUCT_IDS[0]),
                (SONY_VENDOR_ID, RCS300_PRODUCT_IDS[1]),
            ],
            class: CLASS_VENDOR,
            number: Some(1),
        },
        quirks: LinkQuirks {
            class_descriptor: false,
        },
    },
    ReaderModel {
        kind: ReaderKind::Ccid,
        name: "CCID smart-card reader",
        interface: UsbInterface {
            ids: &[],
            class: CLASS_CCID,
            number: None,
        },
        quirks: LinkQuirks {
            class_descriptor: true,
        },
    },
];

/// The table row of a driver family.
pub fn model(kind: ReaderKind) -> &'static ReaderModel {
    match kind {
        ReaderKind::Rcs380 => &READERS[0],
        ReaderKind::Rcs300 => &READERS[1],
        ReaderKind::Ccid => &READERS[2],
    }
}

/// One interface of a USB configuration (its first alternate setting), as a face reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InterfaceDescriptor {
    /// bInterfaceNumber: what the face claims.
    pub number: u8,
    /// bInterfaceClass.
    pub class: u8,
    /// First bulk IN endpoint number (without the direction bit).
    pub bulk_in: Option<u8>,
    /// First bulk OUT endpoint number.
    pub bulk_out: Option<u8>,
}

impl InterfaceDescriptor {
    /// Records a bulk endpoint; the first one of each direction is the one drivers use.
    pub fn add_bulk_endpoint(&mut self, number: u8, direction_in: bool) {
        let slot = if direction_in {
            &mut self.bulk_in
        } else {
            &mut self.bulk_out
        };
        if slot.is_none() {
            *slot = Some(number);
        }
    }
}

/// What a face knows of a USB device before choosing a driver: its ids (device descriptor)
/// and its interfaces. Before a device is opened it may have no active configuration: give
/// the interfaces of all its configurations then.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceDescriptor {
    /// idVendor.
    pub vendor_id: u16,
    /// idProduct.
    pub product_id: u16,
    /// Interfaces, in descriptor order.
    pub interfaces: Vec<InterfaceDescriptor>,
}

/// Which supported reader `device` is: by its ids first, then by interface class; `None`
/// when the SDK has no driver for it.
pub fn identify(device: &DeviceDescriptor) -> Option<&'static ReaderModel> {
    READERS
        .iter()
        .find(|m| m.has_ids(device.vendor_id, device.product_id))
        .or_else(|| {
            READERS.iter().find(|m| {
                m.interface.ids.is_empty()
                    && device
                        .interfaces
                        .iter()
                        .any(|i| i.class == m.interface.class)
            })
        })
}

/// The interface of `model` among `interfaces` (the active configuration's): of the model's
/// class and number, else the first of its class, else (readers with a fixed number) that
/// number without known endpoints, so the driver's default endpoints apply. `None`: a
/// class-matched reader without such an interface.
pub fn select_interface(
    model: &ReaderModel,
    interfaces: &[InterfaceDescriptor],
) -> Option<InterfaceDescriptor> {
    let want = model.interface;
    interfaces
        .iter()
        .find(|i| i.class == want.class && want.number.is_none_or(|n| n == i.number))
        .or_else(|| interfaces.iter().find(|i| i.class == want.class))
        .copied()
        .or_else(|| {
            want.number.map(|number| InterfaceDescriptor {
                number,
                class: want.class,
                ..Default::default()
            })
        })
}

/// GET_DESCRIPTOR (USB 2.0 §9.4.3) of configuration 0: a standard, device-recipient control
/// IN transfer. The answer holds the interface descriptors and, after a CCID interface, its
/// class descriptor.
pub const CONFIGURATION_DESCRIPTOR_REQUEST: ControlSetup = ControlSetup {
    request_type: 0x80,
    request: 0x06,
    value: 0x0200,
    index: 0,
};
/// Bytes asked for with [`CONFIGURATION_DESCRIPTOR_REQUEST`]: more than any reader's
/// configuration descriptor.
pub const CONFIGURATION_DESCRIPTOR_MAX_LEN: usize = 1024;

/// Longest CCID message the drivers accept a reader to announce (extended APDU + header).
const MAX_CCID_MESSAGE: usize = 0x1_0000 + 10;
/// Shortest CCID message length honoured: below this a reader is assumed to misreport.
const MIN_CCID_MESSAGE: usize = 64;

/// Builds the driver for `model` on `interface` (the one [`select_interface`] picked; its
/// endpoints override the driver's defaults). `configuration` is the answer to
/// [`ReaderModel::descriptor_request`] when one was made: for a CCID reader its class
/// descriptor gives the exchange level and message size; without it, or when it is unusable,
/// the driver assumes extended APDU level and 271-byte messages (a reader that cannot do that
/// then fails with a reader error rather than a wrong frame).
pub fn driver_for(
    model: &ReaderModel,
    interface: &InterfaceDescriptor,
    configuration: Option<&[u8]>,
) -> AnyDriver {
    match model.kind {
        ReaderKind::Rcs380 => {
            let d = Port100Config::default();
            AnyDriver::Port100(Port100::new(Port100Config {
                endpoint_out: interface.bulk_out.unwrap_or(d.endpoint_out),
                endpoint_in: interface.bulk_in.unwrap_or(d.endpoint_in),
                ..d
            }))
        }
        ReaderKind::Rcs300 => {
            let d = Rcs300Config::default();
            AnyDriver::Rcs300(Rcs300::new(Rcs300Config {
                endpoint_out: interface.bulk_out.unwrap_or(d.endpoint_out),
                endpoint_in: interface.bulk_in.unwrap_or(d.endpoint_in),
                ..d
            }))
        }
        ReaderKind::Ccid => {
            let d = CcidConfig::default();
            let class = configuration
                .and_then(|c| CcidClassDescriptor::find(c, Some(interface.number)).ok());
            let (level, max_message) = match class {
                Some(c) => (c.level(), c.max_message()),
                None => (d.level, d.max_message),
            };
            AnyDriver::Ccid(Ccid::new(CcidConfig {
                endpoint_out: interface.bulk_out.unwrap_or(d.endpoint_out),
                endpoint_in: interface.bulk_in.unwrap_or(d.endpoint_in),
                level,
                max_message,
                ..d
            }))
        }
    }
}

/// Any of the drivers behind one type, so a face's transfer loop
/// ([`super::UsbReaderTransport`]) is built once, not once per driver.
#[derive(Debug)]
pub enum AnyDriver {
    /// Sony RC-S380.
    Port100(Port100),
    /// Sony RC-S300.
    Rcs300(Rcs300),
    /// CCID class reader.
    Ccid(Ccid),
}

impl AnyDriver {
    /// Which driver family this is.
    pub fn kind(&self) -> ReaderKind {
        match self {
            AnyDriver::Port100(_) => ReaderKind::Rcs380,
            AnyDriver::Rcs300(_) => ReaderKind::Rcs300,
            AnyDriver::Ccid(_) => ReaderKind::Ccid,
        }
    }

    fn inner(&mut self) -> &mut dyn ReaderDriver {
        match self {
            AnyDriver::Port100(d) => d,
            AnyDriver::Rcs300(d) => d,
            AnyDriver::Ccid(d) => d,
        }
    }

    fn inner_ref(&self) -> &dyn ReaderDriver {
        match self {
            AnyDriver::Port100(d) => d,
            AnyDriver::Rcs300(d) => d,
            AnyDriver::Ccid(d) => d,
        }
    }
}

impl ReaderDriver for AnyDriver {
    fn start(&mut self, op: Operation<'_>) -> UsbStep {
        self.inner().start(op)
    }
    fn next(&mut self, input: TransferResult) -> UsbStep {
        self.inner().next(input)
    }
    fn is_open(&self) -> bool {
        self.inner_ref().is_open()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner_ref().capabilities()
    }
}

/// One WebUSB `requestDevice` filter (`USBDeviceFilter`): the fields set must all match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsbFilter {
    /// `vendorId`.
    pub vendor_id: Option<u16>,
    /// `productId`.
    pub product_id: Option<u16>,
    /// `classCode` (matches the device class or any interface class).
    pub class_code: Option<u8>,
}

/// The browser chooser's filters: every id of [`READERS`], and the class of class-matched
/// readers, in table order. (Plain loops: iterator adapters cost the page module bytes.)
pub fn chooser_filters() -> Vec<UsbFilter> {
    let mut out = Vec::new();
    for m in &READERS {
        for &(v, p) in m.interface.ids {
            out.push(UsbFilter {
                vendor_id: Some(v),
                product_id: Some(p),
                class_code: None,
            });
        }
        if m.interface.ids.is_empty() {
            out.push(UsbFilter {
                class_code: Some(m.interface.class),
                ..Default::default()
            });
        }
    }
    out
}

/// Why a CCID class descriptor could not be read from descriptor bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DescriptorError {
    /// A descriptor's bLength runs past the bytes read (`offset` of that descriptor).
    Truncated {
        /// Where the descriptor begins in the bytes read.
        offset: usize,
    },
    /// A bLength below 2: the walk would not advance (a broken or hostile device).
    BadLength {
        /// Where the descriptor begins in the bytes read.
        offset: usize,
        /// Its bLength.
        length: u8,
    },
    /// bDescriptorType is not 0x21 (CCID functional descriptor).
    WrongType(u8),
    /// bLength below the 54 bytes of CCID rev 1.1 §5.1.
    TooShort(u8),
    /// No CCID class descriptor after a CCID interface (of the number asked for).
    NotFound,
    /// More descriptors than [`MAX_DESCRIPTORS`]: no reader has that many.
    TooManyDescriptors,
}

impl core::fmt::Display for DescriptorError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DescriptorError::Truncated { offset } => {
                write!(f, "USB descriptor at byte {offset} is cut short")
            }
            DescriptorError::BadLength { offset, length } => {
                write!(f, "USB descriptor at byte {offset} has bLength {length}")
            }
            DescriptorError::WrongType(t) => {
                write!(f, "descriptor type {t:02X} is not a CCID class descriptor")
            }
            DescriptorError::TooShort(n) => {
                write!(f, "CCID class descriptor of {n} bytes (54 expected)")
            }
            DescriptorError::NotFound => f.write_str("no CCID class descriptor"),
            DescriptorError::TooManyDescriptors => f.write_str("too many USB descriptors"),
        }
    }
}

impl std::error::Error for DescriptorError {}

/// Upper bound on descriptors walked in one configuration descriptor.
pub const MAX_DESCRIPTORS: usize = 256;

/// The CCID class (functional) descriptor, type 0x21, 54 bytes (CCID rev 1.1 §5.1). Field
/// names follow the specification without their Hungarian prefixes; multi-byte fields are
/// little-endian on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CcidClassDescriptor {
    /// bcdCCID: specification release (0x0110 for 1.1).
    pub bcd_ccid: u16,
    /// bMaxSlotIndex: slots − 1.
    pub max_slot_index: u8,
    /// bVoltageSupport: bit 0 5 V, bit 1 3 V, bit 2 1.8 V.
    pub voltage_support: u8,
    /// dwProtocols: bit 0 T=0, bit 1 T=1.
    pub protocols: u32,
    /// dwDefaultClock, kHz.
    pub default_clock: u32,
    /// dwMaximumClock, kHz.
    pub maximum_clock: u32,
    /// bNumClockSupported.
    pub num_clock_supported: u8,
    /// dwDataRate, bit/s.
    pub data_rate: u32,
    /// dwMaxDataRate, bit/s.
    pub max_data_rate: u32,
    /// bNumDataRatesSupported.
    pub num_data_rates_supported: u8,
    /// dwMaxIFSD: largest T=1 information field the reader takes.
    pub max_ifsd: u32,
    /// dwSynchProtocols (synchronous cards; 0 for the readers here).
    pub synch_protocols: u32,
    /// dwMechanical: card accept / eject / capture / lock.
    pub mechanical: u32,
    /// dwFeatures: automatic behaviours and the exchange level ([`Self::level`]).
    pub features: u32,
    /// dwMaxCCIDMessageLength: header + data of the longest message the reader takes.
    pub max_message_length: u32,
    /// bClassGetResponse.
    pub class_get_response: u8,
    /// bClassEnvelope.
    pub class_envelope: u8,
    /// wLcdLayout: lines and characters of a PIN pad's display (0: none).
    pub lcd_layout: u16,
    /// bPINSupport: bit 0 PIN verification, bit 1 PIN modification on the reader's pad.
    pub pin_support: u8,
    /// bMaxCCIDBusySlots.
    pub max_busy_slots: u8,
}

impl CcidClassDescriptor {
    /// bDescriptorType of the CCID functional descriptor.
    pub const TYPE: u8 = 0x21;
    /// bLength in CCID rev 1.1.
    pub const LEN: usize = 54;

    /// Parses one descriptor (its bLength first). Bytes past the 54 of rev 1.1 are ignored.
    pub fn parse(bytes: &[u8]) -> Result<CcidClassDescriptor, DescriptorError> {
        let (&length, rest) = bytes
            .split_first()
            .ok_or(DescriptorError::Truncated { offset: 0 })?;
        let &kind = rest
            .first()
            .ok_or(DescriptorError::Truncated { offset: 0 })?;
        if kind != Self::TYPE {
            return Err(DescriptorError::WrongType(kind));
        }
        if usize::from(length) < Self::LEN {
            return Err(DescriptorError::TooShort(length));
        }
        let d: &[u8; Self::LEN] = bytes
            .get(..Self::LEN)
            .and_then(|d| d.try_into().ok())
            .ok_or(DescriptorError::Truncated { offset: 0 })?;
        let w = |o: usize| u16::from_le_bytes([d[o], d[o + 1]]);
        let dw = |o: usize| u32::from_le_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]);
        Ok(CcidClassDescriptor {
            bcd_ccid: w(2),
            max_slot_index: d[4],
            voltage_support: d[5],
            protocols: dw(6),
            default_clock: dw(10),
            maximum_clock: dw(14),
            num_clock_supported: d[18],
            data_rate: dw(19),
            max_data_rate: dw(23),
            num_data_rates_supported: d[27],
            max_ifsd: dw(28),
            synch_protocols: dw(32),
            mechanical: dw(36),
            features: dw(40),
            max_message_length: dw(44),
            class_get_response: d[48],
            class_envelope: d[49],
            lcd_layout: w(50),
            pin_support: d[52],
            max_busy_slots: d[53],
        })
    }

    /// Finds the class descriptor of a CCID interface (class 0x0B; number `interface` when
    /// given) in a configuration descriptor: walks the descriptors by bLength, at most
    /// [`MAX_DESCRIPTORS`]. Another class's 0x21 descriptor (HID uses the same type) is
    /// skipped.
    pub fn find(
        configuration: &[u8],
        interface: Option<u8>,
    ) -> Result<CcidClassDescriptor, DescriptorError> {
        const INTERFACE: u8 = 0x04;
        let mut offset = 0usize;
        // (bInterfaceNumber, bInterfaceClass) of the interface the walk is in.
        let mut current: Option<(u8, u8)> = None;
        for _ in 0..MAX_DESCRIPTORS {
            let Some(&length) = configuration.get(offset) else {
                return Err(DescriptorError::NotFound);
            };
            if length < 2 {
                return Err(DescriptorError::BadLength { offset, length });
            }
            let d = configuration
                .get(offset..offset + usize::from(length))
                .ok_or(DescriptorError::Truncated { offset })?;
            match d[1] {
                INTERFACE if d.len() >= 9 => current = Some((d[2], d[5])),
                Self::TYPE
                    if current.is_some_and(|(number, class)| {
                        class == CLASS_CCID && interface.is_none_or(|n| n == number)
                    }) =>
                {
                    return Self::parse(d).map_err(|e| match e {
                        DescriptorError::Truncated { .. } => DescriptorError::Truncated { offset },
                        e => e,
                    });
                }
                _ => {}
            }
            offset += usize::from(length);
        }
        Err(DescriptorError::TooManyDescriptors)
    }

    /// Exchange level from dwFeatures (TPDU, short APDU, extended APDU).
    pub fn level(&self) -> CcidLevel {
        CcidLevel::from_features(self.features)
    }

    /// dwMaxCCIDMessageLength as the driver uses it: at least 64 bytes (a reader announcing
    /// less misreports), at most one extended APDU plus the header.
    pub fn max_message(&self) -> usize {
        usize::try_from(self.max_message_length)
            .unwrap_or(usize::MAX)
            .clamp(MIN_CCID_MESSAGE, MAX_CCID_MESSAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(number: u8, class: u8, out: Option<u8>, inp: Option<u8>) -> InterfaceDescriptor {
        InterfaceDescriptor {
            number,
            class,
            bulk_in: inp,
            bulk_out: out,
        }
    }

    fn device(vid: u16, pid: u16, interfaces: &[InterfaceDescriptor]) -> DeviceDescriptor {
        DeviceDescriptor {
            vendor_id: vid,
            product_id: pid,
            interfaces: interfaces.to_vec(),
        }
    }

    /// A CCID class descriptor as the browser tests' fake reader has it (T=1, rev 1.1).
    fn class_descriptor(features: u32, max_message: u32) -> Vec<u8> {
        let mut d = vec![0u8; 54];
        d[0] = 54;
        d[1] = 0x21;
        d[2..4].copy_from_slice(&0x0110u16.to_le_bytes());
        d[6..10].copy_from_slice(&2u32.to_le_bytes());
        d[40..44].copy_from_slice(&features.to_le_bytes());
        d[44..48].copy_from_slice(&max_message.to_le_bytes());
        d[52] = 0x03;
        d
    }

    /// Configuration descriptor: config, then `extra` descriptors, then a CCID interface and
    /// its class descriptor.
    fn configuration(extra: &[&[u8]], number: u8, class: &[u8]) -> Vec<u8> {
        let mut c = vec![9, 2, 0, 0, 1, 1, 0, 0x80, 50];
        for e in extra {
            c.extend_from_slice(e);
        }
        c.extend_from_slice(&[9, 4, number, 0, 3, CLASS_CCID, 0, 0, 0]);
        c.extend_from_slice(class);
        let total = c.len() as u16;
        c[2..4].copy_from_slice(&total.to_le_bytes());
        c
    }

    #[test]
    fn identifies_by_ids_then_class() {
        let vendor = [iface(0, CLASS_VENDOR, Some(2), Some(1))];
        let kind = |d: &DeviceDescriptor| identify(d).map(|m| m.kind);
        assert_eq!(
            kind(&device(SONY_VENDOR_ID, RCS380_PRODUCT_ID, &vendor)),
            Some(ReaderKind::Rcs380)
        );
        for pid in RCS300_PRODUCT_IDS {
            // Interface 0 of the RC-S300 is CCID: the ids win over the class.
            let d = device(
                SONY_VENDOR_ID,
                pid,
                &[
                    iface(0, CLASS_CCID, None, None),
                    iface(1, CLASS_VENDOR, None, None),
                ],
            );
            assert_eq!(kind(&d), Some(ReaderKind::Rcs300));
        }
        let ccid = device(0x072F, 0x90CC, &[iface(0, CLASS_CCID, Some(2), Some(2))]);
        assert_eq!(kind(&ccid), Some(ReaderKind::Ccid));
        assert_eq!(kind(&device(0x072F, 0x90CC, &vendor)), None);
        assert_eq!(kind(&device(SONY_VENDOR_ID, 0x0001, &[])), None);
        assert_eq!(kind(&DeviceDescriptor::default()), None);
    }

    #[test]
    fn table_rows_are_consistent() {
        for kind in [ReaderKind::Rcs380, ReaderKind::Rcs300, ReaderKind::Ccid] {
            assert_eq!(model(kind).kind, kind);
        }
        for m in &READERS {
            // A row matched by class must not need a fixed number; ids rows must have ids.
            assert!(!m.interface.ids.is_empty() || m.interface.number.is_none());
            assert_eq!(m.descriptor_request().is_some(), m.quirks.class_descriptor);
            // Each row's own ids identify it.
            for &(v, p) in m.interface.ids {
                assert_eq!(identify(&device(v, p, &[])), Some(m));
            }
        }
        assert_eq!(
            model(ReaderKind::Ccid).descriptor_request(),
            Some((CONFIGURATION_DESCRIPTOR_REQUEST, 1024))
        );
        assert_eq!(model(ReaderKind::Rcs380).descriptor_request(), None);
    }

    #[test]
    fn filters_list_every_id_then_the_class() {
        let f = chooser_filters();
        let ids = |v, p| UsbFilter {
            vendor_id: Some(v),
            product_id: Some(p),
            class_code: None,
        };
        assert_eq!(
            f,
            vec![
                ids(SONY_VENDOR_ID, RCS380_PRODUCT_ID),
                ids(SONY_VENDOR_ID, RCS300_PRODUCT_IDS[0]),
                ids(SONY_VENDOR_ID, RCS300_PRODUCT_IDS[1]),
                UsbFilter {
                    class_code: Some(CLASS_CCID),
                    ..Default::default()
                },
            ]
        );
    }

    #[test]
    fn selects_the_interface_or_falls_back() {
        let rcs300 = model(ReaderKind::Rcs300);
        let both = [
            iface(0, CLASS_VENDOR, None, None),
            iface(1, CLASS_VENDOR, Some(2), Some(2)),
        ];
        assert_eq!(select_interface(rcs300, &both), Some(both[1]));
        // Only another vendor interface: the first of the class.
        let other = [iface(3, CLASS_VENDOR, Some(5), Some(6))];
        assert_eq!(select_interface(rcs300, &other), Some(other[0]));
        // No descriptors: the fixed number, default endpoints.
        assert_eq!(
            select_interface(rcs300, &[]),
            Some(iface(1, CLASS_VENDOR, None, None))
        );
        assert_eq!(
            select_interface(model(ReaderKind::Rcs380), &[]),
            Some(iface(0, CLASS_VENDOR, None, None))
        );
        let ccid = model(ReaderKind::Ccid);
        let list = [
            iface(0, 0x03, None, None),
            iface(1, CLASS_CCID, Some(4), Some(5)),
        ];
        assert_eq!(select_interface(ccid, &list), Some(list[1]));
        assert_eq!(select_interface(ccid, &list[..1]), None);
    }

    #[test]
    fn endpoints_keep_the_first_of_each_direction() {
        let mut i = InterfaceDescriptor::default();
        i.add_bulk_endpoint(2, false);
        i.add_bulk_endpoint(1, true);
        i.add_bulk_endpoint(7, true);
        i.add_bulk_endpoint(8, false);
        assert_eq!((i.bulk_out, i.bulk_in), (Some(2), Some(1)));
    }

    fn first_out_endpoint(d: &mut AnyDriver) -> u8 {
        match d.start(Operation::Open) {
            UsbStep::Out { endpoint, .. } => endpoint,
            other => panic!("open starts with {other:?}"),
        }
    }

    #[test]
    fn driver_for_uses_endpoints_and_the_class_descriptor() {
        let i = iface(0, CLASS_VENDOR, Some(9), Some(8));
        let mut d = driver_for(model(ReaderKind::Rcs380), &i, None);
        assert_eq!(d.kind(), ReaderKind::Rcs380);
        assert_eq!(first_out_endpoint(&mut d), 9);
        let mut d = driver_for(
            model(ReaderKind::Rcs380),
            &iface(0, CLASS_VENDOR, None, None),
            None,
        );
        assert_eq!(
            first_out_endpoint(&mut d),
            Port100Config::default().endpoint_out
        );
        let mut d = driver_for(model(ReaderKind::Rcs300), &i, None);
        assert_eq!(d.kind(), ReaderKind::Rcs300);
        assert_eq!(first_out_endpoint(&mut d), 9);

        let ccid = model(ReaderKind::Ccid);
        let i = iface(0, CLASS_CCID, Some(3), Some(4));
        let short = configuration(&[], 0, &class_descriptor(0x0002_0840, 271));
        let mut d = driver_for(ccid, &i, Some(&short));
        assert_eq!(d.kind(), ReaderKind::Ccid);
        assert!(!d.capabilities().extended_length);
        assert_eq!(first_out_endpoint(&mut d), 3);
        let extended = configuration(&[], 0, &class_descriptor(0x0004_0840, 65_544));
        assert!(
            driver_for(ccid, &i, Some(&extended))
                .capabilities()
                .extended_length
        );
        // No descriptor, a broken one, or one for another interface: the defaults.
        assert!(driver_for(ccid, &i, None).capabilities().extended_length);
        assert!(
            driver_for(ccid, &i, Some(&[0, 0]))
                .capabilities()
                .extended_length
        );
        let elsewhere = configuration(&[], 5, &class_descriptor(0x0002_0840, 271));
        assert!(
            driver_for(ccid, &i, Some(&elsewhere))
                .capabilities()
                .extended_length
        );
    }

    #[test]
    fn parses_the_class_descriptor() {
        let c = configuration(&[], 0, &class_descriptor(0x0004_0840, 0x1000));
        let d = CcidClassDescriptor::find(&c, Some(0)).unwrap();
        assert_eq!(d.bcd_ccid, 0x0110);
        assert_eq!(d.protocols, 2);
        assert_eq!(d.features, 0x0004_0840);
        assert_eq!(d.max_message_length, 0x1000);
        assert_eq!(d.pin_support, 3);
        assert_eq!(d.level(), CcidLevel::ExtendedApdu);
        assert_eq!(d.max_message(), 0x1000);
        assert_eq!(CcidClassDescriptor::find(&c, None), Ok(d));
        assert_eq!(
            CcidClassDescriptor::find(&c, Some(1)),
            Err(DescriptorError::NotFound)
        );
        // Bytes past the 54 of rev 1.1 are ignored.
        let mut long = class_descriptor(0x0002_0000, 10);
        long[0] = 56;
        long.extend_from_slice(&[0xAA, 0xBB]);
        let d = CcidClassDescriptor::parse(&long).unwrap();
        assert_eq!(d.level(), CcidLevel::ShortApdu);
        assert_eq!(d.max_message(), 64);
        let huge = CcidClassDescriptor::parse(&class_descriptor(0, u32::MAX)).unwrap();
        assert_eq!(huge.max_message(), 0x1_0000 + 10);
        assert_eq!(huge.level(), CcidLevel::Tpdu);
    }

    #[test]
    fn skips_another_class_s_0x21_descriptor() {
        // A HID interface (class 3) with its HID descriptor (also type 0x21) before the reader.
        let hid_iface: &[u8] = &[9, 4, 0, 0, 1, 0x03, 0, 0, 0];
        let hid: &[u8] = &[9, 0x21, 0x11, 0x01, 0, 1, 0x22, 0x20, 0];
        let endpoint: &[u8] = &[7, 5, 0x81, 3, 8, 0, 10];
        let c = configuration(
            &[hid_iface, hid, endpoint],
            1,
            &class_descriptor(0x0002_0000, 300),
        );
        let d = CcidClassDescriptor::find(&c, Some(1)).unwrap();
        assert_eq!((d.level(), d.max_message()), (CcidLevel::ShortApdu, 300));
    }

    #[test]
    fn typed_errors_on_bad_bytes() {
        use DescriptorError::*;
        assert_eq!(
            CcidClassDescriptor::parse(&[]),
            Err(Truncated { offset: 0 })
        );
        assert_eq!(
            CcidClassDescriptor::parse(&[54]),
            Err(Truncated { offset: 0 })
        );
        assert_eq!(
            CcidClassDescriptor::parse(&[54, 0x22]),
            Err(WrongType(0x22))
        );
        assert_eq!(CcidClassDescriptor::parse(&[48, 0x21]), Err(TooShort(48)));
        let good = class_descriptor(0x0004_0000, 271);
        for n in 2..good.len() {
            assert_eq!(
                CcidClassDescriptor::parse(&good[..n]),
                Err(Truncated { offset: 0 }),
                "{n} bytes"
            );
        }
        // A zero bLength would loop forever without the check.
        assert_eq!(
            CcidClassDescriptor::find(&[9, 2, 0, 0, 1, 1, 0, 0x80, 50, 0, 4], None),
            Err(BadLength {
                offset: 9,
                length: 0
            })
        );
        assert_eq!(CcidClassDescriptor::find(&[], None), Err(NotFound));
        // A short class descriptor after a CCID interface.
        let mut short = class_descriptor(0, 0);
        short[0] = 48;
        short.truncate(48);
        let c = configuration(&[], 0, &short);
        assert_eq!(CcidClassDescriptor::find(&c, None), Err(TooShort(48)));
        // Every cut of a good configuration descriptor: an error, never a panic.
        let c = configuration(&[], 0, &good);
        for n in 0..c.len() {
            let r = CcidClassDescriptor::find(&c[..n], None);
            assert!(matches!(r, Err(NotFound | Truncated { .. })), "{n}: {r:?}");
        }
        // 300 two-byte descriptors: the walk stops at the bound.
        let many: Vec<u8> = (0..300).flat_map(|_| [2u8, 0x24]).collect();
        assert_eq!(
            CcidClassDescriptor::find(&many, None),
            Err(TooManyDescriptors)
        );
        assert!(!TooManyDescriptors.to_string().is_empty());
    }

    #[test]
    fn hostile_descriptor_bytes_never_panic() {
        // xorshift64*, as in the drivers' robustness tests.
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            s.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let good = configuration(&[], 0, &class_descriptor(0x0004_0840, 271));
        for round in 0..5_000 {
            let mut bytes = if round % 2 == 0 {
                good.clone()
            } else {
                let n = (next() % 400) as usize;
                (0..n).map(|_| next() as u8).collect()
            };
            // Flip a few bytes; sometimes shape them like interface / class descriptors.
            for _ in 0..(next() % 6) {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() as usize) % bytes.len();
                bytes[at] = [next() as u8, 0x04, 0x21, CLASS_CCID, 0, 1, 54][(next() % 7) as usize];
            }
            let _ = CcidClassDescriptor::parse(&bytes);
            if let Ok(d) = CcidClassDescriptor::find(&bytes, None) {
                assert!((64..=0x1_0000 + 10).contains(&d.max_message()));
            }
            let _ = CcidClassDescriptor::find(&bytes, Some(bytes.len() as u8));
            let i = iface(0, CLASS_CCID, None, None);
            let _ = driver_for(model(ReaderKind::Ccid), &i, Some(&bytes));
        }
    }
}
