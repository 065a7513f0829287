//! The harness itself: a program that hangs, at every stage, ends within its deadline with a
//! message naming it, its arguments, the deadline and what it printed.

use std::process::Command;
use std::time::{Duration, Instant};

use harness::{MachineLock, Server, Tty, net, run, run_ok};

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    c
}

/// Asserts `f` ended within `limit` (the deadline plus the kill's grace).
fn within<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let v = f();
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}, limit {limit:?}");
    v
}

#[test]
fn a_program_that_never_exits_is_killed_and_named() {
    let e = within(Duration::from_secs(10), || {
        run(
            &mut sh("echo started; echo oops >&2; sleep 600"),
            None,
            Duration::from_secs(1),
        )
        .unwrap_err()
    });
    let m = e.message();
    assert!(m.contains("sh -c"), "{m}");
    assert!(m.contains("sleep 600"), "{m}");
    assert!(m.contains("1s"), "{m}");
    assert!(m.contains("started") && m.contains("oops"), "{m}");
}

#[test]
fn the_kill_reaches_the_whole_process_group() {
    // The grandchild holds the pipes open; it must die with its parent.
    let e = within(Duration::from_secs(10), || {
        run(
            &mut sh("sleep 600 & sleep 600"),
            None,
            Duration::from_millis(500),
        )
        .unwrap_err()
    });
    assert!(e.message().contains("killed"), "{e}");
}

#[test]
fn input_is_fed_and_a_refusal_shows_the_output() {
    let o = run(
        &mut sh("read x; echo \"got $x\""),
        Some(b"1234\n"),
        Duration::from_secs(10),
    )
    .unwrap();
    assert_eq!(o.stdout_text(), "got 1234\n");
    // A program that never reads its input does not block the writer.
    let big = vec![b'x'; 1 << 20];
    let o = run(&mut sh("exit 3"), Some(&big), Duration::from_secs(10)).unwrap();
    assert_eq!(o.status.code(), Some(3));
    let e = run_ok(
        &mut sh("echo bad >&2; exit 4"),
        None,
        Duration::from_secs(10),
    )
    .unwrap_err();
    assert!(
        e.message().contains("bad") && e.message().contains('4'),
        "{e}"
    );
}

#[test]
fn a_server_that_never_says_ready_fails_in_time() {
    let mut s = Server::spawn(&mut sh("echo booting; sleep 600")).unwrap();
    let e = within(Duration::from_secs(10), || {
        s.wait_for_line("its port line", Duration::from_secs(1), |l| {
            l.strip_prefix("port ").map(str::to_string)
        })
        .unwrap_err()
    });
    assert!(
        e.message().contains("its port line") && e.message().contains("booting"),
        "{e}"
    );
    // Dropping it ends the group at once.
    within(Duration::from_secs(8), || drop(s));
}

#[test]
fn a_server_that_exits_early_says_so() {
    let mut s = Server::spawn(&mut sh("echo no config >&2; exit 1")).unwrap();
    let e = s
        .wait_for_line("its port line", Duration::from_secs(10), |_| None::<()>)
        .unwrap_err();
    assert!(
        e.message().contains("exited") && e.message().contains("no config"),
        "{e}"
    );
    let mut s = Server::spawn(&mut sh("echo port 42; sleep 600")).unwrap();
    let port = s
        .wait_for_line("its port line", Duration::from_secs(10), |l| {
            l.strip_prefix("port ").map(str::to_string)
        })
        .unwrap();
    assert_eq!(port, "42");
    let e = within(Duration::from_secs(12), || {
        s.wait(Duration::from_millis(500)).unwrap_err()
    });
    assert!(e.message().contains("did not exit"), "{e}");
}

/// A password prompt in the order console's `read_secure` (jpki-cli) uses: the text first,
/// then the echo off with TCSAFLUSH, which discards input typed in between.
const FLUSHING_PROMPT: &str = "printf 'pin_hint: '; sleep 0.5; exec python3 -c '
import sys, termios
a = termios.tcgetattr(0); a[3] &= ~termios.ECHO
termios.tcsetattr(0, termios.TCSAFLUSH, a)
print(\"got\", sys.stdin.readline().strip())'";

#[test]
fn the_pin_is_typed_only_once_the_prompt_reads() {
    let mut t = Tty::spawn(sh(FLUSHING_PROMPT), Duration::from_secs(20)).unwrap();
    t.answer_secret("pin_hint", "1234").unwrap();
    let printed = t.finish().unwrap();
    assert!(printed.contains("got 1234"), "{printed}");
}

#[test]
fn a_pin_typed_too_early_is_lost_and_the_wait_still_ends() {
    // What the old driver did: type as soon as the prompt text shows. The line is flushed,
    // the program waits for ever, and the deadline ends it with its output.
    let mut t = Tty::spawn(sh(FLUSHING_PROMPT), Duration::from_secs(3)).unwrap();
    t.expect("pin_hint").unwrap();
    t.send(b"1234\n").unwrap();
    let e = within(Duration::from_secs(10), || t.finish().unwrap_err());
    let m = e.message();
    assert!(
        m.contains("did not exit") && m.contains("pin_hint") && m.contains("3s"),
        "{m}"
    );
}

#[test]
fn a_child_that_never_prompts_ends_within_its_deadline() {
    let mut t = Tty::spawn(sh("echo hello; sleep 600"), Duration::from_secs(2)).unwrap();
    let e = within(Duration::from_secs(10), || {
        t.answer_secret("pin_hint", "1234").unwrap_err()
    });
    let m = e.message();
    assert!(
        m.contains("never printed \"pin_hint\"") && m.contains("hello"),
        "{m}"
    );
    assert!(m.contains("sleep 600") && m.contains("2s"), "{m}");
}

#[test]
fn a_child_that_prompts_and_never_exits_ends_within_its_deadline() {
    let script = "printf 'pin_hint: '; stty -echo; read pin; echo thanks; sleep 600";
    let mut t = Tty::spawn(sh(script), Duration::from_secs(3)).unwrap();
    t.answer_secret("pin_hint", "1234").unwrap();
    let e = within(Duration::from_secs(12), || t.finish().unwrap_err());
    let m = e.message();
    assert!(m.contains("did not exit") && m.contains("thanks"), "{m}");
    // The PIN was typed with the echo off: it is not in the output.
    assert!(!m.contains("1234"), "{m}");
}

#[test]
fn a_prompt_that_keeps_the_echo_on_is_not_answered() {
    let mut t = Tty::spawn(sh("printf 'pin_hint: '; sleep 600"), Duration::from_secs(2)).unwrap();
    let e = within(Duration::from_secs(10), || {
        t.answer_secret("pin_hint", "1234").unwrap_err()
    });
    assert!(e.message().contains("never switched the echo off"), "{e}");
}

#[test]
fn sockets_give_up() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let e = within(Duration::from_secs(5), || {
        net::accept(&listener, Duration::from_millis(300)).unwrap_err()
    });
    assert!(e.message().contains("nobody connected"), "{e}");
    let addr = listener.local_addr().unwrap();
    let _client = std::net::TcpStream::connect(addr).unwrap();
    let mut server_side = net::accept(&listener, Duration::from_secs(5)).unwrap();
    let e = within(Duration::from_secs(5), || {
        net::read_to_end(&mut server_side, Duration::from_millis(300)).unwrap_err()
    });
    assert!(e.message().contains("did not close"), "{e}");
}

#[test]
fn a_held_machine_lock_names_its_holder() {
    let name = format!("mynacard-harness-selftest-{}", std::process::id());
    let held = MachineLock::acquire(&name, "the self-test", Duration::from_secs(1)).unwrap();
    let e = within(Duration::from_secs(5), || {
        MachineLock::acquire(&name, "a second claimant", Duration::from_millis(300))
            .err()
            .unwrap()
    });
    let m = e.message();
    assert!(
        m.contains(&format!("pid {}", std::process::id())) && m.contains("the self-test"),
        "{m}"
    );
    drop(held);
    MachineLock::acquire(&name, "after release", Duration::from_secs(1)).unwrap();
    let _ = std::fs::remove_file(std::env::temp_dir().join(format!("{name}.lock")));
}
