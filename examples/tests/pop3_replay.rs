//! POP3 sessions replayed through both state machines: the example
//! sessions of RFC 1939, 2449, 3206, 5034 and 6856, and sessions recorded
//! against Dovecot by `examples/scripts/record-pop3-session.py`. Every
//! session gives the same records whole, split at every point and fed
//! byte by byte.

use mail_examples::pop3_replay::{replay, replay_cut, Record, Side};
use pop3_wire::Limits;

const SESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sessions");

/// A message of exactly `octets` bytes with CRLF lines, one of them
/// starting with a dot.
fn message(octets: usize, subject: &str) -> Vec<u8> {
    let mut m = format!("Subject: {subject}\r\n\r\n.a line with a leading dot\r\n").into_bytes();
    while m.len() + 2 < octets {
        m.push(b'x');
        if m.len() % 60 == 0 {
            m.extend_from_slice(b"\r\n");
        }
    }
    m.truncate(octets - 2);
    m.extend_from_slice(b"\r\n");
    assert_eq!(m.len(), octets);
    m
}

fn stuffed(m: &[u8]) -> Vec<u8> {
    let mut out = bytes::BytesMut::new();
    pop3_wire::dot::stuff(m, &mut out);
    out.to_vec()
}

/// Builds (client-to-server, server-to-client) from C:/S: lines; `S* n`
/// stands for message n, dot-stuffed and terminated.
fn session(script: &str, messages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
    let (mut c, mut s) = (Vec::new(), Vec::new());
    for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(t) = line.strip_prefix("C: ") {
            c.extend_from_slice(t.as_bytes());
            c.extend_from_slice(b"\r\n");
        } else if let Some(n) = line.strip_prefix("S* ") {
            s.extend_from_slice(&stuffed(&messages[n.parse::<usize>().unwrap() - 1]));
        } else if let Some(t) = line.strip_prefix("S: ") {
            s.extend_from_slice(t.as_bytes());
            s.extend_from_slice(b"\r\n");
        } else if line == "S:" {
            s.extend_from_slice(b"\r\n");
        } else {
            panic!("bad script line {line:?}");
        }
    }
    (c, s)
}

fn rfc_sessions() -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    let m = vec![message(120, "one"), message(200, "two")];
    let top = b"Subject: one\r\n\r\n.a line with a leading dot\r\n".to_vec();
    let mut out = Vec::new();
    // RFC 1939 section 10, with the two messages filled in.
    let (c, s) = session(
        "S: +OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>
         C: APOP mrose c4c9334bac560ecc979e58001b3e22fb
         S: +OK mrose's maildrop has 2 messages (320 octets)
         C: STAT
         S: +OK 2 320
         C: LIST
         S: +OK 2 messages (320 octets)
         S: 1 120
         S: 2 200
         S: .
         C: RETR 1
         S: +OK 120 octets
         S* 1
         C: DELE 1
         S: +OK message 1 deleted
         C: RETR 2
         S: +OK 200 octets
         S* 2
         C: DELE 2
         S: +OK message 2 deleted
         C: QUIT
         S: +OK dewey POP3 server signing off (maildrop empty)",
        &m,
    );
    out.push(("rfc1939-section10", c, s));
    // The command examples of RFC 1939 sections 4-7, as one session.
    let mut msgs = m.clone();
    msgs.push(top);
    let (c, s) = session(
        "S: +OK POP3 server ready
         C: USER frated
         S: -ERR sorry, no mailbox for frated here
         C: USER mrose
         S: +OK mrose is a real hoopy frood
         C: PASS secret
         S: -ERR maildrop already locked
         C: USER mrose
         S: +OK mrose is a real hoopy frood
         C: PASS secret
         S: +OK mrose's maildrop has 2 messages (320 octets)
         C: STAT
         S: +OK 2 320
         C: LIST
         S: +OK 2 messages (320 octets)
         S: 1 120
         S: 2 200
         S: .
         C: LIST 2
         S: +OK 2 200
         C: LIST 3
         S: -ERR no such message, only 2 messages in maildrop
         C: RETR 1
         S: +OK 120 octets
         S* 1
         C: DELE 1
         S: +OK message 1 deleted
         C: DELE 1
         S: -ERR message 1 already deleted
         C: NOOP
         S: +OK
         C: RSET
         S: +OK maildrop has 2 messages (320 octets)
         C: TOP 1 1
         S: +OK
         S* 3
         C: TOP 100 3
         S: -ERR no such message
         C: UIDL
         S: +OK
         S: 1 whqtswO00WBw418f9t5JxYwZ
         S: 2 QhdPYR:00WBw1Ph7x7
         S: .
         C: UIDL 2
         S: +OK 2 QhdPYR:00WBw1Ph7x7
         C: UIDL 3
         S: -ERR no such message, only 2 messages in maildrop
         C: QUIT
         S: +OK dewey POP3 server signing off",
        &msgs,
    );
    out.push(("rfc1939-commands", c, s));
    // RFC 2449 CAPA and response codes, RFC 3206 and RFC 5034 AUTH.
    let (c, s) = session(
        "S: +OK POP3 server ready
         C: CAPA
         S: +OK Capability list follows
         S: TOP
         S: USER
         S: SASL CRAM-MD5 KERBEROS_V4 PLAIN
         S: RESP-CODES
         S: LOGIN-DELAY 900
         S: PIPELINING
         S: EXPIRE 60
         S: UIDL
         S: IMPLEMENTATION Shlemazle-Plotz-v302
         S: .
         C: USER mrose
         S: +OK
         C: PASS secret
         S: -ERR [IN-USE] Do you have another POP session running?
         C: AUTH PLAIN
         S: +
         C: dGVzdAB0ZXN0AHRlc3Q=
         S: -ERR [SYS/TEMP] Authentication temporarily unavailable
         C: AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=
         S: -ERR [LOGIN-DELAY] Minimum time between logins is 15 minutes
         C: AUTH PLAIN
         S: +
         C: *
         S: -ERR AUTH cancelled
         C: AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=
         S: +OK Maildrop locked and ready
         C: QUIT
         S: +OK",
        &m,
    );
    out.push(("rfc2449-3206-5034", c, s));
    // RFC 6856 UTF8 and LANG.
    let (c, s) = session(
        "S: +OK POP3 server ready
         C: UTF8
         S: +OK I only speak UTF-8 now
         C: USER karen
         S: +OK Hello, karen
         C: PASS password
         S: +OK karen's maildrop contains 2 messages (320 octets)
         C: LANG MUL
         S: -ERR invalid language MUL
         C: LANG
         S: +OK Language listing follows:
         S: en English
         S: en-boont English Boontling dialect
         S: de Deutsch
         S: it Italiano
         S: es Espanol
         S: sv Svenska
         S: .
         C: LANG es
         S: +OK es Idioma cambiado
         C: QUIT
         S: +OK",
        &m,
    );
    out.push(("rfc6856", c, s));
    out
}

fn dovecot_sessions() -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    ["auth", "user"]
        .into_iter()
        .map(|n| {
            let read = |ext: &str| std::fs::read(format!("{SESSIONS}/dovecot-pop3-{n}.{ext}")).unwrap();
            (if n == "auth" { "dovecot-auth" } else { "dovecot-user" }, read("c2s"), read("s2c"))
        })
        .collect()
}

fn errors(records: &[Record]) -> Vec<&str> {
    records.iter().filter_map(|r| r.error.as_deref()).collect()
}

#[test]
fn rfc_sessions_replay_cleanly_with_roundtrip() {
    for (name, c, s) in rfc_sessions() {
        let records = replay(&c, &s, usize::MAX, true, Limits::default());
        assert!(errors(&records).is_empty(), "{name}: {:?}", errors(&records));
        let lines: Vec<String> = records.iter().map(Record::to_json_line).collect();
        let count = |side: Side| records.iter().filter(|r| r.from == side).count();
        assert!(count(Side::Client) >= 7 && count(Side::Server) >= 7, "{name}: {lines:#?}");
    }
}

#[test]
fn rfc_session_values() {
    let sessions = rfc_sessions();
    let (_, c, s) = &sessions[0];
    let json: Vec<String> =
        replay(c, s, usize::MAX, true, Limits::default()).iter().map(Record::to_json_line).collect();
    assert!(json[0].contains("\"apop_timestamp\":\"<1896.697170952@dbc.mtview.ca.us>\""), "{}", json[0]);
    assert!(json.iter().any(|l| l.contains("\"ScanListings\"") && l.contains("\"octets\":200")));
    // The message comes out unstuffed.
    assert!(json.iter().any(|l| l.contains("\\r\\n\\r\\n.a line with a leading dot")));
    let (_, c, s) = &sessions[2];
    let json: Vec<String> =
        replay(c, s, usize::MAX, true, Limits::default()).iter().map(Record::to_json_line).collect();
    for code in ["\"InUse\"", "\"SysTemp\"", "\"LoginDelay\""] {
        assert!(json.iter().any(|l| l.contains(code)), "{code}");
    }
    assert!(json.iter().any(|l| l.contains("{\"LoginDelay\":{\"per_user\":false,\"seconds\":900}}")));
    assert!(json.iter().any(|l| l.contains("SaslCancelled")));
    let (_, c, s) = &sessions[3];
    let json: Vec<String> =
        replay(c, s, usize::MAX, true, Limits::default()).iter().map(Record::to_json_line).collect();
    assert!(json.iter().any(|l| l.contains("\"Languages\"") && l.contains("English Boontling dialect")));
}

#[test]
fn dovecot_sessions_replay_with_only_the_deliberate_errors() {
    for (name, c, s) in dovecot_sessions() {
        let records = replay(&c, &s, usize::MAX, true, Limits::default());
        let errs = errors(&records);
        if name == "dovecot-auth" {
            // The recording sends four bad commands on purpose; Dovecot
            // answered each with -ERR, and so does our server machine.
            assert_eq!(
                errs,
                vec![
                    "STAT is not valid in this state",
                    "Invalid message number 0",
                    "Noise after message number",
                    "Unknown command: XYZZY"
                ],
                "{name}"
            );
            let json: Vec<String> = records.iter().map(Record::to_json_line).collect();
            assert!(json.iter().any(|l| l.contains("\"SaslResponse\":\"\\u0000bob\\u0000secret\"")));
            assert!(json.iter().any(|l| l.contains("..and this one with two") && !l.contains("...and")));
            assert_eq!(json.iter().filter(|l| l.contains("\"Message\"")).count(), 5, "2 TOP + 3 RETR");
        } else {
            assert!(errs.is_empty(), "{name}: {errs:?}");
        }
    }
}

#[test]
fn every_session_gives_the_same_records_at_every_split_point() {
    for (name, c, s) in rfc_sessions().into_iter().chain(dovecot_sessions()) {
        let whole = replay(&c, &s, usize::MAX, false, Limits::default());
        for at in 0..=c.len() {
            assert_eq!(
                replay_cut(&c, &s, vec![at], vec![], false, Limits::default()),
                whole,
                "{name}: client split at {at}"
            );
        }
        for at in 0..=s.len() {
            assert_eq!(
                replay_cut(&c, &s, vec![], vec![at], false, Limits::default()),
                whole,
                "{name}: server split at {at}"
            );
        }
        assert_eq!(replay(&c, &s, 1, false, Limits::default()), whole, "{name}: byte by byte");
    }
}

#[test]
fn a_bare_lf_server_replays_with_zero_errors() {
    // A sloppy server: bare LF everywhere, in the status lines and the body.
    let c2s = b"USER a\r\nPASS b\r\nRETR 1\r\nQUIT\r\n";
    let s2c = b"+OK hi\n+OK\n+OK in\n+OK\nSubject: x\n\n..dot\nbody\n.\n+OK bye\n";
    for chunk in [1, 3, usize::MAX] {
        let records = replay(c2s, s2c, chunk, true, Limits::default());
        assert!(errors(&records).is_empty(), "chunk {chunk}: {:?}", errors(&records));
        let json: Vec<String> = records.iter().map(Record::to_json_line).collect();
        // The client hands out the content with the line endings it got.
        assert!(json.iter().any(|l| l.contains("\"data\":\"Subject: x\\n\\n.dot\\nbody\\n\"")), "{json:#?}");
    }
}

#[test]
fn a_recording_cut_in_the_middle_of_a_reply_is_reported() {
    let c2s = b"USER a\r\nPASS b\r\nRETR 1\r\n";
    let s2c = b"+OK hi\r\n+OK\r\n+OK in\r\n+OK\r\nSubject: x\r\n\r\nbo";
    let records = replay(c2s, s2c, usize::MAX, false, Limits::default());
    let errs = errors(&records);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("before the reply to RETR was complete"), "{errs:?}");
}

/// STLS, then the session inside TLS (a recording holds the application
/// bytes of both sides): both machines switch and the replay carries on.
fn stls_session() -> (Vec<u8>, Vec<u8>) {
    let c2s = b"CAPA\r\nSTLS\r\nCAPA\r\nUSER a\r\nPASS b\r\nSTAT\r\nQUIT\r\n".to_vec();
    let s2c = b"+OK ready\r\n+OK\r\nSTLS\r\nUSER\r\n.\r\n+OK Begin TLS negotiation now\r\n+OK\r\nUSER\r\n.\r\n\
+OK\r\n+OK logged in\r\n+OK 0 0\r\n+OK bye\r\n"
        .to_vec();
    (c2s, s2c)
}

#[test]
fn a_session_goes_on_inside_tls_after_stls() {
    let (c2s, s2c) = stls_session();
    let whole = replay(&c2s, &s2c, usize::MAX, true, Limits::default());
    assert!(errors(&whole).is_empty(), "{:?}", errors(&whole));
    let json: Vec<String> = whole.iter().map(Record::to_json_line).collect();
    let tls = json.iter().position(|l| l.contains("\"message\":\"StartTls\"")).expect("the switch");
    assert!(json[tls..].iter().any(|l| l.contains("\"Stat\"")), "{json:#?}");
    for at in 0..=c2s.len() {
        assert_eq!(
            replay_cut(&c2s, &s2c, vec![at], vec![], false, Limits::default()),
            replay(&c2s, &s2c, usize::MAX, false, Limits::default()),
            "client split at {at}"
        );
    }
    let plain = replay(&c2s, &s2c, usize::MAX, false, Limits::default());
    for at in 0..=s2c.len() {
        assert_eq!(replay_cut(&c2s, &s2c, vec![], vec![at], false, Limits::default()), plain, "server split at {at}");
    }
    assert_eq!(replay(&c2s, &s2c, 1, false, Limits::default()), plain, "byte by byte");
}
