//! proptest round trips: for every generated command and response,
//! parse(serialize(v)) == v, whole and fed in random chunks. The values
//! come from the crate's `arbitrary` generators, which the fuzzers share.

mod common;

use arbitrary::{Arbitrary, Unstructured};
use imap_wire::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// Values from the crate's `arbitrary` generators (the same ones the
/// fuzzers use), driven by proptest's random bytes.
fn arb<T: for<'a> Arbitrary<'a> + std::fmt::Debug>() -> impl Strategy<Value = T> {
    vec(any::<u8>(), 0..4096)
        .prop_filter_map("generator ran dry", |bytes| T::arbitrary(&mut Unstructured::new(&bytes)).ok())
}

fn response() -> impl Strategy<Value = Response> {
    arb()
}

fn greeting() -> impl Strategy<Value = Greeting> {
    arb()
}

fn command() -> impl Strategy<Value = Command> {
    arb()
}

fn sequence_set() -> impl Strategy<Value = SequenceSet> {
    arb()
}

/// Checks one stream of responses: decoded whole, it gives back the values;
/// decoded in `chunk`-byte pieces, the same events.
fn check_response_stream(g: Greeting, rs: Vec<Response>, chunk: usize) -> Result<(), TestCaseError> {
    let mut stream = g.to_bytes().to_vec();
    for r in &rs {
        stream.extend_from_slice(&r.to_bytes());
    }
    let (whole, messages) = common::decode_server(&stream, usize::MAX, Limits::default());
    prop_assert_eq!(messages.len(), rs.len() + 1);
    prop_assert_eq!(&messages[0], &ServerMessage::Greeting(g));
    for (m, r) in messages[1..].iter().zip(&rs) {
        prop_assert_eq!(m, &ServerMessage::Response(r.clone()));
    }
    prop_assert_eq!(common::decode_server(&stream, chunk, Limits::default()).0, whole);
    Ok(())
}

/// Runs a property on a thread with a large stack: generating deeply
/// nested values (body structures inside envelopes inside FETCH responses)
/// takes more stack in debug builds than a test thread has. The parser
/// itself is checked on an ordinary test thread in `hostile.rs`.
fn check<S: Strategy>(
    cases: u32,
    strategy: impl FnOnce() -> S + Send + 'static,
    test: impl Fn(S::Value) -> Result<(), TestCaseError> + Send + 'static,
) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
            let config = ProptestConfig { cases, ..ProptestConfig::default() };
            let mut runner = proptest::test_runner::TestRunner::new(config);
            if let Err(e) = runner.run(&strategy(), test) {
                panic!("{e}");
            }
        })
        .expect("spawn")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

#[test]
fn responses_round_trip() {
    check(512, response, |r| {
        let bytes = r.to_bytes();
        let parsed = Response::parse(&bytes);
        prop_assert_eq!(parsed.as_ref(), Ok(&r), "{:?}", String::from_utf8_lossy(&bytes));
        Ok(())
    });
}

#[test]
fn greetings_round_trip() {
    check(512, greeting, |g| {
        let bytes = g.to_bytes();
        prop_assert_eq!(Greeting::parse(&bytes), Ok(g), "{:?}", String::from_utf8_lossy(&bytes));
        Ok(())
    });
}

#[test]
fn commands_round_trip() {
    check(
        512,
        || (command(), any::<bool>()),
        |(c, non_sync)| {
            let options = EncodeOptions {
                literal_mode: if non_sync { LiteralMode::NonSynchronizing } else { LiteralMode::Synchronizing },
            };
            let mut out = bytes::BytesMut::new();
            let points = c.encode_to(&mut out, options);
            if non_sync {
                prop_assert!(points.is_empty());
            }
            for p in &points {
                prop_assert!(out[..*p].ends_with(b"}\r\n"), "a continuation point follows a literal announcement");
            }
            prop_assert_eq!(Command::parse(&out), Ok(c), "{:?}", String::from_utf8_lossy(&out));
            Ok(())
        },
    );
}

#[test]
fn response_streams_decode_the_same_in_any_chunking() {
    check(
        256,
        || (greeting(), vec(response(), 1..6), 1usize..64),
        |(g, rs, chunk)| check_response_stream(g, rs, chunk),
    );
}

#[test]
fn command_streams_decode_the_same_in_any_chunking() {
    check(
        256,
        || (vec(command(), 1..6), 1usize..64),
        |(cs, chunk)| {
            let cs: Vec<Command> = cs
                .into_iter()
                .filter(|c| !matches!(c.body, CommandBody::Idle | CommandBody::Authenticate { .. }))
                .collect();
            let mut stream = Vec::new();
            for c in &cs {
                stream.extend_from_slice(&c.to_bytes());
            }
            let (whole, messages) = common::decode_client(&stream, usize::MAX, Limits::default());
            prop_assert_eq!(messages, cs.into_iter().map(ClientMessage::Command).collect::<Vec<_>>());
            prop_assert_eq!(common::decode_client(&stream, chunk, Limits::default()).0, whole);
            Ok(())
        },
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn authenticate_and_idle_lines_round_trip(data in vec(any::<u8>(), 0..40)) {
        let m = ClientMessage::AuthenticateData(IString::from(data));
        prop_assert_eq!(common::reparse_client(&m, ClientLineMode::Authenticate), m);
        prop_assert_eq!(common::reparse_client(&ClientMessage::AuthenticateCancel, ClientLineMode::Authenticate), ClientMessage::AuthenticateCancel);
        prop_assert_eq!(common::reparse_client(&ClientMessage::IdleDone, ClientLineMode::Idle), ClientMessage::IdleDone);
    }

    #[test]
    fn sequence_sets_round_trip_as_text(s in sequence_set()) {
        prop_assert_eq!(s.to_string().parse::<SequenceSet>(), Ok(s));
    }

    #[test]
    fn modified_utf7_round_trips(s in "\\PC{0,20}") {
        let m = Mailbox::from_utf8(&s);
        prop_assert!(m.as_bytes().iter().all(|b| (0x20..0x7f).contains(b)));
        if !m.is_inbox() {
            prop_assert_eq!(m.to_utf8(), Ok(s));
        }
    }

    #[test]
    fn any_bytes_decode_the_same_whole_and_chunked(input in vec(any::<u8>(), 0..200), chunk in 1usize..16) {
        // The grammar alone: a value that reads back as itself, or an
        // error inside the input.
        match Response::parse(&input) {
            Ok(r) => prop_assert_eq!(Response::parse(&r.to_bytes()), Ok(r)),
            Err(e) => prop_assert!(e.offset <= input.len(), "{}", e),
        }
        match Command::parse(&input) {
            Ok(c) => prop_assert_eq!(Command::parse(&c.to_bytes()), Ok(c)),
            Err(e) => prop_assert!(e.offset <= input.len(), "{}", e),
        }
        // The decoders: the same events however the input is cut, every
        // message at an offset inside the input.
        let server = common::decode_server(&input, usize::MAX, Limits::default()).0;
        prop_assert_eq!(&common::decode_server(&input, chunk, Limits::default()).0, &server);
        let client = common::decode_client(&input, usize::MAX, Limits::default()).0;
        prop_assert_eq!(&common::decode_client(&input, chunk, Limits::default()).0, &client);
        for (offset, _) in server.iter().chain(&client).filter_map(|e| e.as_ref().ok()) {
            prop_assert!(*offset < input.len() as u64);
        }
    }
}
