//! `mynacard face-check`: the 対面確認 result written for staff (images and check.json) and
//! printed, the verdict with each check named.

use std::path::Path;

use mynacard_core::Error;
use mynacard_core::card::{Authenticity, Check, InPersonCheck};
use mynacard_core::error::{CardError, VerifyError};

use crate::error::{Action, CliError};

fn check_json(c: &Check) -> serde_json::Value {
    match c {
        Check::Passed => serde_json::json!({ "result": "passed" }),
        Check::Failed { code } => serde_json::json!({ "result": "failed", "code": code }),
        Check::NotChecked { reason } => {
            serde_json::json!({ "result": "not_checked", "reason": reason })
        }
    }
}

/// check.json: the verdict and the face's text fields (images are files beside it).
pub fn json(check: &InPersonCheck) -> serde_json::Value {
    let f = &check.face;
    let a = &check.authenticity;
    serde_json::json!({
        "genuine": a.genuine(),
        "checks": {
            "face_signature": check_json(&a.face_signature),
            "key_record": check_json(&a.key_record),
            "challenge_answer": check_json(&a.challenge_answer),
        },
        "issuer_key_id": check.issuer_key_id,
        "birth_date": f.birth_date.map(|d| d.to_string()),
        "sex": f.sex.map(|s| s.code().to_string()),
        "expiry": f.expiry.map(|d| d.to_string()),
        "challenge": crate::hex(&check.challenge),
        "photo": "photo.png",
        "images": ["face.jp2", "name.png", "address.png", "security-code.png"],
    })
}

/// Writes the images (the photo decoded to PNG too) and check.json into `out`.
pub fn write(out: &Path, check: &InPersonCheck) -> Result<(), CliError> {
    std::fs::create_dir_all(out).map_err(CliError::io(Action::Create, out))?;
    let f = &check.face;
    let photo = mynacard_core::photo::jpeg2000_to_png(&f.face_image)?;
    let body = serde_json::to_string_pretty(&json(check)).unwrap_or_default();
    for (name, bytes) in [
        ("photo.png", &photo.png[..]),
        ("face.jp2", &f.face_image[..]),
        ("name.png", &f.name_image[..]),
        ("address.png", &f.address_image[..]),
        ("security-code.png", &f.security_code_image[..]),
        ("check.json", body.as_bytes()),
    ] {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(CliError::io(Action::Write, &path))?;
    }
    println!("対面確認 written to {}", out.display());
    Ok(())
}

fn line(ja: &str, en: &str, c: &Check) {
    let (mark, detail) = match c {
        Check::Passed => ("OK  ", String::new()),
        Check::Failed { code } => ("NG  ", format!(" ({code})")),
        Check::NotChecked { reason } => ("--  ", format!(" (not checked: {reason})")),
    };
    println!("{mark}{ja} / {en}{detail}");
}

/// The verdict, one line per check.
pub fn print(check: &InPersonCheck) {
    let a = &check.authenticity;
    line("券面事項の署名", "face data signature", &a.face_signature);
    line("鍵記録 (EF 0004)", "key record", &a.key_record);
    line(
        "チャレンジへの応答",
        "challenge answer",
        &a.challenge_answer,
    );
    if a.genuine() {
        println!("判定: 真正なカード / verdict: genuine card");
    } else {
        println!("判定: 真正性を確認できません / verdict: NOT shown genuine");
    }
}

/// Exit status: success only when every check passed; the first failed check's error
/// otherwise; a key record not checked (no issuer key) is the typed `KEY_RECORD_UNTRUSTED`.
pub fn outcome(a: &Authenticity) -> Result<(), CliError> {
    for c in [&a.face_signature, &a.key_record, &a.challenge_answer] {
        match c {
            Check::Passed => {}
            Check::Failed { code } => return Err(error_of(code).into()),
            Check::NotChecked { .. } => {
                return Err(Error::Verify(VerifyError::KeyRecordUntrusted).into());
            }
        }
    }
    Ok(())
}

fn error_of(code: &str) -> Error {
    match code {
        "KEY_RECORD_UNTRUSTED" => Error::Verify(VerifyError::KeyRecordUntrusted),
        "CARD_NOT_GENUINE" => Error::Verify(VerifyError::CardNotGenuine),
        _ => Error::Card(CardError::IntegrityMismatch {
            what: "券面事項 (DF28)",
        }),
    }
}
