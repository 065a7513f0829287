//! `mynacard-bench`: APDUs, bytes each way and time per operation, on the in-process virtual
//! card (extended and short-only links) and through pcscd + vpcd. Prints a table and writes
//! `bench-results/bench.json` and `bench-results/bench.md`.
//!
//! ```text
//! mynacard-bench [--out DIR] [--iterations N] [--no-pcscd]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use mynacard_tests::bench::{self, Row};
use mynacard_tests::pcscd::Pcscd;
use mynacard_virtual_card::{Persona, VirtualCard, VirtualTransport, pki};

fn main() -> ExitCode {
    let mut out = PathBuf::from("bench-results");
    let mut iterations = 30usize;
    let mut with_pcscd = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().map(PathBuf::from).unwrap_or(out),
            "--iterations" => {
                iterations = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(iterations)
                    .max(1)
            }
            "--no-pcscd" => with_pcscd = false,
            _ => {
                eprintln!("usage: mynacard-bench [--out DIR] [--iterations N] [--no-pcscd]");
                return ExitCode::from(2);
            }
        }
    }
    match run(&out, iterations, with_pcscd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mynacard-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(out: &std::path::Path, iterations: usize, with_pcscd: bool) -> Result<(), String> {
    let persona = Persona::builtin("taro").ok_or("no persona taro")?;
    let virtual_card = || VirtualCard::new(persona.clone());
    let mut rows: Vec<Row> = Vec::new();
    rows.extend(
        bench::measure("in-process, extended APDUs", &persona, iterations, || {
            VirtualTransport::new(virtual_card())
        })
        .map_err(|e| e.to_string())?,
    );
    rows.extend(
        bench::measure("in-process, short APDUs only", &persona, iterations, || {
            VirtualTransport::new(virtual_card()).with_extended_length(false)
        })
        .map_err(|e| e.to_string())?,
    );
    let mut notes = vec![
        format!("persona `taro`; each operation on a fresh session, {iterations} runs in process"),
        "APDUs and bytes count the operation only; `connect` (SELECT JPKI, SELECT token EF, READ token) is its own row"
            .to_string(),
    ];
    if with_pcscd {
        let pcscd = Pcscd::start().map_err(|e| e.to_string())?;
        let _inserted = pcscd.insert(virtual_card());
        let pcsc_iterations = iterations.div_ceil(3);
        rows.extend(
            bench::measure(
                "pcscd + vpcd, extended APDUs",
                &persona,
                pcsc_iterations,
                || pcscd.connect().expect("card in the vpcd reader"),
            )
            .map_err(|e| e.to_string())?,
        );
        notes.push(format!("pcscd + vpcd: {pcsc_iterations} runs; time includes the loopback TCP hop to the virtual card"));
    }
    let cert_len = pki::persona("taro").ok_or("no PKI")?.auth_cert.len();
    let peer = bench::peer_certificate_apdus(cert_len);
    let ours = rows
        .iter()
        .find(|r| r.operation.starts_with("read 利用者証明用"))
        .map_or(0, |r| r.apdus);
    notes.push(format!(
        "certificate of {cert_len} bytes: {ours} APDUs here (SELECT EF + one extended READ BINARY); peers use {peer} \
         (SELECT EF, 7-byte header, 256-byte chunks)"
    ));
    let md = bench::markdown(&rows, &notes);
    print!("{md}");
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let json = serde_json::json!({ "notes": notes, "rows": rows });
    std::fs::write(
        out.join("bench.json"),
        serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(out.join("bench.md"), md).map_err(|e| e.to_string())?;
    eprintln!("wrote {}/bench.json and bench.md", out.display());
    Ok(())
}
