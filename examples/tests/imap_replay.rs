//! IMAP sessions replayed through both state machines: the example session
//! of RFC 3501 section 8, a session recorded against Dovecot by
//! `examples/scripts/record-imap-session.py` (literals, AUTHENTICATE, IDLE,
//! UIDPLUS, CONDSTORE, MOVE, every section form), and the flows recorded by
//! `examples/scripts/record-imap-flows.py` (STARTTLS, IDLE while a second
//! connection changes the mailbox, pipelined commands completed out of
//! order). Every session gives the same records whole, split at every point
//! and fed byte by byte.

use imap_wire::Limits;
use mail_examples::imap_replay::{replay, replay_cut, Record, Side};

const SESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sessions");

/// The conversation of RFC 3501 section 8, from the extracted examples,
/// with the literal's size made to match the lines as written.
fn rfc3501_section_8() -> (Vec<u8>, Vec<u8>) {
    let examples = include_str!("../../imap-proto/tests/fixtures/rfc3501-examples.txt");
    let section = examples.split("# 8 ").nth(1).expect("section 8");
    let (mut c2s, mut s2c) = (Vec::new(), Vec::new());
    let mut literal: Option<(usize, usize)> = None;
    for line in section.lines().skip(1) {
        if let Some(text) = line.strip_prefix("C: ") {
            c2s.extend_from_slice(text.as_bytes());
            c2s.extend_from_slice(b"\r\n");
        } else if let Some(text) = line.strip_prefix("S:") {
            let text = text.strip_prefix(' ').unwrap_or(text);
            if text == ")" {
                // The literal ends here: its size is what was written.
                if let Some((at, start)) = literal.take() {
                    let size = (s2c.len() - start).to_string();
                    let announced = format!("{{{}}}", 342);
                    let pos =
                        at + s2c[at..start].windows(announced.len()).position(|w| w == announced.as_bytes()).unwrap();
                    s2c.splice(pos + 1..pos + 4, size.bytes());
                }
            }
            let at = s2c.len();
            s2c.extend_from_slice(text.as_bytes());
            s2c.extend_from_slice(b"\r\n");
            if text.ends_with("{342}") {
                literal = Some((at, s2c.len()));
            }
        }
    }
    (c2s, s2c)
}

fn dovecot() -> (Vec<u8>, Vec<u8>) {
    // The base recording lives with imap-wire's own tests.
    let read =
        |ext: &str| std::fs::read(format!("{SESSIONS}/../../imap-proto/tests/fixtures/dovecot-imap.{ext}")).unwrap();
    (read("c2s"), read("s2c"))
}

fn flow(name: &str) -> (Vec<u8>, Vec<u8>) {
    let read = |ext: &str| std::fs::read(format!("{SESSIONS}/dovecot-imap-{name}.{ext}")).unwrap();
    (read("c2s"), read("s2c"))
}

fn errors(records: &[Record]) -> Vec<&str> {
    records.iter().filter_map(|r| r.error.as_deref()).collect()
}

#[test]
fn the_rfc_3501_session_replays_cleanly() {
    let (c2s, s2c) = rfc3501_section_8();
    let records = replay(&c2s, &s2c, usize::MAX, true, Limits::default());
    assert!(errors(&records).is_empty(), "{:?}", errors(&records));
    let json: Vec<String> = records.iter().map(Record::to_json_line).collect();
    let commands = records.iter().filter(|r| r.from == Side::Client).count();
    assert_eq!(commands, 6 + 1, "six commands and the close: {json:#?}");
    let completions = json.iter().filter(|l| l.contains("\"Completed\"")).count();
    assert_eq!(completions, 6);
    // The FETCH of the header is attributed to a004, the flags to a005.
    assert!(json.iter().any(|l| l.contains("\"BodySection\"") && l.contains("\"command\":\"a004\"")));
    assert!(json.iter().any(|l| l.contains("\"Flags\"") && l.contains("\"command\":\"a005\"")));
}

#[test]
fn the_dovecot_session_replays_with_only_the_deliberate_error() {
    let (c2s, s2c) = dovecot();
    let records = replay(&c2s, &s2c, usize::MAX, true, Limits::default());
    // A047 FETCH without a mailbox selected, refused by Dovecot and by the
    // server machine alike.
    assert_eq!(errors(&records), vec!["FETCH is not valid in this state"]);
    let json: Vec<String> = records.iter().map(Record::to_json_line).collect();
    assert!(json.iter().any(|l| l.contains("\"AuthenticateData\"")));
    assert!(json.iter().any(|l| l.contains("\"Idling\"")));
    assert!(json.iter().any(|l| l.contains("\"IdleDone\"")));
    let completed = json.iter().filter(|l| l.contains("\"Completed\"")).count();
    assert_eq!(completed, 49, "every command completed");
}

#[test]
fn starttls_switches_both_machines_and_the_session_goes_on_inside_tls() {
    let (c2s, s2c) = flow("starttls");
    let records = replay(&c2s, &s2c, usize::MAX, true, Limits::default());
    assert!(errors(&records).is_empty(), "{:?}", errors(&records));
    let json: Vec<String> = records.iter().map(Record::to_json_line).collect();
    assert_eq!(json.iter().filter(|l| l.contains("\"message\":\"StartTls\"")).count(), 2, "both sides switched");
    let after = json.iter().position(|l| l.contains("\"message\":\"StartTls\"")).unwrap();
    assert!(json[after..].iter().any(|l| l.contains("\"Login\"")), "LOGIN inside TLS");
    assert!(json.iter().any(|l| l.contains("\"Completed\"") && l.contains("\"SELECT\"")));
}

#[test]
fn idle_delivers_the_other_connections_changes_as_updates() {
    let (c2s, s2c) = flow("idle");
    let records = replay(&c2s, &s2c, usize::MAX, true, Limits::default());
    assert!(errors(&records).is_empty(), "{:?}", errors(&records));
    let json: Vec<String> = records.iter().map(Record::to_json_line).collect();
    let idling = json.iter().position(|l| l.contains("\"Idling\"")).unwrap();
    let done = json.iter().position(|l| l.contains("\"Completed\"") && l.contains("\"IDLE\"")).unwrap();
    let updates = &json[idling + 1..done];
    for kind in ["\"Expunge\"", "\"Exists\"", "\"Fetch\""] {
        assert!(updates.iter().any(|l| l.contains(kind) && l.contains("\"command\":null")), "{kind}: {updates:#?}");
    }
}

#[test]
fn pipelined_commands_completed_out_of_order() {
    let (c2s, s2c) = flow("pipelined");
    let records = replay(&c2s, &s2c, usize::MAX, true, Limits::default());
    assert!(errors(&records).is_empty(), "{:?}", errors(&records));
    let json: Vec<String> = records.iter().map(Record::to_json_line).collect();
    let order: Vec<&str> = json
        .iter()
        .filter(|l| l.contains("\"Completed\""))
        .filter_map(|l| l.split("\"command\":\"").nth(1)?.split('"').next())
        .collect();
    // Dovecot answered LIST and STATUS before FETCH, NOOP and SEARCH.
    let list = order.iter().position(|c| *c == "LIST").unwrap();
    let fetch = order.iter().position(|c| *c == "FETCH").unwrap();
    assert!(list < fetch, "{order:?}");
    // Each piece of data went to the command that asked for it.
    assert!(json.iter().any(|l| l.contains("\"Search\"") && l.contains("\"command\":\"F005\"")));
    assert!(json.iter().any(|l| l.contains("\"List\"") && l.contains("\"command\":\"F006\"")));
    assert!(json.iter().any(|l| l.contains("\"Status\"") && l.contains("\"command\":\"F007\"")));
}

/// The extensions session (`record-imap-session.py ... extensions`
/// against Dovecot 2.3 with QUOTA and METADATA on): every command and
/// response decodes typed, nothing raw, and both machines replay it.
#[test]
fn the_dovecot_extensions_session_decodes_typed_and_replays_cleanly() {
    use imap_wire::{ClientMessage, CommandDecoder, ResponseDecoder, ServerMessage};
    let (c2s, s2c) = flow("extensions");
    let records = replay(&c2s, &s2c, usize::MAX, true, Limits::default());
    // COMPRESS ends the recording: what follows is compressed.
    let expected = ["COMPRESS: the rest of the recording is compressed and not replayed"];
    assert_eq!(errors(&records), expected, "{:?}", errors(&records));
    let json: Vec<String> = records.iter().map(Record::to_json_line).collect();
    let completed = json.iter().filter(|l| l.contains("\"Completed\"")).count();
    assert_eq!(completed, 52, "every command completed, COMPRESS included");
    for kind in [
        "\"ESearch\"",
        "\"Sort\"",
        "\"Thread\"",
        "\"Vanished\"",
        "\"Quota\"",
        "\"QuotaRoot\"",
        "\"Metadata\"",
        "\"Namespace\"",
        "\"Id\"",
        "\"Binary\"",
        "\"BinarySize\"",
        "\"Preview\"",
        "\"Snippet\"",
        "\"SaveDate\"",
        "\"CopyUid\"",
        "\"Modified\"",
        "\"ChildInfo\"",
    ] {
        assert!(json.iter().any(|l| l.contains(kind)), "{kind} missing");
    }
    // Decoded directly: nothing kept raw, in either direction.
    let raw =
        |debug: &str| debug.contains("Other {") || debug.contains("Other(Modifier") || debug.contains("RawValue(");
    let mut decoder = ResponseDecoder::new(Limits::default());
    let mut buf = bytes::BytesMut::from(&s2c[..]);
    let mut responses = 0;
    while let Some(d) = decoder.decode(&mut buf).expect("every response decodes") {
        let debug = format!("{:?}", d.message);
        assert!(!raw(&debug), "{debug}");
        assert!(matches!(d.message, ServerMessage::Greeting(_) | ServerMessage::Response(_)));
        responses += 1;
    }
    // The tail is compressed; it is all that is left.
    assert!(responses > 140, "{responses}");
    let mut decoder = CommandDecoder::new(Limits::default());
    let mut buf = bytes::BytesMut::from(&c2s[..]);
    let mut commands = 0;
    while let Some(d) = decoder.decode(&mut buf).expect("every command decodes") {
        let debug = format!("{:?}", d.message);
        assert!(!raw(&debug), "{debug}");
        commands += matches!(d.message, ClientMessage::Command(_)) as usize;
    }
    assert_eq!(commands, 52);
}

#[test]
fn every_session_gives_the_same_records_at_every_split_point() {
    let sessions = [
        ("rfc3501", rfc3501_section_8()),
        ("dovecot", dovecot()),
        ("starttls", flow("starttls")),
        ("idle", flow("idle")),
        ("pipelined", flow("pipelined")),
        ("extensions", flow("extensions")),
    ];
    for (name, (c2s, s2c)) in sessions {
        let whole = replay(&c2s, &s2c, usize::MAX, false, Limits::default());
        for at in 0..=c2s.len() {
            let records = replay_cut(&c2s, &s2c, vec![at], vec![], false, Limits::default());
            assert_eq!(records, whole, "{name}: client split at {at}");
        }
        for at in 0..=s2c.len() {
            let records = replay_cut(&c2s, &s2c, vec![], vec![at], false, Limits::default());
            assert_eq!(records, whole, "{name}: server split at {at}");
        }
        assert_eq!(replay(&c2s, &s2c, 1, false, Limits::default()), whole, "{name}: byte by byte");
    }
}
