//! Helpers shared by the integration tests.
#![allow(dead_code)]

use bytes::BytesMut;
use imap_proto::*;

/// One decoded item: the message (as its Debug text, to compare runs) or
/// the error.
pub type Event = Result<(u64, String), String>;

/// Runs a decoder over `pieces` fed one after the other, then ends the
/// input, collecting the events and the decoded messages.
pub fn decode_pieces<T: std::fmt::Debug>(
    pieces: &[&[u8]],
    mut decode: impl FnMut(&mut BytesMut, bool) -> Result<Option<Decoded<T>>, DecodeError>,
) -> (Vec<Event>, Vec<T>) {
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    let mut messages = Vec::new();
    for (piece, eof) in pieces.iter().map(|p| (*p, false)).chain([(&b""[..], true)]) {
        buf.extend_from_slice(piece);
        loop {
            match decode(&mut buf, eof) {
                Ok(Some(d)) => {
                    events.push(Ok((d.offset, format!("{:?}", d.message))));
                    messages.push(d.message);
                }
                Ok(None) => break,
                Err(e) => events.push(Err(e.to_string())),
            }
        }
    }
    (events, messages)
}

/// Decodes a server-to-client stream fed `chunk` bytes at a time.
pub fn decode_server(input: &[u8], chunk: usize, limits: Limits) -> (Vec<Event>, Vec<ServerMessage>) {
    let pieces: Vec<&[u8]> = input.chunks(chunk.max(1)).collect();
    let mut dec = ResponseDecoder::new(limits);
    decode_pieces(&pieces, |buf, eof| if eof { dec.decode_eof(buf) } else { dec.decode(buf) })
}

/// Decodes a client-to-server stream fed `chunk` bytes at a time.
pub fn decode_client(input: &[u8], chunk: usize, limits: Limits) -> (Vec<Event>, Vec<ClientMessage>) {
    let pieces: Vec<&[u8]> = input.chunks(chunk.max(1)).collect();
    let mut dec = CommandDecoder::new(limits);
    decode_pieces(&pieces, |buf, eof| if eof { dec.decode_eof(buf) } else { dec.decode(buf) })
}

/// Serializes a server message and parses it again.
pub fn reparse_server(m: &ServerMessage) -> ServerMessage {
    let bytes = m.to_bytes();
    match m {
        ServerMessage::Greeting(_) => ServerMessage::Greeting(
            Greeting::parse(&bytes).unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&bytes))),
        ),
        ServerMessage::Response(_) => ServerMessage::Response(
            Response::parse(&bytes).unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&bytes))),
        ),
    }
}

/// Serializes a client message and decodes it again.
pub fn reparse_client(m: &ClientMessage, mode: ClientLineMode) -> ClientMessage {
    let bytes = m.to_bytes();
    let mut dec = CommandDecoder::new(Limits::default());
    dec.set_mode(mode);
    let mut buf = BytesMut::from(&bytes[..]);
    let out = dec
        .decode(&mut buf)
        .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&bytes)))
        .expect("complete message");
    assert!(buf.is_empty(), "one message");
    out.message
}
