//! The dissector behind `mail-inspect`, as a library so that tests can run
//! it without spawning the binary.

use std::io::{self, Write};

use bytes::BytesMut;
use imap_wire::{
    ClientLineMode, ClientMessage, Command, CommandDecoder, DecodeError, Encode, Greeting, Limits, Response,
    ResponseDecoder, ServerMessage,
};
use serde_json::json;

/// Which side of the connection sent the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Server to client: greeting, responses, continuation requests.
    FromServer,
    /// Client to server: commands with literal data inline.
    FromClient,
}

/// Dissector settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InspectOptions {
    /// Serialize every decoded message, parse it again and count a
    /// difference as an error.
    pub roundtrip: bool,
    /// Feed the decoder this many bytes at a time.
    pub chunk: usize,
    /// Framing and parsing limits.
    pub limits: Limits,
}

impl Default for InspectOptions {
    fn default() -> InspectOptions {
        InspectOptions { roundtrip: false, chunk: usize::MAX, limits: Limits::default() }
    }
}

/// What a run found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Messages decoded.
    pub messages: u64,
    /// Decoding errors, round-trip differences and an unfinished message
    /// at the end.
    pub errors: u64,
}

enum Decoder {
    Server(ResponseDecoder),
    Client(CommandDecoder),
}

enum Message {
    Server(ServerMessage),
    Client(ClientMessage, ClientLineMode),
}

/// Decodes `input` and writes one JSON line per message to `out`; the
/// closing summary line is left to the caller.
pub fn inspect_imap(
    input: &[u8],
    direction: Direction,
    options: InspectOptions,
    out: &mut impl Write,
) -> io::Result<Summary> {
    let mut decoder = match direction {
        Direction::FromServer => Decoder::Server(ResponseDecoder::new(options.limits)),
        Direction::FromClient => Decoder::Client(CommandDecoder::new(options.limits)),
    };
    let mut summary = Summary::default();
    let mut buf = BytesMut::new();
    let mut first_server_message = true;
    // The pieces, then the end of input (which reports an unfinished
    // message).
    let pieces = input.chunks(options.chunk.max(1)).map(|p| (p, false)).chain([(&[][..], true)]);
    for (piece, eof) in pieces {
        buf.extend_from_slice(piece);
        loop {
            let result = match &mut decoder {
                Decoder::Server(d) => {
                    let r = if eof { d.decode_eof(&mut buf) } else { d.decode(&mut buf) };
                    r.map(|o| o.map(|m| (m.offset, Message::Server(m.message))))
                }
                Decoder::Client(d) => {
                    let mode = d.mode();
                    let r = if eof { d.decode_eof(&mut buf) } else { d.decode(&mut buf) };
                    r.map(|o| o.map(|m| (m.offset, Message::Client(m.message, mode))))
                }
            };
            match result {
                Ok(None) => break,
                Ok(Some((offset, message))) => {
                    summary.messages += 1;
                    let (value, mismatch) = match &message {
                        Message::Server(m) => {
                            let expect_greeting = std::mem::take(&mut first_server_message);
                            (json!(m), options.roundtrip.then(|| roundtrip_server(m, expect_greeting)).flatten())
                        }
                        Message::Client(m, mode) => {
                            (json!(m), options.roundtrip.then(|| roundtrip_client(m, *mode)).flatten())
                        }
                    };
                    match mismatch {
                        None => writeln!(out, "{{\"offset\":{offset},\"message\":{value}}}")?,
                        Some(error) => {
                            summary.errors += 1;
                            writeln!(out, "{{\"offset\":{offset},\"message\":{value},\"error\":{}}}", json!(error))?;
                        }
                    }
                }
                Err(e) => {
                    first_server_message = false;
                    summary.errors += 1;
                    let offset = match &e {
                        DecodeError::Parse { message_offset, .. } => *message_offset,
                        other => other.offset(),
                    };
                    writeln!(out, "{{\"offset\":{offset},\"error\":{}}}", json!(e.to_string()))?;
                }
            }
        }
    }

    Ok(summary)
}

fn roundtrip_server(m: &ServerMessage, greeting: bool) -> Option<String> {
    let bytes = m.to_bytes();
    let again = match m {
        ServerMessage::Greeting(_) if greeting => Greeting::parse_bytes(bytes.clone()).map(ServerMessage::Greeting),
        _ => Response::parse_bytes(bytes.clone()).map(ServerMessage::Response),
    };
    compare(m, again, &bytes)
}

fn roundtrip_client(m: &ClientMessage, mode: ClientLineMode) -> Option<String> {
    let bytes = m.to_bytes();
    let again = match m {
        ClientMessage::Command(_) => Command::parse_bytes(bytes.clone()).map(ClientMessage::Command),
        _ => {
            let mut d = CommandDecoder::new(Limits::default());
            d.set_mode(mode);
            let mut buf = BytesMut::from(&bytes[..]);
            match d.decode(&mut buf) {
                Ok(Some(x)) => Ok(x.message),
                Ok(None) => return Some("round trip: serialized form is incomplete".into()),
                Err(e) => return Some(format!("round trip: {e}")),
            }
        }
    };
    compare(m, again, &bytes)
}

fn compare<T: PartialEq + std::fmt::Debug>(
    original: &T,
    again: Result<T, imap_wire::ParseError>,
    bytes: &[u8],
) -> Option<String> {
    match again {
        Ok(v) if &v == original => None,
        Ok(v) => Some(format!("round trip: {:?} parsed back as {v:?}", String::from_utf8_lossy(bytes))),
        Err(e) => Some(format!("round trip: serialized form {:?} does not parse: {e}", String::from_utf8_lossy(bytes))),
    }
}
