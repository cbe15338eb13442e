//! The `mail-inspect` contract, checked on the binary itself.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mail-inspect");
// The base IMAP recording lives with imap-wire's own tests.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../imap-proto/tests/fixtures");

fn run(args: &[&str], stdin: Option<&[u8]>) -> (String, i32) {
    let mut child = Command::new(BIN).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("spawn");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().expect("wait");
    (String::from_utf8(out.stdout).expect("utf-8"), out.status.code().expect("exit code"))
}

#[test]
fn sample_sessions_decode_cleanly_with_roundtrip_at_every_chunk_size() {
    for (from, file) in [("server", "dovecot-imap.s2c"), ("client", "dovecot-imap.c2s")] {
        let path = format!("{FIXTURES}/{file}");
        let (whole, code) = run(&["imap", "--from", from, "--roundtrip", &path], None);
        assert_eq!(code, 0, "{whole}");
        let last = whole.lines().last().unwrap();
        let n: u64 = last.strip_suffix(" messages, 0 errors").expect(last).parse().unwrap();
        assert_eq!(n as usize, whole.lines().count() - 1);
        for line in whole.lines().take(n as usize) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["offset"].is_u64() && v.get("message").is_some() && v.get("error").is_none(), "{line}");
        }
        for chunk in ["1", "2", "7", "100", "4096"] {
            let (out, code) = run(&["imap", "--from", from, "--roundtrip", "--chunk", chunk, &path], None);
            assert_eq!((out.as_str(), code), (whole.as_str(), 0), "chunk {chunk}");
        }
    }
}

#[test]
fn malformed_messages_are_reported_and_decoding_resumes() {
    let input = b"* OK hi\r\n* 1 FETCH (UID x)\r\n* 2 EXISTS\r\n* 3 FETCH (BODY[] {10}\r\nabc";
    let (out, code) = run(&["imap", "--from", "server", "-"], Some(input));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 5, "{out}");
    let err: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(err["offset"], 9);
    assert!(err["error"].as_str().unwrap().contains("expected number"));
    let next: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(next["offset"], 28);
    assert_eq!(next["message"]["Response"]["Data"]["Exists"], 2);
    assert!(lines[3].contains("the input ends inside the message at byte"), "{}", lines[3]);
    assert_eq!(lines[4], "2 messages, 2 errors");
    for chunk in ["1", "3"] {
        assert_eq!(run(&["imap", "--from", "server", "--chunk", chunk, "-"], Some(input)).0, out);
    }
}

#[test]
fn client_streams_with_literals_idle_and_authenticate() {
    let input = b"a1 AUTHENTICATE PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\na2 IDLE\r\nDONE\r\na3 APPEND INBOX {5+}\r\nhello\r\na4 LOGOUT\r\n";
    let (out, code) = run(&["imap", "--from", "client", "--roundtrip", "-"], Some(input));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"IdleDone\""));
    assert!(out.contains("\"AuthenticateData\":\"\\u0000alice\\u0000secret\""));
    assert!(out.ends_with("6 messages, 0 errors\n"));
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(run(&["imap", "--from", "nowhere", "-"], Some(b"")).1, 2);
    assert_eq!(run(&["smtp", "--from", "server", "-"], Some(b"")).1, 2);
    assert_eq!(run(&["imap", "--from", "server", "--chunk", "0", "-"], Some(b"")).1, 2);
    let (out, code) = run(&["imap", "--from", "server", "-"], Some(b""));
    assert_eq!((out.as_str(), code), ("0 messages, 0 errors\n", 0));
    // A pair takes both files and nothing else; --help alone is no error.
    assert_eq!(run(&["imap", "--client", "c2s"], None).1, 2);
    assert_eq!(run(&["imap", "--client", "a", "--server", "b", "--from", "server"], None).1, 2);
    let (out, code) = run(&["--help"], None);
    assert!(out.starts_with("usage: mail-inspect"), "{out}");
    assert_eq!(code, 0);
}

/// A refused STARTTLS (here inside implicit TLS) switches nothing: the
/// replay goes on with the client's next commands instead of stalling.
#[test]
fn a_refused_starttls_does_not_stop_the_session_replay() {
    let dir = std::env::temp_dir().join(format!("mail-inspect-starttls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (c2s, s2c) = (dir.join("s.c2s"), dir.join("s.s2c"));
    std::fs::write(&c2s, "a1 CAPABILITY\r\na2 STARTTLS\r\na3 LOGIN alice secret\r\na4 LOGOUT\r\n").unwrap();
    std::fs::write(
        &s2c,
        "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n\
         a2 BAD TLS is already active\r\na3 OK logged in\r\n* BYE bye\r\na4 OK done\r\n",
    )
    .unwrap();
    let (out, code) = run(&["imap", "--client", c2s.to_str().unwrap(), "--server", s2c.to_str().unwrap()], None);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("13 messages, 0 errors\n"), "{out}");
    assert!(out.contains("\"command\":\"LOGIN\""), "{out}");
    assert!(out.contains("\"command\":\"LOGOUT\""), "{out}");
}
