//! Helpers shared by the integration tests.
#![allow(dead_code)]

use bytes::BytesMut;
use imap_wire::*;

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

/// One example of an RFC, as its `C:` and `S:` lines give it.
pub struct Example {
    /// `section line` (with the RFC number for the extension RFCs).
    pub name: String,
    /// The client's lines, CRLF-terminated.
    pub client: Vec<u8>,
    /// The server's lines, CRLF-terminated.
    pub server: Vec<u8>,
    /// How many server lines stand for elided text (`S!`): they fail.
    pub server_placeholders: usize,
}

/// The examples of an extracted fixture: `# name` headers, then `C: `,
/// `S: `, `C! ` and `S! ` lines (`C!` lines are left out).
pub fn parse_examples(text: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("# ") {
            if !name.starts_with("Extracted") {
                out.push(Example {
                    name: name.to_string(),
                    client: Vec::new(),
                    server: Vec::new(),
                    server_placeholders: 0,
                });
            }
            continue;
        }
        let ex = out.last_mut().expect("example header first");
        let (kind, body) = line.split_once(": ").unwrap_or((line.trim_end_matches(':'), ""));
        match kind {
            "C" => {
                ex.client.extend_from_slice(body.as_bytes());
                ex.client.extend_from_slice(b"\r\n");
            }
            "S" | "S!" => {
                ex.server.extend_from_slice(body.as_bytes());
                ex.server.extend_from_slice(b"\r\n");
                ex.server_placeholders += (kind == "S!") as usize;
            }
            "C!" => {}
            other => panic!("unknown line kind {other}"),
        }
    }
    out
}

/// Every example decodes to the same events whole and fed 1, 2, 3, 7 and
/// 16 bytes at a time, in both directions.
pub fn assert_same_events_at_every_split_point(examples: &[Example]) {
    for ex in examples {
        let whole_c = decode_client(&ex.client, usize::MAX, Limits::default()).0;
        let whole_s = decode_server(&ex.server, usize::MAX, Limits::default()).0;
        for chunk in [1, 2, 3, 7, 16] {
            assert_eq!(decode_client(&ex.client, chunk, Limits::default()).0, whole_c, "{} chunk {chunk}", ex.name);
            assert_eq!(decode_server(&ex.server, chunk, Limits::default()).0, whole_s, "{} chunk {chunk}", ex.name);
        }
    }
}
