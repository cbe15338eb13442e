//! The client state machine: AUTHORIZATION, TRANSACTION, UPDATE.
//!
//! Sans-IO: feed the server's bytes with [`Client::receive`], take
//! [`ClientEvent`]s with [`Client::poll_event`], queue commands with
//! [`Client::send`] and take the bytes to write with
//! [`Client::poll_transmit`]. A FIFO of sent commands decides which reply
//! is multi-line. Without `PIPELINING` in the server's capabilities, one
//! command is on the wire at a time.

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use crate::dot::{BodyPiece, DotDecoder};
use crate::error::ParseError;
use crate::lines::{Line, LineReader};
use crate::types::*;
use crate::Limits;

/// The session state, as RFC 1939 names it (plus the greeting wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ClientState {
    /// Connected, waiting for the greeting.
    Greeting,
    /// Logging in.
    Authorization,
    /// Logged in: the maildrop is open.
    Transaction,
    /// QUIT was accepted in TRANSACTION: the server applies deletions.
    Update,
    /// The session is over (QUIT answered, greeting refused, or closed).
    Closed,
}

/// Client settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientConfig {
    /// Memory limits.
    pub limits: Limits,
    /// Deliver RETR and TOP content as one [`ClientEvent::Message`]
    /// (bounded by [`Limits::max_message_size`]) instead of streaming
    /// [`ClientEvent::MessageData`] chunks.
    pub collect_messages: bool,
}

/// What the client learnt from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ClientEvent {
    /// `+OK` greeting; the APOP timestamp when the server offers APOP.
    Greeting {
        /// The greeting line.
        line: StatusLine,
        /// The `<...>` timestamp for APOP.
        apop_timestamp: Option<String>,
    },
    /// A `-ERR` greeting: the server will not serve this session.
    GreetingRefused(StatusLine),
    /// A single-line reply, or `-ERR` to any command.
    Reply {
        /// The command answered.
        command: Command,
        /// The status line.
        line: StatusLine,
    },
    /// The scan listing of `LIST`.
    ScanListings {
        /// The status line.
        line: StatusLine,
        /// One entry per message.
        entries: Vec<ScanListing>,
    },
    /// The unique-id listing of `UIDL`.
    UniqueIds {
        /// The status line.
        line: StatusLine,
        /// One entry per message.
        entries: Vec<UniqueIdListing>,
    },
    /// The reply to `CAPA`.
    Capabilities {
        /// The status line.
        line: StatusLine,
        /// The capabilities.
        capabilities: Vec<Capability>,
    },
    /// The reply to `LANG` without an argument.
    Languages {
        /// The status line.
        line: StatusLine,
        /// The languages.
        languages: Vec<Language>,
    },
    /// Another multi-line reply (e.g. `AUTH` without a mechanism): its
    /// lines, unstuffed, without line endings.
    Lines {
        /// The command answered.
        command: Command,
        /// The status line.
        line: StatusLine,
        /// The lines.
        lines: Vec<Arg>,
    },
    /// `+OK` to RETR or TOP: content follows as [`ClientEvent::MessageData`].
    MessageStart {
        /// The command answered.
        command: Command,
        /// The status line.
        line: StatusLine,
    },
    /// A piece of message content (unstuffed, shared with the receive
    /// buffer).
    MessageData(#[cfg_attr(feature = "serde", serde(with = "bytes_as_text"))] Bytes),
    /// The end of the message content.
    MessageEnd,
    /// A whole message (with [`ClientConfig::collect_messages`]).
    Message {
        /// The command answered.
        command: Command,
        /// The status line.
        line: StatusLine,
        /// The content, unstuffed.
        #[cfg_attr(feature = "serde", serde(with = "bytes_as_text"))]
        data: Bytes,
    },
    /// `+ challenge` during AUTH (base64-decoded); answer with
    /// [`Client::send_sasl_response`] or [`Client::cancel_sasl`].
    SaslChallenge(#[cfg_attr(feature = "serde", serde(with = "bytes_as_text"))] Bytes),
    /// `+OK` to STLS: run the TLS handshake now, then call
    /// [`Client::tls_established`].
    StartTls,
    /// A `-ERR` nobody asked for (a server closing an idle session).
    UnsolicitedError(StatusLine),
    /// The server broke the protocol; earlier events stand, and the
    /// machine carries on where it can.
    Violation(ClientError),
}

/// Serializes content as text when it is UTF-8 (readable JSON), else as
/// bytes.
#[cfg(feature = "serde")]
pub(crate) mod bytes_as_text {
    use bytes::Bytes;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(b) {
            Ok(t) => s.serialize_str(t),
            Err(_) => s.serialize_bytes(b),
        }
    }

    /// The same for an optional value.
    pub mod option {
        use bytes::Bytes;
        use serde::Serializer;

        pub fn serialize<S: Serializer>(b: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
            match b {
                Some(b) => super::serialize(b, s),
                None => s.serialize_none(),
            }
        }
    }
}

/// Errors of the client machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ClientError {
    /// The command is not valid in this state.
    #[error("{command} is not valid in state {state:?}")]
    NotAllowed {
        /// The keyword.
        command: String,
        /// The state.
        state: ClientState,
    },
    /// Too many commands are waiting for replies.
    #[error("more than {limit} commands are waiting")]
    TooManyPending {
        /// The limit.
        limit: usize,
    },
    /// No AUTH exchange is waiting for a response.
    #[error("no SASL exchange is in progress")]
    NoSaslExchange,
    /// The session is closed.
    #[error("the session is closed")]
    Closed,
    /// A reply line is longer than the limit; it was skipped.
    #[error("reply line at byte {offset} exceeds {limit} bytes")]
    LineTooLong {
        /// Stream offset of the line.
        offset: u64,
        /// The limit.
        limit: usize,
    },
    /// A reply line did not parse.
    #[error("bad reply at byte {offset}: {error}")]
    BadReply {
        /// Stream offset of the line.
        offset: u64,
        /// What was wrong.
        error: ParseError,
    },
    /// A listing line did not parse (the rest of the listing is kept).
    #[error("bad listing line at byte {offset}: {error}")]
    BadListing {
        /// Stream offset of the line.
        offset: u64,
        /// What was wrong.
        error: ParseError,
    },
    /// A `+OK` arrived with no command waiting.
    #[error("unsolicited +OK at byte {offset}")]
    Unsolicited {
        /// Stream offset of the line.
        offset: u64,
    },
    /// A multi-line reply grew past the limit; the session cannot go on.
    #[error("multi-line reply starting at byte {offset} exceeds {limit} bytes")]
    ReplyTooLarge {
        /// Stream offset of the status line.
        offset: u64,
        /// The limit.
        limit: u64,
    },
    /// Bytes arrived after the `+OK` to STLS, before TLS: they were
    /// dropped (a man in the middle may have injected them). Reported
    /// once, at the first such byte.
    #[error("plaintext after +OK to STLS, from byte {offset}, was dropped")]
    PlaintextAfterStls {
        /// Stream offset of the first dropped byte.
        offset: u64,
    },
}

#[derive(Debug, Clone)]
enum Body {
    /// Collected and parsed at the end (LIST, UIDL, CAPA, LANG, AUTH).
    Collect { command: Command, line: StatusLine, data: BytesMut },
    /// Streamed (RETR, TOP), or collected for [`ClientEvent::Message`].
    Message { command: Command, line: StatusLine, collected: Option<BytesMut>, size: u64 },
}

/// The POP3 client state machine.
///
/// ```
/// use pop3_proto::{Client, ClientConfig, ClientEvent, Command};
///
/// let mut client = Client::new(ClientConfig::default());
/// client.receive(b"+OK ready <1.2@host>\r\n");
/// assert!(matches!(client.poll_event(), Some(ClientEvent::Greeting { apop_timestamp: Some(_), .. })));
/// client.send(Command::Capa).unwrap();
/// assert_eq!(client.poll_transmit().unwrap(), b"CAPA\r\n".to_vec());
/// client.receive(b"+OK\r\nTOP\r\nPIPELINING\r\n.\r\n");
/// assert!(matches!(client.poll_event(), Some(ClientEvent::Capabilities { capabilities, .. }) if capabilities.len() == 2));
/// ```
#[derive(Debug)]
pub struct Client {
    config: ClientConfig,
    state: ClientState,
    recv: BytesMut,
    /// Line reading and the stream offset of `recv[0]`.
    lines: LineReader,
    /// Commands written, waiting for their replies.
    in_flight: VecDeque<Command>,
    /// Commands accepted by `send`, not yet written.
    unsent: VecDeque<Command>,
    out: BytesMut,
    events: VecDeque<(u64, ClientEvent)>,
    body: Option<(u64, Body, DotDecoder)>,
    capabilities: Option<Vec<Capability>>,
    /// STLS accepted: nothing may be read until TLS is up.
    awaiting_tls: bool,
    /// Plaintext after STLS was already reported.
    plaintext_reported: bool,
    /// A SASL challenge waits for the client's response.
    sasl_waiting: bool,
}

impl Client {
    /// A client waiting for the server's greeting.
    pub fn new(config: ClientConfig) -> Client {
        Client {
            config,
            state: ClientState::Greeting,
            recv: BytesMut::new(),
            lines: LineReader::default(),
            in_flight: VecDeque::new(),
            unsent: VecDeque::new(),
            out: BytesMut::new(),
            events: VecDeque::new(),
            body: None,
            capabilities: None,
            awaiting_tls: false,
            plaintext_reported: false,
            sasl_waiting: false,
        }
    }

    /// The session state.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// The capabilities of the last CAPA reply (forgotten after STLS).
    pub fn capabilities(&self) -> Option<&[Capability]> {
        self.capabilities.as_deref()
    }

    /// Whether the server announced PIPELINING.
    pub fn pipelining(&self) -> bool {
        self.capabilities.as_ref().is_some_and(|c| c.contains(&Capability::Pipelining))
    }

    /// Commands sent or queued that have no reply yet.
    pub fn pending_commands(&self) -> usize {
        self.in_flight.len() + self.unsent.len()
    }

    /// Queues a command. It is checked against the state the session will
    /// be in when it runs, as far as that is known now.
    pub fn send(&mut self, command: Command) -> Result<(), ClientError> {
        if self.state == ClientState::Closed || self.state == ClientState::Update {
            return Err(ClientError::Closed);
        }
        if self.pending_commands() >= self.config.limits.max_pending_commands {
            return Err(ClientError::TooManyPending { limit: self.config.limits.max_pending_commands });
        }
        if !command_allowed(&command, self.expected_state()) {
            return Err(ClientError::NotAllowed {
                command: command.keyword().to_string(),
                state: self.expected_state(),
            });
        }
        self.unsent.push_back(command);
        self.flush_unsent();
        Ok(())
    }

    /// The state after the commands already queued, assuming they succeed
    /// where success changes the state.
    fn expected_state(&self) -> ClientState {
        let mut state = match self.state {
            ClientState::Greeting => ClientState::Authorization,
            s => s,
        };
        for c in self.in_flight.iter().chain(&self.unsent) {
            state = match (state, c) {
                (
                    ClientState::Authorization,
                    Command::Pass(_) | Command::Apop { .. } | Command::Auth { mechanism: Some(_), .. },
                ) => ClientState::Transaction,
                (_, Command::Quit) => ClientState::Closed,
                (s, _) => s,
            };
        }
        state
    }

    /// Answers a SASL challenge.
    pub fn send_sasl_response(&mut self, data: &[u8]) -> Result<(), ClientError> {
        if !self.sasl_waiting {
            return Err(ClientError::NoSaslExchange);
        }
        self.sasl_waiting = false;
        self.out.extend_from_slice(crate::base64::encode(data).as_bytes());
        self.out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// Cancels the SASL exchange (`*`).
    pub fn cancel_sasl(&mut self) -> Result<(), ClientError> {
        if !self.sasl_waiting {
            return Err(ClientError::NoSaslExchange);
        }
        self.sasl_waiting = false;
        self.out.extend_from_slice(b"*\r\n");
        Ok(())
    }

    /// Call after the TLS handshake that followed [`ClientEvent::StartTls`]:
    /// the capabilities are forgotten (ask CAPA again) and reading resumes.
    pub fn tls_established(&mut self) {
        self.awaiting_tls = false;
        self.capabilities = None;
        self.flush_unsent();
    }

    /// Bytes to write to the server, if any. (Received input is processed
    /// first, so that replies can release queued commands.)
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.process(usize::MAX);
        self.flush_unsent();
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.split().to_vec())
        }
    }

    /// Appends the bytes to write to `out`.
    pub fn write_to(&mut self, out: &mut BytesMut) {
        self.process(usize::MAX);
        self.flush_unsent();
        out.extend_from_slice(&self.out);
        self.out.clear();
    }

    /// The next event. Input is processed lazily, one reply at a time,
    /// so commands registered between calls (see [`Client::assume_sent`])
    /// are matched with the replies that follow them.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.poll_event_at().map(|(_, e)| e)
    }

    /// The next event with the stream offset of the bytes it came from.
    pub fn poll_event_at(&mut self) -> Option<(u64, ClientEvent)> {
        if self.events.is_empty() {
            self.process(1);
            self.flush_unsent();
        }
        self.events.pop_front()
    }

    /// Records that a command was written by other means (a recorded
    /// session replayed through [`Client::receive`]): its reply is then
    /// expected in turn.
    pub fn assume_sent(&mut self, command: Command) {
        self.in_flight.push_back(command);
    }

    fn flush_unsent(&mut self) {
        while !self.unsent.is_empty() {
            // One command at a time unless the server pipelines; never past
            // STLS or an AUTH exchange, whose outcome changes the session.
            let blocked = self.awaiting_tls
                || self.state == ClientState::Greeting
                || (!self.in_flight.is_empty() && !self.pipelining())
                || self.in_flight.iter().any(|c| matches!(c, Command::Stls | Command::Auth { .. }));
            if blocked {
                return;
            }
            let Some(cmd) = self.unsent.pop_front() else { return };
            if cmd == Command::Quit && self.state == ClientState::Transaction {
                self.state = ClientState::Update;
            }
            self.out.extend_from_slice(&cmd.to_bytes());
            self.in_flight.push_back(cmd);
        }
    }

    /// Drops `n` bytes received while waiting for TLS, reporting the first.
    fn drop_plaintext(&mut self, n: usize) {
        if n > 0 && !self.plaintext_reported {
            self.plaintext_reported = true;
            let offset = self.lines.consumed;
            self.emit(offset, ClientEvent::Violation(ClientError::PlaintextAfterStls { offset }));
        }
        self.lines.consumed += n as u64;
    }

    fn emit(&mut self, offset: u64, event: ClientEvent) {
        self.events.push_back((offset, event));
    }

    /// Feeds bytes received from the server.
    pub fn receive(&mut self, data: &[u8]) {
        if self.awaiting_tls {
            self.drop_plaintext(data.len());
            return;
        }
        if self.state == ClientState::Closed {
            // The session is over; whatever follows is not a reply.
            self.lines.consumed += data.len() as u64;
            return;
        }
        self.recv.extend_from_slice(data);
    }

    /// Processes received input until `events_wanted` new events exist or
    /// the input is used up.
    fn process(&mut self, events_wanted: usize) {
        let target = self.events.len().saturating_add(events_wanted);
        while self.events.len() < target {
            if self.state == ClientState::Closed {
                // The session is over; whatever follows is not a reply
                // (dropped the same way however the input was chunked).
                self.lines.consumed += self.recv.len() as u64;
                self.recv.clear();
                return;
            }
            if self.awaiting_tls {
                let n = self.recv.len();
                self.recv.clear();
                self.drop_plaintext(n);
                return;
            }
            if self.body.is_some() {
                if !self.process_body() {
                    return;
                }
                continue;
            }
            let Some(line) = self.next_line() else { return };
            let (offset, line) = line;
            self.handle_line(offset, &line);
        }
    }

    /// Takes the next complete line, enforcing the line limit.
    fn next_line(&mut self) -> Option<(u64, Bytes)> {
        let limit = self.config.limits.max_reply_line;
        loop {
            match self.lines.next(&mut self.recv, limit)? {
                Line::Complete(offset, line) => return Some((offset, line)),
                Line::TooLong(offset) => {
                    self.emit(offset, ClientEvent::Violation(ClientError::LineTooLong { offset, limit }))
                }
            }
        }
    }

    fn handle_line(&mut self, offset: u64, raw: &[u8]) {
        if self.state == ClientState::Greeting {
            match StatusLine::parse(raw) {
                Ok(line) if line.is_ok() => {
                    self.state = ClientState::Authorization;
                    let apop_timestamp = line.apop_timestamp().map(str::to_string);
                    self.emit(offset, ClientEvent::Greeting { line, apop_timestamp });
                }
                Ok(line) => {
                    self.state = ClientState::Closed;
                    self.emit(offset, ClientEvent::GreetingRefused(line));
                }
                Err(error) => self.emit(offset, ClientEvent::Violation(ClientError::BadReply { offset, error })),
            }
            return;
        }
        let in_auth = matches!(self.in_flight.front(), Some(Command::Auth { mechanism: Some(_), .. }));
        if in_auth && raw.first() == Some(&b'+') && !raw[..raw.len().min(3)].eq_ignore_ascii_case(b"+OK") {
            let text = raw[1..].strip_suffix(b"\n").unwrap_or(&raw[1..]);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            let text = text.strip_prefix(b" ").unwrap_or(text);
            match crate::base64::decode(text) {
                Some(challenge) => {
                    self.sasl_waiting = true;
                    self.emit(offset, ClientEvent::SaslChallenge(Bytes::from(challenge)));
                }
                None => self.emit(
                    offset,
                    ClientEvent::Violation(ClientError::BadReply {
                        offset,
                        error: ParseError::expected(1, "a base64 challenge"),
                    }),
                ),
            }
            return;
        }
        let line = match StatusLine::parse(raw) {
            Ok(line) => line,
            Err(error) => {
                // The reply is lost, but it answered the oldest command.
                self.in_flight.pop_front();
                self.emit(offset, ClientEvent::Violation(ClientError::BadReply { offset, error }));
                return;
            }
        };
        let Some(command) = self.in_flight.pop_front() else {
            if line.is_ok() {
                self.emit(offset, ClientEvent::Violation(ClientError::Unsolicited { offset }));
            } else {
                self.emit(offset, ClientEvent::UnsolicitedError(line));
            }
            return;
        };
        self.sasl_waiting = false;
        if command == Command::Quit {
            // The server closes after answering QUIT, whatever the answer.
            self.state = ClientState::Closed;
        }
        if line.is_ok() {
            self.apply_success(&command);
            if command.has_multiline_reply() {
                let body = match command {
                    Command::Retr(_) | Command::Top { .. } => {
                        if !self.config.collect_messages {
                            self.emit(
                                offset,
                                ClientEvent::MessageStart { command: command.clone(), line: line.clone() },
                            );
                        }
                        let collected = self.config.collect_messages.then(BytesMut::new);
                        Body::Message { command, line, collected, size: 0 }
                    }
                    _ => Body::Collect { command, line, data: BytesMut::new() },
                };
                self.body = Some((offset, body, DotDecoder::new()));
                return;
            }
            if command == Command::Stls {
                self.awaiting_tls = true;
                self.emit(offset, ClientEvent::Reply { command, line });
                self.emit(offset, ClientEvent::StartTls);
                return;
            }
        }
        self.emit(offset, ClientEvent::Reply { command, line });
    }

    fn apply_success(&mut self, command: &Command) {
        let login =
            matches!(command, Command::Pass(_) | Command::Apop { .. } | Command::Auth { mechanism: Some(_), .. });
        if login && self.state == ClientState::Authorization {
            self.state = ClientState::Transaction;
        }
    }

    /// Advances the multi-line body; false when more input is needed.
    fn process_body(&mut self) -> bool {
        let Some((offset, mut body, mut decoder)) = self.body.take() else { return true };
        let before = self.recv.len();
        let piece = decoder.next_piece(&mut self.recv);
        self.lines.consumed += (before - self.recv.len()) as u64;
        let limits = self.config.limits;
        match piece {
            None => {
                self.body = Some((offset, body, decoder));
                false
            }
            Some(BodyPiece::Data(chunk)) => {
                let (over, limit) = match &mut body {
                    Body::Collect { data, .. } => {
                        let over = (data.len() + chunk.len()) as u64 > limits.max_listing_size;
                        if !over {
                            data.extend_from_slice(&chunk);
                        }
                        (over, limits.max_listing_size)
                    }
                    Body::Message { collected, size, .. } => {
                        *size += chunk.len() as u64;
                        let over = *size > limits.max_message_size;
                        if !over {
                            match collected {
                                Some(c) => c.extend_from_slice(&chunk),
                                None => self.events.push_back((offset, ClientEvent::MessageData(chunk))),
                            }
                        }
                        (over, limits.max_message_size)
                    }
                };
                if over {
                    // The reply never ends within bounds: nothing after it
                    // can be trusted.
                    self.emit(offset, ClientEvent::Violation(ClientError::ReplyTooLarge { offset, limit }));
                    self.state = ClientState::Closed;
                    self.lines.consumed += self.recv.len() as u64;
                    self.recv.clear();
                    self.in_flight.clear();
                    self.unsent.clear();
                    return false;
                }
                self.body = Some((offset, body, decoder));
                true
            }
            Some(BodyPiece::End) => {
                self.finish_body(offset, body);
                true
            }
        }
    }

    fn finish_body(&mut self, offset: u64, body: Body) {
        match body {
            Body::Message { command, line, collected, .. } => match collected {
                Some(data) => self.emit(offset, ClientEvent::Message { command, line, data: data.freeze() }),
                None => self.emit(offset, ClientEvent::MessageEnd),
            },
            Body::Collect { command, line, data } => {
                let mut lines = Vec::new();
                let mut pos = 0usize;
                let mut rest: &[u8] = &data;
                while !rest.is_empty() {
                    let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
                    let raw = &rest[..end];
                    let text = raw.strip_suffix(b"\n").unwrap_or(raw);
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    lines.push((pos, text));
                    pos += end;
                    rest = &rest[end..];
                }
                let event = self.listing_event(offset, command, line, &lines);
                self.emit(offset, event);
            }
        }
    }

    fn listing_event(
        &mut self,
        offset: u64,
        command: Command,
        line: StatusLine,
        lines: &[(usize, &[u8])],
    ) -> ClientEvent {
        match command {
            Command::List(None) => {
                ClientEvent::ScanListings { line, entries: self.parse_lines(offset, lines, ScanListing::parse_text) }
            }
            Command::Uidl(None) => {
                ClientEvent::UniqueIds { line, entries: self.parse_lines(offset, lines, UniqueIdListing::parse_text) }
            }
            Command::Lang(None) => {
                ClientEvent::Languages { line, languages: self.parse_lines(offset, lines, Language::parse_text) }
            }
            Command::Capa => {
                let capabilities = self.parse_lines(offset, lines, Capability::parse_text);
                self.capabilities = Some(capabilities.clone());
                ClientEvent::Capabilities { line, capabilities }
            }
            command => ClientEvent::Lines {
                command,
                line,
                lines: lines.iter().map(|(_, t)| Arg::from_validated(Bytes::copy_from_slice(t))).collect(),
            },
        }
    }

    /// Parses every line of a listing; a bad line is reported and skipped,
    /// the others are kept. (Offsets inside the body count unstuffed bytes
    /// but point at the right reply.)
    fn parse_lines<T>(
        &mut self,
        offset: u64,
        lines: &[(usize, &[u8])],
        parse: fn(&[u8]) -> Result<T, ParseError>,
    ) -> Vec<T> {
        let mut out = Vec::with_capacity(lines.len());
        for (pos, text) in lines {
            match parse(text) {
                Ok(v) => out.push(v),
                Err(error) => {
                    let at = offset + *pos as u64;
                    self.events.push_back((at, ClientEvent::Violation(ClientError::BadListing { offset: at, error })));
                }
            }
        }
        out
    }
}

/// Whether a command may be sent in a state (RFC 1939, 2449, 2595, 5034,
/// 6856).
pub(crate) fn command_allowed(command: &Command, state: ClientState) -> bool {
    use Command::*;
    match state {
        ClientState::Greeting | ClientState::Authorization => matches!(
            command,
            User(_) | Pass(_) | Apop { .. } | Quit | Capa | Stls | Auth { .. } | Utf8 | Lang(_) | Other { .. }
        ),
        ClientState::Transaction => matches!(
            command,
            Stat | List(_)
                | Retr(_)
                | Dele(_)
                | Noop
                | Rset
                | Quit
                | Top { .. }
                | Uidl(_)
                | Capa
                | Lang(_)
                | Other { .. }
        ),
        ClientState::Update | ClientState::Closed => false,
    }
}

impl Client {
    /// Drops everything received so far that has not been processed (for
    /// a caller that abandons the session).
    pub fn discard_input(&mut self) {
        self.lines.consumed += self.recv.len() as u64;
        self.recv.advance(self.recv.len());
    }
}
