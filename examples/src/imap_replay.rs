//! Replays a recorded IMAP session through both state machines.
//!
//! The server machine reads the client's bytes; the client machine reads
//! the server's. Each side's recording drives the other machine: every
//! command the server machine decodes is registered with the client machine
//! (so it knows the tags, literals and flows in flight), and every response
//! the client machine decodes is handed to the server machine as the
//! application's answer (untagged data, completions, AUTHENTICATE
//! challenges). When a STARTTLS completes, both machines are told that TLS
//! is up (the recording holds the application bytes of both sides). Both
//! streams are fed `chunk` bytes at a time, on demand, so the records come
//! out in the same order whatever the chunking.

use imap_wire::client::{Client, ClientConfig, ClientEvent};
use imap_wire::framer::{Framer, StreamKind};
use imap_wire::server::{Server, ServerConfig, ServerEvent};
use imap_wire::{
    ClientMessage, Command, CommandBody, CommandDecoder, Data, Encode, Greeting, GreetingKind, Limits, Response,
    ResponseDecoder, ServerMessage, StatusKind, StatusResponse, Text,
};
use serde_json::{json, Value};

use crate::pop3_replay::{cuts, next_piece, with_points};
pub use crate::pop3_replay::{Record, Side};

struct Replay<'a> {
    c2s: &'a [u8],
    s2c: &'a [u8],
    c_pos: usize,
    s_pos: usize,
    c_cuts: Vec<usize>,
    s_cuts: Vec<usize>,
    /// Where each side's bytes go inside TLS (after STARTTLS, after its
    /// OK): feeding stops there until the machine switched.
    c_tls: Vec<usize>,
    s_tls: Vec<usize>,
    c_eof: bool,
    s_eof: bool,
    roundtrip: bool,
    client: Client,
    server: Server,
    records: Vec<Record>,
}

/// Replays `c2s` (client to server) and `s2c` (server to client), each fed
/// `chunk` bytes at a time.
pub fn replay(c2s: &[u8], s2c: &[u8], chunk: usize, roundtrip: bool, limits: Limits) -> Vec<Record> {
    replay_cut(c2s, s2c, cuts(c2s.len(), chunk), cuts(s2c.len(), chunk), roundtrip, limits)
}

/// Replays with the streams cut into pieces that end at the given offsets.
pub fn replay_cut(
    c2s: &[u8],
    s2c: &[u8],
    c_cuts: Vec<usize>,
    s_cuts: Vec<usize>,
    roundtrip: bool,
    limits: Limits,
) -> Vec<Record> {
    // The server machine greets as the recording did (PREAUTH decides its
    // state); STARTTLS is offered so that a recorded one reaches it.
    let greeting = s2c
        .iter()
        .position(|&b| b == b'\n')
        .and_then(|i| Greeting::parse(&s2c[..=i]).ok())
        .unwrap_or(Greeting { kind: GreetingKind::Ok, code: None, text: Text::default() });
    let config =
        // The recorded server decided what it offered: the machine does
        // not refuse extensions on its behalf.
        ServerConfig {
            limits,
            greeting,
            starttls: true,
            max_bad_commands: u32::MAX,
            refuse_unoffered: false,
            ..ServerConfig::default()
        };
    let mut server = Server::new(config);
    let _greeting = server.poll_transmit();
    // Each side's bytes after STARTTLS belong inside TLS: pieces end there,
    // and feeding waits until the machine has switched.
    let (c_tls, s_tls) = starttls_points(c2s, s2c, limits);
    let mut r = Replay {
        c2s,
        s2c,
        c_pos: 0,
        s_pos: 0,
        c_cuts: with_points(c_cuts, &c_tls),
        s_cuts: with_points(s_cuts, &s_tls),
        c_tls,
        s_tls,
        c_eof: false,
        s_eof: false,
        roundtrip,
        client: Client::new(ClientConfig { limits, ..ClientConfig::default() }),
        server,
        records: Vec::new(),
    };
    r.run();
    r.records
}

impl Replay<'_> {
    fn feed_server(&mut self) -> bool {
        if self.c_tls.first() == Some(&self.c_pos) {
            return false;
        }
        match next_piece(self.c2s, &mut self.c_pos, &self.c_cuts) {
            Some(piece) => self.server.receive(piece),
            None if !self.c_eof => {
                self.c_eof = true;
                self.server.receive_eof();
            }
            None => return false,
        }
        true
    }

    fn feed_client(&mut self) -> bool {
        if self.s_tls.first() == Some(&self.s_pos) {
            return false;
        }
        match next_piece(self.s2c, &mut self.s_pos, &self.s_cuts) {
            Some(piece) => self.client.receive(piece),
            None if !self.s_eof => {
                self.s_eof = true;
                self.client.receive_eof();
            }
            None => return false,
        }
        true
    }

    fn record(&mut self, from: Side, offset: u64, message: Option<Value>, error: Option<String>) {
        self.records.push(Record { from, offset, message, error });
    }

    fn run(&mut self) {
        loop {
            // The server machine gets the client's whole side, piece by
            // piece, and hands out every command its rules let it read; so
            // every command it has read is registered with the client
            // machine before the next response is read. (Its rules stop it
            // after LOGIN, SELECT, ... until the recorded completion comes
            // back through the client machine.)
            loop {
                while let Some((offset, event)) = self.server.poll_event_at() {
                    self.server_event(offset, event);
                }
                if !self.feed_server() {
                    break;
                }
            }
            match self.client.poll_event_at() {
                Some((offset, event)) => self.client_event(offset, event),
                None if self.feed_client() => {}
                None => break,
            }
        }
    }

    fn server_event(&mut self, offset: u64, event: ServerEvent) {
        match event {
            ServerEvent::Command(command) | ServerEvent::Answered(command) => {
                self.record_command(offset, &command);
                let literals = synchronizing_literals(&self.c2s[offset as usize..]);
                self.client.assume_sent(command, literals);
            }
            ServerEvent::SaslResponse { data, .. } => {
                let text = String::from_utf8_lossy(&data).into_owned();
                self.record(Side::Client, offset, Some(json!({ "AuthenticateData": text })), None);
                let _ = self.client.sasl_response(&data);
            }
            ServerEvent::SaslCancelled { .. } => {
                self.record(Side::Client, offset, Some(json!("AuthenticateCancelled")), None);
                let _ = self.client.sasl_cancel();
            }
            ServerEvent::IdleDone { .. } => {
                self.record(Side::Client, offset, Some(json!("IdleDone")), None);
                let _ = self.client.idle_done();
            }
            ServerEvent::Rejected { tag, command, reason, .. } => {
                let name = command.as_ref().map(|c| c.body.name().to_string());
                let value = json!({ "Rejected": { "tag": tag.as_ref().map(|t| t.to_string()), "command": name } });
                self.record(Side::Client, offset, Some(value), Some(reason.to_string()));
                // The recorded server answered it too: its completion is
                // matched with the command (or a stand-in when it did not
                // parse).
                let command = command.or_else(|| {
                    let name = imap_wire::Atom::try_from("INVALID").ok()?;
                    let body = CommandBody::Other { name, arguments: imap_wire::RawArguments::default() };
                    tag.map(|tag| Command { tag, body })
                });
                if let Some(command) = command {
                    self.client.assume_sent(command, 0);
                }
            }
            ServerEvent::StartTls => {
                self.record(Side::Client, offset, Some(json!("StartTls")), None);
                // The recording continues with the bytes inside TLS.
                self.server.tls_established();
                self.c_tls.retain(|&p| p != self.c_pos);
            }
            ServerEvent::Compress => {
                // A recording holds the bytes as sent: compressed from here.
                let reason = "COMPRESS: the rest of the recording is compressed and not replayed";
                self.record(Side::Client, offset, Some(json!("Compress")), Some(reason.into()));
            }
            ServerEvent::PlaintextAfterStartTls { offset } => {
                self.record(Side::Client, offset, None, Some("plaintext after STARTTLS".into()));
            }
            ServerEvent::Truncated { offset } => {
                self.record(Side::Client, offset, None, Some("the recording ends inside a command".into()));
            }
            ServerEvent::Closed => self.record(Side::Client, offset, Some(json!("Closed")), None),
            // The replay's machine buffers every APPEND (streaming is off).
            ServerEvent::AppendStart { .. }
            | ServerEvent::AppendData { .. }
            | ServerEvent::AppendNext { .. }
            | ServerEvent::AppendEnd { .. }
            | ServerEvent::AppendAborted { .. } => {}
        }
    }

    fn client_event(&mut self, offset: u64, event: ClientEvent) {
        let (message, error) = match event {
            ClientEvent::Greeting(g) => {
                let error = self.roundtrip.then(|| roundtrip(&g, Greeting::parse)).flatten();
                (json!({ "Greeting": g }), error)
            }
            ClientEvent::Data { data, command } => {
                let tag = command.as_ref().map(|t| t.to_string());
                let error = self.roundtrip.then(|| roundtrip_data(&data)).flatten();
                let value = json!({ "Data": data, "command": tag });
                match command {
                    Some(tag) => {
                        let _ = self.server.respond(&tag, data);
                    }
                    None => {
                        let _ = self.server.update(data);
                    }
                }
                (value, error)
            }
            ClientEvent::Status { status, command } => {
                let tag = command.as_ref().map(|t| t.to_string());
                let error = self.roundtrip.then(|| roundtrip_status(&status)).flatten();
                if let Some(tag) = &command {
                    let code = status.code.as_deref().cloned();
                    let _ = self.server.respond_status(tag, status.kind, code, &status.text.to_string_lossy());
                }
                (json!({ "Status": status, "command": tag }), error)
            }
            ClientEvent::Compress => (json!("Compress"), None),
            ClientEvent::KeepAlive(text) => (json!({ "KeepAlive": text.to_string_lossy() }), None),
            ClientEvent::Bye(status) => (json!({ "Bye": status }), None),
            ClientEvent::Completed { command, status } => {
                let error = self.roundtrip.then(|| roundtrip_status(&status)).flatten();
                let code = status.code.as_deref().cloned();
                // CAPABILITY and LOGOUT are answered by the server machine.
                let _ = self.server.complete(&command.tag, status.kind, code, &status.text.to_string_lossy());
                let value = json!({ "Completed": { "tag": command.tag.to_string(), "command": command.body.name(), "status": status } });
                (value, error)
            }
            ClientEvent::Failed { command, error } => {
                let value = json!({ "Failed": { "tag": command.tag.to_string(), "command": command.body.name() } });
                (value, Some(error.to_string()))
            }
            ClientEvent::SaslChallenge { tag, challenge } => {
                let _ = self.server.sasl_challenge(&tag, &challenge);
                (json!({ "AuthenticateChallenge": String::from_utf8_lossy(&challenge) }), None)
            }
            ClientEvent::Idling { tag } => (json!({ "Idling": tag.to_string() }), None),
            ClientEvent::StartTls => {
                self.client.tls_established();
                self.s_tls.retain(|&p| p != self.s_pos);
                (json!("StartTls"), None)
            }
            ClientEvent::Violation(error) => {
                return self.record(Side::Server, offset, None, Some(error.to_string()));
            }
            ClientEvent::Closed => (json!("Closed"), None),
            // Not streamed here (the replay holds sections whole); kept
            // for completeness.
            ClientEvent::SectionStart { command, seq, size, .. } => {
                (json!({ "SectionStart": { "tag": command.to_string(), "seq": seq.get(), "size": size } }), None)
            }
            ClientEvent::SectionData { command, data } => {
                (json!({ "SectionData": { "tag": command.to_string(), "size": data.len() } }), None)
            }
        };
        self.record(Side::Server, offset, Some(message), error);
    }

    fn record_command(&mut self, offset: u64, command: &Command) {
        let error = self.roundtrip.then(|| roundtrip(command, Command::parse)).flatten();
        let value = match &command.body {
            // The bytes of a message are long: show their size.
            CommandBody::Append { messages, .. } => {
                let sizes: Vec<usize> = messages.iter().map(|m| m.literal().map_or(0, |l| l.len())).collect();
                json!({ "Command": { "tag": command.tag.to_string(), "name": "APPEND", "sizes": sizes } })
            }
            _ => json!({ "Command": command }),
        };
        self.record(Side::Client, offset, Some(value), error);
    }
}

/// Serializes a value and parses it back; a difference is an error.
fn roundtrip<T: Encode + PartialEq + std::fmt::Debug>(
    value: &T,
    parse: impl Fn(&[u8]) -> Result<T, imap_wire::ParseError>,
) -> Option<String> {
    let bytes = value.to_bytes();
    match parse(&bytes) {
        Ok(back) if &back == value => None,
        Ok(back) => Some(format!("round trip: {:?} parsed back as {back:?}", String::from_utf8_lossy(&bytes))),
        Err(e) => Some(format!("round trip: {:?} does not parse: {e}", String::from_utf8_lossy(&bytes))),
    }
}

fn roundtrip_data(data: &Data) -> Option<String> {
    let response = Response::Data(data.clone());
    roundtrip(&response, Response::parse)
}

fn roundtrip_status(status: &StatusResponse) -> Option<String> {
    let response = Response::Status(status.clone());
    roundtrip(&response, Response::parse)
}

/// The stream offsets where each side goes inside TLS: just after each
/// STARTTLS command in `c2s` that the server accepted, just after the OK
/// that accepts it in `s2c`. A refused STARTTLS (`BAD TLS is already
/// active`, `NO`) switches nothing: the replay goes on in the same layer.
fn starttls_points(c2s: &[u8], s2c: &[u8], limits: Limits) -> (Vec<usize>, Vec<usize>) {
    let mut commands = Vec::new();
    let mut decoder = CommandDecoder::new(limits);
    let mut buf = bytes::BytesMut::from(c2s);
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(d)) => {
                if let ClientMessage::Command(Command { tag, body: CommandBody::StartTls }) = d.message {
                    commands.push((tag, decoder.framer().stream_offset() as usize));
                }
            }
            Ok(None) => break,
            Err(_) => {}
        }
    }
    let mut accepted = Vec::new();
    let mut server_points = Vec::new();
    let mut decoder = ResponseDecoder::new(limits);
    let mut buf = bytes::BytesMut::from(s2c);
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(d)) => {
                if let ServerMessage::Response(Response::Status(StatusResponse { tag: Some(tag), kind, .. })) =
                    &d.message
                {
                    if *kind == StatusKind::Ok && commands.iter().any(|(t, _)| t == tag) {
                        accepted.push(tag.clone());
                        server_points.push(decoder.framer().stream_offset() as usize);
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {}
        }
    }
    let client_points = commands.into_iter().filter(|(tag, _)| accepted.contains(tag)).map(|(_, at)| at).collect();
    (client_points, server_points)
}

/// The synchronizing literals (`{N}`, each answered by a `+`) of the
/// command at the start of `stream`.
fn synchronizing_literals(stream: &[u8]) -> usize {
    let mut framer = Framer::new(StreamKind::Commands, Limits::default());
    let mut buf = bytes::BytesMut::from(stream);
    let Ok(Some(frame)) = framer.next_frame(&mut buf) else { return 0 };
    let (mut count, mut rest) = (0, &frame.bytes[..]);
    while let Some(end) = rest.iter().position(|&b| b == b'\n') {
        let line = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
        rest = &rest[end + 1..];
        // `{N}` at the end of the line: count it and skip its data.
        let Some(open) = line.iter().rposition(|&b| b == b'{') else { break };
        let inner = &line[open + 1..];
        let Some(digits) = inner.strip_suffix(b"}") else { break };
        let (digits, synchronizing) = match digits.strip_suffix(b"+").or_else(|| digits.strip_suffix(b"-")) {
            Some(d) => (d, false),
            None => (digits, true),
        };
        let Some(size) = std::str::from_utf8(digits).ok().and_then(|d| d.parse::<usize>().ok()) else { break };
        count += synchronizing as usize;
        rest = &rest[size.min(rest.len())..];
    }
    count
}
