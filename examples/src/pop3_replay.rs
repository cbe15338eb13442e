//! Replays a recorded POP3 session through both state machines.
//!
//! The server machine reads the client's bytes; the client machine reads
//! the server's. Each side's recorded data drives the other machine: every
//! command the server machine decodes is registered with the client
//! machine (so it knows which reply is multi-line), and every reply the
//! client machine decodes is given to the server machine as the
//! application's answer (so logins, SASL and STLS move it through its
//! states). Both streams are fed `chunk` bytes at a time, on demand; the
//! records come out in conversation order, whatever the chunking.

use bytes::{Bytes, BytesMut};
use pop3_wire::client::*;
use pop3_wire::dot::{BodyPiece, DotDecoder};
use pop3_wire::server::*;
use pop3_wire::*;
use serde_json::{json, Value};

/// Which side sent the bytes a record was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Decoded from the client-to-server stream by the server machine.
    Client,
    /// Decoded from the server-to-client stream by the client machine.
    Server,
}

/// One decoded message or error.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Who sent it.
    pub from: Side,
    /// Offset in that side's stream.
    pub offset: u64,
    /// The decoded value (an event of the machine that read it).
    pub message: Option<Value>,
    /// What was wrong, if anything.
    pub error: Option<String>,
}

impl Record {
    /// The record as one JSON line (`from`, `offset`, then `message`
    /// and/or `error`).
    pub fn to_json_line(&self) -> String {
        let from = match self.from {
            Side::Client => "client",
            Side::Server => "server",
        };
        let mut line = format!("{{\"from\":\"{from}\",\"offset\":{}", self.offset);
        if let Some(m) = &self.message {
            line.push_str(&format!(",\"message\":{m}"));
        }
        if let Some(e) = &self.error {
            line.push_str(&format!(",\"error\":{}", json!(e)));
        }
        line.push('}');
        line
    }
}

struct Replay<'a> {
    c2s: &'a [u8],
    s2c: &'a [u8],
    c_pos: usize,
    s_pos: usize,
    /// The end of each stream was given to its machine.
    c_eof: bool,
    s_eof: bool,
    /// Where each piece fed to a machine ends.
    c_cuts: Vec<usize>,
    s_cuts: Vec<usize>,
    /// Where each side goes inside TLS: feeding stops there until the
    /// machine switched.
    c_tls: Vec<usize>,
    s_tls: Vec<usize>,
    /// The switch points this replay saw (for the second pass).
    learnt_c_tls: Vec<usize>,
    learnt_s_tls: Vec<usize>,
    roundtrip: bool,
    client: Client,
    server: Server,
    records: Vec<Record>,
}

/// Replays `c2s` (client to server) and `s2c` (server to client), each
/// fed `chunk` bytes at a time.
pub fn replay(c2s: &[u8], s2c: &[u8], chunk: usize, roundtrip: bool, limits: Limits) -> Vec<Record> {
    replay_cut(c2s, s2c, cuts(c2s.len(), chunk), cuts(s2c.len(), chunk), roundtrip, limits)
}

/// Replays with the streams cut into pieces that end at the given offsets
/// (the last piece always ends at the end of the stream).
pub fn replay_cut(
    c2s: &[u8],
    s2c: &[u8],
    c_cuts: Vec<usize>,
    s_cuts: Vec<usize>,
    roundtrip: bool,
    limits: Limits,
) -> Vec<Record> {
    // The server machine needs to know whether the recorded greeting
    // offered APOP; STLS is enabled so that a recorded STLS reaches the
    // replay, which answers it as the recording did.
    let first_line = s2c.iter().position(|&b| b == b'\n').map(|i| &s2c[..=i]);
    let apop_timestamp = first_line
        .and_then(|l| StatusLine::parse(l).ok())
        .and_then(|l| l.apop_timestamp().and_then(|t| ApopTimestamp::new(t).ok()));
    let config = ServerConfig { limits, apop_timestamp, stls: true, ..ServerConfig::default() };
    // Each side's bytes after STLS belong inside TLS: a first pass learns
    // where the switch happens (the end of STLS, the end of its +OK), and
    // the replay stops feeding there until the machines have switched.
    let first = Replay::new(c2s, s2c, vec![], vec![], (vec![], vec![]), false, config.clone(), limits).finish();
    let (c_tls, s_tls) = (first.learnt_c_tls, first.learnt_s_tls);
    Replay::new(c2s, s2c, c_cuts, s_cuts, (c_tls, s_tls), roundtrip, config, limits).finish().records
}

impl<'a> Replay<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        c2s: &'a [u8],
        s2c: &'a [u8],
        c_cuts: Vec<usize>,
        s_cuts: Vec<usize>,
        (c_tls, s_tls): (Vec<usize>, Vec<usize>),
        roundtrip: bool,
        config: ServerConfig,
        limits: Limits,
    ) -> Replay<'a> {
        let mut server = Server::new(config);
        let _greeting = server.poll_transmit();
        Replay {
            c2s,
            s2c,
            c_pos: 0,
            s_pos: 0,
            c_eof: false,
            s_eof: false,
            c_cuts: with_points(c_cuts, &c_tls),
            s_cuts: with_points(s_cuts, &s_tls),
            c_tls,
            s_tls,
            learnt_c_tls: Vec::new(),
            learnt_s_tls: Vec::new(),
            roundtrip,
            client: Client::new(ClientConfig { limits, collect_messages: true }),
            server,
            records: Vec::new(),
        }
    }

    fn finish(mut self) -> Replay<'a> {
        self.run();
        self
    }

    fn feed_server(&mut self) -> bool {
        if self.c_tls.first() == Some(&self.c_pos) {
            return false;
        }
        match next_piece(self.c2s, &mut self.c_pos, &self.c_cuts) {
            Some(piece) => {
                self.server.receive(piece);
                true
            }
            None if !self.c_eof => {
                // The recording ends: so does the connection.
                self.c_eof = true;
                self.server.receive_eof();
                true
            }
            None => false,
        }
    }

    fn feed_client(&mut self) -> bool {
        if self.s_tls.first() == Some(&self.s_pos) {
            return false;
        }
        match next_piece(self.s2c, &mut self.s_pos, &self.s_cuts) {
            Some(piece) => {
                self.client.receive(piece);
                true
            }
            None if !self.s_eof => {
                self.s_eof = true;
                self.client.receive_eof();
                true
            }
            None => false,
        }
    }

    fn next_server_event(&mut self) -> Option<(u64, ServerEvent)> {
        loop {
            if let Some(e) = self.server.poll_event_at() {
                if let (offset, ServerEvent::StartTls) = &e {
                    // The recording goes on with the bytes inside TLS.
                    self.learnt_c_tls.push(*offset as usize);
                    self.server.tls_established();
                    self.c_tls.retain(|&p| p != self.c_pos);
                }
                return Some(e);
            }
            if !self.feed_server() {
                return None;
            }
        }
    }

    fn next_client_event(&mut self) -> Option<(u64, ClientEvent)> {
        loop {
            if let Some(e) = self.client.poll_event_at() {
                if let (offset, ClientEvent::StartTls) = &e {
                    // After the line of the +OK to STLS.
                    let start = *offset as usize;
                    let end = self.s2c[start.min(self.s2c.len())..].iter().position(|&b| b == b'\n');
                    self.learnt_s_tls.push(end.map_or(self.s2c.len(), |i| start + i + 1));
                    self.client.tls_established();
                    self.s_tls.retain(|&p| p != self.s_pos);
                }
                return Some(e);
            }
            if !self.feed_client() {
                return None;
            }
        }
    }

    fn record(&mut self, from: Side, offset: u64, message: Option<Value>, error: Option<String>) {
        self.records.push(Record { from, offset, message, error });
    }

    fn run(&mut self) {
        // The greeting.
        if let Some((offset, event)) = self.next_client_event() {
            self.record_client_event(offset, &event);
        }
        while let Some((offset, event)) = self.next_server_event() {
            match event {
                ServerEvent::Command(command) => {
                    self.record_command(offset, &command, None);
                    self.client.assume_sent(command);
                    self.answer();
                }
                ServerEvent::Answered(command) => {
                    self.record_command(offset, &command, None);
                    self.client.assume_sent(command);
                    self.await_reply();
                }
                ServerEvent::Rejected { command, reason, .. } => {
                    match &command {
                        Some(c) => self.record_command(offset, c, Some(reason.to_string())),
                        None => self.record(Side::Client, offset, None, Some(reason.to_string())),
                    }
                    // The recorded server answered it too.
                    let placeholder =
                        Command::Other { keyword: Arg::try_from("INVALID").unwrap_or_default(), arguments: None };
                    self.client.assume_sent(command.unwrap_or(placeholder));
                    self.await_reply();
                }
                ServerEvent::StartTls => {
                    self.record(Side::Client, offset, Some(json!("StartTls")), None);
                }
                ServerEvent::Closed => {
                    self.record(Side::Client, offset, Some(json!("Closed")), None);
                }
                ServerEvent::Truncated { .. } => {
                    self.record(Side::Client, offset, None, Some("the recording ends inside a command".into()));
                }
                other => {
                    let error = matches!(other, ServerEvent::PlaintextAfterStls { .. })
                        .then(|| "plaintext after STLS".to_string());
                    self.record(Side::Client, offset, Some(json!(other)), error);
                }
            }
        }
        // Replies nobody asked for (an unsolicited -ERR before close), and
        // a recording that ends before the last reply (a violation of the
        // client machine at the end of input).
        while let Some((offset, event)) = self.next_client_event() {
            self.record_client_event(offset, &event);
        }
    }

    fn record_command(&mut self, offset: u64, command: &Command, error: Option<String>) {
        let mismatch = (self.roundtrip && error.is_none())
            .then(|| {
                let bytes = command.to_bytes();
                match Command::parse(&bytes) {
                    Ok(c) if &c == command => None,
                    Ok(c) => Some(format!("round trip: {:?} parsed back as {c:?}", String::from_utf8_lossy(&bytes))),
                    Err(e) => Some(format!("round trip: {:?} does not parse: {e}", String::from_utf8_lossy(&bytes))),
                }
            })
            .flatten();
        self.record(Side::Client, offset, Some(json!({ "Command": command })), error.or(mismatch));
    }

    /// Takes client events until the reply to the oldest command is
    /// complete; returns it.
    fn await_reply(&mut self) -> Option<ClientEvent> {
        while let Some((offset, event)) = self.next_client_event() {
            self.record_client_event(offset, &event);
            match event {
                ClientEvent::Violation(PeerError::BadReply { .. }) => return None,
                ClientEvent::Violation(_) | ClientEvent::UnsolicitedError(_) | ClientEvent::StartTls => {}
                ClientEvent::SaslChallenge(_) => return Some(event),
                other => return Some(other),
            }
        }
        None
    }

    /// Gives the server machine the recorded answer to `command`.
    fn answer(&mut self) {
        loop {
            let Some(reply) = self.await_reply() else { return };
            let result = match reply {
                ClientEvent::SaslChallenge(challenge) => {
                    let r = self.server.sasl_challenge(&challenge);
                    if let Err(e) = r {
                        return self.record(Side::Server, self.s_pos as u64, None, Some(e.to_string()));
                    }
                    // The client's response comes from the recording.
                    match self.next_server_event() {
                        Some((offset, ServerEvent::SaslResponse(data))) => {
                            self.record(
                                Side::Client,
                                offset,
                                Some(json!({ "SaslResponse": String::from_utf8_lossy(&data) })),
                                None,
                            );
                            let _ = self.client.sasl_response(&data);
                        }
                        Some((offset, ServerEvent::SaslCancelled)) => {
                            self.record(Side::Client, offset, Some(json!("SaslCancelled")), None);
                            let _ = self.client.sasl_cancel();
                            // The server machine answered the cancel itself;
                            // take the recorded answer off the client side.
                            self.await_reply();
                            return;
                        }
                        Some((offset, other)) => {
                            self.record(
                                Side::Client,
                                offset,
                                Some(json!(other)),
                                Some("expected a SASL response".into()),
                            );
                            return;
                        }
                        None => return,
                    }
                    continue;
                }
                // The server machine follows the outcome itself (logins,
                // STLS, QUIT), as the recorded server's line says.
                ClientEvent::Reply { line, .. } => self.server.complete(line),
                ClientEvent::Stat { line, .. }
                | ClientEvent::Scan { line, .. }
                | ClientEvent::UniqueId { line, .. } => self.server.complete(line),
                ClientEvent::ScanListings { line, entries } => self.server.complete_with_scan_listing(line, &entries),
                ClientEvent::UniqueIds { line, entries } => self.server.complete_with_unique_ids(line, &entries),
                ClientEvent::Languages { line, languages } => {
                    let lines: Vec<Vec<u8>> = languages.iter().map(|l| l.to_bytes().to_vec()).collect();
                    self.server.complete_with_lines(line, &lines)
                }
                ClientEvent::Lines { line, lines, .. } => {
                    let lines: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
                    self.server.complete_with_lines(line, &lines)
                }
                ClientEvent::Message { line, data, .. } => self.server.complete_with_message(line, &data),
                _ => Ok(()),
            };
            if let Err(e) = result {
                let offset = self.s_pos as u64;
                self.record(Side::Server, offset, None, Some(format!("replay: {e}")));
            }
            return;
        }
    }

    fn record_client_event(&mut self, offset: u64, event: &ClientEvent) {
        let error = match event {
            ClientEvent::Violation(e) => Some(e.to_string()),
            _ if self.roundtrip => roundtrip_event(event),
            _ => None,
        };
        let message = match event {
            ClientEvent::Violation(_) => None,
            e => Some(json!(e)),
        };
        self.record(Side::Server, offset, message, error);
    }
}

/// Where the pieces of a `len`-byte stream fed `chunk` bytes at a time end.
pub(crate) fn cuts(len: usize, chunk: usize) -> Vec<usize> {
    (1..=len.div_ceil(chunk.max(1))).map(|i| (i * chunk.max(1)).min(len)).collect()
}

/// `cuts` with `points` added: pieces also end where a side goes inside TLS.
pub(crate) fn with_points(mut cuts: Vec<usize>, points: &[usize]) -> Vec<usize> {
    cuts.extend_from_slice(points);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// The next piece of `data` after `pos`, ending at the next cut. (Shared
/// by both replays.)
pub(crate) fn next_piece<'d>(data: &'d [u8], pos: &mut usize, cuts: &[usize]) -> Option<&'d [u8]> {
    if *pos >= data.len() {
        return None;
    }
    let end = cuts.iter().copied().find(|&c| c > *pos).unwrap_or(data.len()).min(data.len());
    let piece = &data[*pos..end];
    *pos = end;
    Some(piece)
}

/// Serializes what a reply event holds and parses it back.
fn roundtrip_event(event: &ClientEvent) -> Option<String> {
    fn check<T: PartialEq + std::fmt::Debug>(
        v: &T,
        bytes: Bytes,
        parse: impl Fn(&[u8]) -> Result<T, ParseError>,
    ) -> Option<String> {
        match parse(&bytes) {
            Ok(back) if &back == v => None,
            Ok(back) => Some(format!("round trip: {:?} parsed back as {back:?}", String::from_utf8_lossy(&bytes))),
            Err(e) => Some(format!("round trip: {:?} does not parse: {e}", String::from_utf8_lossy(&bytes))),
        }
    }
    let strip = |b: Bytes| b.slice(..b.len().saturating_sub(2));
    let line = match event {
        ClientEvent::Greeting { line, .. }
        | ClientEvent::GreetingRefused(line)
        | ClientEvent::Reply { line, .. }
        | ClientEvent::Stat { line, .. }
        | ClientEvent::Scan { line, .. }
        | ClientEvent::UniqueId { line, .. }
        | ClientEvent::UnsolicitedError(line)
        | ClientEvent::ScanListings { line, .. }
        | ClientEvent::UniqueIds { line, .. }
        | ClientEvent::Capabilities { line, .. }
        | ClientEvent::Languages { line, .. }
        | ClientEvent::Lines { line, .. }
        | ClientEvent::Message { line, .. } => Some(line),
        _ => None,
    };
    if let Some(e) = line.and_then(|l| check(l, l.to_bytes(), StatusLine::parse)) {
        return Some(e);
    }
    match event {
        ClientEvent::Stat { stat, .. } => check(stat, strip(stat.to_bytes()), DropListing::parse_text),
        ClientEvent::Scan { listing, .. } => check(listing, strip(listing.to_bytes()), ScanListing::parse_text),
        ClientEvent::UniqueId { listing, .. } => check(listing, strip(listing.to_bytes()), UniqueIdListing::parse_text),
        ClientEvent::ScanListings { entries, .. } => {
            entries.iter().find_map(|e| check(e, strip(e.to_bytes()), ScanListing::parse_text))
        }
        ClientEvent::UniqueIds { entries, .. } => {
            entries.iter().find_map(|e| check(e, strip(e.to_bytes()), UniqueIdListing::parse_text))
        }
        ClientEvent::Languages { languages, .. } => {
            languages.iter().find_map(|e| check(e, strip(e.to_bytes()), Language::parse_text))
        }
        ClientEvent::Capabilities { capabilities, .. } => {
            capabilities.iter().find_map(|e| check(e, strip(e.to_bytes()), Capability::parse_text))
        }
        ClientEvent::Message { data, .. } => {
            let mut wire = BytesMut::new();
            pop3_wire::dot::stuff(data, &mut wire);
            let mut back = Vec::new();
            let mut d = DotDecoder::new();
            while let Some(BodyPiece::Data(chunk)) = d.next_piece(&mut wire) {
                back.extend_from_slice(&chunk);
            }
            // The content model (see pop3_wire::dot): a client hands out
            // content with the line endings the server sent, a server
            // writes CRLF. Like is compared with like.
            (back != crlf_lines(data)).then(|| "round trip: message content changed by dot-stuffing".to_string())
        }
        _ => None,
    }
}

/// The content with every bare LF made CRLF (what a server writes).
fn crlf_lines(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' && (i == 0 || data[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}
