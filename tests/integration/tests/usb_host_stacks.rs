//! The emulated USB readers (`tests/virtual-card/src/usb/`) behind host stacks the team did not
//! write, run unchanged (issue 21): nfcpy's RC-S380 driver (`nfc.clf.rcs380`, PyPI `nfcpy`,
//! pinned in `tests/integration/nfcpy/requirements.txt`) with only its USB transport object
//! replaced by one that talks to `mynacard-usb-bridge`.
//!
//! If the emulation answered a frame, ACK, checksum or status differently from a real RC-S380 as
//! nfcpy expects it, nfcpy would fail to open the reader, find no card or get other bytes; the
//! assertions compare what nfcpy read with the persona's own files.
//!
//! Needs the workspace built (`mynacard-usb-bridge` beside the test binary; scripts/test.sh
//! builds first) and python3 with venv; installs nfcpy into `target/nfcpy-venv` (idempotent).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use der::Decode;
use mynacard_virtual_card::{App, VirtualCard};
use serde_json::Value;

const NFCPY_VERSION: &str = "1.0.4";

/// nfcpy opening a real RC-S380 (firmware 1.11), as its USB transport logged it in nfcpy issue
/// #11 ("nfcpy stops sending queries to RC-S380"): ACK, SetCommandType 1, GetFirmwareVersion,
/// GetPDDataVersion, SwitchRF off, each with the reader's ACK and answer.
const REAL_OPENING: [&str; 13] = [
    ">>> 0000ff00ff00",
    ">>> 0000ffffff0300fdd62a01ff00",
    "<<< 0000ff00ff00",
    "<<< 0000ffffff0300fdd72b00fe00",
    ">>> 0000ffffff0200fed6200a00",
    "<<< 0000ff00ff00",
    "<<< 0000ffffff0400fcd7211101f600",
    ">>> 0000ffffff0200fed6220800",
    "<<< 0000ff00ff00",
    "<<< 0000ffffff0400fcd72300010500",
    ">>> 0000ffffff0300fdd606002400",
    "<<< 0000ff00ff00",
    "<<< 0000ffffff0300fdd707002200",
];

/// A real RC-S380's answers to InSetRF and InSetProtocol (marioninc/webusb-felica, from an
/// nfcpy log of the reader).
const REAL_IN_SET_RF_ANSWER: &str = "<<< 0000ffffff0300fdd701002800";
const REAL_IN_SET_PROTOCOL_ANSWER: &str = "<<< 0000ffffff0300fdd703002600";

/// A JSON array of strings the Python side printed (each element must be a string).
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect()
}

/// The USB transcript nfcpy's transport saw, checked against the real reader's: the same
/// opening, the same InSetRF/InSetProtocol answers, and every InCommRF answer shaped as a real
/// one (status 0 then `08` then the frame, or a failure status alone).
fn check_transcript(r: &Value) -> Vec<String> {
    let t: Vec<String> = strings(&r["transcript"]);
    assert_eq!(t[..REAL_OPENING.len()], REAL_OPENING, "{t:#?}");
    // nfcpy's `Frame` reads LEN but checks neither LCS nor DCS (`rcs380.py` l. 66–76): check
    // every frame the emulation sent here.
    for e in t.iter().filter_map(|e| e.strip_prefix("<<< ")) {
        let f = unhex(e);
        if f == [0, 0, 0xFF, 0, 0xFF, 0] {
            continue;
        }
        assert!(f.len() >= 10 && f[..5] == [0, 0, 0xFF, 0xFF, 0xFF], "{e}");
        let len = usize::from(u16::from_le_bytes([f[5], f[6]]));
        assert_eq!(f.len(), 8 + len + 2, "LEN: {e}");
        assert_eq!(f[5].wrapping_add(f[6]).wrapping_add(f[7]), 0, "LCS: {e}");
        let sum = f[8..8 + len + 1]
            .iter()
            .fold(0u8, |a, b| a.wrapping_add(*b));
        assert_eq!(sum, 0, "DCS: {e}");
        assert_eq!(f[8 + len + 1], 0, "postamble: {e}");
    }
    let answer_to = |command: &str| -> Vec<&String> {
        t.windows(3)
            .filter(|w| w[0].starts_with(">>> ") && w[0].get(20..24) == Some(command))
            .map(|w| &w[2])
            .collect()
    };
    let in_set_rf = answer_to("d600");
    assert!(!in_set_rf.is_empty());
    assert!(
        in_set_rf.iter().all(|a| *a == REAL_IN_SET_RF_ANSWER),
        "{in_set_rf:?}"
    );
    let in_set_protocol = answer_to("d602");
    assert!(
        in_set_protocol
            .iter()
            .all(|a| *a == REAL_IN_SET_PROTOCOL_ANSWER)
    );
    for a in answer_to("d604") {
        assert_eq!(a.get(20..24), Some("d705"), "{a}");
        let status = &a[24..32];
        if status == "00000000" {
            assert_eq!(a.get(32..34), Some("08"), "{a}");
        } else {
            // Status bytes, DCS, 00: nothing after the status.
            assert_eq!(a.len(), 4 + 16 + 4 + 8 + 4, "{a}");
        }
    }
    t
}

/// `target/` (the test binary is `target/debug/deps/usb_host_stacks-…`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("nfcpy")
}

/// The bridge binary, built by `cargo build --workspace`.
fn bridge() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("mynacard-usb-bridge");
    assert!(
        bin.exists(),
        "{} missing: build it first (cargo build -p mynacard-virtual-card --bin mynacard-usb-bridge; scripts/test.sh builds the workspace)",
        bin.display()
    );
    bin
}

/// The venv's python with the pinned nfcpy, installed on first use.
fn nfcpy_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = target_dir().join("nfcpy-venv");
        let python = venv.join("bin/python");
        let check = format!("import nfc, sys; sys.exit(nfc.__version__ != {NFCPY_VERSION:?})");
        // nextest runs each test in its own process: one installs, the others wait.
        let _lock = harness::MachineLock::acquire(
            "mynacard-nfcpy-venv",
            "installing nfcpy into target/nfcpy-venv",
            harness::LONG,
        )
        .unwrap();
        let installed = python.exists()
            && harness::run(
                Command::new(&python).args(["-c", &check]),
                None,
                harness::SHORT,
            )
            .map(|o| o.success())
            .unwrap_or(false);
        if !installed {
            harness::run_ok(
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
                None,
                harness::SHORT,
            )
            .expect("python3 -m venv");
            harness::run_ok(
                Command::new(venv.join("bin/pip"))
                    .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                    .arg(scripts().join("requirements.txt")),
                None,
                harness::LONG,
            )
            .expect("pip install nfcpy");
            harness::run_ok(
                Command::new(&python).args(["-c", &check]),
                None,
                harness::SHORT,
            )
            .expect("nfcpy importable at the pinned version");
        }
        python
    })
}

/// Runs `run_rcs380.py` and returns its RESULT object and everything it printed.
fn run_nfcpy(args: &[&str]) -> (Value, String) {
    let out = harness::run_ok(
        Command::new(nfcpy_python())
            .arg(scripts().join("run_rcs380.py"))
            .arg(bridge())
            .args(args),
        None,
        harness::MEDIUM,
    )
    .unwrap_or_else(|f| panic!("nfcpy against the emulated RC-S380:\n{f}"));
    let printed = out.text();
    let line = out
        .stdout_text()
        .lines()
        .find_map(|l| l.strip_prefix("RESULT ").map(str::to_owned))
        .unwrap_or_else(|| panic!("no RESULT line:\n{printed}"));
    (serde_json::from_str(&line).unwrap(), printed)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The DER of the persona's 利用者証明用 certificate (its EF may be longer than the DER).
fn auth_certificate(persona: &str) -> Vec<u8> {
    let card = VirtualCard::builtin(persona).unwrap();
    let ef = card.file(App::Jpki, 0x000A).unwrap();
    assert_eq!(ef[..2], [0x30, 0x82]);
    let len = 4 + usize::from(u16::from_be_bytes([ef[2], ef[3]]));
    ef[..len].to_vec()
}

#[test]
fn nfcpy_reads_the_card_through_the_emulated_rcs380() {
    let (r, printed) = run_nfcpy(&["--persona", "taro"]);
    let ctx = || format!("nfcpy printed:\n{}", harness::tail(&printed, 80));
    let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();

    assert_eq!(s("nfcpy"), NFCPY_VERSION);
    // GetFirmwareVersion 11 01, the strings nfcpy prints for a real RC-S380.
    assert_eq!(s("chipset"), "NFC Port-100 v1.11", "{}", ctx());
    assert!(
        s("reader").starts_with("SONY RC-S380/P NFC Port-100 v1.11"),
        "{}",
        ctx()
    );
    assert_eq!(s("tag_type"), "Type4BTag", "{}", ctx());
    // ATQB: 50, PUPI, application data, protocol info (FSCI 8, ISO-DEP; FWI 8).
    assert_eq!(s("sensb_res").len(), 24, "{}", ctx());
    assert!(s("sensb_res").starts_with("50"), "{}", ctx());
    assert!(s("tag").contains("MIU=253"), "FSC 256 − 3: {}", ctx());

    // What nfcpy read over its ISO-DEP is the persona's certificate, bit for bit.
    let der = auth_certificate("taro");
    assert!(der.len() > 1000, "a certificate far larger than one frame");
    assert_eq!(s("certificate"), hex(&der), "{}", ctx());
    x509_cert::Certificate::from_der(&der).expect("an X.509 certificate");
    let reads: Vec<&str> = r["read_sws"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(reads.len(), 1 + der.len().saturating_sub(4).div_ceil(256));
    assert!(reads.iter().all(|sw| *sw == "9000"), "{reads:?}");

    // Tries query: 63Cx with the persona's tries.
    let tries = VirtualCard::builtin("taro")
        .unwrap()
        .pin_tries(App::Jpki, 0x0018)
        .unwrap();
    assert_eq!(s("tries_sw"), format!("63c{tries:x}"), "{}", ctx());

    // nfcpy's presence check: R(NAK) with its next block number, the card's R(ACK) (ISO/IEC
    // 14443-4 rule 12), the numbering still agreed for the next APDU; after the card left,
    // the check times out and says "gone".
    assert_eq!(r["present"], true, "{}", ctx());
    assert_eq!(
        s("tries_after_presence_sw"),
        format!("63c{tries:x}"),
        "{}",
        ctx()
    );
    assert_eq!(r["present_after_lift"], false, "{}", ctx());

    // Never a read that would hang on a real reader.
    assert_eq!(r["would_hang"], 0, "{}", ctx());
    // The 64-byte frame and nfcpy's zero-length packet after it: answered once (6A82, no such
    // AID), and the APDUs after it went on as usual (checked above).
    assert_eq!(r["zero_length_packets"], 1, "{}", ctx());
    assert_eq!(s("zlp_select_sw"), "6a82", "{}", ctx());
    let transcript = check_transcript(&r);

    // The Port-100 commands nfcpy sent: its init (SetCommandType, GetFirmwareVersion,
    // GetPDDataVersion, SwitchRF off; Device: GetFirmwareVersion), the mute before sensing, then
    // InSetRF, InSetProtocol ×2, InCommRF per frame (REQB, ATTRIB, every block).
    let commands: Vec<String> = strings(&r["commands"]);
    let joined = commands.join(" ");
    assert!(
        joined.starts_with("2A 20 22 06 20 06 00 02 02 04 00 02 02 04"),
        "{joined}"
    );
    let mut codes = commands.clone();
    codes.sort();
    codes.dedup();
    assert_eq!(
        codes,
        ["00", "02", "04", "06", "20", "22", "2A"],
        "{joined}"
    );
    eprintln!(
        "nfcpy {NFCPY_VERSION}: {} Port-100 commands ({joined}); {} transfers {}; connect {} s",
        commands.len(),
        transcript.len(),
        r["transfers"],
        r["connect_s"]
    );
}

#[test]
fn nfcpy_chains_commands_to_a_card_with_a_small_frame_size() {
    // FSCI 2 (32 bytes): nfcpy sends the 49-byte SELECT in chained I-blocks of 29 bytes (MIU =
    // FSC − 3) and waits for the card's R(ACK) after each (`tt4.py` `IsoDepInitiator.exchange`).
    let (r, printed) = run_nfcpy(&["--persona", "taro", "--fsci", "2"]);
    let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
    assert!(s("tag").contains("MIU=29"), "{printed}");
    assert_eq!(s("zlp_select_sw"), "6a82", "{printed}");
    assert_eq!(
        s("certificate"),
        hex(&auth_certificate("taro")),
        "{printed}"
    );
    assert_eq!(s("tries_sw"), "63c3", "{printed}");
    assert_eq!(s("tries_after_presence_sw"), "63c3", "{printed}");
    check_transcript(&r);
    // Chained I-blocks (PCB 12/13) went out, each answered by an R(ACK) (A2/A3).
    assert!(printed.contains("nfc.clf: >>> 12") || printed.contains("nfc.clf: >>> 13"));
    assert!(printed.contains("nfc.clf: <<< a2") || printed.contains("nfc.clf: <<< a3"));
}

#[test]
fn nfcpy_answers_the_cards_waiting_time_extensions() {
    // The card asks for S(WTX) twice before its first READ BINARY answer; nfcpy echoes each
    // (`src/nfc/tag/tt4.py:121`) and the emulation must take nfcpy's echo and go on.
    let (r, printed) = run_nfcpy(&["--persona", "taro", "--wtx-before", "B0"]);
    assert_eq!(
        r["certificate"].as_str(),
        Some(hex(&auth_certificate("taro")).as_str()),
        "{printed}"
    );
    assert_eq!(
        printed.matches("ISO-DEP waiting time extension").count(),
        2,
        "{printed}"
    );
    assert!(printed.contains("S(WTX) sent: 2"), "{printed}");
    // nfcpy's answer is the request as received: InCommRF (timeout WTXM × FWT) `F2 01`.
    let transcript = check_transcript(&r);
    let echoes = transcript
        .iter()
        .filter(|e| {
            e.starts_with(">>> ")
                && e.get(20..24) == Some("d604")
                && e.len() > 32
                && e[28..e.len() - 4] == *"f201"
        })
        .count();
    assert_eq!(echoes, 2, "{transcript:#?}");
}

#[test]
fn nfcpy_drains_an_answer_left_by_a_killed_host() {
    // An InCommRF answer still in the IN pipe from a host killed mid-exchange: nfcpy's ACK
    // does not take it back, its 10 ms reads after the ACK do (`rcs380.py` l. 186–193), and
    // the opening goes on as on a clean reader.
    let (r, printed) = run_nfcpy(&["--persona", "taro", "--stale-answer"]);
    assert!(
        printed.contains("cleared garbage 0000ffffff0a00f6d70500000000080290008a00"),
        "{printed}"
    );
    assert_eq!(
        r["certificate"].as_str(),
        Some(hex(&auth_certificate("taro")).as_str()),
        "{printed}"
    );
    // The stale frame (DCS 8A = −(D7 + 05 + 08 + 02 + 90)) came in before the opening's frames;
    // the rest is as on a clean reader.
    let t: Vec<String> = strings(&r["transcript"]);
    assert_eq!(t[0], REAL_OPENING[0]);
    assert_eq!(t[1], "<<< 0000ffffff0a00f6d70500000000080290008a00");
    assert_eq!(
        t[2..2 + REAL_OPENING.len() - 1],
        REAL_OPENING[1..],
        "{t:#?}"
    );
}

#[test]
fn nfcpy_finds_no_card_on_an_empty_emulated_rcs380() {
    let (r, printed) = run_nfcpy(&["--no-card"]);
    assert_eq!(r["target"], Value::Null, "{printed}");
    assert_eq!(r["would_hang"], 0, "{printed}");
    let transcript = check_transcript(&r);
    // The REQB's answer: RECEIVE_TIMEOUT_ERROR, 4 status bytes.
    assert!(
        transcript.contains(&"<<< 0000ffffff0600fad70580000000a400".to_owned()),
        "{transcript:#?}"
    );
    // The REQB went out, its RECEIVE_TIMEOUT answer was taken as "no target", the field
    // went off.
    let commands: Vec<&str> = r["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        commands.join(" "),
        "2A 20 22 06 20 06 00 02 02 04 06",
        "{printed}"
    );
}
