//! Issue 20: the 券面事項確認AP records as a real card holds them, checked by the SDK's own
//! parsers and verifiers. The files are soltia48/myna-card 3.3.4's fixtures, read from a JPKI
//! test card (its `tests/fixtures/README.md`: EF 0001 opened with the birth-date key `550217`,
//! EF 0002 with 照合番号A, EF 0004 free), taken from the locked dependency's package as cargo
//! unpacked it (not copied into this repository). The key-record issuer for the test hierarchy
//! is myna-card's `ca` table (`6000023`, "recovered from pairs of certificates"). So the
//! signed range of DF13, the key record layout and the issuer check are tested against bytes
//! and a key nobody on this team wrote; and myna-card's own parser reads the virtual card's
//! EF 0001 the same way the SDK does.

use std::path::PathBuf;
use std::process::Command;

use mynacard_core::card::{AgeRecord, KeyRecord, issuer_key_from_object};
use mynacard_virtual_card::{App, VirtualCard};

/// myna-card's package directory, from `cargo metadata` (under a deadline).
fn myna_card_dir() -> PathBuf {
    let out = harness::run(
        Command::new(env!("CARGO")).args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--manifest-path",
            concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
        ]),
        None,
        harness::LONG,
    )
    .expect("cargo metadata");
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let manifest = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "myna-card" && p["version"] == "3.3.4")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("myna-card 3.3.4 is a locked dev-dependency");
    PathBuf::from(manifest)
        .parent()
        .expect("package directory")
        .to_path_buf()
}

fn fixture(dir: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join("tests/fixtures").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `90 e 91 n`, the card's key object form, of a myna-card key.
fn key_object(exponent: &[u8], modulus: &[u8]) -> Vec<u8> {
    let mut out = vec![0x90, exponent.len() as u8];
    out.extend_from_slice(exponent);
    out.extend_from_slice(&[0x91, 0x82]);
    out.extend_from_slice(&(modulus.len() as u16).to_be_bytes());
    out.extend_from_slice(modulus);
    out
}

#[test]
fn a_real_cards_birth_date_record_and_key_record_verify_as_the_sdk_checks_them() {
    let dir = myna_card_dir();
    let age_file = fixture(&dir, "surface-0001.bin");
    let record_file = fixture(&dir, "surface-0004.bin");
    let age = AgeRecord::parse(&age_file).expect("the SDK parses a real EF 0001");
    let record = KeyRecord::parse(&record_file).expect("the SDK parses a real EF 0004");
    assert_eq!(
        KeyRecord::id_text(&record.issuer_key_id).as_deref(),
        Some("6000023/001"),
        "the JPKI test hierarchy's 券面事項確認AP issuer"
    );
    // DF13 over the DF11 DF12 TLVs as written, by the key EF 0004 certifies: the signed range
    // the SDK assumes is the card's.
    age.verify_with(&record)
        .expect("DF13 of a real card verifies under its key record");
    // Any other range fails: DF13 over DF12 only.
    let mut wrong = age.clone();
    wrong.signed_data = wrong.signed_data[12..].to_vec();
    assert_eq!(
        wrong.verify_with(&record).unwrap_err().code(),
        "INTEGRITY_MISMATCH"
    );
    // The key record under the test hierarchy's issuer key (myna-card's table).
    let id = myna_card::data::KeyId::parse(&record.issuer_key_id).unwrap();
    let ca = myna_card::ca::find(&id).expect("6000023 is in myna-card's table");
    let anchor = issuer_key_from_object(&key_object(ca.exponent, ca.modulus)).unwrap();
    record
        .verify_with(&anchor)
        .expect("a real key record verifies under the issuer key");
    // The card key of EF 0001 is the one the face carries (EF 0002 DF24), as myna-card reads it.
    let face = myna_card::ap::surface::CardFace::parse(&fixture(&dir, "surface-0002.bin")).unwrap();
    let theirs = myna_card::ap::surface::AgeRecord::parse(&age_file).unwrap();
    assert_eq!(theirs.public_key, face.public_key);
    assert_eq!(
        key_object(&theirs.public_key.exponent, &theirs.public_key.modulus),
        age.public_key,
        "the same DF12 key object"
    );
    assert_eq!(
        age.birth_date.map(|d| d.to_string()),
        Some(format!(
            "{:04}-{:02}-{:02}",
            theirs.birth_date.year, theirs.birth_date.month, theirs.birth_date.day
        ))
    );
    // The real card's 生年月日 key `550217` (myna-card's README) is 1980-02-17 in 昭和: the
    // SDK's era conversion gives it.
    let pin = mynacard_core::BirthDatePin::from_gregorian(&age.birth_date.unwrap().to_string());
    assert!(pin.is_ok());
}

#[test]
fn myna_card_reads_the_virtual_cards_birth_date_record_as_the_sdk_does() {
    let card = VirtualCard::builtin("taro").unwrap();
    let file = card.file(App::Surface, 0x0001).unwrap();
    assert_eq!(&file[..3], [0xFF, 0x10, 0x82]);
    let len = 5 + usize::from(u16::from_be_bytes([file[3], file[4]]));
    let theirs = myna_card::ap::surface::AgeRecord::parse(&file[..len])
        .expect("myna-card parses the virtual EF 0001");
    let ours = AgeRecord::parse(file).unwrap();
    assert_eq!(ours.signed_data, theirs.signed_data);
    assert_eq!(ours.signature, theirs.signature);
    assert_eq!(
        key_object(&theirs.public_key.exponent, &theirs.public_key.modulus),
        ours.public_key
    );
    assert_eq!(
        (
            theirs.birth_date.year,
            theirs.birth_date.month,
            theirs.birth_date.day
        ),
        (1980, 2, 17)
    );
}
