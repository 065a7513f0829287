//! Plugs the virtual My Number Card into the real PC/SC stack: connects to vsmartcard's vpcd
//! driver inside pcscd, so any PC/SC program (OpenSC, pcsc_scan, the SDK's PC/SC transport)
//! sees the card in the reader "Virtual PCD".
//!
//! ```text
//! mynacard-vpcd [--personas FILE] [--persona taro] [--addr 127.0.0.1:35963] [--once]
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use mynacard_virtual_card::{Persona, VirtualCard, vpcd};

const USAGE: &str = "usage: mynacard-vpcd [--personas FILE] [--persona ID] [--addr HOST:PORT] [--once]\n\
  --personas FILE   your own personas: a TOML file of [id] tables, the fields of the built-in\n\
                    personas.toml (certificates are the test PKI's taro's unless the id is built in)\n\
  --persona ID      the persona to play, from FILE first, then the built-in ones (default taro)\n\
  --addr HOST:PORT  where vpcd listens (default 127.0.0.1:35963, the vpcd package's port)\n\
  --once            exit when vpcd closes the connection instead of reconnecting";

fn main() -> ExitCode {
    let mut persona = "taro".to_string();
    let mut personas_file: Option<String> = None;
    let mut addr: SocketAddr = ([127, 0, 0, 1], 0x8C7B).into();
    let mut once = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--persona" => persona = args.next().unwrap_or_default(),
            "--personas" => personas_file = args.next(),
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
    let mut own = Vec::new();
    if let Some(path) = &personas_file {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return usage_error(&format!("cannot read {path}: {e}")),
        };
        match Persona::parse_toml(&text) {
            Ok(p) => own = p,
            Err(e) => return usage_error(&format!("{path}: {e}")),
        }
    }
    let chosen = own
        .iter()
        .find(|p| p.id == persona)
        .cloned()
        .map(VirtualCard::new);
    let Some(mut card) = chosen.or_else(|| VirtualCard::builtin(&persona)) else {
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
