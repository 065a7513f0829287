//! The reader doctor (リーダー診断): from what a face could observe of the host's readers, which
//! readers are usable and, for each one that is not, the cause and the fix, in Japanese and
//! English. Most first contacts with a card SDK fail at the reader, not the card.
//!
//! Sans-IO like the rest of the core: a face collects plain [`Observations`] its own way (the
//! CLI from PC/SC and Linux sysfs, the browser from WebUSB) and [`diagnose`] turns them into
//! [`Finding`]s. Each finding has a stable [`Cause`] code shared by every face.
//!
//! Sources of the causes and fixes: `docs/readers.md` ("The reader doctor"), with the public
//! reports each one comes from.
//!
//! ```
//! use mynacard_core::reader::doctor::{diagnose, Cause, CardSeen, Observations, PcscView, PcscReader};
//! let seen = Observations {
//!     pcsc: PcscView::Readers(vec![PcscReader { name: "SONY FeliCa RC-S300/P".into(), card: CardSeen::Absent }]),
//!     ..Observations::default()
//! };
//! let findings = diagnose(&seen);
//! assert_eq!(findings[0].cause, Cause::NoCard);
//! assert!(findings[0].fix_ja.contains("カード"));
//! ```

use super::devices::{self, CLASS_CCID, ReaderKind};
use crate::error::CardKind;

/// Everything a face could see. Parts a face cannot observe stay at their default
/// ([`PcscView::NotObserved`], no USB devices, [`Browser::NotObserved`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observations {
    /// The PC/SC service and its readers (CLI, desktop apps).
    pub pcsc: PcscView,
    /// USB devices the SDK could drive directly (sysfs on Linux, WebUSB in a browser).
    pub usb: Vec<UsbDeviceSeen>,
    /// The browser's APIs (pages only).
    pub browser: Browser,
    /// How this face reaches USB readers.
    pub usb_access: UsbAccess,
}

/// How a face reaches USB readers, which decides what a USB device it sees can be used for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UsbAccess {
    /// The SDK drives the reader itself (WebUSB: the RC-S380, RC-S300 and CCID drivers).
    #[default]
    Direct,
    /// Only through PC/SC (the CLI, desktop apps): a reader PC/SC has no driver for is of no
    /// use, whatever else holds it.
    PcscOnly,
}

/// What PC/SC answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PcscView {
    /// This face does not use PC/SC (a page, a phone).
    #[default]
    NotObserved,
    /// No PC/SC service to talk to (pcscd not running or not installed; `SCARD_E_NO_SERVICE`).
    ServiceDown,
    /// The service runs and lists no reader (`SCARD_E_NO_READERS_AVAILABLE`).
    NoReaders,
    /// The readers it lists, each with what was found in it.
    Readers(Vec<PcscReader>),
}

/// One PC/SC reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcscReader {
    /// The reader's PC/SC name.
    pub name: String,
    /// What was in it.
    pub card: CardSeen,
}

/// What a reader held when the face looked (without presenting any PIN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardSeen {
    /// No card in the slot or on the reader.
    Absent,
    /// A card, but connecting or the first APDU failed (badly placed, mute).
    Unresponsive,
    /// A My Number Card: usable.
    MyNumberCard,
    /// Another card the SDK recognises, e.g. a 住基カード.
    Other(CardKind),
}

/// A USB device the SDK could drive directly, and what stood in the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsbDeviceSeen {
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// The interface class the face would claim (0x0B CCID, 0xFF vendor), when known.
    pub interface_class: Option<u8>,
    /// A kernel driver bound to the reader's interface (Linux sysfs `driver` link), e.g.
    /// `port100` (nfc subsystem) or `usbfs` (a program holds it).
    pub kernel_driver: Option<String>,
    /// Opening the device node (or WebUSB `open`) was refused for lack of permission.
    pub permission_denied: bool,
    /// WebUSB `claimInterface` was refused (`NetworkError`: another driver or program holds
    /// the interface; `SecurityError`: a protected class).
    pub claim: Claim,
}

/// What claiming the reader's interface gave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Claim {
    /// Not tried (native faces, or the doctor did not open the device).
    #[default]
    NotTried,
    /// Claimed and released: usable.
    Ok,
    /// Refused because another driver or program holds the interface.
    Busy,
    /// Refused because the page may not claim this class (WebUSB protected classes).
    Protected,
}

/// The browser's reader APIs (pages only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Browser {
    /// Not a page.
    #[default]
    NotObserved,
    /// What the page has.
    Seen {
        /// `navigator.usb` exists (Chromium desktop and Android).
        webusb: bool,
        /// `navigator.smartCard` exists (Isolated Web Apps only).
        smart_card: bool,
    },
}

/// Why a reader can or cannot be used: the stable codes every face shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// The reader holds a My Number Card and answers: nothing to fix.
    Ready,
    /// The reader can be used; no card is on it yet.
    NoCard,
    /// A card answers that is not a My Number Card (a 住基カード, …).
    NotMyNumberCard,
    /// A card is there but does not answer.
    CardUnresponsive,
    /// No PC/SC service (pcscd / Smart Card service).
    PcscServiceDown,
    /// No reader at all.
    NoReader,
    /// Linux: the kernel's `port100` NFC driver holds the RC-S380.
    KernelDriver,
    /// The device node cannot be opened by this user (udev rule missing).
    UsbPermission,
    /// Another program or driver holds the interface (WebUSB claim refused).
    ClaimRefused,
    /// The page may not claim a CCID reader (WebUSB protected class).
    ProtectedClass,
    /// This browser has no WebUSB.
    NoWebUsb,
    /// A reader PC/SC has no driver for (the RC-S380 on Linux: libccid lists the RC-S300, not
    /// the RC-S380), seen by a face that reaches readers only through PC/SC.
    NoPcscDriver,
}

impl Cause {
    /// Every cause, for faces that list the codes (and the tests that walk them).
    pub const ALL: [Cause; 12] = [
        Cause::Ready,
        Cause::NoCard,
        Cause::NotMyNumberCard,
        Cause::CardUnresponsive,
        Cause::PcscServiceDown,
        Cause::NoReader,
        Cause::KernelDriver,
        Cause::UsbPermission,
        Cause::ClaimRefused,
        Cause::ProtectedClass,
        Cause::NoWebUsb,
        Cause::NoPcscDriver,
    ];

    /// The stable code (`READY`, `NO_CARD`, …) every face prints and compares.
    pub fn code(self) -> &'static str {
        match self {
            Cause::Ready => "READY",
            Cause::NoCard => "NO_CARD",
            Cause::NotMyNumberCard => "NOT_MY_NUMBER_CARD",
            Cause::CardUnresponsive => "CARD_UNRESPONSIVE",
            Cause::PcscServiceDown => "PCSC_SERVICE_DOWN",
            Cause::NoReader => "NO_READER",
            Cause::KernelDriver => "KERNEL_DRIVER",
            Cause::UsbPermission => "USB_PERMISSION",
            Cause::ClaimRefused => "CLAIM_REFUSED",
            Cause::ProtectedClass => "PROTECTED_CLASS",
            Cause::NoWebUsb => "NO_WEBUSB",
            Cause::NoPcscDriver => "NO_PCSC_DRIVER",
        }
    }

    /// Whether a reader with this finding can be used as it is.
    pub fn usable(self) -> bool {
        matches!(self, Cause::Ready | Cause::NoCard)
    }
}

/// One reader (or the host, when `reader` is empty) and what the doctor says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The reader's name (PC/SC name, or the model and USB ids); empty for the host itself.
    pub reader: String,
    /// Why.
    pub cause: Cause,
    /// What is wrong (or right), in English.
    pub what_en: String,
    /// 同じく日本語で.
    pub what_ja: String,
    /// What to do, in English (empty when nothing).
    pub fix_en: String,
    /// 対処（日本語）.
    pub fix_ja: String,
}

/// The findings for `seen`: one per reader, or one for the host when no reader can be seen.
/// Usable readers come first.
pub fn diagnose(seen: &Observations) -> Vec<Finding> {
    let mut out = Vec::new();
    match &seen.pcsc {
        PcscView::NotObserved => {}
        PcscView::ServiceDown => out.push(host(Cause::PcscServiceDown)),
        PcscView::NoReaders => {}
        PcscView::Readers(readers) => {
            for r in readers {
                let cause = match r.card {
                    CardSeen::Absent => Cause::NoCard,
                    CardSeen::Unresponsive => Cause::CardUnresponsive,
                    CardSeen::MyNumberCard => Cause::Ready,
                    CardSeen::Other(_) => Cause::NotMyNumberCard,
                };
                let mut f = finding(r.name.clone(), cause);
                if let CardSeen::Other(kind) = r.card {
                    f.what_en.push_str(&format!(" ({})", kind.as_str()));
                    f.what_ja.push_str(&format!("（{}）", kind_ja(kind)));
                }
                out.push(f);
            }
        }
    }
    if let Browser::Seen { webusb: false, .. } = seen.browser {
        out.push(host(Cause::NoWebUsb));
    }
    for d in &seen.usb {
        if let Some(cause) = usb_cause(d, seen.usb_access) {
            out.push(finding(usb_name(d), cause));
        }
    }
    if out.is_empty() {
        out.push(host(Cause::NoReader));
    }
    out.sort_by_key(|f| !f.cause.usable());
    out
}

/// The first thing that stops a USB device, or `Some(NoCard)` when nothing does; `None` for a
/// device the SDK does not drive and no face could use.
fn usb_cause(d: &UsbDeviceSeen, access: UsbAccess) -> Option<Cause> {
    let kind = reader_kind(d)?;
    if access == UsbAccess::PcscOnly {
        // PC/SC's own listing speaks for the readers it drives.
        return (kind == ReaderKind::Rcs380).then_some(Cause::NoPcscDriver);
    }
    Some(if d.kernel_driver.as_deref() == Some("port100") {
        Cause::KernelDriver
    } else if d.permission_denied {
        Cause::UsbPermission
    } else if d.claim == Claim::Protected {
        Cause::ProtectedClass
    } else if d.claim == Claim::Busy {
        Cause::ClaimRefused
    } else {
        Cause::NoCard
    })
}

/// Which reader this is: one of the models in [`devices::READERS`] by id, or a CCID reader by
/// its interface class.
fn reader_kind(d: &UsbDeviceSeen) -> Option<ReaderKind> {
    if d.vendor_id == devices::SONY_VENDOR_ID {
        if d.product_id == devices::RCS380_PRODUCT_ID {
            return Some(ReaderKind::Rcs380);
        }
        if devices::RCS300_PRODUCT_IDS.contains(&d.product_id) {
            return Some(ReaderKind::Rcs300);
        }
    }
    (d.interface_class == Some(CLASS_CCID)).then_some(ReaderKind::Ccid)
}

fn usb_name(d: &UsbDeviceSeen) -> String {
    let model = match reader_kind(d) {
        Some(ReaderKind::Rcs380) => "Sony RC-S380",
        Some(ReaderKind::Rcs300) => "Sony RC-S300",
        _ => "CCID reader",
    };
    format!("{model} ({:04x}:{:04x})", d.vendor_id, d.product_id)
}

fn kind_ja(kind: CardKind) -> &'static str {
    match kind {
        CardKind::JukiCard => "住民基本台帳カード",
        CardKind::Smartphone => "スマホ用電子証明書",
        CardKind::Unknown => "不明なカード",
    }
}

fn host(cause: Cause) -> Finding {
    finding(String::new(), cause)
}

fn finding(reader: String, cause: Cause) -> Finding {
    let (what_en, what_ja, fix_en, fix_ja) = text(cause);
    Finding {
        reader,
        cause,
        what_en: what_en.into(),
        what_ja: what_ja.into(),
        fix_en: fix_en.into(),
        fix_ja: fix_ja.into(),
    }
}

/// What each cause says: (what, 内容, fix, 対処).
fn text(cause: Cause) -> (&'static str, &'static str, &'static str, &'static str) {
    match cause {
        Cause::Ready => (
            "A My Number Card is on the reader and answers.",
            "マイナンバーカードが読み取れる状態です。",
            "",
            "",
        ),
        Cause::NoCard => (
            "The reader can be used; no card is on it.",
            "カードリーダーは使えます。カードが置かれていません。",
            "Place the My Number Card on the reader (contactless: flat, and keep it still).",
            "マイナンバーカードをリーダーに置いてください（非接触型は平らに置き、動かさないでください）。",
        ),
        Cause::NotMyNumberCard => (
            "The card on the reader is not a My Number Card",
            "リーダー上のカードはマイナンバーカードではありません",
            "Use the My Number Card (個人番号カード); a 住基カード has no JPKI application the SDK can use.",
            "マイナンバーカードを置いてください。住基カードなど他のカードは使えません。",
        ),
        Cause::CardUnresponsive => (
            "A card is there but does not answer.",
            "カードはありますが応答しません。",
            "Lift the card and place it again, centred on the reader; keep metal and other cards away.",
            "カードを一度離して、リーダーの中央に置き直してください。金属や他のカードを近づけないでください。",
        ),
        Cause::PcscServiceDown => (
            "The smart-card service (PC/SC) is not running.",
            "スマートカードサービス（PC/SC）が動いていません。",
            "Linux: install and start pcscd (`sudo apt install pcscd && sudo systemctl start pcscd.socket`). Windows: start the \"Smart Card\" service (SCardSvr). For a Sony RC-S380 on Windows, also install Sony's NFC Port Software with the PC/SC activator.",
            "Linux: pcscd をインストールして起動してください（`sudo apt install pcscd && sudo systemctl start pcscd.socket`）。Windows: サービス「Smart Card」を開始してください。Windows で RC-S380 を使うときは、ソニーの NFC ポートソフトウェア（PC/SC アクティベーター）も必要です。",
        ),
        Cause::NoReader => (
            "No card reader can be seen.",
            "カードリーダーが見つかりません。",
            "Connect a reader (Sony RC-S380/RC-S300 or a CCID reader) and check the cable; on Linux, a reader the SDK sees only over USB needs the steps it names.",
            "カードリーダー（RC-S380、RC-S300、CCID 対応リーダー）を接続し、ケーブルを確かめてください。",
        ),
        Cause::KernelDriver => (
            "Linux's port100 NFC driver holds the reader, so nothing else can use it.",
            "Linux の port100 ドライバーがリーダーを使用中のため、他から使えません。",
            "Unload it and keep it from loading: `sudo modprobe -r port100` and `echo 'blacklist port100' | sudo tee /etc/modprobe.d/mynacard-port100.conf`.",
            "ドライバーを外してください: `sudo modprobe -r port100`、再起動後も読み込まれないように `echo 'blacklist port100' | sudo tee /etc/modprobe.d/mynacard-port100.conf`。",
        ),
        Cause::UsbPermission => (
            "This user may not open the reader's USB device.",
            "このユーザーにはリーダーの USB デバイスを開く権限がありません。",
            "Add a udev rule, e.g. `SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"054c\", MODE=\"0660\", TAG+=\"uaccess\"` in /etc/udev/rules.d/60-mynacard.rules, then `sudo udevadm control --reload && sudo udevadm trigger` and reconnect the reader.",
            "udev ルールを追加してください（例: /etc/udev/rules.d/60-mynacard.rules に `SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"054c\", MODE=\"0660\", TAG+=\"uaccess\"`）。その後 `sudo udevadm control --reload && sudo udevadm trigger` を実行し、リーダーを挿し直してください。",
        ),
        Cause::ClaimRefused => (
            "Another program or driver is using the reader, so the browser cannot claim it.",
            "別のプログラムかドライバーがリーダーを使用中のため、ブラウザーから使えません。",
            "Close other card software. Windows: bind the WinUSB driver to the reader (Zadig). Linux: unload port100 and stop any program holding the reader (pcscd with a vendor driver).",
            "他のカード用ソフトを終了してください。Windows では WinUSB ドライバーを割り当ててください（Zadig）。Linux では port100 を外し、リーダーを使っているプログラムを止めてください。",
        ),
        Cause::ProtectedClass => (
            "Browsers do not let ordinary web pages use CCID card readers (a protected USB class).",
            "CCID 型のカードリーダーは、通常のウェブページからは使えません（保護された USB クラス）。",
            "Use a Sony RC-S380 or RC-S300, the mynacard command, or an Isolated Web App.",
            "RC-S380 か RC-S300 を使うか、mynacard コマンド、または Isolated Web App から使ってください。",
        ),
        Cause::NoPcscDriver => (
            "This reader has no PC/SC driver here (on Linux, libccid supports the RC-S300 but not the RC-S380), so the mynacard command cannot use it.",
            "このリーダーには PC/SC ドライバーがないため、mynacard コマンドからは使えません（Linux の libccid は RC-S300 に対応し、RC-S380 には対応していません）。",
            "Use the RC-S380 from the browser (WebUSB: the page face of the SDK), or use an RC-S300 or a CCID reader with the command. Windows: Sony's NFC Port Software provides a PC/SC driver for the RC-S380.",
            "RC-S380 はブラウザーから（WebUSB）使うか、コマンドでは RC-S300 か CCID 対応リーダーを使ってください。Windows ではソニーの NFC ポートソフトウェアが RC-S380 の PC/SC ドライバーになります。",
        ),
        Cause::NoWebUsb => (
            "This browser has no WebUSB.",
            "このブラウザーは WebUSB に対応していません。",
            "Use Chrome or Edge on a computer or Android; on iPhone, use the hand-off to the government app.",
            "パソコンか Android の Chrome / Edge を使ってください。iPhone ではアプリへの受け渡し（デジタル認証アプリ）を使ってください。",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rcs380() -> UsbDeviceSeen {
        UsbDeviceSeen {
            vendor_id: 0x054C,
            product_id: 0x06C3,
            interface_class: Some(0xFF),
            kernel_driver: None,
            permission_denied: false,
            claim: Claim::NotTried,
        }
    }

    #[test]
    fn each_observation_gives_its_cause() {
        let causes = |seen: Observations| -> Vec<&'static str> {
            diagnose(&seen).iter().map(|f| f.cause.code()).collect()
        };
        assert_eq!(causes(Observations::default()), ["NO_READER"]);
        let pcsc = |pcsc| Observations {
            pcsc,
            ..Observations::default()
        };
        assert_eq!(causes(pcsc(PcscView::ServiceDown)), ["PCSC_SERVICE_DOWN"]);
        assert_eq!(causes(pcsc(PcscView::NoReaders)), ["NO_READER"]);
        let reader = |card| PcscReader {
            name: "r".into(),
            card,
        };
        assert_eq!(
            causes(pcsc(PcscView::Readers(vec![
                reader(CardSeen::Other(CardKind::JukiCard)),
                reader(CardSeen::MyNumberCard),
                reader(CardSeen::Unresponsive),
                reader(CardSeen::Absent),
            ]))),
            [
                "READY",
                "NO_CARD",
                "NOT_MY_NUMBER_CARD",
                "CARD_UNRESPONSIVE"
            ]
        );
        let usb = |d: UsbDeviceSeen| Observations {
            usb: vec![d],
            ..Observations::default()
        };
        assert_eq!(causes(usb(rcs380())), ["NO_CARD"]);
        let held = UsbDeviceSeen {
            kernel_driver: Some("port100".into()),
            permission_denied: true,
            ..rcs380()
        };
        // The driver comes first: with it bound, permissions do not matter yet.
        assert_eq!(causes(usb(held)), ["KERNEL_DRIVER"]);
        let denied = UsbDeviceSeen {
            permission_denied: true,
            ..rcs380()
        };
        assert_eq!(causes(usb(denied)), ["USB_PERMISSION"]);
        let busy = UsbDeviceSeen {
            claim: Claim::Busy,
            ..rcs380()
        };
        assert_eq!(causes(usb(busy)), ["CLAIM_REFUSED"]);
        let ccid = UsbDeviceSeen {
            vendor_id: 0x072F,
            product_id: 0x90CC,
            interface_class: Some(CLASS_CCID),
            claim: Claim::Protected,
            ..rcs380()
        };
        assert_eq!(causes(usb(ccid)), ["PROTECTED_CLASS"]);
        // A device the SDK does not drive is not listed.
        let mouse = UsbDeviceSeen {
            vendor_id: 0x046D,
            product_id: 0xC077,
            interface_class: Some(0x03),
            ..rcs380()
        };
        assert_eq!(causes(usb(mouse)), ["NO_READER"]);
        let page = Observations {
            browser: Browser::Seen {
                webusb: false,
                smart_card: false,
            },
            ..Observations::default()
        };
        assert_eq!(causes(page), ["NO_WEBUSB"]);
        // Through PC/SC only: the RC-S380 has no driver, whatever holds it; an RC-S300 on USB
        // is PC/SC's to list.
        let cli = |d: UsbDeviceSeen| Observations {
            usb: vec![d],
            usb_access: UsbAccess::PcscOnly,
            pcsc: PcscView::NoReaders,
            ..Observations::default()
        };
        let held = UsbDeviceSeen {
            kernel_driver: Some("port100".into()),
            ..rcs380()
        };
        assert_eq!(causes(cli(held)), ["NO_PCSC_DRIVER"]);
        let rcs300 = UsbDeviceSeen {
            product_id: 0x0DC9,
            ..rcs380()
        };
        assert_eq!(causes(cli(rcs300)), ["NO_READER"]);
    }

    #[test]
    fn every_cause_says_what_and_how_in_both_languages() {
        for cause in Cause::ALL {
            let f = finding("r".into(), cause);
            assert!(!f.what_en.is_empty() && !f.what_ja.is_empty(), "{cause:?}");
            // Only a usable reader may come without a fix.
            assert_eq!(f.fix_en.is_empty(), cause == Cause::Ready, "{cause:?}");
            assert_eq!(f.fix_ja.is_empty(), cause == Cause::Ready, "{cause:?}");
            assert!(
                cause
                    .code()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
            );
        }
    }

    #[test]
    fn a_juki_card_is_named() {
        let seen = Observations {
            pcsc: PcscView::Readers(vec![PcscReader {
                name: "vpcd".into(),
                card: CardSeen::Other(CardKind::JukiCard),
            }]),
            ..Observations::default()
        };
        let f = &diagnose(&seen)[0];
        assert!(f.what_ja.contains("住民基本台帳カード") && f.what_en.contains("juki"));
    }
}
