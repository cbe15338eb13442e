//! The checks behind every fuzz target, shared with the regression test
//! (`examples/tests/fuzz_regressions.rs` includes this file) so that every
//! corpus entry and past crash is replayed by an ordinary `cargo test`.
//!
//! Each check panics on a property violation; a panic inside the code under
//! test is a finding too.

#![allow(clippy::missing_panics_doc)]

use std::num::NonZeroU32;

use arbitrary::{Arbitrary, Result as AResult, Unstructured};
use bytes::{Bytes, BytesMut};
use pop3_proto::Encode as _;

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
fn imap_limits() -> imap_proto::Limits {
    imap_proto::Limits { max_line_length: 2048, max_literal_size: 4096, max_message_size: 8192, max_depth: 16 }
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
    mut decode: impl FnMut(&mut BytesMut, bool) -> Result<Option<imap_proto::Decoded<T>>, imap_proto::DecodeError>,
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
    use imap_proto::{Encode, Greeting, Response, ResponseDecoder, ServerMessage};
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
    use imap_proto::{ClientLineMode, ClientMessage, CommandDecoder, Encode};
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
                imap_proto::CommandBody::Authenticate { .. } => ClientLineMode::Authenticate,
                imap_proto::CommandBody::Idle => ClientLineMode::Idle,
                _ => ClientLineMode::Commands,
            },
            ClientMessage::AuthenticateData(_) => ClientLineMode::Authenticate,
            _ => ClientLineMode::Commands,
        };
    }
}

/// One greeting: parse, and if it parses, round trip.
pub fn imap_greeting(data: &[u8]) {
    use imap_proto::{Encode, Greeting};
    if let Ok(g) = Greeting::parse(data) {
        let bytes = g.to_bytes();
        assert_eq!(Greeting::parse(&bytes).as_ref(), Ok(&g), "{:?}", String::from_utf8_lossy(&bytes));
    }
    imap_response_stream(data);
}

/// The framer alone: identical frames and errors whole and chunked, for
/// both directions; frames concatenate to a subsequence of the input.
pub fn imap_framer(data: &[u8]) {
    use imap_proto::framer::{Framer, StreamKind};
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
    use imap_proto::{Command, Encode, EncodeOptions, LiteralMode, Response};
    let mut u = Unstructured::new(data);
    let Ok(which) = u.arbitrary::<bool>() else { return };
    if which {
        let Ok(c) = gen::command(&mut u) else { return };
        for mode in [LiteralMode::Synchronizing, LiteralMode::NonSynchronizing] {
            let mut out = BytesMut::new();
            c.encode_to(&mut out, EncodeOptions { literal_mode: mode });
            assert_eq!(Command::parse(&out).as_ref(), Ok(&c), "{:?}", String::from_utf8_lossy(&out));
        }
    } else {
        let Ok(r) = gen::response(&mut u) else { return };
        let bytes = r.to_bytes();
        assert_eq!(Response::parse(&bytes).as_ref(), Ok(&r), "{:?}", String::from_utf8_lossy(&bytes));
    }
}

/// POP3 command lines: parse each line; what parses round-trips.
pub fn pop3_command(data: &[u8]) {
    use pop3_proto::Command;
    for line in data.split_inclusive(|&b| b == b'\n') {
        if let Ok(c) = Command::parse(line) {
            assert_eq!(Command::parse(&c.to_bytes()).as_ref(), Ok(&c));
        }
    }
}

/// POP3 reply lines: status lines, listing lines, capabilities.
pub fn pop3_response(data: &[u8]) {
    use pop3_proto::{Capability, Language, ScanListing, StatusLine, UniqueIdListing};
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
    use pop3_proto::dot::{BodyPiece, DotDecoder, DotEncoder};
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
    use pop3_proto::{Client, ClientConfig, Command, Limits};
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
    use pop3_proto::{Command, Limits, Server, ServerConfig, ServerEvent, StatusLine};
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
                        server.accept_login(StatusLine::ok("ok").unwrap())
                    }
                    ServerEvent::Command(Command::Auth { .. }) => server.sasl_challenge(b"challenge"),
                    ServerEvent::SaslResponse(_) => server.accept_login(StatusLine::ok("ok").unwrap()),
                    ServerEvent::Command(Command::Stls) => server.reply(StatusLine::err("no").unwrap()),
                    ServerEvent::Command(Command::Retr(_) | Command::Top { .. }) => {
                        server.reply_message(StatusLine::ok("").unwrap(), b".x\r\ny")
                    }
                    ServerEvent::Command(c) if c.has_multiline_reply() => {
                        server.reply_lines(StatusLine::ok("").unwrap(), &[b"a".to_vec()])
                    }
                    ServerEvent::Command(_) => server.reply(StatusLine::ok("").unwrap()),
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
    if let Ok(c) = gen::pop3_command(&mut u) {
        assert_eq!(pop3_proto::Command::parse(&c.to_bytes()).as_ref(), Ok(&c));
    }
    if let Ok(s) = gen::pop3_status(&mut u) {
        assert_eq!(pop3_proto::StatusLine::parse(&s.to_bytes()).as_ref(), Ok(&s));
    }
}

/// Generators of canonical typed values from fuzzer bytes (the values the
/// serializer must write and the parser give back exactly).
pub mod gen {
    use super::*;
    use imap_proto::*;

    const ATOM: &[u8] = b"!#$&'+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[^_`abcdefghijklmnopqrstuvwxyz|}~";

    fn vec_of<T>(
        u: &mut Unstructured<'_>,
        max: usize,
        mut f: impl FnMut(&mut Unstructured<'_>) -> AResult<T>,
    ) -> AResult<Vec<T>> {
        let n = u.int_in_range(0..=max)?;
        (0..n).map(|_| f(u)).collect()
    }

    fn vec1_of<T>(
        u: &mut Unstructured<'_>,
        max: usize,
        mut f: impl FnMut(&mut Unstructured<'_>) -> AResult<T>,
    ) -> AResult<Vec<T>> {
        let n = u.int_in_range(1..=max)?;
        (0..n).map(|_| f(u)).collect()
    }

    fn from_alphabet(u: &mut Unstructured<'_>, alphabet: &[u8], min: usize, max: usize) -> AResult<String> {
        let n = u.int_in_range(min..=max)?;
        (0..n).map(|_| u.choose(alphabet).map(|&b| b as char)).collect()
    }

    pub fn atom(u: &mut Unstructured<'_>) -> AResult<Atom> {
        Ok(Atom::try_from(from_alphabet(u, ATOM, 1, 10)?).expect("atom alphabet"))
    }

    fn x_name(u: &mut Unstructured<'_>) -> AResult<Atom> {
        Ok(Atom::try_from(format!("X-{}", from_alphabet(u, b"ABCDEFGHIJ0123456789", 1, 8)?)).expect("x-name"))
    }

    fn istring(u: &mut Unstructured<'_>) -> AResult<IString> {
        Ok(IString::from(<Vec<u8>>::arbitrary(u)?))
    }

    fn nstring(u: &mut Unstructured<'_>) -> AResult<Option<IString>> {
        if u.arbitrary()? {
            Ok(Some(istring(u)?))
        } else {
            Ok(None)
        }
    }

    fn text(u: &mut Unstructured<'_>) -> AResult<Text> {
        let s = from_alphabet(u, b"abcXYZ 0129.,!()%{}", 0, 30)?;
        let s = s.trim_start_matches('[').to_string();
        Ok(Text::try_from(s.as_str()).expect("text alphabet"))
    }

    fn nz(u: &mut Unstructured<'_>) -> AResult<NonZeroU32> {
        Ok(NonZeroU32::new(u.arbitrary::<u32>()?.max(1)).expect("non-zero"))
    }

    fn seq(u: &mut Unstructured<'_>) -> AResult<SequenceSet> {
        let ranges = vec1_of(u, 4, |u| {
            let n = |u: &mut Unstructured<'_>| -> AResult<SeqNumber> {
                Ok(if u.ratio(1, 5)? { SeqNumber::Largest } else { SeqNumber::Value(nz(u)?) })
            };
            Ok(if u.arbitrary()? { SeqRange::Single(n(u)?) } else { SeqRange::Range(n(u)?, n(u)?) })
        })?;
        Ok(SequenceSet::new(ranges).expect("non-empty"))
    }

    fn date(u: &mut Unstructured<'_>) -> AResult<Date> {
        Ok(Date::new(u.int_in_range(0..=9999)?, u.int_in_range(1..=12)?, u.int_in_range(1..=28)?).expect("valid date"))
    }

    fn date_time(u: &mut Unstructured<'_>) -> AResult<DateTime> {
        let zone = u.int_in_range(-(99 * 60 + 59)..=(99 * 60 + 59))?;
        Ok(DateTime::new(date(u)?, u.int_in_range(0..=23)?, u.int_in_range(0..=59)?, u.int_in_range(0..=60)?, zone)
            .expect("valid"))
    }

    fn flag(u: &mut Unstructured<'_>) -> AResult<Flag> {
        Ok(match u.int_in_range(0..=6)? {
            0 => Flag::Answered,
            1 => Flag::Flagged,
            2 => Flag::Deleted,
            3 => Flag::Seen,
            4 => Flag::Draft,
            5 => Flag::Keyword(atom(u)?),
            _ => {
                let a = atom(u)?;
                if a.eq_ignore_case("Recent") {
                    Flag::Seen
                } else {
                    Flag::system_or_extension(a)
                }
            }
        })
    }

    fn mailbox(u: &mut Unstructured<'_>) -> AResult<Mailbox> {
        Ok(Mailbox::from(istring(u)?))
    }

    fn code(u: &mut Unstructured<'_>) -> AResult<Code> {
        Ok(match u.int_in_range(0..=17)? {
            0 => Code::Alert,
            1 => Code::BadCharset(vec_of(u, 3, |u| Ok(IString::from(from_alphabet(u, b"A-Z0-9_", 0, 8)?)))?),
            2 => Code::Capability(vec_of(u, 4, |u| Ok(Capability::from_atom(atom(u)?)))?),
            3 => Code::Parse,
            4 => Code::PermanentFlags(vec_of(u, 4, |u| {
                Ok(if u.arbitrary()? { FlagPerm::AnyKeyword } else { FlagPerm::Flag(flag(u)?) })
            })?),
            5 => Code::ReadOnly,
            6 => Code::ReadWrite,
            7 => Code::TryCreate,
            8 => Code::UidNext(nz(u)?),
            9 => Code::UidValidity(nz(u)?),
            10 => Code::Unseen(nz(u)?),
            11 => Code::AppendUid { uid_validity: nz(u)?, uids: seq(u)? },
            12 => Code::CopyUid { uid_validity: nz(u)?, source: seq(u)?, destination: seq(u)? },
            13 => Code::UidNotSticky,
            14 => Code::HighestModSeq(u.arbitrary()?),
            15 => Code::NoModSeq,
            16 => Code::Closed,
            _ => Code::Other {
                name: x_name(u)?,
                arguments: if u.arbitrary()? {
                    Some(CodeText::new(format!("{}a", from_alphabet(u, b"abc 0%[", 0, 8)?)).expect("code text"))
                } else {
                    None
                },
            },
        })
    }

    fn section(u: &mut Unstructured<'_>) -> AResult<Section> {
        let part = vec_of(u, 3, nz)?;
        let text = match u.int_in_range(0..=4)? {
            0 => None,
            1 => Some(SectionText::Header),
            2 => Some(SectionText::Text),
            3 if !part.is_empty() => Some(SectionText::Mime),
            _ => Some(SectionText::HeaderFields { not: u.arbitrary()?, fields: vec1_of(u, 3, istring)? }),
        };
        Ok(Section { part, text })
    }

    fn address(u: &mut Unstructured<'_>) -> AResult<Address> {
        Ok(Address { name: nstring(u)?, adl: nstring(u)?, mailbox: nstring(u)?, host: nstring(u)? })
    }

    fn envelope(u: &mut Unstructured<'_>) -> AResult<Envelope> {
        Ok(Envelope {
            date: nstring(u)?,
            subject: nstring(u)?,
            from: vec_of(u, 2, address)?,
            sender: vec_of(u, 2, address)?,
            reply_to: vec_of(u, 2, address)?,
            to: vec_of(u, 2, address)?,
            cc: vec_of(u, 2, address)?,
            bcc: vec_of(u, 2, address)?,
            in_reply_to: nstring(u)?,
            message_id: nstring(u)?,
        })
    }

    fn params(u: &mut Unstructured<'_>) -> AResult<Vec<BodyParameter>> {
        vec_of(u, 2, |u| Ok((istring(u)?, istring(u)?)))
    }

    fn body_extension(u: &mut Unstructured<'_>, depth: u32) -> AResult<BodyExtension> {
        Ok(match u.int_in_range(0..=2)? {
            0 => BodyExtension::NString(nstring(u)?),
            1 => BodyExtension::Number(u.arbitrary()?),
            _ if depth < 3 => BodyExtension::List(vec1_of(u, 3, |u| body_extension(u, depth + 1))?),
            _ => BodyExtension::Number(0),
        })
    }

    fn disposition_ext(u: &mut Unstructured<'_>) -> AResult<Option<DispositionExtension>> {
        if !u.arbitrary()? {
            return Ok(None);
        }
        let disposition =
            if u.arbitrary()? { Some(Disposition { kind: istring(u)?, parameters: params(u)? }) } else { None };
        let tail = if u.arbitrary()? {
            let languages = vec_of(u, 3, istring)?;
            let tail = if u.arbitrary()? {
                Some(LocationExtension { location: nstring(u)?, extensions: vec_of(u, 2, |u| body_extension(u, 0))? })
            } else {
                None
            };
            Some(LanguageExtension { languages, tail })
        } else {
            None
        };
        Ok(Some(DispositionExtension { disposition, tail }))
    }

    fn body(u: &mut Unstructured<'_>, depth: u32) -> AResult<BodyStructure> {
        let fields = |u: &mut Unstructured<'_>| -> AResult<BodyFields> {
            Ok(BodyFields {
                parameters: params(u)?,
                id: nstring(u)?,
                description: nstring(u)?,
                encoding: istring(u)?,
                octets: u.arbitrary()?,
            })
        };
        let single_ext = |u: &mut Unstructured<'_>| -> AResult<Option<SinglePartExtension>> {
            Ok(if u.arbitrary()? {
                Some(SinglePartExtension { md5: nstring(u)?, tail: disposition_ext(u)? })
            } else {
                None
            })
        };
        let choice = if depth >= 3 { u.int_in_range(0..=1)? } else { u.int_in_range(0..=3)? };
        Ok(match choice {
            0 => {
                let t = from_alphabet(u, b"ABCDIMGVX", 1, 8)?;
                let media_type =
                    if t == "TEXT" || t == "MESSAGE" { IString::from("APPLICATION") } else { IString::from(t) };
                BodyStructure::Single {
                    body: SinglePart {
                        kind: SinglePartKind::Basic { media_type, subtype: istring(u)? },
                        fields: fields(u)?,
                    },
                    extension: single_ext(u)?,
                }
            }
            1 => BodyStructure::Single {
                body: SinglePart {
                    kind: SinglePartKind::Text { subtype: istring(u)?, lines: u.arbitrary()? },
                    fields: fields(u)?,
                },
                extension: single_ext(u)?,
            },
            2 => BodyStructure::Multi {
                parts: vec1_of(u, 3, |u| body(u, depth + 1))?,
                subtype: istring(u)?,
                extension: if u.arbitrary()? {
                    Some(MultiPartExtension { parameters: params(u)?, tail: disposition_ext(u)? })
                } else {
                    None
                },
            },
            _ => {
                let subtype = IString::from(*u.choose(&["RFC822", "rfc822", "GLOBAL"])?);
                let f = fields(u)?;
                BodyStructure::Single {
                    body: SinglePart {
                        kind: SinglePartKind::Message {
                            subtype,
                            envelope: Box::new(envelope(u)?),
                            body: Box::new(body(u, depth + 1)?),
                            lines: u.arbitrary()?,
                        },
                        fields: f,
                    },
                    extension: single_ext(u)?,
                }
            }
        })
    }

    fn raw_value(u: &mut Unstructured<'_>) -> AResult<RawValue> {
        let s = *u.choose(&["NIL", "12", "(\\Inbox \"a b\" (1 2))", "{3}\r\nabc", "\"q\""])?;
        Ok(RawValue::parse(Bytes::from_static(s.as_bytes())).expect("sample"))
    }

    fn message_attribute(u: &mut Unstructured<'_>) -> AResult<MessageAttribute> {
        Ok(match u.int_in_range(0..=12)? {
            0 => MessageAttribute::Flags(vec_of(u, 4, |u| {
                Ok(if u.ratio(1, 5)? { FlagFetch::Recent } else { FlagFetch::Flag(flag(u)?) })
            })?),
            1 => MessageAttribute::Envelope(Box::new(envelope(u)?)),
            2 => MessageAttribute::InternalDate(date_time(u)?),
            3 => MessageAttribute::Rfc822(nstring(u)?),
            4 => MessageAttribute::Rfc822Header(nstring(u)?),
            5 => MessageAttribute::Rfc822Text(nstring(u)?),
            6 => MessageAttribute::Rfc822Size(u.arbitrary()?),
            7 => MessageAttribute::Body(Box::new(body(u, 0)?)),
            8 => MessageAttribute::BodyStructure(Box::new(body(u, 0)?)),
            9 => MessageAttribute::BodySection { section: section(u)?, origin: u.arbitrary()?, data: nstring(u)? },
            10 => MessageAttribute::Uid(nz(u)?),
            11 => MessageAttribute::ModSeq(u.arbitrary()?),
            _ => MessageAttribute::Other { name: x_name(u)?, value: raw_value(u)? },
        })
    }

    fn raw_arguments(u: &mut Unstructured<'_>) -> AResult<RawArguments> {
        let s = from_alphabet(u, b"abc 01()\"", 0, 10)?;
        Ok(RawArguments::new(s).expect("no line breaks"))
    }

    fn status_attribute(u: &mut Unstructured<'_>) -> AResult<StatusAttribute> {
        Ok(match u.int_in_range(0..=8)? {
            0 => StatusAttribute::Messages,
            1 => StatusAttribute::Recent,
            2 => StatusAttribute::UidNext,
            3 => StatusAttribute::UidValidity,
            4 => StatusAttribute::Unseen,
            5 => StatusAttribute::HighestModSeq,
            6 => StatusAttribute::Size,
            7 => StatusAttribute::Deleted,
            _ => StatusAttribute::Other(x_name(u)?),
        })
    }

    fn data(u: &mut Unstructured<'_>) -> AResult<Data> {
        let list_item = |u: &mut Unstructured<'_>| -> AResult<ListItem> {
            Ok(ListItem {
                attributes: vec_of(u, 3, |u| Ok(MailboxAttribute::from_name(atom(u)?)))?,
                delimiter: if u.arbitrary()? {
                    Some(Delimiter::new(u.int_in_range(0x20u8..=0x7e)? as char).expect("ascii"))
                } else {
                    None
                },
                mailbox: mailbox(u)?,
                extended: if u.ratio(1, 4)? {
                    Some(Box::new(
                        RawValue::parse(Bytes::from_static(b"(\"CHILDINFO\" (\"SUBSCRIBED\"))")).expect("sample"),
                    ))
                } else {
                    None
                },
            })
        };
        Ok(match u.int_in_range(0..=11)? {
            0 => Data::Capability(vec_of(u, 4, |u| Ok(Capability::from_atom(atom(u)?)))?),
            1 => Data::List(list_item(u)?),
            2 => Data::Lsub(list_item(u)?),
            3 => Data::Status {
                mailbox: mailbox(u)?,
                items: vec_of(u, 3, |u| Ok(StatusItem { attribute: status_attribute(u)?, value: u.arbitrary()? }))?,
            },
            4 => Data::Search { ids: vec_of(u, 8, nz)?, modseq: u.arbitrary()? },
            5 => Data::Flags(vec_of(u, 4, flag)?),
            6 => Data::Exists(u.arbitrary()?),
            7 => Data::Recent(u.arbitrary()?),
            8 => Data::Expunge(nz(u)?),
            9 => Data::Fetch { seq: nz(u)?, attributes: vec1_of(u, 3, message_attribute)? },
            10 => Data::Enabled(vec_of(u, 3, atom)?),
            _ => Data::Other { name: x_name(u)?, number: u.arbitrary()?, arguments: raw_arguments(u)? },
        })
    }

    pub fn response(u: &mut Unstructured<'_>) -> AResult<Response> {
        Ok(match u.int_in_range(0..=4)? {
            0 => Response::Status(StatusResponse {
                tag: Some(Tag::try_from(from_alphabet(u, b"Aa0.", 1, 6)?).expect("tag")),
                kind: *u.choose(&[StatusKind::Ok, StatusKind::No, StatusKind::Bad])?,
                code: if u.arbitrary()? { Some(Box::new(code(u)?)) } else { None },
                text: text(u)?,
            }),
            1 => Response::Status(StatusResponse {
                tag: None,
                kind: *u.choose(&[
                    StatusKind::Ok,
                    StatusKind::No,
                    StatusKind::Bad,
                    StatusKind::Bye,
                    StatusKind::PreAuth,
                ])?,
                code: if u.arbitrary()? { Some(Box::new(code(u)?)) } else { None },
                text: text(u)?,
            }),
            2 => {
                let code = if u.arbitrary()? { Some(Box::new(code(u)?)) } else { None };
                // Text without a code must not look like base64.
                let t = if code.is_none() {
                    format!("go {}", from_alphabet(u, b"ab ", 0, 6)?)
                } else {
                    text(u)?.to_string()
                };
                Response::Continuation(Continuation::Text { code, text: Text::try_from(t.as_str()).expect("text") })
            }
            3 => Response::Continuation(Continuation::Base64(IString::from(vec1_of(u, 20, |u| u.arbitrary::<u8>())?))),
            _ => Response::Data(data(u)?),
        })
    }

    fn search_key(u: &mut Unstructured<'_>, depth: u32) -> AResult<SearchKey> {
        let max = if depth >= 4 { 33 } else { 36 };
        Ok(match u.int_in_range(0..=max)? {
            0 => SearchKey::All,
            1 => SearchKey::Answered,
            2 => SearchKey::Deleted,
            3 => SearchKey::Draft,
            4 => SearchKey::Flagged,
            5 => SearchKey::New,
            6 => SearchKey::Old,
            7 => SearchKey::Recent,
            8 => SearchKey::Seen,
            9 => SearchKey::Unanswered,
            10 => SearchKey::Undeleted,
            11 => SearchKey::Undraft,
            12 => SearchKey::Unflagged,
            13 => SearchKey::Unseen,
            14 => SearchKey::Bcc(istring(u)?),
            15 => SearchKey::Body(istring(u)?),
            16 => SearchKey::Cc(istring(u)?),
            17 => SearchKey::From(istring(u)?),
            18 => SearchKey::Subject(istring(u)?),
            19 => SearchKey::Text(istring(u)?),
            20 => SearchKey::To(istring(u)?),
            21 => SearchKey::Header(istring(u)?, istring(u)?),
            22 => SearchKey::Before(date(u)?),
            23 => SearchKey::On(date(u)?),
            24 => SearchKey::Since(date(u)?),
            25 => SearchKey::SentBefore(date(u)?),
            26 => SearchKey::SentOn(date(u)?),
            27 => SearchKey::SentSince(date(u)?),
            28 => SearchKey::Keyword(atom(u)?),
            29 => SearchKey::Unkeyword(atom(u)?),
            30 => SearchKey::Larger(u.arbitrary()?),
            31 => SearchKey::Smaller(u.arbitrary()?),
            32 => SearchKey::Uid(seq(u)?),
            33 => SearchKey::SequenceSet(seq(u)?),
            34 => SearchKey::Not(Box::new(search_key(u, depth + 1)?)),
            35 => SearchKey::Or(Box::new(search_key(u, depth + 1)?), Box::new(search_key(u, depth + 1)?)),
            _ => SearchKey::And(vec1_of(u, 3, |u| search_key(u, depth + 1))?),
        })
    }

    fn fetch_attribute(u: &mut Unstructured<'_>) -> AResult<FetchAttribute> {
        Ok(match u.int_in_range(0..=12)? {
            0 => FetchAttribute::Envelope,
            1 => FetchAttribute::Flags,
            2 => FetchAttribute::InternalDate,
            3 => FetchAttribute::Rfc822,
            4 => FetchAttribute::Rfc822Header,
            5 => FetchAttribute::Rfc822Size,
            6 => FetchAttribute::Rfc822Text,
            7 => FetchAttribute::Body,
            8 => FetchAttribute::BodyStructure,
            9 => FetchAttribute::Uid,
            10 => FetchAttribute::ModSeq,
            11 => FetchAttribute::Other(x_name(u)?),
            _ => FetchAttribute::BodySection {
                peek: u.arbitrary()?,
                section: section(u)?,
                partial: if u.arbitrary()? { Some(Partial { origin: u.arbitrary()?, length: nz(u)? }) } else { None },
            },
        })
    }

    fn modifiers(u: &mut Unstructured<'_>) -> AResult<Vec<Modifier>> {
        vec_of(u, 2, |u| {
            let value = if u.arbitrary()? {
                let s = *u.choose(&["12", "1:5,7", "(1 (2 3))"])?;
                Some(RawValue::parse(Bytes::from_static(s.as_bytes())).expect("sample"))
            } else {
                None
            };
            Ok(Modifier { name: x_name(u)?, value })
        })
    }

    pub fn command(u: &mut Unstructured<'_>) -> AResult<Command> {
        let tag = Tag::try_from(from_alphabet(u, b"Aa0.", 1, 6)?).expect("tag");
        let body = match u.int_in_range(0..=31)? {
            0 => CommandBody::Capability,
            1 => CommandBody::Noop,
            2 => CommandBody::Logout,
            3 => CommandBody::StartTls,
            4 => CommandBody::Check,
            5 => CommandBody::Close,
            6 => CommandBody::Expunge,
            7 => CommandBody::Idle,
            8 => CommandBody::Namespace,
            9 => CommandBody::Unselect,
            10 => CommandBody::Authenticate {
                mechanism: atom(u)?,
                initial_response: if u.arbitrary()? { Some(istring(u)?) } else { None },
            },
            11 => CommandBody::Login { username: istring(u)?, password: istring(u)? },
            12 => CommandBody::Select { mailbox: mailbox(u)?, parameters: modifiers(u)? },
            13 => CommandBody::Examine { mailbox: mailbox(u)?, parameters: modifiers(u)? },
            14 => CommandBody::Create(mailbox(u)?),
            15 => CommandBody::Delete(mailbox(u)?),
            16 => CommandBody::Subscribe(mailbox(u)?),
            17 => CommandBody::Unsubscribe(mailbox(u)?),
            18 => CommandBody::Rename { from: mailbox(u)?, to: mailbox(u)? },
            19 => CommandBody::List { reference: mailbox(u)?, pattern: istring(u)? },
            20 => CommandBody::Lsub { reference: mailbox(u)?, pattern: istring(u)? },
            21 => CommandBody::Status { mailbox: mailbox(u)?, attributes: vec1_of(u, 3, status_attribute)? },
            22 => CommandBody::Append {
                mailbox: mailbox(u)?,
                flags: vec_of(u, 3, flag)?,
                date: if u.arbitrary()? { Some(date_time(u)?) } else { None },
                message: istring(u)?,
            },
            23 => CommandBody::Search {
                uid: u.arbitrary()?,
                charset: if u.arbitrary()? { Some(istring(u)?) } else { None },
                criteria: vec1_of(u, 3, |u| search_key(u, 0))?,
            },
            24 => CommandBody::Fetch {
                uid: u.arbitrary()?,
                sequence_set: seq(u)?,
                items: match u.int_in_range(0..=3)? {
                    0 => FetchItems::All,
                    1 => FetchItems::Fast,
                    2 => FetchItems::Full,
                    _ => FetchItems::Attributes(vec1_of(u, 4, fetch_attribute)?),
                },
                modifiers: modifiers(u)?,
            },
            25 => CommandBody::Store {
                uid: u.arbitrary()?,
                sequence_set: seq(u)?,
                modifiers: modifiers(u)?,
                action: *u.choose(&[StoreAction::Replace, StoreAction::Add, StoreAction::Remove])?,
                silent: u.arbitrary()?,
                flags: vec_of(u, 3, flag)?,
            },
            26 => CommandBody::Copy { uid: u.arbitrary()?, sequence_set: seq(u)?, mailbox: mailbox(u)? },
            27 => CommandBody::Move { uid: u.arbitrary()?, sequence_set: seq(u)?, mailbox: mailbox(u)? },
            28 => CommandBody::UidExpunge(seq(u)?),
            29 => CommandBody::Enable(vec1_of(u, 3, atom)?),
            _ => CommandBody::Other { name: x_name(u)?, arguments: raw_arguments(u)? },
        };
        Ok(Command { tag, body })
    }

    fn pop3_arg(u: &mut Unstructured<'_>, alphabet: &[u8]) -> AResult<pop3_proto::Arg> {
        Ok(pop3_proto::Arg::try_from(from_alphabet(u, alphabet, 1, 12)?.as_str()).expect("arg"))
    }

    pub fn pop3_command(u: &mut Unstructured<'_>) -> AResult<pop3_proto::Command> {
        use pop3_proto::Command as C;
        let tok = b"abcXYZ019!#$%&'*+-./:;<=>?@[]^_`{|}~";
        let n = |u: &mut Unstructured<'_>| nz(u);
        Ok(match u.int_in_range(0..=18)? {
            0 => C::User(pop3_arg(u, tok)?),
            1 => C::Pass(pop3_proto::Arg::try_from(from_alphabet(u, b"ab c ", 0, 12)?.as_str()).expect("arg")),
            2 => C::Apop {
                name: pop3_arg(u, tok)?,
                digest: pop3_proto::Arg::try_from(from_alphabet(u, b"0123456789abcdef", 32, 32)?.as_str())
                    .expect("hex"),
            },
            3 => C::Stat,
            4 => C::List(if u.arbitrary()? { Some(n(u)?) } else { None }),
            5 => C::Retr(n(u)?),
            6 => C::Dele(n(u)?),
            7 => C::Noop,
            8 => C::Rset,
            9 => C::Quit,
            10 => C::Top { message: n(u)?, lines: u.arbitrary()? },
            11 => C::Uidl(if u.arbitrary()? { Some(n(u)?) } else { None }),
            12 => C::Capa,
            13 => C::Stls,
            14 => C::Auth {
                mechanism: Some(pop3_arg(u, tok)?),
                initial_response: if u.arbitrary()? { Some(Bytes::from(<Vec<u8>>::arbitrary(u)?)) } else { None },
            },
            15 => C::Auth { mechanism: None, initial_response: None },
            16 => C::Utf8,
            17 => C::Lang(if u.arbitrary()? { Some(pop3_arg(u, tok)?) } else { None }),
            _ => C::Other {
                keyword: pop3_proto::Arg::try_from(format!("X{}", from_alphabet(u, b"ABC", 2, 3)?).as_str())
                    .expect("kw"),
                arguments: if u.arbitrary()? {
                    Some(pop3_arg(u, b"ab c")?).filter(|a| !a.as_bytes().ends_with(b" "))
                } else {
                    None
                },
            },
        })
    }

    pub fn pop3_status(u: &mut Unstructured<'_>) -> AResult<pop3_proto::StatusLine> {
        use pop3_proto::{CodeKind, ResponseCode, Status, StatusLine};
        let code = if u.arbitrary()? {
            let kind = match u.int_in_range(0..=7)? {
                0 => CodeKind::InUse,
                1 => CodeKind::LoginDelay,
                2 => CodeKind::SysTemp,
                3 => CodeKind::SysPerm,
                4 => CodeKind::Sys,
                5 => CodeKind::Auth,
                6 => CodeKind::Utf8,
                _ => CodeKind::Other(pop3_arg(u, b"XYZ-")?),
            };
            let sublevels = vec_of(u, 2, |u| pop3_arg(u, b"ABC-9"))?;
            let kind = match (&kind, sublevels.first()) {
                // SYS followed by TEMP/PERM reads as SysTemp/SysPerm.
                (CodeKind::Sys, _) => CodeKind::Sys,
                _ => kind,
            };
            Some(ResponseCode { kind, sublevels })
        } else {
            None
        };
        let text = from_alphabet(u, b"ab c[]", 0, 12)?;
        let text = text.trim_end();
        Ok(StatusLine {
            status: if u.arbitrary()? { Status::Ok } else { Status::Err },
            code,
            text: pop3_proto::Arg::try_from(if text.starts_with('[') { "x" } else { text }).expect("text"),
        })
    }
}
