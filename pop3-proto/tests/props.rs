//! Properties: dot-stuffing round trips whatever the bytes and chunking;
//! commands, status lines and listings survive serialize-then-parse.

use std::num::NonZeroU32;

use arbitrary::{Arbitrary, Unstructured};
use bytes::BytesMut;
use pop3_wire::client::*;
use pop3_wire::dot::{BodyPiece, DotDecoder, DotEncoder};
use pop3_wire::server::*;
use pop3_wire::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// The message as a receiver must see it: line endings CRLF (a lone CR
/// at the very end, or before LF, counts as a line ending), a final CRLF
/// added to a non-empty message without one.
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

fn message_bytes() -> impl Strategy<Value = Vec<u8>> {
    // Biased towards the bytes that matter: dots, CR, LF.
    vec(prop_oneof![4 => Just(b'.'), 3 => Just(b'\n'), 2 => Just(b'\r'), 3 => any::<u8>(), 2 => Just(b'a')], 0..300)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn stuffing_then_unstuffing_gives_the_message_back(
        m in message_bytes(),
        send_chunk in 1usize..40,
        recv_chunk in 1usize..40,
        trailer in vec(any::<u8>(), 0..10),
    ) {
        // Server side: stuff in pieces.
        let mut wire = BytesMut::new();
        let mut enc = DotEncoder::new();
        for piece in m.chunks(send_chunk) {
            enc.push(piece, &mut wire);
        }
        enc.finish(&mut wire);
        // Nothing bare: every LF on the wire follows a CR.
        for (i, &b) in wire.iter().enumerate() {
            if b == b'\n' {
                prop_assert!(i > 0 && wire[i - 1] == b'\r');
            }
        }
        wire.extend_from_slice(&trailer);
        // Client side: unstuff in other pieces.
        let mut dec = DotDecoder::new();
        let mut buf = BytesMut::new();
        let mut body = Vec::new();
        let mut ended = false;
        for piece in wire.chunks(recv_chunk) {
            buf.extend_from_slice(piece);
            while !ended {
                match dec.next_piece(&mut buf) {
                    Some(BodyPiece::Data(d)) => body.extend_from_slice(&d),
                    Some(BodyPiece::End) => ended = true,
                    None => break,
                }
            }
        }
        prop_assert!(ended);
        prop_assert_eq!(body, normalise(&m));
        prop_assert_eq!(&buf[..], &trailer[..], "bytes after the terminator are left alone");
    }

    #[test]
    fn commands_round_trip(cmd in command()) {
        prop_assert_eq!(Command::parse(&cmd.to_bytes()), Ok(cmd));
    }

    #[test]
    fn status_lines_round_trip(line in status_line()) {
        prop_assert_eq!(StatusLine::parse(&line.to_bytes()), Ok(line));
    }

    #[test]
    fn listings_round_trip(n in 1u32.., octets in any::<u64>(), uid in "[!-~]{1,70}") {
        let message = NonZeroU32::new(n).unwrap();
        let scan = ScanListing { message, octets };
        let b = scan.to_bytes();
        prop_assert_eq!(ScanListing::parse_text(&b[..b.len() - 2]), Ok(scan));
        let u = UniqueIdListing { message, uid: Arg::try_from(uid.as_str()).unwrap() };
        let b = u.to_bytes();
        prop_assert_eq!(UniqueIdListing::parse_text(&b[..b.len() - 2]), Ok(u));
    }

    #[test]
    fn any_input_gives_both_machines_the_same_events_whole_and_chunked(
        input in vec(any::<u8>(), 0..400),
        chunk in 1usize..50,
    ) {
        // The line parsers either parse or say where they stopped.
        if let Err(e) = Command::parse(&input) {
            prop_assert!(e.offset <= input.len());
        }
        if let Err(e) = StatusLine::parse(&input) {
            prop_assert!(e.offset <= input.len());
        }
        let whole = run_machines(&[&input]);
        let pieces: Vec<&[u8]> = input.chunks(chunk).collect();
        let chunked = run_machines(&pieces);
        prop_assert_eq!(&whole, &chunked);
        // Every event's offset lies within the input, in order.
        for events in [&whole.0, &whole.1] {
            let offsets: Vec<u64> = events.iter().map(|(o, _)| *o).collect();
            prop_assert!(offsets.iter().all(|&o| o <= input.len() as u64), "{:?}", events);
        }
    }
}

/// Events with their stream offsets, debug-formatted.
type Events = Vec<(u64, String)>;

/// Feeds the same bytes to a server and to a client expecting a RETR, a
/// CAPA and a UIDL reply, then ends the input; returns both event lists
/// with offsets (debug-formatted).
fn run_machines(pieces: &[&[u8]]) -> (Events, Events) {
    let mut server = Server::new(ServerConfig::default());
    let mut client = Client::new(ClientConfig::default());
    client.assume_sent(Command::Retr(NonZeroU32::MIN));
    client.assume_sent(Command::Capa);
    client.assume_sent(Command::Uidl(None));
    let (mut s, mut c) = (Vec::new(), Vec::new());
    let mut drain = |server: &mut Server, client: &mut Client| {
        while let Some((o, e)) = server.poll_event_at() {
            // Answer what the application owes, so that reading goes on.
            if let ServerEvent::Command(_) = e {
                let _ = server.complete(StatusLine::err("no").unwrap());
            }
            s.push((o, format!("{e:?}")));
        }
        while let Some((o, e)) = client.poll_event_at() {
            c.push((o, format!("{e:?}")));
        }
    };
    for piece in pieces {
        server.receive(piece);
        client.receive(piece);
        drain(&mut server, &mut client);
    }
    server.receive_eof();
    client.receive_eof();
    drain(&mut server, &mut client);
    // Message data may arrive in different pieces: join adjacent pieces.
    (s, join_message_data(c))
}

fn join_message_data(events: Events) -> Events {
    let mut out: Vec<(u64, String)> = Vec::new();
    for (o, e) in events {
        if let (Some(rest), Some((_, last))) = (e.strip_prefix("MessageData(b\""), out.last_mut()) {
            if let Some(prev) = last.strip_prefix("MessageData(b\"") {
                *last = format!("MessageData(b\"{}{}", prev.strip_suffix("\")").unwrap_or(prev), rest);
                continue;
            }
        }
        out.push((o, e));
    }
    out
}

/// Values from the crate's `arbitrary` generators (the same ones the
/// fuzzers use), driven by proptest's random bytes.
fn arb<T: for<'a> Arbitrary<'a> + std::fmt::Debug>() -> impl Strategy<Value = T> {
    vec(any::<u8>(), 0..256)
        .prop_filter_map("generator ran dry", |bytes| T::arbitrary(&mut Unstructured::new(&bytes)).ok())
}

fn command() -> impl Strategy<Value = Command> {
    arb()
}

fn status_line() -> impl Strategy<Value = StatusLine> {
    arb()
}
