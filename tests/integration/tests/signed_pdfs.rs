//! Signed PDFs (issue 16): the virtual card's 署名用 key signs PDFs through the core's
//! prepare / card / finish steps; the SDK's own verifier and three independent programs check
//! them: poppler's `pdfsig`, `qpdf --check` and pyHanko (`pyhanko sign validate` with the test
//! 署名用 CA as its only trust root). pyHanko also signs with a software key of the test PKI,
//! and the SDK verifies that. Every program runs under a deadline (`tests/harness`).
//!
//! The validators come from `scripts/setup.sh` (Debian poppler-utils and qpdf; pyHanko pinned in
//! `tests/integration/pdf-requirements.txt`, venv `target/pyhanko`). A missing one fails the
//! test with what to run: a validator that silently did not run would be a test that cannot fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use harness::{Output, run};
use mynacard_core::pdf::{self, PdfSignature, Profile, SignOptions};
use mynacard_core::verify::RelyingParty;
use mynacard_core::{MynaCard, SignPin, UnixTime};
use mynacard_virtual_card::{VirtualCard, VirtualTransport, pki};
use pollster::block_on;

const NOW: UnixTime = UnixTime(1_780_272_000);
const DEADLINE: Duration = Duration::from_secs(120);

/// A one-page PDF with a classic cross-reference table, offsets computed as written.
fn make_pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn sign(
    persona: &str,
    pin: &str,
    original: &[u8],
    profile: Profile,
) -> Result<Vec<u8>, mynacard_core::Error> {
    let mut card = block_on(MynaCard::connect(VirtualTransport::new(
        VirtualCard::builtin(persona).unwrap(),
    )))
    .unwrap();
    let before = card.transport().card().count_ins(0x20);
    let mut options = SignOptions::new(profile, NOW);
    options.reason = Some("申請書の提出".to_string());
    let out = block_on(pdf::sign_pdf(
        &mut card,
        &SignPin::new(pin).unwrap(),
        original,
        &options,
    ));
    if out.is_ok() {
        // One tries query and one VERIFY: never a retry.
        assert_eq!(card.transport().card().count_ins(0x20) - before, 2);
    }
    out
}

fn party() -> RelyingParty {
    RelyingParty::from_der(
        &[pki::sign_ca_der(), pki::p384_sign_ca_der()],
        &[pki::sign_ca_crl_der(), pki::p384_sign_ca_crl_der()],
        NOW,
    )
    .unwrap()
}

fn verify(bytes: &[u8]) -> Result<Vec<PdfSignature>, mynacard_core::Error> {
    pdf::verify_pdf(bytes, &party(), NOW)
}

fn workdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("signed_pdfs")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tool(name: &str) -> PathBuf {
    if name == "pyhanko" {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyhanko/bin/pyhanko");
        assert!(
            p.exists(),
            "pyHanko missing at {}: run scripts/setup.sh",
            p.display()
        );
        return p;
    }
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.exists());
    found.unwrap_or_else(|| panic!("{name} missing: run scripts/setup.sh (poppler-utils, qpdf)"))
}

fn exec(cmd: &mut Command) -> Output {
    run(cmd, None, DEADLINE).unwrap_or_else(|f| panic!("{}", f.message()))
}

fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

/// `pdfsig` (poppler, NSS): every signature's integrity; the certificate check is pyHanko's
/// (poppler would want an NSS database with the test CA).
fn pdfsig(path: &Path, signatures: usize) -> Output {
    let out = exec(Command::new(tool("pdfsig")).arg("-nocert").arg(path));
    let text = out.text();
    assert_eq!(
        text.matches("Signature Validation: Signature is Valid.")
            .count(),
        signatures,
        "pdfsig:\n{text}"
    );
    assert!(out.success(), "pdfsig:\n{text}");
    out
}

fn qpdf_check(path: &Path) {
    let out = exec(Command::new(tool("qpdf")).arg("--check").arg(path));
    assert!(out.success(), "qpdf --check:\n{}", out.text());
    assert!(
        out.text().contains("No syntax or stream encoding errors"),
        "{}",
        out.text()
    );
}

/// `pyhanko sign validate` with the test 署名用 CA (RSA or P-384) as the only trust root, at
/// the tests' fixed time (the test certificates' validity): every signature of the file, each
/// with its incremental-update analysis. Revocation is the SDK's part (CRLs of the test PKI
/// are not online); pyHanko checks integrity, the chain and the PDF structure.
fn pyhanko_validate(dir: &Path, path: &Path, ca_der: &[u8], signatures: usize) -> Output {
    let ca = dir.join("trust-ca.pem");
    std::fs::write(&ca, pem("CERTIFICATE", ca_der)).unwrap();
    let out = exec(
        Command::new(tool("pyhanko"))
            .args(["sign", "validate", "--no-revocation-check", "--trust"])
            .arg(&ca)
            .arg("--trust-replace")
            .args([
                "--validation-time",
                "2026-06-01T00:00:00+00:00",
                "--pretty-print",
            ])
            .arg(path),
    );
    let text = out.text();
    assert!(out.success(), "pyhanko sign validate:\n{text}");
    assert_eq!(
        text.matches("The signature is judged VALID").count(),
        signatures,
        "pyhanko:\n{text}"
    );
    out
}

#[test]
fn moj_profile_single_signature_is_accepted_by_the_sdk_and_three_validators() {
    let dir = workdir("moj_single");
    let original = make_pdf("Juminhyo request");
    let signed = sign("taro", "TARO2025", &original, Profile::Moj).unwrap();
    assert_eq!(
        &signed[..original.len()],
        original.as_slice(),
        "the original is a prefix"
    );
    let sigs = verify(&signed).unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0].sub_filter, "adbe.pkcs7.detached");
    assert_eq!(sigs[0].appended_after, 0);
    assert_eq!(sigs[0].document.signing_time, Some(NOW));
    let text = String::from_utf8_lossy(&signed);
    assert!(text.contains("/Filter /Adobe.PPKLite"), "{text}");
    assert!(
        !text.contains("/DocMDP") && !text.contains("/Perms"),
        "no DocMDP unless asked"
    );

    let path = dir.join("signed.pdf");
    std::fs::write(&path, &signed).unwrap();
    pdfsig(&path, 1);
    qpdf_check(&path);
    pyhanko_validate(&dir, &path, pki::sign_ca_der(), 1);
}

#[test]
fn pades_profile_and_co_signing_append_and_validate() {
    let dir = workdir("pades_cosign");
    let original = make_pdf("Hoikusho application");
    let first = sign("taro", "TARO2025", &original, Profile::Pades).unwrap();
    let second = sign("hanako", "HANAKO77", &first, Profile::Moj).unwrap();
    assert_eq!(
        &second[..first.len()],
        first.as_slice(),
        "the first signed file is a prefix"
    );
    let sigs = verify(&second).unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0].sub_filter, "ETSI.CAdES.detached");
    // PAdES B-B: no signingTime attribute (the time is /M).
    assert_eq!(sigs[0].document.signing_time, None);
    assert_eq!(sigs[0].appended_after, second.len() - first.len());
    assert_eq!(sigs[1].field, "Signature2");
    assert_eq!(sigs[1].appended_after, 0);

    let path = dir.join("cosigned.pdf");
    std::fs::write(&path, &second).unwrap();
    pdfsig(&path, 2);
    qpdf_check(&path);
    pyhanko_validate(&dir, &path, pki::sign_ca_der(), 2);
}

#[test]
fn a_file_with_a_cross_reference_stream_gets_a_stream_update() {
    let dir = workdir("xref_stream");
    let classic = dir.join("classic.pdf");
    std::fs::write(&classic, make_pdf("object streams")).unwrap();
    let modern = dir.join("modern.pdf");
    let out = exec(
        Command::new(tool("qpdf"))
            .args(["--object-streams=generate"])
            .arg(&classic)
            .arg(&modern),
    );
    assert!(out.success(), "{}", out.text());
    let original = std::fs::read(&modern).unwrap();
    let signed = sign("taro", "TARO2025", &original, Profile::Pades).unwrap();
    assert!(signed.starts_with(&original));
    assert!(String::from_utf8_lossy(&signed[original.len()..]).contains("/Type /XRef"));
    assert_eq!(verify(&signed).unwrap().len(), 1);
    let path = dir.join("signed.pdf");
    std::fs::write(&path, &signed).unwrap();
    pdfsig(&path, 1);
    qpdf_check(&path);
    pyhanko_validate(&dir, &path, pki::sign_ca_der(), 1);
}

#[test]
fn p384_keys_are_refused_by_moj_and_signed_by_pades() {
    let dir = workdir("p384");
    let original = make_pdf("next generation");
    let e = sign("p384", "P384SIGN2028", &original, Profile::Moj).unwrap_err();
    assert_eq!(e.code(), "PDF_KEY_FORBIDDEN", "{e:?}");
    let signed = sign("p384", "P384SIGN2028", &original, Profile::Pades).unwrap();
    assert_eq!(verify(&signed).unwrap().len(), 1);
    let path = dir.join("signed.pdf");
    std::fs::write(&path, &signed).unwrap();
    pdfsig(&path, 1);
    pyhanko_validate(&dir, &path, pki::p384_sign_ca_der(), 1);
}

#[test]
fn a_flipped_byte_is_refused_by_the_sdk_and_by_pdfsig() {
    let dir = workdir("flipped");
    let original = make_pdf("do not change me");
    let signed = sign("taro", "TARO2025", &original, Profile::Moj).unwrap();
    let br = verify(&signed).unwrap()[0].byte_range;
    // In the page text, in the signature dictionary before /Contents, in the CMS, in the zero
    // padding of /Contents, and in the trailer after it.
    let text_at = original.windows(6).position(|w| w == b"change").unwrap();
    let sig_dict_at = br[1] - 20;
    // In the CMS: inside the signature value, its last 256 bytes (the DER length is in the
    // header `30 82 LL LL`). A byte of the embedded certificate is not covered by the
    // signature itself; the SDK refuses it through signingCertificateV2, pdfsig -nocert not.
    let hex = |at: usize| {
        u8::from_str_radix(std::str::from_utf8(&signed[at..at + 2]).unwrap(), 16).unwrap()
    };
    let der_len = 4 + ((usize::from(hex(br[1] + 5)) << 8) | usize::from(hex(br[1] + 7)));
    let cms_at = br[1] + 1 + 2 * (der_len - 100);
    let cert_at = br[1] + 1 + 2 * 200;
    let padding_at = br[2] - 10;
    let trailer_at = signed.len() - 30;
    for (what, at) in [
        ("page text", text_at),
        ("signature dictionary", sig_dict_at),
        ("CMS", cms_at),
        ("certificate in the CMS", cert_at),
        ("padding", padding_at),
        ("trailer", trailer_at),
    ] {
        let mut bad = signed.clone();
        bad[at] = if bad[at] == b'1' {
            b'2'
        } else if bad[at].is_ascii_hexdigit() {
            b'1'
        } else {
            bad[at] ^ 0x01
        };
        let e = verify(&bad).expect_err(what);
        assert!(
            ["SIGNATURE_INVALID", "PDF_MALFORMED", "PDF_NOT_SIGNED"].contains(&e.code()),
            "{what}: {e:?}"
        );
        if what == "page text" || what == "CMS" {
            let path = dir.join(format!("{}.pdf", what.replace(' ', "_")));
            std::fs::write(&path, &bad).unwrap();
            let out = exec(Command::new(tool("pdfsig")).arg("-nocert").arg(&path));
            assert!(
                !out.text().contains("Signature is Valid."),
                "pdfsig accepted a changed {what}:\n{}",
                out.text()
            );
        }
    }
    // Bytes appended after the signature: reported, not hidden.
    let mut appended = signed.clone();
    appended.extend_from_slice(b"\n% a later update\n");
    let sigs = verify(&appended).unwrap();
    assert_eq!(sigs[0].appended_after, 18);
}

#[test]
fn a_pyhanko_signature_made_with_a_test_pki_key_is_verified_by_the_sdk() {
    let dir = workdir("pyhanko_signed");
    let taro = pki::persona("taro").unwrap();
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    std::fs::write(&key, pem("PRIVATE KEY", taro.sign_key)).unwrap();
    std::fs::write(&cert, pem("CERTIFICATE", taro.sign_cert)).unwrap();
    let input = dir.join("in.pdf");
    std::fs::write(&input, make_pdf("signed by pyHanko")).unwrap();
    let output = dir.join("out.pdf");
    let out = exec(
        Command::new(tool("pyhanko"))
            .args(["sign", "addsig", "--field", "PyHanko1", "pemder", "--key"])
            .arg(&key)
            .arg("--cert")
            .arg(&cert)
            .arg("--no-pass")
            .arg(&input)
            .arg(&output),
    );
    assert!(out.success(), "pyhanko sign addsig:\n{}", out.text());
    let signed = std::fs::read(&output).unwrap();
    let sigs = verify(&signed).unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0].field, "PyHanko1");
    assert_eq!(sigs[0].appended_after, 0);
    // The SDK co-signs pyHanko's file; pyHanko accepts both.
    let both = sign("hanako", "HANAKO77", &signed, Profile::Pades).unwrap();
    assert_eq!(verify(&both).unwrap().len(), 2);
    let path = dir.join("both.pdf");
    std::fs::write(&path, &both).unwrap();
    pdfsig(&path, 2);
    pyhanko_validate(&dir, &path, pki::sign_ca_der(), 2);
}

#[test]
fn encrypted_truncated_and_broken_files_are_typed_errors() {
    let dir = workdir("bad_input");
    let plain = dir.join("plain.pdf");
    std::fs::write(&plain, make_pdf("secret")).unwrap();
    let encrypted = dir.join("encrypted.pdf");
    let out = exec(
        Command::new(tool("qpdf"))
            .args(["--encrypt", "", "owner", "256", "--"])
            .arg(&plain)
            .arg(&encrypted),
    );
    assert!(out.success(), "{}", out.text());
    let options = SignOptions::new(Profile::Moj, NOW);
    let e = pdf::prepare(&std::fs::read(&encrypted).unwrap(), &options).unwrap_err();
    assert_eq!(e.code(), "PDF_ENCRYPTED", "{e:?}");

    let original = make_pdf("cut short");
    for cut in [0, 10, original.len() / 2, original.len() - 8] {
        let e = pdf::prepare(&original[..cut], &options).unwrap_err();
        assert_eq!(e.code(), "PDF_MALFORMED", "cut at {cut}: {e:?}");
    }
    let e = verify(&original).unwrap_err();
    assert_eq!(e.code(), "PDF_NOT_SIGNED");
    // A PIN of the wrong shape costs nothing: refused before a card is even needed.
    assert_eq!(SignPin::new("12").unwrap_err().code(), "PIN_FORMAT");
    // The CMS must fit the room reserved.
    let mut small = SignOptions::new(Profile::Moj, NOW);
    small.contents_capacity = 64;
    let mut card = block_on(MynaCard::connect(VirtualTransport::new(
        VirtualCard::builtin("taro").unwrap(),
    )))
    .unwrap();
    let e = block_on(pdf::sign_pdf(
        &mut card,
        &SignPin::new("TARO2025").unwrap(),
        &original,
        &small,
    ))
    .unwrap_err();
    assert_eq!(e.code(), "PDF_CONTENTS_TOO_SMALL", "{e:?}");
}

#[test]
fn a_wrong_then_locked_sign_pin_signs_nothing_and_is_never_retried() {
    let original = make_pdf("locked");
    let options = SignOptions::new(Profile::Moj, NOW);
    // `locked` has one 署名用 try left.
    let mut card = block_on(MynaCard::connect(VirtualTransport::new(
        VirtualCard::builtin("locked").unwrap(),
    )))
    .unwrap();
    let wrong = SignPin::new("WRONG123").unwrap();
    let e = block_on(pdf::sign_pdf(&mut card, &wrong, &original, &options)).unwrap_err();
    assert_eq!(e.code(), "PIN_INCORRECT", "{e:?}");
    assert_eq!(e.remaining_tries(), Some(0));
    let verifies = card.transport().card().count_ins(0x20);
    let right = SignPin::new("LOCKED01").unwrap();
    let e = block_on(pdf::sign_pdf(&mut card, &right, &original, &options)).unwrap_err();
    assert_eq!(e.code(), "PIN_LOCKED", "{e:?}");
    // Only the tries query (VERIFY without data): no VERIFY with the PIN, no signature.
    assert_eq!(card.transport().card().count_ins(0x20) - verifies, 1);
    assert_eq!(card.transport().card().count_ins(0x2A), 0);
}

/// A PDF of the given object bodies (1-based ids) with a classic table; `trailer_extra` goes
/// into the trailer (`{x}` is replaced by the table's offset).
fn pdf_of(objects: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    let extra = trailer_extra.replace("{x}", &xref.to_string());
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn deep_and_cyclic_object_graphs_end_in_typed_errors() {
    let options = SignOptions::new(Profile::Moj, NOW);
    // 100 000 nested arrays.
    let deep = [b"[".repeat(100_000), b"]".repeat(100_000)].concat();
    let file = pdf_of(
        &[
            b"<< /Type /Catalog /Pages 2 0 R /X 4 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_vec(),
            deep,
        ],
        "",
    );
    assert_eq!(verify(&file).unwrap_err().code(), "PDF_NOT_SIGNED");
    // A page tree whose node is its own kid, a /Prev pointing at its own section, and a
    // signature field that is its own kid and its own value.
    let file = pdf_of(
        &[
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>".to_vec(),
            b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R >>".to_vec(),
            b"<< /FT /Sig /Kids [4 0 R] /V 4 0 R >>".to_vec(),
        ],
        "/Prev {x}",
    );
    let started = std::time::Instant::now();
    assert_eq!(verify(&file).unwrap_err().code(), "SIGNATURE_INVALID");
    assert_eq!(
        pdf::prepare(&file, &options).unwrap_err().code(),
        "PDF_MALFORMED"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_steps_split_across_devices_make_the_same_valid_signature() {
    // The server prepares; the phone (another card session) reads the certificate and signs a
    // digest, as a face without the PDF code would; the server finishes.
    let dir = workdir("split");
    let original = make_pdf("split steps");
    let prepared = pdf::prepare(&original, &SignOptions::new(Profile::Pades, NOW)).unwrap();
    let pin = SignPin::new("TARO2025").unwrap();
    let mut phone = block_on(MynaCard::connect(VirtualTransport::new(
        VirtualCard::builtin("taro").unwrap(),
    )))
    .unwrap();
    let cert = block_on(phone.read_sign_certificate(&pin)).unwrap();
    let attrs = prepared.signed_attributes(&original, &cert).unwrap();
    let (algorithm, digest) = attrs.signed_attributes_digest().unwrap();
    let signature = block_on(
        phone.sign_with_sign_key(&pin, mynacard_core::SignInput::digest(algorithm, &digest)),
    )
    .unwrap();
    let cms = attrs.finish(&[], true, &cert, &signature).unwrap();
    // The wrong original is refused, the right one gives original ‖ update.
    assert_eq!(
        prepared
            .digest(b"other", cert.key_algorithm())
            .unwrap_err()
            .code(),
        "INVALID_ARGUMENT"
    );
    let update_len = prepared.update().len();
    let signed = prepared.finish_file(&original, &cms).unwrap();
    assert_eq!(signed.len(), original.len() + update_len);
    assert_eq!(verify(&signed).unwrap().len(), 1);
    let path = dir.join("signed.pdf");
    std::fs::write(&path, &signed).unwrap();
    pdfsig(&path, 1);
}
