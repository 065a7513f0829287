//! Plugs the virtual My Number Card into the real PC/SC stack: connects to vsmartcard's vpcd
//! driver inside pcscd, so any PC/SC program (OpenSC, pcsc_scan, the SDK's PC/SC transport)
//! sees the card in the reader "Virtual PCD".
//!
//! ```text
//! mynacard-vpcd [--persona taro] [--addr 127.0.0.1:35963] [--once]
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use mynacard_virtual_card::{Persona, VirtualCard, vpcd};

const USAGE: &str = "usage: mynacard-vpcd [--persona ID] [--addr HOST:PORT] [--once]\n\
  --persona ID      built-in persona (default taro)\n\
  --addr HOST:PORT  where vpcd listens (default 127.0.0.1:35963, the vpcd package's port)\n\
  --once            exit when vpcd closes the connection instead of reconnecting";

fn main() -> ExitCode {
    let mut persona = "taro".to_string();
    let mut addr: SocketAddr = ([127, 0, 0, 1], 0x8C7B).into();
    let mut once = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--persona" => persona = args.next().unwrap_or_default(),
            "--addr" => match args.next().and_then(|a| a.parse().ok()) {
                Some(a) => addr = a,
                None => return usage_error("--addr needs HOST:PORT"),
            },
            "--once" => once = true,
            "-h" | "--help" => {
                println!("{USAGE}\npersonas: {}", Persona::ids().join(", "));
                return ExitCode::SUCCESS;
            }
            other => return usage_error(&format!("unknown argument {other}")),
        }
    }
    let Some(mut card) = VirtualCard::builtin(&persona) else {
        return usage_error(&format!(
            "no persona {persona} (have: {})",
            Persona::ids().join(", ")
        ));
    };
    let stop = AtomicBool::new(false);
    eprintln!("mynacard-vpcd: persona {persona}, connecting to vpcd at {addr}");
    loop {
        match vpcd::serve(&mut card, addr, &stop) {
            Ok(()) if once => return ExitCode::SUCCESS,
            Ok(()) => eprintln!("mynacard-vpcd: vpcd closed the connection; reconnecting"),
            Err(e) => {
                eprintln!("mynacard-vpcd: {e}");
                if once {
                    return ExitCode::FAILURE;
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
    }
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("mynacard-vpcd: {msg}\n{USAGE}");
    ExitCode::from(2)
}
