//! The checks behind every fuzz target, shared with the regression test
//! (`examples/tests/fuzz_regressions.rs` includes this file) so that every
//! corpus entry and past crash is replayed by an ordinary `cargo test`.
//!
//! Each check panics on a property violation; a panic inside the code under
//! test is a finding too.

#![allow(clippy::missing_panics_doc)]

use std::num::NonZeroU32;

use arbitrary::{Arbitrary, Unstructured};
use bytes::{Bytes, BytesMut};
use pop3_wire::Encode as _;

/// Splits `data` into a chunking schedule (from the first byte) and the
/// payload; the chunk sizes repeat through 1..=16 and 64.
fn schedule(data: &[u8]) -> (Vec<usize>, &[u8]) {
    match data.split_first() {
        None => (vec![1; 8], data),
        Some((&seed, rest)) => {
            let sizes = (0..8).map(|i| match (seed.rotate_left(i) as usize) % 18 {
                17 => 64,
                n => n + 1,
            });
            (sizes.collect(), rest)
        }
    }
}

fn pieces<'a>(data: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < data.len() {
        let n = sizes[i % sizes.len()].min(data.len() - pos);
        out.push(&data[pos..pos + n]);
        pos += n;
        i += 1;
    }
    out
}

/// Asserts two event lists are equal, reporting the first difference.
fn assert_same<T: std::fmt::Debug + PartialEq>(whole: &[T], chunked: &[T], what: &str) {
    if let Some(i) = (0..whole.len().max(chunked.len())).find(|&i| whole.get(i) != chunked.get(i)) {
        panic!(
            "{what}: whole and chunked differ at event {i} of {}/{}:\n whole:   {:?}\n chunked: {:?}\n before:  {:?}",
            whole.len(),
            chunked.len(),
            whole.get(i),
            chunked.get(i),
            i.checked_sub(1).and_then(|j| whole.get(j))
        );
    }
}

/// Limits small enough that fuzzing reaches them.
fn imap_limits() -> imap_wire::Limits {
    imap_wire::Limits { max_line_length: 2048, max_literal_size: 4096, max_message_size: 8192, max_depth: 16 }
}

/// What a decoder may keep buffered with [`imap_limits`] between calls: an
/// unfinished message is refused once it passes the message limit, and a
/// line once it passes the line limit, so at most the largest message plus
/// the line that pushed it over.
const IMAP_BUFFER_BOUND: usize = 8192 + 2048 + 64;

/// Decodes `parts` fed one after the other, then ends the input.
///
/// Memory check: between calls, the buffer holds the message being read
/// (bounded by the limits) plus whatever was handed over since the last
/// call; once the decoder asks for more input, only the former.
fn decode_all<T: std::fmt::Debug>(
    parts: &[&[u8]],
    mut decode: impl FnMut(&mut BytesMut, bool) -> Result<Option<imap_wire::Decoded<T>>, imap_wire::DecodeError>,
) -> (Vec<String>, Vec<T>) {
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    let mut messages = Vec::new();
    for (p, eof) in parts.iter().map(|p| (*p, false)).chain([(&[][..], true)]) {
        buf.extend_from_slice(p);
        loop {
            assert!(buf.len() <= IMAP_BUFFER_BOUND + p.len(), "buffer grew to {} (piece {})", buf.len(), p.len());
            match decode(&mut buf, eof) {
                Ok(Some(d)) => {
                    events.push(format!("{} {:?}", d.offset, d.message));
                    messages.push(d.message);
                }
                Ok(None) => break,
                Err(e) => events.push(format!("error {e} tag {:?}", e.tag())),
            }
        }
        assert!(buf.len() <= IMAP_BUFFER_BOUND, "decoder keeps {} bytes while waiting for input", buf.len());
    }
    assert!(buf.is_empty(), "the end of input leaves nothing behind");
    (events, messages)
}

/// IMAP server-to-client stream: the same events whole and chunked; every
/// decoded message serializes to something that parses back equal.
pub fn imap_response_stream(data: &[u8]) {
    use imap_wire::{Encode, Greeting, Response, ResponseDecoder, ServerMessage};
    let (sizes, data) = schedule(data);
    let mut dec = ResponseDecoder::new(imap_limits());
    let (events, messages) = decode_all(&[data], |b, eof| if eof { dec.decode_eof(b) } else { dec.decode(b) });
    let mut dec = ResponseDecoder::new(imap_limits());
    let chunked = decode_all(&pieces(data, &sizes), |b, eof| if eof { dec.decode_eof(b) } else { dec.decode(b) });
    assert_same(&events, &chunked.0, "decoding");
    for (i, m) in messages.iter().enumerate() {
        let bytes = m.to_bytes();
        let back = match m {
            ServerMessage::Greeting(_) if i == 0 => Greeting::parse_bytes(bytes.clone()).map(ServerMessage::Greeting),
            _ => Response::parse_bytes(bytes.clone()).map(ServerMessage::Response),
        };
        assert_eq!(back.as_ref(), Ok(m), "round trip of {:?}", String::from_utf8_lossy(&bytes));
    }
}

/// IMAP client-to-server stream, as [`imap_response_stream`].
pub fn imap_command_stream(data: &[u8]) {
    use imap_wire::{ClientLineMode, ClientMessage, CommandDecoder, Encode};
    let (sizes, data) = schedule(data);
    let mut dec = CommandDecoder::new(imap_limits());
    let (events, messages) = decode_all(&[data], |b, eof| if eof { dec.decode_eof(b) } else { dec.decode(b) });
    let mut dec = CommandDecoder::new(imap_limits());
    let chunked = decode_all(&pieces(data, &sizes), |b, eof| if eof { dec.decode_eof(b) } else { dec.decode(b) });
    assert_same(&events, &chunked.0, "decoding");
    let mut mode = ClientLineMode::Commands;
    for m in &messages {
        let bytes = m.to_bytes();
        let mut d = CommandDecoder::new(imap_limits());
        d.set_mode(mode);
        let mut buf = BytesMut::from(&bytes[..]);
        let back = d.decode(&mut buf);
        assert!(
            matches!(&back, Ok(Some(x)) if &x.message == m),
            "round trip of {:?}:\n original: {m:?}\n back:     {back:?}",
            String::from_utf8_lossy(&bytes)
        );
        mode = match m {
            ClientMessage::Command(c) => match c.body {
                imap_wire::CommandBody::Authenticate { .. } => ClientLineMode::Authenticate,
                imap_wire::CommandBody::Idle => ClientLineMode::Idle,
                _ => ClientLineMode::Commands,
            },
            ClientMessage::AuthenticateData(_) => ClientLineMode::Authenticate,
            _ => ClientLineMode::Commands,
        };
    }
}

/// One greeting: parse, and if it parses, round trip.
pub fn imap_greeting(data: &[u8]) {
    use imap_wire::{Encode, Greeting};
    if let Ok(g) = Greeting::parse(data) {
        let bytes = g.to_bytes();
        assert_eq!(Greeting::parse(&bytes).as_ref(), Ok(&g), "{:?}", String::from_utf8_lossy(&bytes));
    }
    imap_response_stream(data);
}

/// The framer alone: identical frames and errors whole and chunked, for
/// both directions; frames concatenate to a subsequence of the input.
pub fn imap_framer(data: &[u8]) {
    use imap_wire::framer::{Framer, StreamKind};
    let (sizes, data) = schedule(data);
    for kind in [StreamKind::Responses, StreamKind::Commands] {
        let run = |parts: Vec<&[u8]>| {
            let mut f = Framer::new(kind, imap_limits());
            let mut buf = BytesMut::new();
            let mut out = Vec::new();
            for p in parts {
                buf.extend_from_slice(p);
                loop {
                    match f.next_frame(&mut buf) {
                        Ok(Some(fr)) => {
                            assert!(fr.bytes.ends_with(b"\n"));
                            let start = fr.offset as usize;
                            assert_eq!(&data[start..start + fr.bytes.len()], &fr.bytes[..]);
                            out.push(Ok((fr.offset, fr.bytes.len())));
                        }
                        Ok(None) => break,
                        Err(e) => out.push(Err(e)),
                    }
                }
            }
            out
        };
        assert_same(&run(vec![data]), &run(pieces(data, &sizes)), "framing");
    }
}

/// Typed IMAP values: serialize, parse, get the same value back.
pub fn imap_typed(data: &[u8]) {
    use imap_wire::{Command, Encode, EncodeOptions, LiteralMode, Response};
    let mut u = Unstructured::new(data);
    let Ok(which) = u.arbitrary::<bool>() else { return };
    if which {
        let Ok(c) = imap_wire::Command::arbitrary(&mut u) else { return };
        for mode in [LiteralMode::Synchronizing, LiteralMode::NonSynchronizing] {
            let mut out = BytesMut::new();
            c.encode_to(&mut out, EncodeOptions { literal_mode: mode });
            assert_eq!(Command::parse(&out).as_ref(), Ok(&c), "{:?}", String::from_utf8_lossy(&out));
        }
    } else {
        let Ok(r) = imap_wire::Response::arbitrary(&mut u) else { return };
        let bytes = r.to_bytes();
        assert_eq!(Response::parse(&bytes).as_ref(), Ok(&r), "{:?}", String::from_utf8_lossy(&bytes));
    }
}

/// POP3 command lines: parse each line; what parses round-trips.
pub fn pop3_command(data: &[u8]) {
    use pop3_wire::Command;
    for line in data.split_inclusive(|&b| b == b'\n') {
        if let Ok(c) = Command::parse(line) {
            assert_eq!(Command::parse(&c.to_bytes()).as_ref(), Ok(&c));
        }
    }
}

/// POP3 reply lines: status lines, listing lines, capabilities.
pub fn pop3_response(data: &[u8]) {
    use pop3_wire::{Capability, Language, ScanListing, StatusLine, UniqueIdListing};
    for line in data.split_inclusive(|&b| b == b'\n') {
        if let Ok(s) = StatusLine::parse(line) {
            assert_eq!(StatusLine::parse(&s.to_bytes()).as_ref(), Ok(&s));
        }
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.iter().any(|&b| b == b'\r' || b == 0) {
            continue;
        }
        let strip = |v: Bytes| v.slice(..v.len() - 2);
        if let Ok(v) = ScanListing::parse_text(text) {
            assert_eq!(ScanListing::parse_text(&strip(v.to_bytes())), Ok(v));
        }
        if let Ok(v) = UniqueIdListing::parse_text(text) {
            assert_eq!(UniqueIdListing::parse_text(&strip(v.to_bytes())).as_ref(), Ok(&v));
        }
        if let Ok(v) = Language::parse_text(text) {
            let again = Language::parse_text(&strip(v.to_bytes())).expect("written language parses");
            assert_eq!(again.tag, v.tag);
        }
        if let Ok(v) = Capability::parse_text(text) {
            if !text.is_empty() && text[0] != b' ' {
                assert_eq!(Capability::parse_text(&strip(v.to_bytes())).as_ref(), Ok(&v));
            }
        }
    }
}

/// Dot-stuffing: stuff then unstuff (both chunked) gives the normalised
/// message back; unstuffing arbitrary bytes never panics and never emits
/// more than it was given.
pub fn pop3_dot(data: &[u8]) {
    use pop3_wire::dot::{BodyPiece, DotDecoder, DotEncoder};
    let (sizes, m) = schedule(data);
    let mut wire = BytesMut::new();
    let mut enc = DotEncoder::new();
    for p in pieces(m, &sizes) {
        enc.push(p, &mut wire);
    }
    enc.finish(&mut wire);
    let mut dec = DotDecoder::new();
    let mut buf = BytesMut::new();
    let mut body = Vec::new();
    let mut ended = false;
    for p in pieces(&wire, &sizes[1..]) {
        buf.extend_from_slice(p);
        while !ended {
            match dec.next_piece(&mut buf) {
                Some(BodyPiece::Data(d)) => body.extend_from_slice(&d),
                Some(BodyPiece::End) => ended = true,
                None => break,
            }
        }
    }
    assert!(ended && buf.is_empty());
    assert_eq!(body, normalise(m));
    // Raw bytes as a body.
    let mut dec = DotDecoder::new();
    let mut buf = BytesMut::from(m);
    let mut out = 0;
    while let Some(BodyPiece::Data(d)) = dec.next_piece(&mut buf) {
        out += d.len();
    }
    assert!(out <= m.len());
}

fn normalise(m: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(m.len() + 2);
    let mut i = 0;
    while i < m.len() {
        match m[i] {
            b'\r' if i + 1 == m.len() => out.extend_from_slice(b"\r\n"),
            b'\r' if m[i + 1] == b'\n' => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The POP3 client machine on arbitrary server bytes, with a command
/// queue drawn from the input: same events whole and chunked, bounded.
pub fn pop3_client(data: &[u8]) {
    use pop3_wire::client::{Client, ClientConfig};
    use pop3_wire::{Command, Limits};
    let (sizes, data) = schedule(data);
    let (cmds, data) = data.split_at(data.len().min(4));
    let limits = Limits { max_reply_line: 512, max_listing_size: 4096, max_message_size: 4096, ..Limits::default() };
    let run = |parts: Vec<&[u8]>| {
        let mut client =
            Client::new(ClientConfig { limits, collect_messages: cmds.first().is_some_and(|b| b & 1 == 1) });
        for &c in cmds {
            let one = NonZeroU32::MIN;
            client.assume_sent(match c % 9 {
                0 => Command::Retr(one),
                1 => Command::List(None),
                2 => Command::Uidl(None),
                3 => Command::Capa,
                4 => Command::Stat,
                5 => Command::Auth { mechanism: Some("PLAIN".try_into().unwrap()), initial_response: None },
                6 => Command::Stls,
                7 => Command::Lang(None),
                _ => Command::Top { message: one, lines: 0 },
            });
        }
        let mut events = Vec::new();
        for p in parts {
            client.receive(p);
            while let Some(e) = client.poll_event_at() {
                events.push(format!("{e:?}"));
            }
        }
        client.receive_eof();
        while let Some(e) = client.poll_event_at() {
            events.push(format!("{e:?}"));
        }
        events
    };
    let whole = run(vec![data]);
    let chunked = run(pieces(data, &sizes));
    // Streamed message data may be cut differently; compare the rest and
    // the content.
    let norm = |ev: Vec<String>| -> Vec<String> { ev.into_iter().filter(|e| !e.contains("MessageData")).collect() };
    assert_same(&norm(whole), &norm(chunked), "client events");
}

/// The POP3 server machine on arbitrary client bytes, with an application
/// that answers everything as plainly as it can: same events whole and
/// chunked; replies never outnumber commands.
pub fn pop3_server(data: &[u8]) {
    use pop3_wire::server::{Server, ServerConfig, ServerEvent};
    use pop3_wire::{Command, Limits, StatusLine};
    let (sizes, data) = schedule(data);
    let limits = Limits { max_pending_commands: 8, ..Limits::default() };
    let run = |parts: Vec<&[u8]>| {
        let mut server = Server::new(ServerConfig {
            limits,
            stls: true,
            apop_timestamp: Some("<1@x>".try_into().unwrap()),
            ..ServerConfig::default()
        });
        let mut events = Vec::new();
        let mut out = BytesMut::from(&server.poll_transmit().unwrap_or_default()[..]);
        // The pieces, then the end of input.
        for p in parts.into_iter().map(Some).chain([None]) {
            match p {
                Some(p) => server.receive(p),
                None => server.receive_eof(),
            }
            while let Some((off, e)) = server.poll_event_at() {
                events.push(format!("{off} {e:?}"));
                let _ = match e {
                    ServerEvent::Command(Command::Pass(_) | Command::Apop { .. }) => {
                        server.complete(StatusLine::ok("ok").unwrap())
                    }
                    ServerEvent::Command(Command::Auth { .. }) => server.sasl_challenge(b"challenge"),
                    ServerEvent::SaslResponse(_) => server.complete(StatusLine::ok("ok").unwrap()),
                    ServerEvent::Command(Command::Stls) => server.complete(StatusLine::err("no").unwrap()),
                    ServerEvent::Command(Command::Retr(_) | Command::Top { .. }) => {
                        server.complete_with_message(StatusLine::ok("").unwrap(), b".x\r\ny")
                    }
                    ServerEvent::Command(c) if c.has_multiline_reply() => {
                        server.complete_with_lines(StatusLine::ok("").unwrap(), &[b"a".to_vec()])
                    }
                    ServerEvent::Command(_) => server.complete(StatusLine::ok("").unwrap()),
                    _ => Ok(()),
                };
            }
            if let Some(o) = server.poll_transmit() {
                out.extend_from_slice(&o);
            }
        }
        (events, out)
    };
    let whole = run(vec![data]);
    let chunked = run(pieces(data, &sizes));
    assert_same(&whole.0, &chunked.0, "server events");
    assert_eq!(String::from_utf8_lossy(&whole.1), String::from_utf8_lossy(&chunked.1), "server output");
}

/// Typed POP3 values: serialize, parse, same value.
pub fn pop3_typed(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if let Ok(c) = pop3_wire::Command::arbitrary(&mut u) {
        assert_eq!(pop3_wire::Command::parse(&c.to_bytes()).as_ref(), Ok(&c));
    }
    if let Ok(s) = pop3_wire::StatusLine::arbitrary(&mut u) {
        assert_eq!(pop3_wire::StatusLine::parse(&s.to_bytes()).as_ref(), Ok(&s));
    }
}

/// The IMAP client machine on arbitrary server bytes, with commands drawn
/// from the input sent first and the events answered as an application
/// would (challenges, IDLE; after STARTTLS nothing more is read, as no TLS
/// follows): the same events and the same output
/// whole and chunked, end of input included.
pub fn imap_client(data: &[u8]) {
    use imap_wire::client::{Client, ClientConfig, ClientEvent};
    use imap_wire::{Atom, CommandBody, IString, Mailbox};
    let (sizes, data) = schedule(data);
    let (choices, data) = data.split_at(data.len().min(4));
    let limits = imap_limits();
    let run = |parts: Vec<&[u8]>| {
        // Sections above 16 bytes are streamed: their data is compared
        // joined, as chunking splits it.
        let config = ClientConfig { limits, stream_sections_above: Some(16), ..ClientConfig::default() };
        let mut client = Client::new(config);
        for &c in choices {
            let body = match c % 10 {
                0 => CommandBody::Noop,
                1 => CommandBody::Login { username: IString::from("alice"), password: IString::from("secret") },
                2 => CommandBody::Select { mailbox: Mailbox::from("INBOX"), parameters: vec![] },
                3 => CommandBody::append(
                    Mailbox::from("INBOX"),
                    vec![],
                    None,
                    IString::from(&b"Subject: x\r\n\r\nbody\r\n"[..]),
                ),
                4 => CommandBody::Idle,
                5 => CommandBody::Authenticate {
                    mechanism: Atom::try_from("PLAIN").expect("atom"),
                    initial_response: Some(IString::from(&b"\0a\0b"[..])),
                },
                6 => CommandBody::StartTls,
                7 => CommandBody::Fetch {
                    uid: false,
                    sequence_set: "1:*".parse().expect("set"),
                    items: if c >= 100 {
                        imap_wire::FetchItems::Attributes(vec![imap_wire::FetchAttribute::Rfc822])
                    } else {
                        imap_wire::FetchItems::Fast
                    },
                    modifiers: vec![],
                },
                8 => CommandBody::Capability,
                _ => CommandBody::Logout,
            };
            let _ = client.send(body);
        }
        let mut events = Vec::new();
        let mut out = Vec::new();
        let mut streamed: Option<(u64, Vec<u8>)> = None;
        for p in parts.into_iter().map(Some).chain([None]) {
            match p {
                Some(p) => client.receive(p),
                None => client.receive_eof(),
            }
            while let Some((offset, event)) = client.poll_event_at() {
                if let ClientEvent::SectionData { data, .. } = &event {
                    streamed.get_or_insert((offset, Vec::new())).1.extend_from_slice(data);
                    continue;
                }
                if let Some((at, data)) = streamed.take() {
                    events.push(format!("{at} SectionData {:?}", String::from_utf8_lossy(&data)));
                }
                match &event {
                    ClientEvent::SaslChallenge { .. } => {
                        let _ = client.sasl_response(b"answer");
                    }
                    ClientEvent::Idling { .. } => {
                        let _ = client.idle_done();
                    }
                    _ => {}
                }
                events.push(format!("{offset} {event:?}"));
            }
            if let Some(bytes) = client.poll_transmit() {
                out.extend_from_slice(&bytes);
            }
        }
        if let Some((at, data)) = streamed.take() {
            events.push(format!("{at} SectionData {:?}", String::from_utf8_lossy(&data)));
        }
        (events, out)
    };
    let whole = run(vec![data]);
    let chunked = run(pieces(data, &sizes));
    assert_same(&whole.0, &chunked.0, "client events");
    assert_eq!(String::from_utf8_lossy(&whole.1), String::from_utf8_lossy(&chunked.1), "client output");
}

/// The IMAP server machine on arbitrary client bytes, with an application
/// that answers every command (a challenge first for AUTHENTICATE; after
/// STARTTLS nothing more is read, as no TLS follows): the same events and the same output whole and
/// chunked, end of input included.
pub fn imap_server(data: &[u8]) {
    use imap_wire::server::{Server, ServerConfig, ServerEvent};
    use imap_wire::{CommandBody, Data, Encode, StatusKind};
    let (sizes, data) = schedule(data);
    let limits = imap_limits();
    let run = |parts: Vec<&[u8]>| {
        // APPENDs of more than 16 bytes are streamed (their data compared
        // joined, as chunking splits it).
        let config = ServerConfig {
            limits,
            starttls: true,
            max_bad_commands: 8,
            stream_appends_above: Some(16),
            ..ServerConfig::default()
        };
        let mut server = Server::new(config);
        let mut events = Vec::new();
        let mut appended: Option<(u64, Vec<u8>)> = None;
        let mut out = BytesMut::from(&server.poll_transmit().unwrap_or_default()[..]);
        for p in parts.into_iter().map(Some).chain([None]) {
            match p {
                Some(p) => server.receive(p),
                None => server.receive_eof(),
            }
            while let Some((offset, event)) = server.poll_event_at() {
                if let ServerEvent::AppendData { data, .. } = &event {
                    appended.get_or_insert((offset, Vec::new())).1.extend_from_slice(data);
                    continue;
                }
                if let Some((at, data)) = appended.take() {
                    events.push(format!("{at} AppendData {:?}", String::from_utf8_lossy(&data)));
                }
                events.push(format!("{offset} {event:?}"));
                let _ = match event {
                    ServerEvent::AppendEnd { tag } => server.complete(&tag, StatusKind::Ok, None, "stored"),
                    ServerEvent::Command(c) if matches!(c.body, CommandBody::Authenticate { .. }) => {
                        server.sasl_challenge(&c.tag, b"challenge")
                    }
                    ServerEvent::Command(c) if c.body == CommandBody::Idle => {
                        let _ = server.update(Data::Exists(3));
                        Ok(())
                    }
                    ServerEvent::Command(c) => {
                        let _ = server.respond(&c.tag, Data::Exists(1));
                        let _ = server.update(Data::Expunge(std::num::NonZeroU32::MIN));
                        server.complete(&c.tag, StatusKind::Ok, None, "done")
                    }
                    ServerEvent::SaslResponse { tag, .. } | ServerEvent::IdleDone { tag } => {
                        server.complete(&tag, StatusKind::Ok, None, "done")
                    }
                    _ => Ok(()),
                };
            }
            if let Some(o) = server.poll_transmit() {
                out.extend_from_slice(&o);
            }
        }
        if let Some((at, data)) = appended.take() {
            events.push(format!("{at} AppendData {:?}", String::from_utf8_lossy(&data)));
        }
        // Updates still held when the session ended count as written: every
        // update is either sent or held, none lost or doubled.
        for data in server.held_updates() {
            out.extend_from_slice(&imap_wire::Response::Data(data.clone()).to_bytes());
        }
        (events, out)
    };
    let whole = run(vec![data]);
    let chunked = run(pieces(data, &sizes));
    if std::env::var_os("ZZ").is_some() {
        eprintln!(
            "WHOLE\n{}\n{}\nCHUNKED\n{}\n{}",
            whole.0.join("\n"),
            String::from_utf8_lossy(&whole.1),
            chunked.0.join("\n"),
            String::from_utf8_lossy(&chunked.1)
        );
    }
    assert_same(&whole.0, &chunked.0, "server events");
    // How far pipelined input has been read decides when a continuation
    // request is needed and where held updates may go (or whether they are
    // still held at the end), so the output is compared as the same tagged
    // lines in the same order and the same untagged lines.
    let normalise = |out: &[u8]| {
        let text = String::from_utf8_lossy(out).into_owned();
        let lines: Vec<String> = text
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("+ Ready for literal data"))
            .map(String::from)
            .collect();
        let tagged: Vec<String> =
            lines.iter().filter(|l| !l.starts_with("* ") && !l.starts_with('+')).cloned().collect();
        let mut untagged: Vec<String> =
            lines.into_iter().filter(|l| l.starts_with("* ") || l.starts_with('+')).collect();
        untagged.sort();
        (tagged, untagged)
    };
    assert_eq!(normalise(&whole.1), normalise(&chunked.1), "server output");
}

/// A message of each shape the engine serves sections of.
const SESSION_MAIL: [&[u8]; 4] = [
    b"From: a@example.org\r\nSubject: plain\r\n\r\nline one\r\nline two\r\n",
    b"Subject: lf\n\nbare LF\nline ends\n",
    b"Subject: mixed\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\ntext\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--x\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--x--\r\n",
    b"Subject: qp\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nsoft\r\n",
];

/// Reads an IMAP output stream to its end: the untagged lines and the
/// tagged answers (literals skipped).
fn imap_lines(out: &[u8]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = out;
    while !rest.is_empty() {
        let end = rest.windows(2).position(|w| w == b"\r\n").map_or(rest.len(), |i| i + 2);
        let line = String::from_utf8_lossy(&rest[..end]).into_owned();
        rest = &rest[end..];
        let size = line
            .strip_suffix("}\r\n")
            .and_then(|l| l.rfind('{').map(|i| &l[i + 1..]))
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(size) = size {
            rest = &rest[size.min(rest.len())..];
        }
        lines.push(line);
    }
    lines
}

/// The mail-serve IMAP engine over its in-memory store, driven by
/// arbitrary client bytes (after a login and SELECT INBOX) while a second
/// session appends, flags and expunges between the pieces: no panic, no
/// answer to a tag the client did not send, and once a NOOP has brought
/// the session up to date, its sequence numbers name exactly the UIDs of
/// the mailbox in the store.
pub fn imap_session(data: &[u8]) {
    use mail_serve::imap::{ImapConfig, ImapService, Security};
    use mail_serve::memory::MemoryStore;
    use mail_serve::store::{Account, Credentials, Mailbox, MailboxName, Store};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (sizes, data) = schedule(data);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let store = MemoryStore::with_max_keywords(6);
        store.add_user("alice", "pw");
        for m in SESSION_MAIL {
            store.deliver("alice", m).expect("delivered");
        }
        // No failed-login delay: a login the bytes make up is refused at once.
        let auth_failure_delay = std::time::Duration::ZERO;
        let config =
            ImapConfig { offer_binary: true, max_bad_commands: 1000, auth_failure_delay, ..ImapConfig::default() };
        let service = std::sync::Arc::new(ImapService::new(store, config));
        let start = |service: std::sync::Arc<ImapService<MemoryStore>>| {
            let (ours, theirs) = tokio::io::duplex(1 << 16);
            let session = tokio::spawn(async move { service.serve(theirs, Security::Plain).await });
            let (reader, writer) = tokio::io::split(ours);
            let collect = tokio::spawn(async move {
                let mut reader = reader;
                let mut out = Vec::new();
                let _ = reader.read_to_end(&mut out).await;
                out
            });
            (writer, session, collect)
        };
        let (mut a, a_session, a_out) = start(service.clone());
        let (mut b, b_session, b_out) = start(service.clone());
        let _ = a.write_all(b"Zq1 LOGIN alice pw\r\nZq2 SELECT INBOX\r\n").await;
        let _ = b.write_all(b"Y1 LOGIN alice pw\r\nY2 SELECT INBOX\r\n").await;
        let others: [&[u8]; 5] = [
            b"Y APPEND INBOX (\\Seen k1) {20+}\r\nSubject: new\r\n\r\nhi\r\n\r\n",
            b"Y STORE 1:2 +FLAGS (\\Deleted k2)\r\n",
            b"Y EXPUNGE\r\n",
            b"Y UID STORE 1:* -FLAGS (\\Deleted)\r\n",
            b"Y NOOP\r\n",
        ];
        for (i, piece) in pieces(data, &sizes).into_iter().enumerate() {
            let _ = a.write_all(piece).await;
            let _ = b.write_all(others[i % others.len()]).await;
            for _ in 0..8 {
                tokio::task::yield_now().await;
            }
        }
        // The fuzzed input may have left a literal, an IDLE or an
        // AUTHENTICATE open: close them, then bring the view up to date.
        let _ = a.write_all(b"\r\nDONE\r\n*\r\nZq8 NOOP\r\nZq9 FETCH 1:* (UID)\r\n").await;
        let _ = b.write_all(b"Y9 LOGOUT\r\n").await;
        let _ = a.shutdown().await;
        let _ = b.shutdown().await;
        drop((a, b));
        for session in [a_session, b_session] {
            if let Err(e) = session.await {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
        }
        let out = a_out.await.unwrap_or_default();
        let _ = b_out.await;
        let lines = imap_lines(&out);
        // No answer to a tag the client did not send.
        let sent = {
            let mut all = b"Zq1 Zq2 ".to_vec();
            all.extend_from_slice(data);
            all.extend_from_slice(b" DONE Zq8 Zq9 ");
            all
        };
        for line in &lines {
            let tag = line.split(' ').next().unwrap_or("");
            if tag != "*" && tag != "+" && !tag.is_empty() && line.contains(' ') {
                let found = sent.windows(tag.len()).any(|w| w == tag.as_bytes());
                assert!(found, "an answer to a tag never sent: {line:?}");
            }
        }
        // After Zq8 NOOP, FETCH 1:* (UID) names the store's messages.
        let Some(noop) = lines.iter().position(|l| l.starts_with("Zq8 OK")) else { return };
        let Some(fetch_done) = lines.iter().position(|l| l.starts_with("Zq9 ")) else { return };
        if !lines[fetch_done].starts_with("Zq9 OK") {
            return;
        }
        let mut seen: Vec<(u32, u32)> = Vec::new();
        for line in &lines[noop + 1..fetch_done] {
            let Some(rest) = line.strip_prefix("* ") else { continue };
            let mut words = rest.split(' ');
            let (Some(seq), Some("FETCH")) = (words.next(), words.next()) else { continue };
            let uid = rest.split("UID ").nth(1).and_then(|u| u.trim_end_matches(")\r\n").split([' ', ')']).next());
            if let (Ok(seq), Some(Ok(uid))) = (seq.parse::<u32>(), uid.map(str::parse::<u32>)) {
                seen.push((seq, uid));
            }
        }
        seen.sort_unstable();
        seen.dedup();
        let uids: Vec<u32> = seen.iter().map(|s| s.1).collect();
        for (i, (seq, _)) in seen.iter().enumerate() {
            assert_eq!(*seq as usize, i + 1, "sequence numbers with a gap: {seen:?}");
        }
        // Whichever mailbox the input selected last, one of the account's
        // mailboxes has exactly these UIDs.
        let credentials = Credentials { user: "alice".into(), password: "pw".into(), authorize_as: None };
        let account = service.store().login(&credentials).await.expect("login");
        let mut matched = false;
        for info in account.list().await.expect("list") {
            let mailbox = account.open(&info.name).await.expect("open");
            let store_uids: Vec<u32> = mailbox.messages().await.expect("messages").iter().map(|m| m.uid).collect();
            matched |= store_uids == uids;
        }
        let _ = MailboxName::inbox('/');
        assert!(matched, "the session's view {uids:?} matches no mailbox in the store");
    });
}
