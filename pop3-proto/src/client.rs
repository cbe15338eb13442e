//! The client state machine: AUTHORIZATION, TRANSACTION, UPDATE.
//!
//! Sans-IO: feed the server's bytes with [`Client::receive`], take
//! [`ClientEvent`]s with [`Client::poll_event`], queue commands with
//! [`Client::send`] and take the bytes to write with
//! [`Client::poll_transmit`]. A FIFO of sent commands decides which reply
//! is multi-line. Without `PIPELINING` in the server's capabilities, one
//! command is on the wire at a time.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::conn::Conn;
use crate::dot::{BodyPiece, DotDecoder};
use crate::encode::Encode;
use crate::error::ParseError;
use crate::lines::Line;
use crate::state::{command_allowed, is_login, State};
use crate::types::*;
use crate::Limits;

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
    /// `+OK` to STAT, with the drop listing it carries.
    Stat {
        /// The status line.
        line: StatusLine,
        /// Messages and octets.
        stat: DropListing,
    },
    /// `+OK` to `LIST n`, with the scan listing it carries.
    Scan {
        /// The status line.
        line: StatusLine,
        /// The message and its size.
        listing: ScanListing,
    },
    /// `+OK` to `UIDL n`, with the unique-id listing it carries.
    UniqueId {
        /// The status line.
        line: StatusLine,
        /// The message and its unique id.
        listing: UniqueIdListing,
    },
    /// Any other single-line reply, `-ERR` to any command, or a `+OK` to
    /// STAT, `LIST n` or `UIDL n` whose listing did not parse (reported
    /// first as a [`PeerError::BadListing`] violation).
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
    MessageData(#[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))] Bytes),
    /// The end of the message content.
    MessageEnd,
    /// A whole message (with [`ClientConfig::collect_messages`]).
    Message {
        /// The command answered.
        command: Command,
        /// The status line.
        line: StatusLine,
        /// The content, unstuffed.
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))]
        data: Bytes,
    },
    /// `+ challenge` during AUTH (base64-decoded); answer with
    /// [`Client::sasl_response`] or [`Client::sasl_cancel`].
    SaslChallenge(#[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))] Bytes),
    /// `+OK` to STLS: run the TLS handshake now, then call
    /// [`Client::tls_established`].
    StartTls,
    /// A `-ERR` nobody asked for (a server closing an idle session).
    UnsolicitedError(StatusLine),
    /// The server broke the protocol; earlier events stand, and the
    /// machine carries on where it can.
    Violation(PeerError),
    /// The connection is closed ([`Client::receive_eof`]): the last event.
    Closed,
}

/// What the application asked of the client machine that it refused:
/// nothing was sent, nothing changed. (What the server does wrong is a
/// [`PeerError`].)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ClientError {
    /// The command is not valid in this state.
    #[error("{command} is not valid in state {state:?}")]
    NotAllowed {
        /// The keyword.
        command: String,
        /// The state.
        state: State,
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
}

/// What the server did wrong, or how the connection failed: reported in
/// [`ClientEvent::Violation`]; everything parsed before and after is kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum PeerError {
    /// The peer's first line is not a POP3 greeting (`+OK` or `-ERR`): it
    /// is not a POP3 server (an IMAP or SMTP server, TLS from the first
    /// byte, ...). The session is over.
    #[error("not a POP3 server: it greeted with {received}")]
    NotPop3 {
        /// What arrived, quoted and cut to a line (or said in words, for
        /// TLS or binary data).
        received: String,
    },
    /// The connection ended before the session did: in the middle of a
    /// reply, or with commands unanswered. Reported once, by
    /// [`Client::receive_eof`].
    #[error("connection closed at byte {offset} before the reply to {} was complete", .command.as_ref().map_or("the greeting", |c| c.keyword()))]
    Truncated {
        /// Stream offset of the end of input.
        offset: u64,
        /// The oldest command left without a (complete) reply; `None`
        /// when the greeting was cut.
        command: Option<Command>,
    },
    /// A reply line is longer than the limit; it was skipped, and it
    /// counts as the reply to the oldest command in flight.
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

impl Body {
    fn command(&self) -> &Command {
        match self {
            Body::Collect { command, .. } | Body::Message { command, .. } => command,
        }
    }
}

/// The POP3 client state machine.
///
/// # Call order
/// 1. [`Client::receive`] whatever the server sent (and
///    [`Client::receive_eof`] when it closed the connection);
/// 2. [`Client::poll_event`] until it returns `None`;
/// 3. [`Client::send`] commands (or SASL responses) as the events suggest;
/// 4. [`Client::poll_transmit`] until it returns `None`, and write the
///    bytes.
///
/// Input is processed lazily, in `poll_event` (one reply at a time) and in
/// `poll_transmit` (all of it, because replies release queued commands),
/// exactly as in the [`Server`](crate::server::Server). `receive` only buffers.
///
/// ```
/// use pop3_wire::client::{Client, ClientConfig, ClientEvent};
/// use pop3_wire::Command;
///
/// let mut client = Client::new(ClientConfig::default());
/// client.receive(b"+OK ready <1.2@host>\r\n");
/// assert!(matches!(client.poll_event(), Some(ClientEvent::Greeting { apop_timestamp: Some(_), .. })));
/// client.send(Command::Capa).unwrap();
/// assert_eq!(client.poll_transmit().unwrap(), &b"CAPA\r\n"[..]);
/// client.receive(b"+OK\r\nTOP\r\nPIPELINING\r\n.\r\n");
/// assert!(matches!(client.poll_event(), Some(ClientEvent::Capabilities { capabilities, .. }) if capabilities.len() == 2));
/// ```
#[derive(Debug)]
pub struct Client {
    config: ClientConfig,
    state: State,
    conn: Conn<ClientEvent>,
    /// Commands written, waiting for their replies.
    in_flight: VecDeque<Command>,
    /// Commands accepted by `send`, not yet written.
    unsent: VecDeque<Command>,
    body: Option<(u64, Body, DotDecoder)>,
    capabilities: Option<Vec<Capability>>,
    /// A SASL challenge waits for the client's response.
    sasl_waiting: bool,
}

impl Client {
    /// A client waiting for the server's greeting.
    pub fn new(config: ClientConfig) -> Client {
        Client {
            config,
            state: State::Greeting,
            conn: Conn::new(|offset| ClientEvent::Violation(PeerError::PlaintextAfterStls { offset })),
            in_flight: VecDeque::new(),
            unsent: VecDeque::new(),
            body: None,
            capabilities: None,
            sasl_waiting: false,
        }
    }

    /// The session state the server has confirmed: `Transaction` once a
    /// login was accepted, `Closed` once QUIT was answered (whatever
    /// queued commands assume).
    pub fn state(&self) -> State {
        self.state
    }

    /// The capabilities of the last CAPA reply (forgotten after STLS).
    pub fn capabilities(&self) -> Option<&[Capability]> {
        self.capabilities.as_deref()
    }

    /// The settings the client runs with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
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
        let expected = self.expected_state();
        if expected == State::Closed {
            return Err(ClientError::Closed);
        }
        if self.pending_commands() >= self.config.limits.max_pending_commands {
            return Err(ClientError::TooManyPending { limit: self.config.limits.max_pending_commands });
        }
        if !command_allowed(&command, expected) {
            return Err(ClientError::NotAllowed { command: command.keyword().to_string(), state: expected });
        }
        self.unsent.push_back(command);
        self.flush_unsent();
        Ok(())
    }

    /// The state after the commands already queued, assuming they succeed
    /// where success changes the state.
    fn expected_state(&self) -> State {
        let mut state = match self.state {
            State::Greeting => State::Authorization,
            s => s,
        };
        for c in self.in_flight.iter().chain(&self.unsent) {
            state = match (state, c) {
                (State::Authorization, c) if is_login(c) => State::Transaction,
                (_, Command::Quit) => State::Closed,
                (s, _) => s,
            };
        }
        state
    }

    /// Answers a SASL challenge.
    pub fn sasl_response(&mut self, data: &[u8]) -> Result<(), ClientError> {
        if !self.sasl_waiting {
            return Err(ClientError::NoSaslExchange);
        }
        self.sasl_waiting = false;
        self.conn.out.extend_from_slice(crate::base64::encode(data).as_bytes());
        self.conn.out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// Cancels the SASL exchange (`*`).
    pub fn sasl_cancel(&mut self) -> Result<(), ClientError> {
        if !self.sasl_waiting {
            return Err(ClientError::NoSaslExchange);
        }
        self.sasl_waiting = false;
        self.conn.out.extend_from_slice(b"*\r\n");
        Ok(())
    }

    /// Call after the TLS handshake that followed [`ClientEvent::StartTls`]:
    /// the capabilities are forgotten (ask CAPA again) and reading resumes.
    pub fn tls_established(&mut self) {
        self.conn.tls_established();
        self.capabilities = None;
        self.flush_unsent();
    }

    /// Bytes to write to the server, if any. (Received input is processed
    /// first, so that replies can release queued commands.)
    #[must_use = "the bytes must be written to the server"]
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.process(usize::MAX);
        self.flush_unsent();
        self.conn.poll_transmit()
    }

    /// Appends the bytes to write to `out` (as [`Client::poll_transmit`]).
    pub fn write_to(&mut self, out: &mut BytesMut) {
        self.process(usize::MAX);
        self.flush_unsent();
        self.conn.write_to(out);
    }

    /// The next event. Input is processed lazily, one reply at a time,
    /// so commands registered between calls (see [`Client::assume_sent`])
    /// are matched with the replies that follow them.
    #[must_use = "events carry the server's replies"]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.poll_event_at().map(|(_, e)| e)
    }

    /// The next event with the stream offset of the bytes it came from.
    #[must_use = "events carry the server's replies"]
    pub fn poll_event_at(&mut self) -> Option<(u64, ClientEvent)> {
        if self.conn.events.is_empty() {
            self.process(1);
            self.flush_unsent();
        }
        self.conn.events.pop_front()
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
            let blocked = self.conn.awaiting_tls()
                || self.conn.eof
                || matches!(self.state, State::Greeting | State::Closed)
                || (!self.in_flight.is_empty() && !self.pipelining())
                || self.in_flight.iter().any(|c| matches!(c, Command::Stls | Command::Auth { .. }));
            if blocked {
                return;
            }
            let Some(cmd) = self.unsent.pop_front() else { return };
            cmd.encode_to(&mut self.conn.out);
            self.in_flight.push_back(cmd);
        }
    }

    /// Feeds bytes received from the server. They are processed by the
    /// next `poll_event` or `poll_transmit`.
    pub fn receive(&mut self, data: &[u8]) {
        self.conn.receive(data);
    }

    /// The server closed the connection. Once the input before it is
    /// processed, a session that had not ended (a reply cut short, or
    /// commands unanswered) gives a [`PeerError::Truncated`] violation;
    /// then [`ClientEvent::Closed`] ends the events, and the state is
    /// [`State::Closed`].
    pub fn receive_eof(&mut self) {
        self.conn.eof = true;
    }

    /// Drops everything received so far that has not been processed (for
    /// a caller that abandons the session).
    pub fn discard_input(&mut self) {
        self.conn.lines.consumed += self.conn.recv.len() as u64;
        self.conn.recv.clear();
    }

    /// Processes received input until `events_wanted` new events exist or
    /// the input is used up.
    fn process(&mut self, events_wanted: usize) {
        let target = self.conn.events.len().saturating_add(events_wanted);
        while self.conn.events.len() < target {
            if self.state == State::Closed {
                // The session is over; whatever follows is not a reply
                // (dropped the same way however the input was chunked).
                self.conn.close_input();
                break;
            }
            if !self.conn.readable() {
                break;
            }
            if self.state == State::Greeting && self.not_a_greeting_yet() {
                break;
            }
            if self.body.is_some() {
                if !self.process_body() {
                    break;
                }
                continue;
            }
            let limit = self.config.limits.max_reply_line;
            match self.conn.next_line(limit) {
                Some(Line::Complete(offset, line)) => self.handle_line(offset, &line),
                Some(Line::TooLong(offset)) if self.state == State::Greeting => {
                    self.not_pop3_with(offset, format!("a first line longer than {limit} bytes"));
                }
                Some(Line::TooLong(offset)) => {
                    // The line was a reply all the same: it answers the
                    // oldest command, which must not block those behind it.
                    if self.state != State::Greeting {
                        self.in_flight.pop_front();
                        self.sasl_waiting = false;
                    }
                    self.conn.emit(offset, ClientEvent::Violation(PeerError::LineTooLong { offset, limit }));
                }
                None => break,
            }
        }
        if self.conn.eof && self.conn.events.len() < target {
            self.end_of_input();
        }
    }

    /// All input before the end was processed: report what it cut short.
    fn end_of_input(&mut self) {
        if self.conn.eof_handled {
            return;
        }
        self.conn.eof_handled = true;
        if self.state != State::Closed && !self.conn.awaiting_tls() {
            let cut = !self.conn.recv.is_empty() || self.body.is_some() || !self.in_flight.is_empty();
            if cut || self.state == State::Greeting {
                let offset = self.conn.end_offset();
                let command = match &self.body {
                    Some((_, body, _)) => Some(body.command().clone()),
                    None => self.in_flight.front().cloned(),
                };
                self.conn.emit(offset, ClientEvent::Violation(PeerError::Truncated { offset, command }));
            }
        }
        self.state = State::Closed;
        self.body = None;
        self.in_flight.clear();
        self.unsent.clear();
        self.conn.close_input();
        let offset = self.conn.end_offset();
        self.conn.emit(offset, ClientEvent::Closed);
    }

    /// Before the greeting: true (after ending the session) when the first
    /// bytes are a TLS record, which no line end will follow. (A long run
    /// without a line end is judged when the line reader gives up on it.)
    fn not_a_greeting_yet(&mut self) -> bool {
        let recv = &self.conn.recv[..];
        if !matches!(recv, [0x15 | 0x16, 0x03, ..]) {
            return false;
        }
        let recv = recv[..2].to_vec();
        self.not_pop3(self.conn.end_offset() - self.conn.recv.len() as u64, &recv);
        true
    }

    /// The peer is not a POP3 server: says what it sent and ends.
    fn not_pop3(&mut self, offset: u64, first: &[u8]) {
        let received = describe_greeting(first);
        self.not_pop3_with(offset, received);
    }

    fn not_pop3_with(&mut self, offset: u64, received: String) {
        self.conn.emit(offset, ClientEvent::Violation(PeerError::NotPop3 { received }));
        self.state = State::Closed;
        self.in_flight.clear();
        self.unsent.clear();
        self.conn.close_input();
        self.conn.eof_handled = true;
        // At the offset of what arrived, however the input was chunked.
        self.conn.emit(offset, ClientEvent::Closed);
    }

    fn handle_line(&mut self, offset: u64, raw: &[u8]) {
        if self.state == State::Greeting {
            match StatusLine::parse(raw) {
                Ok(line) if line.is_ok() => {
                    self.state = State::Authorization;
                    let apop_timestamp = line.apop_timestamp().map(str::to_string);
                    self.conn.emit(offset, ClientEvent::Greeting { line, apop_timestamp });
                }
                Ok(line) => {
                    self.state = State::Closed;
                    self.conn.emit(offset, ClientEvent::GreetingRefused(line));
                }
                Err(_) => self.not_pop3(offset, raw),
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
                    self.conn.emit(offset, ClientEvent::SaslChallenge(Bytes::from(challenge)));
                }
                None => self.conn.emit(
                    offset,
                    ClientEvent::Violation(PeerError::BadReply {
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
                self.sasl_waiting = false;
                self.conn.emit(offset, ClientEvent::Violation(PeerError::BadReply { offset, error }));
                return;
            }
        };
        let Some(command) = self.in_flight.pop_front() else {
            if line.is_ok() {
                self.conn.emit(offset, ClientEvent::Violation(PeerError::Unsolicited { offset }));
            } else {
                self.conn.emit(offset, ClientEvent::UnsolicitedError(line));
            }
            return;
        };
        self.sasl_waiting = false;
        if command == Command::Quit {
            // The server closes after answering QUIT, whatever the answer.
            self.state = State::Closed;
        }
        if !line.is_ok() {
            self.conn.emit(offset, ClientEvent::Reply { command, line });
            return;
        }
        if is_login(&command) && self.state == State::Authorization {
            self.state = State::Transaction;
        }
        if command.has_multiline_reply() {
            let body = match command {
                Command::Retr(_) | Command::Top { .. } => {
                    if !self.config.collect_messages {
                        let event = ClientEvent::MessageStart { command: command.clone(), line: line.clone() };
                        self.conn.emit(offset, event);
                    }
                    let collected = self.config.collect_messages.then(BytesMut::new);
                    Body::Message { command, line, collected, size: 0 }
                }
                _ => Body::Collect { command, line, data: BytesMut::new() },
            };
            self.body = Some((offset, body, DotDecoder::new()));
            return;
        }
        let event = match command {
            Command::Stls => {
                self.conn.emit(offset, ClientEvent::Reply { command, line });
                self.conn.emit(offset, ClientEvent::StartTls);
                self.conn.await_tls();
                return;
            }
            Command::Stat => self.typed_reply(offset, command, line, DropListing::parse_text, |line, stat| {
                ClientEvent::Stat { line, stat }
            }),
            Command::List(Some(_)) => {
                self.typed_reply(offset, command, line, ScanListing::parse_text, |line, listing| ClientEvent::Scan {
                    line,
                    listing,
                })
            }
            Command::Uidl(Some(_)) => {
                self.typed_reply(offset, command, line, UniqueIdListing::parse_text, |line, listing| {
                    ClientEvent::UniqueId { line, listing }
                })
            }
            command => ClientEvent::Reply { command, line },
        };
        self.conn.emit(offset, event);
    }

    /// A `+OK` whose text is a listing: the typed event, or a violation
    /// and the plain reply when the text does not parse.
    fn typed_reply<T>(
        &mut self,
        offset: u64,
        command: Command,
        line: StatusLine,
        parse: fn(&[u8]) -> Result<T, ParseError>,
        event: fn(StatusLine, T) -> ClientEvent,
    ) -> ClientEvent {
        match parse(line.text.as_bytes()) {
            Ok(value) => event(line, value),
            Err(error) => {
                self.conn.emit(offset, ClientEvent::Violation(PeerError::BadListing { offset, error }));
                ClientEvent::Reply { command, line }
            }
        }
    }

    /// Advances the multi-line body; false when more input is needed.
    fn process_body(&mut self) -> bool {
        let Some((offset, mut body, mut decoder)) = self.body.take() else { return true };
        let before = self.conn.recv.len();
        let piece = decoder.next_piece(&mut self.conn.recv);
        self.conn.lines.consumed += (before - self.conn.recv.len()) as u64;
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
                                None => self.conn.emit(offset, ClientEvent::MessageData(chunk)),
                            }
                        }
                        (over, limits.max_message_size)
                    }
                };
                if over {
                    // The reply never ends within bounds: nothing after it
                    // can be trusted.
                    self.conn.emit(offset, ClientEvent::Violation(PeerError::ReplyTooLarge { offset, limit }));
                    self.state = State::Closed;
                    self.conn.close_input();
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
                Some(data) => self.conn.emit(offset, ClientEvent::Message { command, line, data: data.freeze() }),
                None => self.conn.emit(offset, ClientEvent::MessageEnd),
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
                self.conn.emit(offset, event);
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
                    self.conn.emit(at, ClientEvent::Violation(PeerError::BadListing { offset: at, error }));
                }
            }
        }
        out
    }
}

/// A first line that is not a POP3 greeting, for an error message: quoted
/// and cut to 100 characters, or said in words for TLS or binary data.
fn describe_greeting(first: &[u8]) -> String {
    if matches!(first, [0x15 | 0x16, 0x03, ..]) {
        "TLS data (the port expects TLS from the first byte: connect with implicit TLS)".to_string()
    } else if first.iter().take(100).any(|&b| b == 0) {
        "binary data".to_string()
    } else {
        let line = first.split(|&b| b == b'\n').next().unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let shown = String::from_utf8_lossy(&line[..line.len().min(100)]).into_owned();
        let hint = if line.starts_with(b"* ") { " (an IMAP server?)" } else { "" };
        format!("{shown:?}{}{hint}", if line.len() > 100 { "..." } else { "" })
    }
}
