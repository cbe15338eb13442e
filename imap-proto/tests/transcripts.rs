//! Real sessions recorded against Dovecot 2.3 by
//! `examples/scripts/record-imap-session.py`, replayed through the
//! decoders: no errors, every message round-trips, and the events are the
//! same whole, split at every point and fed byte by byte.

mod common;

use common::*;
use imap_wire::*;

const S2C: &[u8] = include_bytes!("fixtures/dovecot-imap.s2c");
const C2S: &[u8] = include_bytes!("fixtures/dovecot-imap.c2s");

fn decode_server_pieces(pieces: &[&[u8]]) -> Vec<Event> {
    let mut dec = ResponseDecoder::new(Limits::default());
    decode_pieces(pieces, |buf, eof| if eof { dec.decode_eof(buf) } else { dec.decode(buf) }).0
}

fn decode_client_pieces(pieces: &[&[u8]]) -> Vec<Event> {
    let mut dec = CommandDecoder::new(Limits::default());
    decode_pieces(pieces, |buf, eof| if eof { dec.decode_eof(buf) } else { dec.decode(buf) }).0
}

#[test]
fn dovecot_server_stream_decodes_without_errors_and_round_trips() {
    let (events, messages) = decode_server(S2C, usize::MAX, Limits::default());
    assert!(events.iter().all(|e| e.is_ok()), "{:?}", events.iter().find(|e| e.is_err()));
    assert!(messages.len() > 100, "{}", messages.len());
    assert!(matches!(messages[0], ServerMessage::Greeting(_)));
    for m in &messages {
        assert_eq!(&reparse_server(m), m);
    }
    // Things this session is known to contain.
    let has = |f: &dyn Fn(&ServerMessage) -> bool| messages.iter().any(f);
    assert!(has(&|m| matches!(m, ServerMessage::Response(Response::Continuation(_)))));
    assert!(has(&|m| matches!(
        m,
        ServerMessage::Response(Response::Status(StatusResponse { code: Some(c), .. })) if matches!(**c, Code::AppendUid { .. })
    )));
    assert!(has(&|m| matches!(
        m,
        ServerMessage::Response(Response::Status(StatusResponse { code: Some(c), .. })) if matches!(**c, Code::CopyUid { .. })
    )));
    assert!(has(
        &|m| matches!(m, ServerMessage::Response(Response::Data(Data::Fetch { attributes, .. })) if attributes.iter().any(|a| matches!(a, MessageAttribute::BodyStructure(_))))
    ));
    assert!(has(
        &|m| matches!(m, ServerMessage::Response(Response::Data(Data::List(ListItem { attributes, .. }))) if attributes.contains(&MailboxAttribute::Sent))
    ));
    assert!(has(&|m| matches!(
        m,
        ServerMessage::Response(Response::Status(StatusResponse { kind: StatusKind::Bye, .. }))
    )));
}

#[test]
fn dovecot_client_stream_decodes_without_errors_and_round_trips() {
    let (events, messages) = decode_client(C2S, usize::MAX, Limits::default());
    assert!(events.iter().all(|e| e.is_ok()), "{:?}", events.iter().find(|e| e.is_err()));
    assert!(messages.len() > 40);
    let mut mode = ClientLineMode::Commands;
    for m in &messages {
        assert_eq!(&reparse_client(m, mode), m);
        mode = match m {
            ClientMessage::Command(Command { body: CommandBody::Authenticate { .. }, .. })
            | ClientMessage::AuthenticateData(_) => ClientLineMode::Authenticate,
            ClientMessage::Command(Command { body: CommandBody::Idle, .. }) => ClientLineMode::Idle,
            _ => ClientLineMode::Commands,
        };
    }
    assert!(messages.contains(&ClientMessage::IdleDone));
    assert!(messages.iter().any(|m| matches!(m, ClientMessage::AuthenticateData(d) if &d[..] == b"\0alice\0secret")));
}

#[test]
fn dovecot_streams_give_the_same_events_at_every_split_point() {
    let whole = decode_server_pieces(&[S2C]);
    for at in 0..=S2C.len() {
        assert_eq!(decode_server_pieces(&[&S2C[..at], &S2C[at..]]), whole, "split at {at}");
    }
    let whole = decode_client_pieces(&[C2S]);
    for at in 0..=C2S.len() {
        assert_eq!(decode_client_pieces(&[&C2S[..at], &C2S[at..]]), whole, "split at {at}");
    }
}

#[test]
fn dovecot_streams_give_the_same_events_byte_by_byte() {
    assert_eq!(decode_server(S2C, 1, Limits::default()).0, decode_server(S2C, usize::MAX, Limits::default()).0);
    assert_eq!(decode_client(C2S, 1, Limits::default()).0, decode_client(C2S, usize::MAX, Limits::default()).0);
}
