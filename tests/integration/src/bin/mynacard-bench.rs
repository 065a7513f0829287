//! `mynacard-bench`: APDUs, bytes each way and time per operation, on the in-process virtual
//! card (extended and short-only links) and through pcscd + vpcd, and APDUs per operation on every
//! persona of the virtual card. Prints the tables and writes
//! `bench-results/bench.json` and `bench-results/bench.md`.
//!
//! ```text
//! mynacard-bench [--out DIR] [--iterations N] [--no-pcscd] [--crl-entries N] [--verification-only]
//!
//! `--verification-only` measures only the relying party (RSA-2048 and ECDSA P-384 beside
//! `openssl speed` in the same run, the big CRL) and writes `verification.{json,md}`.
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use mynacard_tests::bench::{self, Row};
use mynacard_tests::pcscd::Pcscd;
use mynacard_tests::peers;
use mynacard_virtual_card::{Persona, VirtualCard, VirtualTransport, pki};

fn main() -> ExitCode {
    let mut out = PathBuf::from("bench-results");
    let mut iterations = 30usize;
    let mut with_pcscd = true;
    let mut crl_entries = 500_000usize;
    let mut verification_only = false;
    let mut pdf_only = false;
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
            "--verification-only" => verification_only = true,
            "--pdf-only" => pdf_only = true,
            "--crl-entries" => {
                crl_entries = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(crl_entries)
            }
            _ => {
                eprintln!(
                    "usage: mynacard-bench [--out DIR] [--iterations N] [--no-pcscd] [--crl-entries N] [--verification-only] [--pdf-only]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let result = if pdf_only {
        pdf_report(&out)
    } else if verification_only {
        verification_report(&out, crl_entries)
    } else {
        run(&out, iterations, with_pcscd, crl_entries)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mynacard-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    out: &std::path::Path,
    iterations: usize,
    with_pcscd: bool,
    crl_entries: usize,
) -> Result<(), String> {
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
        "APDUs and bytes count the operation only; `connect` (SELECT JPKI, READ token by short EF id) is its own row"
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
        drop(_inserted);
        rows.extend(peers(&pcscd, &persona)?);
        notes.push(
            "peers: whole client runs on the same virtual card through the same pcscd, APDUs and bytes as the card saw \
             them (OpenSC and jpki-cli include their own card detection; `mynacard` rows from the SDK add `connect`)"
                .to_string(),
        );
    }
    let cert_len = pki::persona("taro").ok_or("no PKI")?.auth_cert.len();
    let peer = bench::peer_certificate_apdus(cert_len);
    let ours = rows
        .iter()
        .find(|r| r.operation.starts_with("read 利用者証明用"))
        .map_or(0, |r| r.apdus);
    notes.push(format!(
        "certificate of {cert_len} bytes: {ours} APDU here (one extended READ BINARY by short EF id); peers use {peer} \
         (SELECT EF, 7-byte header, 256-byte chunks)"
    ));
    let verification = verification(crl_entries)?;
    let per_persona = bench::persona_matrix();
    let mut md = bench::markdown(&rows, &notes);
    md.push_str(&bench::persona_markdown(&per_persona));
    md.push_str(&bench::latency_markdown(&rows));
    md.push_str("\n## Verification (relying party)\n\n| measure | value |\n|---|---:|\n");
    for (k, v) in &verification {
        md.push_str(&format!("| {k} | {v:.3} |\n"));
    }
    print!("{md}");
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let verification: serde_json::Map<String, serde_json::Value> = verification
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(v)))
        .collect();
    let latency: Vec<serde_json::Value> = bench::latency_model(&rows)
        .into_iter()
        .map(|(operation, reader, seconds)| {
            serde_json::json!({ "operation": operation, "reader": reader, "predicted_seconds": seconds })
        })
        .collect();
    let json = serde_json::json!({
        "notes": notes,
        "rows": rows,
        "apdus_per_persona": per_persona,
        "verification": verification,
        "reader_classes": bench::READER_CLASSES,
        "card_rsa_ms_assumed": bench::CARD_RSA_MS,
        "latency_model": latency,
    });
    std::fs::write(
        out.join("bench.json"),
        serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(out.join("bench.md"), md).map_err(|e| e.to_string())?;
    eprintln!("wrote {}/bench.json and bench.md", out.display());
    Ok(())
}

/// Relying-party figures: signature + chain + CRL verifications per second, and a JPKI-sized
/// CRL's parse (with signature check) and lookup times.
fn verification(crl_entries: usize) -> Result<Vec<(String, f64)>, String> {
    use mynacard_core::verify::{self, Crl};
    use mynacard_core::{JpkiCertificate, UnixTime};
    use std::time::Instant;
    let e = |e: mynacard_core::Error| e.to_string();
    let at = UnixTime(1_780_272_000);
    let ca = JpkiCertificate::from_der(pki::auth_ca_der()).map_err(e)?;
    let rsa = rate("taro", "1234", pki::auth_ca_der(), pki::auth_ca_crl_der())?;
    let p384 = rate(
        "p384",
        "2468",
        pki::p384_auth_ca_der(),
        pki::p384_auth_ca_crl_der(),
    )?;
    let openssl = openssl_speed()?;
    let started = Instant::now();
    let der = bench::big_crl(crl_entries);
    let build_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let big = Crl::from_der(&der, &ca, at).map_err(e)?;
    let parse_s = started.elapsed().as_secs_f64();
    let revoked =
        JpkiCertificate::from_der(pki::persona("revoked").unwrap().auth_cert).map_err(e)?;
    let good = JpkiCertificate::from_der(pki::persona("taro").unwrap().auth_cert).map_err(e)?;
    let lookups = 200_000;
    let started = Instant::now();
    let mut hits = 0usize;
    for i in 0..lookups {
        let c = if i % 2 == 0 { &revoked } else { &good };
        if matches!(big.status(c), verify::CertStatus::Revoked(_)) {
            hits += 1;
        }
    }
    let lookup_us = started.elapsed().as_secs_f64() * 1e6 / lookups as f64;
    if hits != lookups / 2 {
        return Err(format!("CRL lookups wrong: {hits} hits of {lookups}"));
    }
    // One check is two public-key verifications (the challenge signature and the
    // certificate's signature by its CA) and a CRL lookup: OpenSSL's rate for the same work is
    // its verify rate halved (the lookup and the parsing are not counted for OpenSSL).
    let rsa_openssl = openssl.rsa2048_verify / 2.0;
    let p384_openssl = openssl.ecdsap384_verify / 2.0;
    Ok(vec![
        (
            "verifications per second (signature + chain + CRL)".into(),
            rsa,
        ),
        (
            "RSA-2048: verifications per second (signature + chain + CRL)".into(),
            rsa,
        ),
        (
            "RSA-2048: OpenSSL rate for the same work (openssl speed verify/s ÷ 2)".into(),
            rsa_openssl,
        ),
        ("RSA-2048: ratio to OpenSSL".into(), rsa / rsa_openssl),
        (
            "ECDSA P-384: verifications per second (signature + chain + CRL)".into(),
            p384,
        ),
        (
            "ECDSA P-384: OpenSSL rate for the same work (openssl speed verify/s ÷ 2)".into(),
            p384_openssl,
        ),
        ("ECDSA P-384: ratio to OpenSSL".into(), p384 / p384_openssl),
        (
            "openssl speed rsa2048 verify/s".into(),
            openssl.rsa2048_verify,
        ),
        (
            "openssl speed ecdsap384 verify/s".into(),
            openssl.ecdsap384_verify,
        ),
        ("CRL entries".to_string(), big.len() as f64),
        ("CRL size (MB)".to_string(), der.len() as f64 / 1e6),
        ("CRL build in the bench (s)".to_string(), build_s),
        (
            "CRL parse + signature check + index (s)".to_string(),
            parse_s,
        ),
        (
            "CRL lookup (µs, status of a certificate)".to_string(),
            lookup_us,
        ),
    ])
}

/// Checks per second of a login on `persona`'s card: signature + chain + CRL
/// (`verify::verify_signed` against `ca_der` with its CRL).
fn rate(persona: &str, pin: &str, ca_der: &[u8], crl_der: &[u8]) -> Result<f64, String> {
    use mynacard_core::verify::{self, CertificateKind, Crl, StatusEvidence, TrustAnchors};
    use mynacard_core::{AuthPin, JpkiCertificate, MynaCard, SignInput, UnixTime};
    use std::time::Instant;
    let e = |e: mynacard_core::Error| e.to_string();
    let at = UnixTime(1_780_272_000);
    let ca = JpkiCertificate::from_der(ca_der).map_err(e)?;
    let anchors = TrustAnchors::new(vec![ca.clone()]);
    let crl = Crl::from_der(crl_der, &ca, at).map_err(e)?;
    let mut card = pollster::block_on(MynaCard::connect(VirtualTransport::new(
        VirtualCard::builtin(persona).ok_or("no persona")?,
    )))
    .map_err(e)?;
    let challenge = [1u8; 32];
    let auth = pollster::block_on(
        card.authenticate(&AuthPin::new(pin).map_err(e)?, SignInput::data(&challenge)),
    )
    .map_err(e)?;
    let check = || {
        verify::verify_signed(
            &auth.certificate,
            SignInput::data(&challenge),
            &auth.signature,
            CertificateKind::Authentication,
            &anchors,
            at,
            StatusEvidence::Crl(&crl),
        )
    };
    check().map_err(e)?;
    // At least 300 checks and one second of them.
    let started = Instant::now();
    let mut n = 0u32;
    while n < 300 || started.elapsed().as_secs_f64() < 1.0 {
        check().map_err(e)?;
        n += 1;
    }
    Ok(f64::from(n) / started.elapsed().as_secs_f64())
}

/// `openssl speed`'s verify rates on this machine, now (machine-readable output).
struct OpensslSpeed {
    rsa2048_verify: f64,
    ecdsap384_verify: f64,
}

fn openssl_speed() -> Result<OpensslSpeed, String> {
    let out = harness::run_ok(
        std::process::Command::new("openssl").args([
            "speed",
            "-seconds",
            "2",
            "-mr",
            "rsa2048",
            "ecdsap384",
        ]),
        None,
        harness::SHORT,
    )
    .map_err(|e| e.to_string())?;
    let text = out.text();
    // `+F2:<n>:2048:<sign/s>:<verify/s>` (RSA), `+F4:<n>:384:<sign/s>:<verify/s>` (ECDSA).
    let verify = |tag: &str, bits: &str| {
        text.lines()
            .filter_map(|l| l.strip_prefix(tag))
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.get(1) == Some(&bits))
            .and_then(|f| f.get(3).and_then(|v| v.parse::<f64>().ok()))
            .ok_or(format!("openssl speed printed no {tag}…{bits} line"))
    };
    Ok(OpensslSpeed {
        rsa2048_verify: verify("+F2:", "2048")?,
        ecdsap384_verify: verify("+F4:", "384")?,
    })
}

/// `--verification-only`: the relying-party figures alone, printed and written as
/// `verification.json` / `verification.md`.
fn verification_report(out: &std::path::Path, crl_entries: usize) -> Result<(), String> {
    let rows = verification(crl_entries)?;
    let mut md = String::from(
        "## Verification (relying party)\n\nSame machine, same run: the SDK's checks beside \
         `openssl speed -seconds 2 rsa2048 ecdsap384` (OpenSSL's verify rate halved: a check is \
         two verifications). RSA is verified with *ring* in native builds (this bench), with \
         RustCrypto `rsa` in wasm32 (`core/src/verify/signature.rs`).\n\n| measure | value |\n|---|---:|\n",
    );
    for (k, v) in &rows {
        md.push_str(&format!("| {k} | {v:.3} |\n"));
    }
    print!("{md}");
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let json: serde_json::Map<String, serde_json::Value> = rows
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(v)))
        .collect();
    std::fs::write(
        out.join("verification.json"),
        serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(out.join("verification.md"), md).map_err(|e| e.to_string())?;
    eprintln!(
        "wrote {}/verification.json and verification.md",
        out.display()
    );
    Ok(())
}

/// The same operations by third-party clients, on the same virtual card through the same pcscd.
fn peers(pcscd: &Pcscd, persona: &Persona) -> Result<Vec<Row>, String> {
    use std::process::Command;
    use std::time::Instant;
    let mut rows = Vec::new();
    let mut measure = |client: &str,
                       operation: &'static str,
                       run: &dyn Fn() -> Result<(), String>|
     -> Result<(), String> {
        let inserted = pcscd.insert(VirtualCard::new(persona.clone()));
        // Wait until pcscd has the card (PC/SC connect sends no APDU of its own).
        drop(pcscd.connect().map_err(|e| e.to_string())?);
        let t0 = Instant::now();
        run()?;
        let elapsed = t0.elapsed();
        let card = inserted.remove();
        let seen = card.seen();
        rows.push(Row {
            link: format!("pcscd + vpcd, {client}"),
            operation,
            apdus: seen.len(),
            bytes_sent: seen
                .iter()
                .map(|s| 4 + s.lc + usize::from(s.lc > 0) + usize::from(s.le.is_some()))
                .sum(),
            bytes_received: seen.iter().map(|s| s.response_len + 2).sum(),
            iterations: 1,
            median_ms: elapsed.as_secs_f64() * 1000.0,
            min_ms: elapsed.as_secs_f64() * 1000.0,
        });
        Ok(())
    };
    let reader = pcscd.reader_name();
    let tool = |program: &str, args: &[&str]| -> Result<(), String> {
        harness::run_ok(Command::new(program).args(args), None, harness::MEDIUM)
            .map(drop)
            .map_err(String::from)
    };
    measure("mynacard", "read 利用者証明用 certificate", &|| {
        let t = pcscd.connect().map_err(|e| e.to_string())?;
        pollster::block_on(async {
            let mut card = mynacard_core::MynaCard::connect(t).await?;
            card.read_auth_certificate().await.map(drop)
        })
        .map_err(|e| e.to_string())
    })?;
    measure("myna-card", "read 利用者証明用 certificate", &|| {
        use myna_card::ap::jpki::JpkiAp;
        let mut card = myna_card::transport::pcsc::connect(
            &reader,
            myna_card::transport::pcsc::Sharing::Shared,
        )
        .map_err(|e| e.to_string())?;
        let mut jpki = JpkiAp::select(&mut card).map_err(|e| e.to_string())?;
        jpki.read_auth_certificate_der()
            .map(drop)
            .map_err(|e| e.to_string())
    })?;
    measure("jpki-cli", "read 利用者証明用 certificate", &|| {
        tool("jpki-cli", &["crypto", "--auth", "read-certificate"])
    })?;
    measure(
        "OpenSC pkcs15-tool",
        "read 利用者証明用 certificate",
        &|| {
            tool(
                "pkcs15-tool",
                &["--reader", "0", "--read-certificate", "01"],
            )
        },
    )?;
    measure(
        "mynacard",
        "authenticate (sign challenge, auth PIN)",
        &|| {
            let t = pcscd.connect().map_err(|e| e.to_string())?;
            pollster::block_on(async {
                let mut card = mynacard_core::MynaCard::connect(t).await?;
                let pin = mynacard_core::AuthPin::new(&persona.auth_pin)?;
                card.sign_with_auth_key(&pin, mynacard_core::SignInput::data(b"challenge"))
                    .await
                    .map(drop)
            })
            .map_err(|e| e.to_string())
        },
    )?;
    measure(
        "myna-card",
        "authenticate (sign challenge, auth PIN)",
        &|| {
            use myna_card::ap::jpki::{JpkiAp, SignatureScheme};
            let mut card = myna_card::transport::pcsc::connect(
                &reader,
                myna_card::transport::pcsc::Sharing::Shared,
            )
            .map_err(|e| e.to_string())?;
            let mut jpki = JpkiAp::select(&mut card).map_err(|e| e.to_string())?;
            jpki.verify_auth_pin(
                &myna_card::Pin::new(&persona.auth_pin).map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
            jpki.sign_with_auth_key(SignatureScheme::Sha256DigestInfo, b"challenge")
                .map(drop)
                .map_err(|e| e.to_string())
        },
    )?;
    let module = [
        "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
        "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
    .unwrap_or("opensc-pkcs11.so");
    let input = std::env::temp_dir().join("mynacard-bench-challenge");
    std::fs::write(&input, b"challenge").map_err(|e| e.to_string())?;
    let output = std::env::temp_dir().join("mynacard-bench-signature");
    measure(
        "OpenSC pkcs11-tool",
        "authenticate (sign challenge, auth PIN)",
        &|| {
            tool(
                "pkcs11-tool",
                &[
                    "--module",
                    module,
                    "--slot-index",
                    "0",
                    "--login",
                    "--pin",
                    &persona.auth_pin,
                    "--sign",
                    "--mechanism",
                    "SHA256-RSA-PKCS",
                    "--id",
                    "01",
                    "--input-file",
                    input.to_str().unwrap_or(""),
                    "--output-file",
                    output.to_str().unwrap_or(""),
                ],
            )
        },
    )?;

    // The other operations of the issue: remaining tries, 基本4情報, the 署名用 certificate and
    // a 署名用 signature, plus jpki-cli and myna where they have the operation.
    let sdk = |op: &dyn Fn(
        &mut mynacard_core::MynaCard<mynacard_pcsc::PcscTransport>,
    ) -> Result<(), mynacard_core::Error>|
     -> Result<(), String> {
        let t = pcscd.connect().map_err(|e| e.to_string())?;
        let mut card =
            pollster::block_on(mynacard_core::MynaCard::connect(t)).map_err(|e| e.to_string())?;
        op(&mut card).map_err(|e| e.to_string())
    };
    let myna_card_jpki = |op: &dyn Fn(
        &mut myna_card::ap::jpki::JpkiAp<'_, myna_card::transport::pcsc::PcscTransport>,
    ) -> Result<(), String>|
     -> Result<(), String> {
        let mut card = myna_card::transport::pcsc::connect(
            &reader,
            myna_card::transport::pcsc::Sharing::Shared,
        )
        .map_err(|e| e.to_string())?;
        let mut jpki = myna_card::ap::jpki::JpkiAp::select(&mut card).map_err(|e| e.to_string())?;
        op(&mut jpki)
    };
    let pin = |p: &str| myna_card::Pin::new(p).map_err(|e| e.to_string());
    let jpki_cli = peers::jpki_cli();
    let myna = peers::myna();
    let on_tty = |args: &[&str], stdin: Option<&[u8]>, pin: &str| -> Result<(), String> {
        let bin = jpki_cli.as_deref().ok_or("jpki-cli not installed")?;
        peers::run_on_tty(bin, args, stdin, "pin_hint", pin, harness::MEDIUM)
            .map(drop)
            .map_err(String::from)
    };
    let signature_out = output.to_str().unwrap_or("");
    let input_path = input.to_str().unwrap_or("");

    const TRIES: &str = "remaining tries (auth PIN)";
    measure("mynacard", TRIES, &|| {
        sdk(&|c| pollster::block_on(c.pin_state(mynacard_core::CardPin::JpkiAuth)).map(drop))
    })?;
    measure("myna-card", TRIES, &|| {
        myna_card_jpki(&|j| j.auth_pin_retries().map(drop).map_err(|e| e.to_string()))
    })?;
    measure("jpki-cli", TRIES, &|| {
        tool("jpki-cli", &["crypto", "--auth", "stat"])
    })?;

    const FOUR_INFO: &str = "read 基本4情報 (assist PIN)";
    measure("mynacard", FOUR_INFO, &|| {
        sdk(&|c| {
            let pin = mynacard_core::AssistPin::new(&persona.assist_pin)?;
            pollster::block_on(c.read_four_info(&pin)).map(drop)
        })
    })?;
    measure("myna-card", FOUR_INFO, &|| {
        let mut card = myna_card::transport::pcsc::connect(
            &reader,
            myna_card::transport::pcsc::Sharing::Shared,
        )
        .map_err(|e| e.to_string())?;
        let mut text = myna_card::ap::text::TextAp::select(&mut card).map_err(|e| e.to_string())?;
        text.verify_pin(&pin(&persona.assist_pin)?)
            .map_err(|e| e.to_string())?;
        text.read_attributes().map(drop).map_err(|e| e.to_string())
    })?;
    measure("jpki-cli", FOUR_INFO, &|| {
        on_tty(&["support", "get", "attributes"], None, &persona.assist_pin)
    })?;

    const SIGN_CERT: &str = "read 署名用 certificate (sign PIN)";
    measure("mynacard", SIGN_CERT, &|| {
        sdk(&|c| {
            let pin = mynacard_core::SignPin::new(&persona.sign_pin)?;
            pollster::block_on(c.read_sign_certificate(&pin)).map(drop)
        })
    })?;
    measure("myna-card", SIGN_CERT, &|| {
        myna_card_jpki(&|j| {
            j.verify_sign_pin(&pin(&persona.sign_pin)?)
                .map_err(|e| e.to_string())?;
            j.read_sign_certificate_der()
                .map(drop)
                .map_err(|e| e.to_string())
        })
    })?;
    measure("jpki-cli", SIGN_CERT, &|| {
        on_tty(&["crypto", "read-certificate"], None, &persona.sign_pin)
    })?;

    const SIGN: &str = "sign (署名用 key, sign PIN)";
    measure("mynacard", SIGN, &|| {
        sdk(&|c| {
            let pin = mynacard_core::SignPin::new(&persona.sign_pin)?;
            pollster::block_on(c.sign(&pin, mynacard_core::SignInput::data(b"document"))).map(drop)
        })
    })?;
    measure("myna-card", SIGN, &|| {
        use myna_card::ap::jpki::SignatureScheme;
        myna_card_jpki(&|j| {
            j.verify_sign_pin(&pin(&persona.sign_pin)?)
                .map_err(|e| e.to_string())?;
            j.sign_with_sign_key(SignatureScheme::Sha256DigestInfo, b"document")
                .map(drop)
                .map_err(|e| e.to_string())
        })
    })?;
    measure("jpki-cli", SIGN, &|| {
        on_tty(
            &["crypto", "sign", signature_out],
            Some(b"document"),
            &persona.sign_pin,
        )
    })?;
    measure(
        "jpki-cli",
        "authenticate (sign challenge, auth PIN)",
        &|| {
            on_tty(
                &["crypto", "--auth", "sign", signature_out],
                Some(b"challenge"),
                &persona.auth_pin,
            )
        },
    )?;

    // myna (jpki/myna): only where MYNA_BIN names a build (not on the crate registry).
    if let Some(myna) = myna.as_deref() {
        let run = |args: &[&str]| tool(myna.to_str().unwrap_or("myna"), args);
        measure("myna", "read 利用者証明用 certificate", &|| {
            run(&["jpki", "cert", "-t", "auth", "-f", "der"])
        })?;
        measure("myna", TRIES, &|| run(&["pin", "status"]))?;
        measure("myna", FOUR_INFO, &|| {
            run(&["text", "attrs", "-p", &persona.assist_pin])
        })?;
        measure("myna", SIGN_CERT, &|| {
            run(&[
                "jpki",
                "cert",
                "-t",
                "sign",
                "-p",
                &persona.sign_pin,
                "-f",
                "der",
            ])
        })?;
        measure("myna", "authenticate (sign challenge, auth PIN)", &|| {
            run(&[
                "jpki",
                "pkey",
                "sign",
                "-t",
                "auth",
                "-p",
                &persona.auth_pin,
                input_path,
                "-o",
                signature_out,
            ])
        })?;
        measure("myna", SIGN, &|| {
            run(&[
                "jpki",
                "pkey",
                "sign",
                "-t",
                "sign",
                "-p",
                &persona.sign_pin,
                input_path,
                "-o",
                signature_out,
            ])
        })?;
    }
    Ok(rows)
}

/// A kB figure of this process from /proc/self/status (`VmRSS`, `VmHWM`).
fn proc_kb(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Issue 16's numbers: prepare + finish on a 100 MB PDF (one page, a 100 MB content stream),
/// excluding the card; time, and peak memory above the input (VmHWM after minus VmRSS before).
/// `finish` gives the update to append; `finish_file` (one more copy of the input) is not
/// measured.
/// Printed and written to `pdf.json`; targets ≤ 1 s and ≤ 32 MB.
fn pdf_report(out: &std::path::Path) -> Result<(), String> {
    use mynacard_core::pdf::{Profile, SignOptions, prepare};
    let size = 100 * 1024 * 1024;
    let mut content = Vec::with_capacity(size + 64);
    while content.len() < size {
        content.extend_from_slice(b"0 0 m 595 842 l S\n");
    }
    let objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(),
            content,
            b"\nendstream".to_vec(),
        ]
        .concat(),
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(o);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    drop(objects);
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 5\n0000000000 65535 f\r\n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    // Building the input peaked higher than the input; "5" resets VmHWM to the current RSS
    // (proc(5), /proc/pid/clear_refs), so the peak below is prepare's and finish's own.
    std::fs::write("/proc/self/clear_refs", "5").map_err(|e| format!("clear_refs: {e}"))?;
    let before = proc_kb("VmRSS:").ok_or("no /proc/self/status")?;
    let start = std::time::Instant::now();
    let prepared = prepare(
        &pdf,
        &SignOptions::new(Profile::Moj, mynacard_core::UnixTime(1_780_272_000)),
    )
    .map_err(|e| e.to_string())?;
    let digest = prepared
        .digest(&pdf, mynacard_core::KeyAlgorithm::Rsa { bits: 2048 })
        .map_err(|e| e.to_string())?;
    // A CMS-sized stand-in (the card's part is timed elsewhere): a DER SEQUENCE of 2400 bytes.
    let mut cms = vec![0x30, 0x82, 0x09, 0x5C];
    cms.resize(2400, 0xAB);
    // The update to append (a server writes it after the original it already has on disk).
    let update = prepared.finish(&cms).map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let peak = proc_kb("VmHWM:").ok_or("no /proc/self/status")?;
    let above_mb = peak.saturating_sub(before) as f64 / 1024.0;
    if update.is_empty() || digest.len() != 32 {
        return Err("no update".into());
    }
    println!(
        "pdf: {} MB input, prepare + finish {:.3} s (target ≤ 1 s), peak memory {:.1} MB above the input (target ≤ 32 MB)",
        pdf.len() / (1024 * 1024),
        seconds,
        above_mb
    );
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let json = serde_json::json!({
        "input_bytes": pdf.len(),
        "prepare_finish_seconds": seconds,
        "peak_mb_above_input": above_mb,
        "targets": { "seconds": 1.0, "mb": 32.0 },
    });
    std::fs::write(out.join("pdf.json"), json.to_string()).map_err(|e| e.to_string())
}
