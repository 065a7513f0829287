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
pub const OPERATIONS: [&str; 9] = [
    "connect (token check)",
    "read 利用者証明用 certificate",
    "authenticate (sign challenge, auth PIN)",
    "read 署名用 certificate (sign PIN)",
    "sign document (sign PIN)",
    "read 基本4情報 (assist PIN)",
    "read 個人番号 (assist PIN)",
    "remaining tries (7 PINs)",
    "read card face (照合番号A)",
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
