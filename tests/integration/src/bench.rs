//! The operations the benchmark measures, over any transport: APDUs, bytes each way and
//! wall time per operation, from the session's own counters.

use std::time::{Duration, Instant};

use mynacard_core::card::SurfaceKey;
use mynacard_core::{
    AssistPin, AuthPin, CardNumberA, CardNumberB, Error, MynaCard, SignInput, SignPin, Transport,
};
use mynacard_virtual_card::Persona;
use serde::Serialize;

/// One measured operation.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub link: String,
    pub operation: &'static str,
    pub apdus: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
    pub iterations: usize,
    pub median_ms: f64,
    pub min_ms: f64,
}

/// The operations, in the order a portal would use them. Each gets a fresh session.
pub const OPERATIONS: [&str; 10] = [
    "connect (token check)",
    "read 利用者証明用 certificate",
    "authenticate (sign challenge, auth PIN)",
    "read 署名用 certificate (sign PIN)",
    "sign document (sign PIN)",
    "read 基本4情報 (assist PIN)",
    "read 個人番号 (assist PIN)",
    "remaining tries (8 PINs)",
    "read card face (照合番号A)",
    "内部認証 (券面事項確認AP, birth-date PIN)",
];

async fn one<T: Transport>(card: &mut MynaCard<T>, op: usize, p: &Persona) -> Result<(), Error> {
    match op {
        0 => Ok(()),
        1 => card.read_auth_certificate().await.map(drop),
        2 => card
            .authenticate(&AuthPin::new(&p.auth_pin)?, SignInput::data(&[0x42; 32]))
            .await
            .map(drop),
        3 => card
            .read_sign_certificate(&SignPin::new(&p.sign_pin)?)
            .await
            .map(drop),
        4 => card
            .sign(&SignPin::new(&p.sign_pin)?, SignInput::data(b"document"))
            .await
            .map(drop),
        5 => card
            .read_four_info(&AssistPin::new(&p.assist_pin)?)
            .await
            .map(drop),
        6 => card
            .read_my_number(&AssistPin::new(&p.assist_pin)?)
            .await
            .map(drop),
        7 => card.all_pin_states().await.map(drop),
        8 => card
            .read_face(SurfaceKey::A(&CardNumberA::new(&p.card_number_a())?))
            .await
            .map(drop),
        9 => card
            .internal_authentication(
                &mynacard_core::BirthDatePin::new(&p.birth_era_yymmdd())?,
                None,
            )
            .await
            .map(drop),
        _ => {
            let _ = CardNumberB::new(&p.card_number_b())?;
            Ok(())
        }
    }
}

/// Measures every operation `iterations` times; `open` gives a fresh transport to the card.
pub fn measure<T: Transport>(
    link: &str,
    persona: &Persona,
    iterations: usize,
    mut open: impl FnMut() -> T,
) -> Result<Vec<Row>, Error> {
    let mut rows = Vec::new();
    for (op, name) in OPERATIONS.iter().enumerate() {
        let mut times = Vec::with_capacity(iterations);
        let mut counts = (0, 0, 0);
        for _ in 0..iterations {
            let transport = open();
            let started = Instant::now();
            let (elapsed, stats) = pollster::block_on(async {
                let mut card = MynaCard::connect(transport).await?;
                // "connect" is measured from nothing; the others from an open session.
                let (base, t0) = if op == 0 {
                    (Default::default(), started)
                } else {
                    (card.stats(), Instant::now())
                };
                one(&mut card, op, persona).await?;
                let s = card.stats();
                Ok::<_, Error>((
                    t0.elapsed(),
                    (
                        s.apdus - base.apdus,
                        s.bytes_sent - base.bytes_sent,
                        s.bytes_received - base.bytes_received,
                    ),
                ))
            })?;
            times.push(elapsed);
            counts = stats;
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        rows.push(Row {
            link: link.to_string(),
            operation: name,
            apdus: counts.0,
            bytes_sent: counts.1,
            bytes_received: counts.2,
            iterations,
            median_ms: ms(times[times.len() / 2]),
            min_ms: ms(times[0]),
        });
    }
    Ok(rows)
}

/// APDUs of one operation on one persona: what the session's counter saw, and how it ended
/// (`ok`, or the SDK's error code, e.g. `PIN_LOCKED` on `locked`).
#[derive(Clone, Debug, Serialize)]
pub struct PersonaCell {
    pub persona: String,
    pub operation: &'static str,
    /// None when connect itself refused the card (`WRONG_CARD`).
    pub apdus: Option<usize>,
    pub outcome: String,
}

/// APDUs per operation per built-in persona of the virtual card, in process on an extended
/// link, each operation (and `connect`, counted from nothing) on a fresh session. Counts only:
/// no time is measured here.
pub fn persona_matrix() -> Vec<PersonaCell> {
    use mynacard_virtual_card::{VirtualCard, VirtualTransport};
    let mut cells = Vec::new();
    for p in Persona::all() {
        for (op, name) in OPERATIONS.iter().enumerate() {
            let transport = VirtualTransport::new(VirtualCard::new(p.clone()));
            let (apdus, outcome) = pollster::block_on(async {
                let mut card = match MynaCard::connect(transport).await {
                    Ok(card) => card,
                    Err(e) => return (None, e.code().to_string()),
                };
                let base = if op == 0 { 0 } else { card.stats().apdus };
                let outcome = match one(&mut card, op, &p).await {
                    Ok(()) => "ok".to_string(),
                    Err(e) => e.code().to_string(),
                };
                (Some(card.stats().apdus - base), outcome)
            });
            cells.push(PersonaCell {
                persona: p.id.clone(),
                operation: name,
                apdus,
                outcome,
            });
        }
    }
    cells
}

/// [`persona_matrix`] as a Markdown table: personas down, operations across; a cell is the
/// APDU count, with the error code when the operation failed as documented.
pub fn persona_markdown(cells: &[PersonaCell]) -> String {
    let mut out = String::from(
        "\n## APDUs per operation per persona (in process, extended link, fresh session each)\n\n| persona |",
    );
    for op in OPERATIONS {
        out.push_str(&format!(" {op} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(OPERATIONS.len()));
    out.push('\n');
    let mut personas: Vec<&str> = cells.iter().map(|c| c.persona.as_str()).collect();
    personas.dedup();
    for id in personas {
        out.push_str(&format!("| {id} |"));
        for c in cells.iter().filter(|c| c.persona == id) {
            let cell = match (c.apdus, c.outcome.as_str()) {
                (None, code) => code.to_string(),
                (Some(n), "ok") => n.to_string(),
                (Some(n), code) => format!("{n} ({code})"),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

/// APDUs a peer needs for a certificate of `len` bytes: SELECT EF, a 7-byte header read,
/// then 256-byte chunks (jpki/myna, siketyan/jpki-rs).
pub fn peer_certificate_apdus(len: usize) -> usize {
    2 + (len - 7).div_ceil(256)
}

/// The report as Markdown.
pub fn markdown(rows: &[Row], notes: &[String]) -> String {
    let mut out = String::from("# mynacard benchmark\n\n");
    for n in notes {
        out.push_str(&format!("- {n}\n"));
    }
    out.push_str("\n| link | operation | APDUs | bytes sent | bytes received | median ms | min ms | runs |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {} |\n",
            r.link,
            r.operation,
            r.apdus,
            r.bytes_sent,
            r.bytes_received,
            r.median_ms,
            r.min_ms,
            r.iterations
        ));
    }
    out
}

/// A CRL of the test 利用者証明用 CA listing `n` serial numbers (plus the `revoked` persona),
/// signed with the CA key: to measure parsing and lookups at JPKI scale.
pub fn big_crl(n: usize) -> Vec<u8> {
    use der::Encode;
    use rsa::pkcs1v15::Pkcs1v15Sign;
    use sha2::{Digest, Sha256};
    use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
    use x509_cert::ext::pkix::crl::CrlReason;
    use x509_cert::ext::{Extension, ToExtension};
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::time::Time;
    use x509_cert::{Certificate, der::Decode};

    let ca = Certificate::from_der(mynacard_virtual_card::pki::auth_ca_der()).expect("test CA");
    let key = mynacard_virtual_card::pki::auth_ca_key();
    let time = |secs: u64| {
        Time::UtcTime(
            der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(secs)).unwrap(),
        )
    };
    let reason = |r: CrlReason| -> Extension {
        r.to_extension(ca.tbs_certificate().subject(), &[])
            .expect("reason extension")
    };
    let revoked_persona = Certificate::from_der(
        mynacard_virtual_card::pki::persona("revoked")
            .unwrap()
            .auth_cert,
    )
    .unwrap();
    let mut entries: Vec<RevokedCert> = (0..n as u64)
        .map(|i| RevokedCert {
            // Serials shaped like JPKI's: 20 bytes.
            serial_number: {
                let mut serial = Sha256::digest(i.to_be_bytes())[..20].to_vec();
                serial[0] = (serial[0] & 0x7F) | 0x01; // positive, 20 bytes, no leading zero
                SerialNumber::new(&serial).unwrap()
            },
            revocation_date: time(1_750_000_000 + i),
            crl_entry_extensions: Some(vec![reason(if i % 3 == 0 {
                CrlReason::AffiliationChanged
            } else {
                CrlReason::KeyCompromise
            })]),
        })
        .collect();
    entries.push(RevokedCert {
        serial_number: revoked_persona.tbs_certificate().serial_number().clone(),
        revocation_date: time(1_750_000_000),
        crl_entry_extensions: Some(vec![reason(CrlReason::KeyCompromise)]),
    });
    let alg = ca.signature_algorithm().clone();
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: alg.clone(),
        issuer: ca.tbs_certificate().subject().clone(),
        this_update: time(1_748_736_000),
        next_update: Some(time(2_395_000_000)),
        revoked_certificates: Some(entries),
        crl_extensions: None,
    };
    let tbs_der = tbs.to_der().unwrap();
    let signature = key
        .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&tbs_der))
        .unwrap();
    CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: alg,
        signature: der::asn1::BitString::from_bytes(&signature).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// A class of reader in the latency model: the round trip of one short APDU (card work
/// included only as far as the cited measurement includes it), and what each further 256 bytes
/// of response add (chained ISO-DEP blocks on air, USB for host-side chaining). Sources and the
/// derivations: docs/latency.md.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ReaderClass {
    pub name: &'static str,
    pub apdu_ms: f64,
    pub per_256_bytes_ms: f64,
    pub basis: &'static str,
}

pub const READER_CLASSES: [ReaderClass; 6] = [
    ReaderClass {
        name: "Sony RC-S380 (USB Port-100, host ISO-DEP)",
        apdu_ms: 9.0,
        per_256_bytes_ms: 32.0,
        basis: "derived: 4 Port-100 commands × 3 bulk transfers at 1 ms USB frames + 106 kbps air time",
    },
    ReaderClass {
        name: "Sony RC-S300 (CCID, APDU level)",
        apdu_ms: 4.0,
        per_256_bytes_ms: 26.0,
        basis: "derived: 2 bulk transfers + 106 kbps air time (lower bound)",
    },
    ReaderClass {
        name: "CCID contactless, APDU level (PC/SC)",
        apdu_ms: 10.0,
        per_256_bytes_ms: 26.0,
        basis: "measured 5–16 ms per short APDU in pcscd logs",
    },
    ReaderClass {
        name: "CCID contact (T=0/T=1, PC/SC)",
        apdu_ms: 40.0,
        per_256_bytes_ms: 22.0,
        basis: "measured 24–60 ms per short APDU (pcscd, GlobalPlatformPro logs)",
    },
    ReaderClass {
        name: "iPhone (CoreNFC sendCommand)",
        apdu_ms: 15.0,
        per_256_bytes_ms: 26.0,
        basis: "measured 13–16 ms per short APDU (iPhone 14, iOS 16.2)",
    },
    ReaderClass {
        name: "Android (IsoDep.transceive)",
        apdu_ms: 18.0,
        per_256_bytes_ms: 26.0,
        basis: "measured 17–19 ms per short APDU (logcat)",
    },
];

/// The card's own RSA-2048 signature time: no public figure for the My Number Card; a middle
/// value of published smart-card RSA-2048 timings (53–900 ms), to be replaced by a measurement.
pub const CARD_RSA_MS: f64 = 300.0;

/// Predicted seconds per operation and reader class, from the APDUs and response bytes the
/// in-process extended-APDU run counted.
pub fn latency_model(rows: &[Row]) -> Vec<(String, &'static str, f64)> {
    let mut out = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.link == "in-process, extended APDUs")
    {
        let extra_blocks = r.bytes_received.div_ceil(256).saturating_sub(r.apdus) as f64;
        // The 内部認証 is a signature by the 券面事項確認AP's card key (`80 2A 00 00`).
        let signs = usize::from(
            r.operation.starts_with("authenticate")
                || r.operation.starts_with("sign")
                || r.operation.starts_with("内部認証"),
        ) as f64;
        for class in READER_CLASSES {
            let ms = r.apdus as f64 * class.apdu_ms
                + extra_blocks * class.per_256_bytes_ms
                + signs * CARD_RSA_MS;
            out.push((r.operation.to_string(), class.name, ms / 1000.0));
        }
    }
    out
}

/// The latency model as a Markdown table: one row per operation, one column per reader class.
pub fn latency_markdown(rows: &[Row]) -> String {
    let model = latency_model(rows);
    let mut md = String::from("\n## Latency model (predicted seconds; docs/latency.md)\n\n");
    md.push_str(&format!(
        "APDUs × per-APDU round trip + extra 256-byte response blocks + {CARD_RSA_MS:.0} ms of card RSA per signature (assumed).\n\n| operation | APDUs |"
    ));
    for c in READER_CLASSES {
        md.push_str(&format!(" {} ({:.0} ms/APDU) |", c.name, c.apdu_ms));
    }
    md.push_str("\n|---|---:|");
    md.push_str(&"---:|".repeat(READER_CLASSES.len()));
    md.push('\n');
    for r in rows
        .iter()
        .filter(|r| r.link == "in-process, extended APDUs")
    {
        md.push_str(&format!("| {} | {} |", r.operation, r.apdus));
        for (op, _, s) in model.iter().filter(|(op, _, _)| op == r.operation) {
            let _ = op;
            md.push_str(&format!(" {s:.2} |"));
        }
        md.push('\n');
    }
    md
}
