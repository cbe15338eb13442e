//! Hostile input: typed errors, never a panic, a stack overflow or an
//! allocation the limits do not bound.

mod common;

use bytes::BytesMut;
use imap_wire::*;

#[test]
fn literal_announcing_u64_max_bytes_is_refused_before_buffering() {
    let mut dec = ResponseDecoder::after_greeting(Limits::default());
    let mut buf = BytesMut::from(&b"* 1 FETCH (BODY[] {18446744073709551615}\r\nabc"[..]);
    let err = dec.decode(&mut buf).unwrap_err();
    assert!(
        matches!(err, DecodeError::Frame { error: FrameError::LiteralTooLarge { size: u64::MAX, offset: 0, .. }, .. }),
        "{err:?}"
    );
    // The announced data is being skipped, not buffered.
    assert!(buf.is_empty());
    // One past u64 is a typed error too.
    let mut dec = ResponseDecoder::after_greeting(Limits::default());
    let mut buf = BytesMut::from(&b"* 1 FETCH (BODY[] {18446744073709551616}\r\n* 2 EXISTS\r\n"[..]);
    assert!(matches!(
        dec.decode(&mut buf),
        Err(DecodeError::Frame { error: FrameError::LiteralSizeOverflow { offset: 0 }, .. })
    ));
    assert!(matches!(
        dec.decode(&mut buf),
        Ok(Some(Decoded { message: ServerMessage::Response(Response::Data(Data::Exists(2))), .. }))
    ));
    // The grammar alone (no framer) reports the missing data.
    assert!(Response::parse(b"* 1 FETCH (BODY[] {18446744073709551615}\r\n)\r\n").is_err());
    assert!(Command::parse(b"a APPEND x {18446744073709551615+}\r\n\r\n").is_err());
}

#[test]
fn number_past_u32_is_a_typed_error() {
    for input in
        [&b"* 4294967296 EXISTS\r\n"[..], b"* 1 FETCH (UID 4294967296)\r\n", b"* OK [UIDNEXT 4294967296] x\r\n"]
    {
        let mut dec = ResponseDecoder::after_greeting(Limits::default());
        let mut buf = BytesMut::from(input);
        match dec.decode(&mut buf) {
            Err(DecodeError::Parse { error, .. }) => assert_eq!(error.kind, ParseErrorKind::NumberOverflow("u32")),
            // A known code with bad arguments is kept as an unknown code.
            Ok(Some(d)) => assert!(format!("{d:?}").contains("Other"), "{d:?}"),
            other => panic!("{other:?}"),
        }
    }
    let err = Command::parse(b"a FETCH 4294967296 FLAGS\r\n").unwrap_err();
    assert_eq!((err.offset, err.kind), (8, ParseErrorKind::NumberOverflow("u32")));
}

fn nested(open: &str, inner: &str, close: &str, n: usize, prefix: &str, suffix: &str) -> Vec<u8> {
    let mut s = String::with_capacity(n * (open.len() + close.len()) + 64);
    s.push_str(prefix);
    for _ in 0..n {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..n {
        s.push_str(close);
    }
    s.push_str(suffix);
    s.into_bytes()
}

#[test]
fn hundred_thousand_nested_parentheses_hit_the_depth_limit() {
    let too_deep = |input: &[u8], command: bool| {
        let r = if command { Command::parse(input).map(drop) } else { Response::parse(input).map(drop) };
        let err = r.unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::TooDeep { limit: Limits::default().max_depth }, "{err}");
    };
    let n = 100_000;
    too_deep(
        &nested("(", "\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1", ")", n, "* 1 FETCH (BODYSTRUCTURE ", ")\r\n"),
        false,
    );
    too_deep(&nested("(", "1", ")", n, "* 1 FETCH (X-DEEP ", ")\r\n"), false);
    too_deep(&nested("(", "ALL", ")", n, "a SEARCH ", "\r\n"), true);
    too_deep(&nested("NOT ", "ALL", "", n, "a SEARCH ", "\r\n"), true);
    too_deep(&nested("(", "1", ")", n, "* LIST () \"/\" x (X-FOO ", ")\r\n"), false);
    too_deep(&nested("(", "1", ")", n, "* THREAD ", "\r\n"), false);
    let ext = nested(
        "(",
        "1",
        ")",
        n,
        "* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1 NIL NIL NIL NIL ",
        "))\r\n",
    );
    too_deep(&ext, false);
    // Through the decoder: an error, then the next message decodes.
    let mut input = nested("(", "ALL", ")", n, "a SEARCH ", "\r\n");
    input.extend_from_slice(b"b NOOP\r\n");
    let (events, messages) = common::decode_client(&input, 4096, Limits::default());
    assert_eq!(events.len(), 2);
    assert!(events[0].as_ref().unwrap_err().contains("nesting deeper"));
    assert_eq!(messages.len(), 1);
}

#[test]
fn depth_limit_is_configurable() {
    let input = nested("(", "ALL", ")", 10, "a SEARCH ", "\r\n");
    let limits = Limits { max_depth: 5, ..Limits::default() };
    let (events, _) = common::decode_client(&input, usize::MAX, limits);
    assert!(events[0].as_ref().unwrap_err().contains("limit of 5"));
    let limits = Limits { max_depth: 11, ..Limits::default() };
    let (events, _) = common::decode_client(&input, usize::MAX, limits);
    assert!(events[0].is_ok());
}

#[test]
fn ten_mib_line_is_refused_and_memory_stays_bounded() {
    let limits = Limits::default();
    let mut dec = ResponseDecoder::after_greeting(limits);
    let mut buf = BytesMut::new();
    let chunk = vec![b'x'; 64 * 1024];
    let mut errors = Vec::new();
    buf.extend_from_slice(b"* OK ");
    let mut max_buffered = 0;
    for _ in 0..160 {
        buf.extend_from_slice(&chunk);
        max_buffered = max_buffered.max(buf.len());
        loop {
            let r = dec.decode(&mut buf);
            match r {
                Ok(None) => break,
                Ok(Some(m)) => panic!("{m:?}"),
                Err(e) => errors.push(e),
            }
        }
    }
    buf.extend_from_slice(b"\r\n* 5 EXISTS\r\n");
    let next = dec.decode(&mut buf).unwrap().unwrap();
    assert_eq!(next.message, ServerMessage::Response(Response::Data(Data::Exists(5))));
    assert_eq!(next.offset, 5 + 160 * 64 * 1024 + 2);
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(errors[0], DecodeError::Frame { error: FrameError::LineTooLong { offset: 0, limit }, .. } if limit == limits.max_line_length)
    );
    assert!(max_buffered <= limits.max_line_length + 2 * chunk.len(), "{max_buffered}");
    // Whole, in one piece, on the command side with server limits.
    let mut line = b"a LOGIN ".to_vec();
    line.resize(10 << 20, b'y');
    line.extend_from_slice(b"\r\nb NOOP\r\n");
    let (events, messages) = common::decode_client(&line, usize::MAX, Limits::server());
    assert!(events[0].as_ref().unwrap_err().contains("exceeds the limit of 65536"));
    assert_eq!(messages.len(), 1);
}

#[test]
fn message_size_limit_counts_lines_and_literals() {
    let limits = Limits { max_message_size: 100, ..Limits::default() };
    let mut input = b"* 1 FETCH (BODY[1] {40}\r\n".to_vec();
    input.extend_from_slice(&[b'a'; 40]);
    input.extend_from_slice(b" BODY[2] {40}\r\n");
    input.extend_from_slice(&[b'b'; 40]);
    input.extend_from_slice(b")\r\n* 2 EXISTS\r\n");
    for chunk in [1, 10, usize::MAX] {
        let (events, messages) = common::decode_server(&input, chunk, limits);
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(events[0].as_ref().unwrap_err().contains("exceeds the limit of 100"));
        assert_eq!(messages, vec![ServerMessage::Response(Response::Data(Data::Exists(2)))]);
    }
}

#[test]
fn literal_size_limit_is_configurable() {
    let input = b"a APPEND INBOX {11}\r\nhello world\r\n";
    let (events, _) = common::decode_client(input, usize::MAX, Limits { max_literal_size: 10, ..Limits::default() });
    assert!(events[0].as_ref().unwrap_err().contains("literal of 11 bytes"));
    let (events, _) = common::decode_client(input, usize::MAX, Limits { max_literal_size: 11, ..Limits::default() });
    assert!(events[0].is_ok());
}

#[test]
fn a_bad_message_never_loses_the_good_ones_around_it() {
    let input = b"* 1 EXISTS\r\n* 1 FETCH (UID x)\r\n* garbage (((\r\n* 2 FETCH (BODY[] {3}\r\n)))\r\n* 3 EXISTS\r\n";
    for chunk in 1..input.len() {
        let (events, messages) = common::decode_server(input, chunk, Limits::default());
        assert_eq!(events.len(), 5, "chunk {chunk}");
        // "* garbage (((" is a well-formed unknown response, kept raw; the
        // bad UID and the unclosed FETCH are errors.
        assert_eq!(events.iter().filter(|e| e.is_err()).count(), 2, "chunk {chunk}: {events:?}");
        assert_eq!(messages.len(), 3);
        assert!(matches!(messages[2], ServerMessage::Response(Response::Data(Data::Exists(3)))));
    }
}

#[test]
fn malformed_command_reports_its_tag_for_a_bad_reply() {
    let mut dec = CommandDecoder::new(Limits::server());
    let mut buf = BytesMut::from(&b"A7 FETCH x FLAGS\r\nA8 NOOP\r\n"[..]);
    match dec.decode(&mut buf) {
        Err(DecodeError::Parse { tag: Some(tag), message_offset: 0, error }) => {
            assert_eq!(tag.as_str(), "A7");
            assert_eq!(error.offset, 9);
        }
        other => panic!("{other:?}"),
    }
    assert!(dec.decode(&mut buf).unwrap().is_some());
}

#[test]
fn random_garbage_gives_the_same_events_in_every_chunking() {
    // A deterministic pseudo-random stream mixing protocol fragments.
    let pieces: [&[u8]; 14] = [
        b"* ",
        b"1 ",
        b"FETCH ",
        b"(",
        b")",
        b"{3}\r\n",
        b"{99999999999999999999999}\r\n",
        b"\r\n",
        b"\"",
        b"\\",
        b"BODY[",
        b"]",
        b"\xff",
        b"NIL ",
    ];
    let mut state = 0x2545F4914F6CDD1Du64;
    let mut input = Vec::new();
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        input.extend_from_slice(pieces[(state % pieces.len() as u64) as usize]);
    }
    let limits = Limits { max_literal_size: 1 << 16, ..Limits::default() };
    let server = common::decode_server(&input, usize::MAX, limits).0;
    let client = common::decode_client(&input, usize::MAX, limits).0;
    // The stream holds both good messages and errors, at increasing offsets.
    for events in [&server, &client] {
        let good = events.iter().filter(|e| e.is_ok()).count();
        let bad = events.len() - good;
        assert!(good > 10 && bad > 1000, "{good} good, {bad} bad");
        let offsets: Vec<u64> = events.iter().filter_map(|e| e.as_ref().ok().map(|(o, _)| *o)).collect();
        assert!(offsets.windows(2).all(|w| w[0] < w[1]) && offsets.iter().all(|&o| o < input.len() as u64));
    }
    for chunk in [1, 5, 4096] {
        assert_eq!(common::decode_server(&input, chunk, limits).0, server, "server side, chunk {chunk}");
        assert_eq!(common::decode_client(&input, chunk, limits).0, client, "client side, chunk {chunk}");
    }
}

#[test]
fn malformed_tagged_responses_keep_their_tag() {
    for input in [&b"a1 OK text \0 NUL\r\n"[..], b"a1 NOPE x\r\n"] {
        let mut dec = ResponseDecoder::after_greeting(Limits::default());
        let mut buf = BytesMut::from(input);
        let err = dec.decode(&mut buf).unwrap_err();
        assert_eq!(err.tag().map(Tag::as_str), Some("a1"), "{input:?}: {err:?}");
    }
    // Untagged and continuation lines have no tag.
    let mut dec = ResponseDecoder::after_greeting(Limits::default());
    let mut buf = BytesMut::from(&b"* 1 FETCH (UID x)\r\n"[..]);
    assert_eq!(dec.decode(&mut buf).unwrap_err().tag(), None);
}

#[test]
fn commands_refused_by_a_limit_keep_their_tag() {
    let mut dec = CommandDecoder::new(Limits::server());
    let mut buf = BytesMut::from(&b"a1 APPEND INBOX {100000000}\r\na2 NOOP\r\n"[..]);
    let err = dec.decode(&mut buf).unwrap_err();
    assert!(matches!(err, DecodeError::Frame { error: FrameError::LiteralTooLarge { synchronizing: true, .. }, .. }));
    assert_eq!(err.tag().map(Tag::as_str), Some("a1"));
    assert!(dec.decode(&mut buf).unwrap().is_some(), "the next command still decodes");
    // An over-long line, fed in pieces: the tag is read before the bytes go.
    let mut dec = CommandDecoder::new(Limits::server());
    let mut buf = BytesMut::from(&b"x9 LOGIN "[..]);
    let mut tags = Vec::new();
    for _ in 0..100 {
        buf.extend_from_slice(&[b'y'; 1000]);
        if let Err(e) = dec.decode(&mut buf) {
            tags.push(e.tag().cloned());
        }
    }
    assert_eq!(tags, vec![Some(Tag::try_from("x9").unwrap())]);
    // A literal size past 64 bits.
    let mut dec = CommandDecoder::new(Limits::server());
    let mut buf = BytesMut::from(&b"t APPEND INBOX {99999999999999999999999}\r\n"[..]);
    assert_eq!(dec.decode(&mut buf).unwrap_err().tag().map(Tag::as_str), Some("t"));
}

#[test]
fn decode_errors_report_stream_offsets() {
    let mut dec = CommandDecoder::new(Limits::server());
    let mut buf = BytesMut::from(&b"a1 NOOP\r\nA7 FETCH x FLAGS\r\n"[..]);
    assert!(dec.decode(&mut buf).unwrap().is_some());
    let err = dec.decode(&mut buf).unwrap_err();
    let DecodeError::Parse { message_offset, error, .. } = &err else { panic!("{err:?}") };
    assert_eq!((*message_offset, error.offset), (9, 9), "the grammar error counts from its message");
    assert_eq!(err.offset(), 18);
    assert!(err.to_string().contains("at byte 18 (in the message at byte 9)"), "{err}");
}

#[test]
fn end_of_input_inside_a_message_is_reported() {
    let mut dec = ResponseDecoder::after_greeting(Limits::default());
    let mut buf = BytesMut::from(&b"* 2 EXISTS\r\na1 OK [READ-WRITE] sel"[..]);
    assert!(dec.decode_eof(&mut buf).unwrap().is_some());
    let err = dec.decode_eof(&mut buf).unwrap_err();
    assert_eq!(err, DecodeError::Truncated { offset: 12, tag: Some(Tag::try_from("a1").unwrap()) });
    assert_eq!(dec.decode_eof(&mut buf), Ok(None), "reported once");
    // Inside a literal's data.
    let mut dec = CommandDecoder::new(Limits::server());
    let mut buf = BytesMut::from(&b"a2 APPEND INBOX {10+}\r\nabc"[..]);
    assert!(dec.decode(&mut buf).unwrap().is_none());
    assert!(matches!(dec.decode_eof(&mut buf), Err(DecodeError::Truncated { offset: 0, .. })));
    // A clean end is no error.
    let mut dec = CommandDecoder::new(Limits::server());
    let mut buf = BytesMut::from(&b"a3 NOOP\r\n"[..]);
    assert!(dec.decode_eof(&mut buf).unwrap().is_some());
    assert_eq!(dec.decode_eof(&mut buf), Ok(None));
}

#[test]
fn literal_data_shares_the_receive_buffer() {
    let mut dec = ResponseDecoder::after_greeting(Limits::default());
    let mut buf = BytesMut::with_capacity(4096);
    buf.extend_from_slice(b"* 1 FETCH (BODY[] {1000}\r\n");
    buf.extend_from_slice(&[b'z'; 1000]);
    buf.extend_from_slice(b")\r\n");
    let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
    let msg = dec.decode(&mut buf).unwrap().unwrap().message;
    let ServerMessage::Response(Response::Data(Data::Fetch { attributes, .. })) = msg else { panic!() };
    let MessageAttribute::BodySection { data: Some(data), .. } = &attributes[0] else { panic!() };
    assert_eq!(data.len(), 1000);
    assert!(range.contains(&(data.as_ptr() as usize)), "the literal was not copied");
}

#[test]
fn short_messages_are_parsed_in_place_and_long_ones_shared() {
    let body = |msg: ServerMessage| {
        let ServerMessage::Response(Response::Data(Data::Fetch { attributes, .. })) = msg else { panic!() };
        let MessageAttribute::BodySection { data: Some(data), .. } = &attributes[0] else { panic!() };
        data.clone()
    };
    let mut dec = ResponseDecoder::after_greeting(Limits::default());
    let mut buf = BytesMut::with_capacity(4096);
    // A short message (no literal): a long string in it is copied, the
    // receive buffer is advanced past the message, and the next message
    // decodes from the right place.
    let short = format!("* 1 FETCH (BODY[] \"{}\")\r\n", "s".repeat(100));
    let long = format!("* 2 FETCH (BODY[] \"{}\")\r\n", "l".repeat(400));
    buf.extend_from_slice(short.as_bytes());
    buf.extend_from_slice(long.as_bytes());
    buf.extend_from_slice(b"* 3 EXISTS\r\n");
    let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
    let first = dec.decode(&mut buf).unwrap().unwrap();
    assert_eq!(first.offset, 0);
    let data = body(first.message);
    assert_eq!(&data[..], "s".repeat(100).as_bytes());
    assert!(!range.contains(&(data.as_ptr() as usize)), "a short message's long string is a copy");
    // A long message: its long strings share the receive buffer.
    let second = dec.decode(&mut buf).unwrap().unwrap();
    assert_eq!(second.offset, short.len() as u64);
    let data = body(second.message);
    assert_eq!(&data[..], "l".repeat(400).as_bytes());
    assert!(range.contains(&(data.as_ptr() as usize)), "a long message's long string is shared");
    let third = dec.decode(&mut buf).unwrap().unwrap();
    assert_eq!(third.offset, (short.len() + long.len()) as u64);
    assert_eq!(third.message, ServerMessage::Response(Response::Data(Data::Exists(3))));
    assert!(buf.is_empty());
}
