//! The `mynacard-vpcd` bridge binary against a stand-in for vpcd (a TCP listener speaking the
//! vpcd framing), so the binary itself is tested without pcscd.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

fn frame(payload: &[u8]) -> Vec<u8> {
    [&(payload.len() as u16).to_be_bytes()[..], payload].concat()
}

fn read_frame(s: &mut std::net::TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut len = [0u8; 2];
    s.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut body).unwrap();
    body
}

#[test]
fn bridge_answers_like_the_card() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut bridge =
        harness::Server::spawn(Command::new(env!("CARGO_BIN_EXE_mynacard-vpcd")).args([
            "--persona",
            "hanako",
            "--once",
            "--addr",
            &addr.to_string(),
        ]))
        .unwrap();
    let mut s = harness::net::accept(&listener, harness::SHORT)
        .map_err(|f| f.with(bridge.printed()))
        .unwrap();
    s.write_all(&frame(&[4])).unwrap();
    assert_eq!(
        read_frame(&mut s),
        [
            0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12, 0x39, 0x2F, 0x31, 0xC1,
            0x73, 0xC6, 0x01, 0xC0, 0x3B
        ]
    );
    s.write_all(&frame(&[1])).unwrap(); // power on
    let select = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];
    s.write_all(&frame(&select)).unwrap();
    // hanako's card answers 6F00 to the first APDU after power-on, then 9000.
    assert_eq!(read_frame(&mut s), [0x6F, 0x00]);
    s.write_all(&frame(&select)).unwrap();
    assert_eq!(read_frame(&mut s), [0x90, 0x00]);
    drop(s);
    let status = bridge.wait(harness::SHORT).unwrap();
    assert!(status.success(), "{status}\n{}", bridge.printed());
}

#[test]
fn bridge_refuses_unknown_personas() {
    let out = harness::run(
        Command::new(env!("CARGO_BIN_EXE_mynacard-vpcd")).args(["--persona", "nobody"]),
        None,
        harness::SHORT,
    )
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stderr_text().contains("taro"), "{out:?}");
}

/// Personas of your own (`--personas FILE`, docs/virtual-card.md): the bridge plays the one
/// named, from the file before the built-in ones.
#[test]
fn bridge_plays_a_persona_from_a_file() {
    let taro = include_str!("../personas.toml");
    let start = taro.find("[taro]").unwrap();
    let end = taro[start + 1..]
        .find("\n[")
        .map_or(taro.len(), |i| start + 1 + i);
    // taro's fields under another id, with an ATR of its own to tell them apart.
    let own = taro[start..end]
        .replacen("[taro]", "[sato]", 1)
        .replace("atr = \"3BE000FF8131FE4514\"", "atr = \"3B8F8001\"");
    let path = std::env::temp_dir().join(format!("mynacard-personas-{}.toml", std::process::id()));
    std::fs::write(&path, own).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut bridge =
        harness::Server::spawn(Command::new(env!("CARGO_BIN_EXE_mynacard-vpcd")).args([
            "--personas",
            path.to_str().unwrap(),
            "--persona",
            "sato",
            "--once",
            "--addr",
            &addr.to_string(),
        ]))
        .unwrap();
    let mut s = harness::net::accept(&listener, harness::SHORT)
        .map_err(|f| f.with(bridge.printed()))
        .unwrap();
    s.write_all(&frame(&[4])).unwrap();
    assert_eq!(read_frame(&mut s), [0x3B, 0x8F, 0x80, 0x01]);
    drop(s);
    let status = bridge.wait(harness::SHORT).unwrap();
    assert!(status.success(), "{status}\n{}", bridge.printed());
    // A file with a mistake: exit 2 naming it.
    std::fs::write(&path, "[bad]\ndescription = 1\n").unwrap();
    let out = harness::run(
        Command::new(env!("CARGO_BIN_EXE_mynacard-vpcd")).args([
            "--personas",
            path.to_str().unwrap(),
            "--persona",
            "bad",
        ]),
        None,
        harness::SHORT,
    )
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stderr_text().contains("description"), "{out:?}");
    std::fs::remove_file(&path).ok();
}
