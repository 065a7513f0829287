//! The emulated Sony RC-S380 (with a virtual card in its field) as a USB byte pipe on standard
//! input/output, so a host stack written for the real reader (nfcpy's `rcs380` driver) can drive
//! it with only its USB transport object replaced (`tests/integration/nfcpy/`).
//!
//! ```text
//! mynacard-usb-bridge [--persona taro] [--fsci N] [--no-card] [--wtx-before INS] [--stale-answer]
//! ```
//!
//! One request, then one reply, in turn; integers little-endian:
//!
//! ```text
//! request  'D'                                      the device: ids, endpoints, strings
//!          'O' endpoint:u8 len:u32 data             a bulk OUT transfer
//!          'I' endpoint:u8 max_len:u32 timeout:u32  a bulk IN transfer (timeout in ms, 0 = none)
//!          'C'                                      the Port-100 command codes received so far
//!          'L'                                      the card leaves the field (for tests)
//! reply    status:u8 len:u32 data
//!          status 0 done, 1 device gone, 2 stall, 3 timed out (after `timeout` ms),
//!          4 nothing to read and no timeout: the host would wait for ever
//! ```
//!
//! The emulation answers at once, so an IN transfer that finds nothing queued will never be
//! served: the bridge waits the host's timeout (at most [`MAX_WAIT`]) before it says so, as the
//! bus would, and refuses to wait without a bound (status 4), so a host that would hang on a
//! real reader fails instead. End of input ends the bridge; it prints the commands it saw on
//! standard error.

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use mynacard_virtual_card::usb::{Picc, PiccConfig, Rcs380, UsbEmulator, UsbFault};
use mynacard_virtual_card::{Persona, VirtualCard};

const USAGE: &str = "usage: mynacard-usb-bridge [--persona ID] [--fsci N] [--no-card] [--wtx-before INS] [--stale-answer]\n\
  --persona ID  built-in persona in the reader's field (default taro)\n\
  --fsci N      the frame size the card announces in ATQB (0-8; default 8 = 256 bytes)\n\
  --no-card     an empty reader: nothing answers in the field\n\
  --wtx-before INS  the card asks for two waiting time extensions (S(WTX), WTXM 1) before\n\
                answering the first APDU with this INS (hex)\n\
  --stale-answer  an answer left in the IN pipe by a host killed mid-exchange\n\
  Requests on standard input, replies on standard output (see the source's header).";

/// The longest an IN transfer waits for nothing.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// USB identity of the RC-S380 as nfcpy reports it on real readers ("SONY RC-S380/P", vendor
/// 054c, product 06c3; bulk OUT 0x02, bulk IN 0x81, 64-byte packets at full speed).
const VENDOR: u16 = 0x054C;
const PRODUCT: u16 = 0x06C3;
const MANUFACTURER: &str = "SONY";
const PRODUCT_NAME: &str = "RC-S380/P";
const MAX_PACKET: u16 = 64;

const DONE: u8 = 0;
const GONE: u8 = 1;
const STALL: u8 = 2;
const TIMED_OUT: u8 = 3;
const WOULD_HANG: u8 = 4;

fn main() -> ExitCode {
    let mut persona = "taro".to_string();
    let mut no_card = false;
    let mut wtx_before = None;
    let mut stale_answer = false;
    let mut picc = PiccConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--persona" => persona = args.next().unwrap_or_default(),
            "--no-card" => no_card = true,
            "--stale-answer" => stale_answer = true,
            "--fsci" => match args.next().and_then(|a| a.parse().ok()).filter(|n| *n <= 8) {
                Some(n) => picc.fsci = n,
                None => return usage_error("--fsci needs 0 to 8"),
            },
            "--wtx-before" => match args.next().and_then(|a| u8::from_str_radix(&a, 16).ok()) {
                Some(ins) => wtx_before = Some(ins),
                None => return usage_error("--wtx-before needs an INS in hex"),
            },
            "-h" | "--help" => {
                println!("{USAGE}\npersonas: {}", Persona::ids().join(", "));
                return ExitCode::SUCCESS;
            }
            other => return usage_error(&format!("unknown argument {other}")),
        }
    }
    let Some(card) = VirtualCard::builtin(&persona) else {
        return usage_error(&format!(
            "no persona {persona} (have: {})",
            Persona::ids().join(", ")
        ));
    };
    let mut reader = Rcs380::with_picc(Picc::with_config(card, picc));
    if no_card {
        reader.picc_mut().lift();
    }
    if stale_answer {
        reader.leave_stale_answer();
    }
    if let Some(ins) = wtx_before {
        reader.picc_mut().inject_wtx(Some(ins), 2, 1);
    }
    let result = serve(
        &mut reader,
        &mut io::stdin().lock(),
        &mut io::stdout().lock(),
    );
    let seen: Vec<String> = reader
        .commands()
        .iter()
        .map(|c| format!("{c:02X}"))
        .collect();
    eprintln!(
        "mynacard-usb-bridge: persona {persona}; Port-100 commands received: {}; transfers {:?}; \
         S(WTX) sent: {}",
        seen.join(" "),
        reader.transfers(),
        reader.picc().wtx_sent()
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mynacard-usb-bridge: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Serves requests until end of input.
fn serve(reader: &mut Rcs380, input: &mut impl Read, output: &mut impl Write) -> io::Result<()> {
    loop {
        let mut op = [0u8; 1];
        match input.read_exact(&mut op) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            r => r?,
        }
        let (status, data) = match op[0] {
            b'D' => (DONE, device_descriptor()),
            b'O' => {
                let endpoint = read_u8(input)?;
                let len = read_u32(input)? as usize;
                if len > 1 << 16 {
                    return Err(io::Error::other(format!("OUT transfer of {len} bytes")));
                }
                let mut data = vec![0; len];
                input.read_exact(&mut data)?;
                match reader.transfer_out(endpoint & 0x7F, &data) {
                    Ok(()) => (DONE, Vec::new()),
                    Err(f) => (fault(f), Vec::new()),
                }
            }
            b'I' => {
                let endpoint = read_u8(input)?;
                let max_len = read_u32(input)? as usize;
                let timeout_ms = read_u32(input)?;
                match reader.transfer_in(endpoint & 0x7F, max_len) {
                    Ok(data) => (DONE, data),
                    Err(UsbFault::Timeout) if timeout_ms == 0 => (WOULD_HANG, Vec::new()),
                    Err(UsbFault::Timeout) => {
                        std::thread::sleep(Duration::from_millis(timeout_ms.into()).min(MAX_WAIT));
                        (TIMED_OUT, Vec::new())
                    }
                    Err(f) => (fault(f), Vec::new()),
                }
            }
            b'C' => (DONE, reader.commands().to_vec()),
            b'L' => {
                reader.picc_mut().lift();
                (DONE, Vec::new())
            }
            other => {
                return Err(io::Error::other(format!("unknown request {other:#04x}")));
            }
        };
        output.write_all(&[status])?;
        output.write_all(&(data.len() as u32).to_le_bytes())?;
        output.write_all(&data)?;
        output.flush()?;
    }
}

fn fault(f: UsbFault) -> u8 {
    match f {
        UsbFault::Disconnected => GONE,
        UsbFault::Stall => STALL,
        UsbFault::Timeout => TIMED_OUT,
    }
}

/// `vendor:u16 product:u16 out:u8 in:u8 max_packet:u16` then the manufacturer and product
/// strings, each as `len:u8 bytes`.
fn device_descriptor() -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&VENDOR.to_le_bytes());
    d.extend_from_slice(&PRODUCT.to_le_bytes());
    d.push(Rcs380::ENDPOINT_OUT);
    d.push(0x80 | Rcs380::ENDPOINT_IN);
    d.extend_from_slice(&MAX_PACKET.to_le_bytes());
    for s in [MANUFACTURER, PRODUCT_NAME] {
        d.push(s.len() as u8);
        d.extend_from_slice(s.as_bytes());
    }
    d
}

fn read_u8(input: &mut impl Read) -> io::Result<u8> {
    let mut b = [0u8; 1];
    input.read_exact(&mut b)?;
    Ok(b[0])
}

fn read_u32(input: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    input.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("mynacard-usb-bridge: {msg}\n{USAGE}");
    ExitCode::from(2)
}
