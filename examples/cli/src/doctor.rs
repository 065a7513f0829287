//! `mynacard doctor` (リーダー診断): what PC/SC and (on Linux) the USB bus show, judged by the
//! core's rules (`mynacard_core::reader::doctor`), printed Japanese first.
//!
//! USB devices come from sysfs (`/sys/bus/usb/devices/*/idVendor`, the interface's class and
//! `driver` link). The command reaches readers through PC/SC only, so USB matters for a reader
//! PC/SC cannot drive (the RC-S380 on Linux); permissions and claims are the browser's doctor's
//! part. `MYNACARD_DOCTOR_ROOT` reads sysfs under another root: for containers whose /sys is
//! mounted elsewhere, and for the tests.

use std::path::{Path, PathBuf};

use mynacard_core::reader::doctor::{
    Claim, Finding, Observations, UsbAccess, UsbDeviceSeen, diagnose,
};

/// The findings for this host.
pub async fn findings() -> Vec<Finding> {
    let root =
        std::env::var_os("MYNACARD_DOCTOR_ROOT").map_or_else(|| PathBuf::from("/"), PathBuf::from);
    let seen = Observations {
        pcsc: mynacard_pcsc::observe().await,
        usb: usb_devices(&root),
        usb_access: UsbAccess::PcscOnly,
        ..Observations::default()
    };
    diagnose(&seen)
}

/// Prints `findings` (JSON with `json`); the exit status is 0 when a reader can be used.
pub fn print(findings: &[Finding], json: bool) -> std::process::ExitCode {
    if json {
        let rows: Vec<serde_json::Value> = findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "reader": f.reader, "code": f.cause.code(), "usable": f.cause.usable(),
                    "what_ja": f.what_ja, "fix_ja": f.fix_ja, "what_en": f.what_en, "fix_en": f.fix_en,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
    } else {
        for f in findings {
            let reader = if f.reader.is_empty() {
                "(このコンピューター / this computer)"
            } else {
                &f.reader
            };
            println!("[{}] {reader}", f.cause.code());
            println!("  {}", f.what_ja);
            if !f.fix_ja.is_empty() {
                println!("  → {}", f.fix_ja);
            }
            println!("  {}", f.what_en);
            if !f.fix_en.is_empty() {
                println!("  → {}", f.fix_en);
            }
        }
    }
    if findings.iter().any(|f| f.cause.usable()) {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}

/// The USB devices under `root`'s sysfs (Linux); none elsewhere or when sysfs is absent.
fn usb_devices(root: &Path) -> Vec<UsbDeviceSeen> {
    let Ok(entries) = std::fs::read_dir(root.join("sys/bus/usb/devices")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        let hex = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .ok()
                .and_then(|s| u16::from_str_radix(s.trim(), 16).ok())
        };
        let (Some(vendor_id), Some(product_id)) = (hex("idVendor"), hex("idProduct")) else {
            continue; // an interface directory, or a hub without ids
        };
        // The interface the SDK would use: the first with a driver bound decides.
        let name = entry.file_name().to_string_lossy().into_owned();
        let mut interface_class = None;
        let mut kernel_driver = None;
        for i in 0..4 {
            let interface = dir.join(format!("{name}:1.{i}"));
            if !interface.exists() {
                continue;
            }
            let class = std::fs::read_to_string(interface.join("bInterfaceClass"))
                .ok()
                .and_then(|s| u8::from_str_radix(s.trim(), 16).ok());
            interface_class = interface_class.or(class);
            if kernel_driver.is_none() {
                kernel_driver = std::fs::read_link(interface.join("driver"))
                    .ok()
                    .and_then(|l| l.file_name().map(|n| n.to_string_lossy().into_owned()));
            }
        }
        out.push(UsbDeviceSeen {
            vendor_id,
            product_id,
            interface_class,
            kernel_driver,
            permission_denied: false,
            claim: Claim::NotTried,
        });
    }
    out
}
