//! The server state machine.
//!
//! Sans-IO: feed the client's bytes with [`Server::receive`], take
//! [`ServerEvent`]s with [`Server::poll_event`], answer each command with
//! one of the reply methods, and take the bytes to write with
//! [`Server::poll_transmit`]. The machine owns the protocol rules: the
//! greeting, which commands are valid in which state (others get `-ERR`
//! without reaching the application), the command line limit, `-ERR` and
//! carry on for malformed commands, CAPA, the SASL exchange and STLS. The
//! maildrop is the application's: DELE, RSET and QUIT arrive as events.
//! Replies always leave in command order, also when the client pipelines.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::client::{command_allowed, ClientState};
use crate::dot::DotEncoder;
use crate::error::ParseError;
use crate::lines::{Line, LineReader};
use crate::types::*;
use crate::Limits;

/// Server settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Memory limits (command line length, pending commands).
    pub limits: Limits,
    /// Greeting text after `+OK`.
    pub greeting: String,
    /// An APOP timestamp such as `<1896.697170952@host>`; when set it is
    /// appended to the greeting and APOP is accepted.
    pub apop_timestamp: Option<String>,
    /// What CAPA lists (the machine answers CAPA itself). STLS is left out
    /// after TLS and in TRANSACTION; USER and SASL are left out in
    /// TRANSACTION.
    pub capabilities: Vec<Capability>,
    /// Whether STLS is offered (a TLS configuration exists).
    pub stls: bool,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            limits: Limits::default(),
            greeting: "POP3 server ready".to_string(),
            apop_timestamp: None,
            capabilities: vec![
                Capability::Top,
                Capability::User,
                Capability::Uidl,
                Capability::RespCodes,
                Capability::Pipelining,
                Capability::Sasl(vec![Arg::try_from("PLAIN").unwrap_or_default()]),
            ],
            stls: false,
        }
    }
}

/// What the client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ServerEvent {
    /// A command valid in the current state. Answer it with exactly one
    /// reply method (in order, if several are waiting). USER, PASS, APOP
    /// and AUTH are answered with [`Server::accept_login`] /
    /// [`Server::reject_login`] (or [`Server::reply`] for USER);
    /// QUIT in TRANSACTION means UPDATE: apply the deletions, then reply.
    Command(Command),
    /// A SASL response line (base64-decoded) during AUTH.
    SaslResponse(#[cfg_attr(feature = "serde", serde(with = "crate::client::bytes_as_text"))] Bytes),
    /// The client cancelled AUTH with `*` (the machine already replied).
    SaslCancelled,
    /// The client sent something invalid, or a command not valid now;
    /// the machine answered `-ERR`.
    Rejected {
        /// Stream offset of the line.
        offset: u64,
        /// The command, when the line was one.
        command: Option<Command>,
        /// Why.
        reason: String,
    },
    /// A command the machine answered itself (CAPA), for the record.
    Answered(Command),
    /// STLS was accepted: run the TLS handshake on the raw connection,
    /// then call [`Server::tls_established`].
    StartTls,
    /// Plaintext arrived after STLS was accepted and before TLS was up;
    /// it was dropped (a man in the middle may have injected it).
    /// Reported once, at the offset of the first such byte.
    PlaintextAfterStls {
        /// Stream offset of the first dropped byte.
        offset: u64,
    },
    /// The session is over: close the connection once the output is
    /// written.
    Closed,
}

/// Misuse of the server machine by the application.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerError {
    /// No command is waiting for this kind of reply.
    #[error("no command is waiting for a reply")]
    NoPendingCommand,
    /// The reply does not fit the command waiting (e.g. a listing for DELE).
    #[error("{0}")]
    WrongReply(&'static str),
}

/// Where an AUTH exchange stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sasl {
    /// No exchange.
    Idle,
    /// The application owes a challenge or the outcome.
    AwaitingApplication,
    /// A challenge went out; the client's next line answers it.
    AwaitingClient,
}

#[derive(Debug)]
enum Slot {
    /// The application owes a reply to this command.
    Waiting(Command),
    /// Bytes ready to go out in turn.
    Ready(Vec<u8>),
}

/// The POP3 server state machine.
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    state: ClientState,
    recv: BytesMut,
    lines: LineReader,
    out: BytesMut,
    slots: VecDeque<Slot>,
    events: VecDeque<(u64, ServerEvent)>,
    /// USER was accepted; PASS may follow.
    user_accepted: bool,
    /// Where an AUTH exchange stands.
    sasl: Sasl,
    /// STLS was accepted: input is ignored until TLS is up.
    awaiting_tls: bool,
    tls_active: bool,
    plaintext_reported: bool,
    /// A message body being streamed by the application.
    streaming: Option<DotEncoder>,
}

impl Server {
    /// A server for a new connection; the greeting is queued at once.
    pub fn new(config: ServerConfig) -> Server {
        let mut greeting = format!("+OK {}", config.greeting);
        if let Some(ts) = &config.apop_timestamp {
            greeting.push(' ');
            greeting.push_str(ts);
        }
        greeting.push_str("\r\n");
        let mut out = BytesMut::new();
        out.extend_from_slice(greeting.as_bytes());
        Server {
            config,
            state: ClientState::Authorization,
            recv: BytesMut::new(),
            lines: LineReader::default(),
            out,
            slots: VecDeque::new(),
            events: VecDeque::new(),
            user_accepted: false,
            sasl: Sasl::Idle,
            awaiting_tls: false,
            tls_active: false,
            plaintext_reported: false,
            streaming: None,
        }
    }

    /// The session state.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// Feeds bytes received from the client.
    pub fn receive(&mut self, data: &[u8]) {
        if self.awaiting_tls {
            self.drop_plaintext(data.len());
            return;
        }
        if self.state == ClientState::Closed {
            self.lines.consumed += data.len() as u64;
            return;
        }
        self.recv.extend_from_slice(data);
        self.process();
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front().map(|(_, e)| e)
    }

    /// The next event with the stream offset of the line it came from.
    pub fn poll_event_at(&mut self) -> Option<(u64, ServerEvent)> {
        self.events.pop_front()
    }

    /// Bytes to write to the client, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.split().to_vec())
        }
    }

    /// Appends the bytes to write to `out`.
    pub fn write_to(&mut self, out: &mut BytesMut) {
        out.extend_from_slice(&self.out);
        self.out.clear();
    }

    fn waiting(&self) -> usize {
        self.slots.iter().filter(|s| matches!(s, Slot::Waiting(_))).count()
    }

    fn process(&mut self) {
        // Back-pressure: with too many commands unanswered, leave the rest
        // in the buffer.
        while !self.awaiting_tls
            && self.state != ClientState::Closed
            && self.waiting() < self.config.limits.max_pending_commands
            && self.sasl != Sasl::AwaitingApplication
            && (self.sasl == Sasl::AwaitingClient || !self.awaiting_outcome())
        {
            let Some((offset, line)) = self.next_line() else { return };
            if self.sasl == Sasl::AwaitingClient {
                self.sasl_line(offset, &line);
                continue;
            }
            match Command::parse(&line) {
                Ok(command) => self.dispatch(offset, command),
                Err(error) => self.reject(offset, None, &error_text(&error)),
            }
        }
    }

    /// Whether a command whose outcome decides how later commands are
    /// judged is still unanswered: USER (may PASS follow?), the logins
    /// (which state?), STLS (plaintext after it must not be read) and
    /// QUIT. Pipelined input after it waits in the buffer.
    fn awaiting_outcome(&self) -> bool {
        self.slots.iter().any(|s| {
            matches!(
                s,
                Slot::Waiting(
                    Command::User(_)
                        | Command::Pass(_)
                        | Command::Apop { .. }
                        | Command::Auth { .. }
                        | Command::Stls
                        | Command::Quit
                )
            )
        })
    }

    fn next_line(&mut self) -> Option<(u64, Bytes)> {
        let limit = self.config.limits.max_command_line;
        loop {
            match self.lines.next(&mut self.recv, limit)? {
                Line::Complete(offset, line) => return Some((offset, line)),
                Line::TooLong(offset) => self.reject(offset, None, "Command line too long"),
            }
        }
    }

    fn push_ready(&mut self, bytes: Vec<u8>) {
        self.slots.push_back(Slot::Ready(bytes));
        self.flush();
    }

    fn flush(&mut self) {
        while let Some(Slot::Ready(_)) = self.slots.front() {
            if let Some(Slot::Ready(bytes)) = self.slots.pop_front() {
                self.out.extend_from_slice(&bytes);
            }
        }
    }

    fn reject(&mut self, offset: u64, command: Option<Command>, reason: &str) {
        self.push_ready(StatusLine::err(reason).to_bytes());
        self.events.push_back((offset, ServerEvent::Rejected { offset, command, reason: reason.to_string() }));
    }

    fn dispatch(&mut self, offset: u64, command: Command) {
        if !command_allowed(&command, self.state) {
            let reason = format!("{} is not valid in this state", command.keyword());
            return self.reject(offset, Some(command), &reason);
        }
        match &command {
            Command::Capa => {
                let mut reply = StatusLine::ok("Capability list follows").to_bytes();
                for cap in self.advertised() {
                    reply.extend_from_slice(&cap.to_bytes());
                }
                reply.extend_from_slice(b".\r\n");
                self.events.push_back((offset, ServerEvent::Answered(command)));
                return self.push_ready(reply);
            }
            Command::Pass(_) if !self.user_accepted => return self.reject(offset, Some(command), "Give USER first"),
            Command::Apop { .. } if self.config.apop_timestamp.is_none() => {
                return self.reject(offset, Some(command), "APOP is not available")
            }
            Command::Stls if !self.config.stls || self.tls_active => {
                return self.reject(offset, Some(command), "STLS is not available")
            }
            Command::Auth { mechanism: Some(_), .. } => self.sasl = Sasl::AwaitingApplication,
            Command::Other { keyword, .. } => {
                let reason = format!("Unknown command: {}", keyword.as_str().unwrap_or("?"));
                return self.reject(offset, Some(command.clone()), &reason);
            }
            _ => {}
        }
        if command == Command::Quit && self.state == ClientState::Transaction {
            self.state = ClientState::Update;
        }
        self.slots.push_back(Slot::Waiting(command.clone()));
        self.events.push_back((offset, ServerEvent::Command(command)));
    }

    fn sasl_line(&mut self, offset: u64, line: &[u8]) {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text == b"*" {
            self.sasl = Sasl::Idle;
            self.events.push_back((offset, ServerEvent::SaslCancelled));
            self.complete(StatusLine::err("Authentication cancelled").to_bytes());
            return;
        }
        match crate::base64::decode(text) {
            Some(data) => {
                // The AUTH slot is answered by accept/reject_login or the
                // next challenge; meanwhile it waits again.
                self.sasl = Sasl::AwaitingApplication;
                self.events.push_back((offset, ServerEvent::SaslResponse(Bytes::from(data))));
            }
            None => {
                self.sasl = Sasl::Idle;
                self.events.push_back((
                    offset,
                    ServerEvent::Rejected { offset, command: None, reason: "invalid base64".into() },
                ));
                self.complete(StatusLine::err("Invalid base64 in SASL response").to_bytes());
            }
        }
    }

    fn advertised(&self) -> Vec<Capability> {
        let mut caps: Vec<Capability> = self
            .config
            .capabilities
            .iter()
            .filter(|c| {
                self.state == ClientState::Authorization
                    || !matches!(c, Capability::User | Capability::Sasl(_) | Capability::Stls)
            })
            .filter(|c| **c != Capability::Stls)
            .cloned()
            .collect();
        if self.config.stls && !self.tls_active && self.state == ClientState::Authorization {
            caps.push(Capability::Stls);
        }
        caps
    }

    /// The command the next reply answers.
    pub fn pending_command(&self) -> Option<&Command> {
        self.slots.iter().find_map(|s| match s {
            Slot::Waiting(c) => Some(c),
            Slot::Ready(_) => None,
        })
    }

    /// Fills the first waiting slot and flushes what is ready.
    fn complete(&mut self, bytes: Vec<u8>) -> Option<Command> {
        let idx = self.slots.iter().position(|s| matches!(s, Slot::Waiting(_)))?;
        let Slot::Waiting(command) = std::mem::replace(&mut self.slots[idx], Slot::Ready(bytes)) else {
            return None;
        };
        self.flush();
        self.process();
        Some(command)
    }

    /// Answers the oldest waiting command with a single line (`+OK` or
    /// `-ERR`). For USER, `+OK` allows PASS; for QUIT, the session closes.
    pub fn reply(&mut self, line: StatusLine) -> Result<(), ServerError> {
        let command = self.pending_command().cloned().ok_or(ServerError::NoPendingCommand)?;
        if line.is_ok() && matches!(command, Command::Pass(_) | Command::Apop { .. } | Command::Auth { .. }) {
            return Err(ServerError::WrongReply("answer logins with accept_login"));
        }
        if line.is_ok() && command.has_multiline_reply() {
            return Err(ServerError::WrongReply("a +OK to this command needs a multi-line reply"));
        }
        if line.is_ok() && command == Command::Stls {
            return Err(ServerError::WrongReply("answer STLS with accept_stls"));
        }
        if let Command::User(_) = command {
            self.user_accepted = line.is_ok();
        }
        if matches!(command, Command::Auth { .. }) {
            self.sasl = Sasl::Idle;
        }
        if command == Command::Quit {
            // Closed before the reply is queued, so that nothing the
            // client sent after QUIT is read.
            self.close();
        }
        self.complete(line.to_bytes());
        Ok(())
    }

    /// Accepts PASS, APOP or AUTH: `+OK`, and the session enters
    /// TRANSACTION (the maildrop is the application's to lock).
    pub fn accept_login(&mut self, text: &str) -> Result<(), ServerError> {
        match self.pending_command() {
            Some(Command::Pass(_) | Command::Apop { .. } | Command::Auth { mechanism: Some(_), .. }) => {}
            Some(_) => return Err(ServerError::WrongReply("the waiting command is not a login")),
            None => return Err(ServerError::NoPendingCommand),
        }
        self.sasl = Sasl::Idle;
        self.user_accepted = false;
        self.state = ClientState::Transaction;
        self.complete(StatusLine::ok(text).to_bytes());
        Ok(())
    }

    /// Refuses a login (`-ERR [AUTH] ...` is the usual line); the session
    /// stays in AUTHORIZATION.
    pub fn reject_login(&mut self, line: StatusLine) -> Result<(), ServerError> {
        match self.pending_command() {
            Some(Command::Pass(_) | Command::Apop { .. } | Command::Auth { .. } | Command::User(_)) => {}
            Some(_) => return Err(ServerError::WrongReply("the waiting command is not a login")),
            None => return Err(ServerError::NoPendingCommand),
        }
        if line.is_ok() {
            return Err(ServerError::WrongReply("a rejection is -ERR"));
        }
        self.sasl = Sasl::Idle;
        self.user_accepted = false;
        self.complete(line.to_bytes());
        Ok(())
    }

    /// Sends a SASL challenge for the waiting AUTH.
    pub fn sasl_challenge(&mut self, challenge: &[u8]) -> Result<(), ServerError> {
        if !matches!(self.pending_command(), Some(Command::Auth { mechanism: Some(_), .. })) {
            return Err(ServerError::WrongReply("no AUTH is waiting"));
        }
        self.flush();
        if !matches!(self.slots.front(), Some(Slot::Waiting(Command::Auth { .. }))) {
            return Err(ServerError::WrongReply("earlier replies are still owed"));
        }
        // The challenge goes out now; the AUTH slot keeps waiting for the
        // outcome, and the client's next line is its response.
        self.out.extend_from_slice(b"+ ");
        self.out.extend_from_slice(crate::base64::encode(challenge).as_bytes());
        self.out.extend_from_slice(b"\r\n");
        self.sasl = Sasl::AwaitingClient;
        self.process();
        Ok(())
    }

    /// Accepts STLS: `+OK`, then [`ServerEvent::StartTls`]. Input that
    /// arrives before [`Server::tls_established`] is dropped.
    pub fn accept_stls(&mut self) -> Result<(), ServerError> {
        if self.pending_command() != Some(&Command::Stls) {
            return Err(ServerError::WrongReply("STLS is not waiting"));
        }
        self.awaiting_tls = true;
        self.complete(StatusLine::ok("Begin TLS negotiation now").to_bytes());
        self.events.push_back((self.lines.consumed, ServerEvent::StartTls));
        let buffered = self.recv.len();
        self.recv.clear();
        self.drop_plaintext(buffered);
        Ok(())
    }

    /// Drops `n` bytes received while waiting for TLS, reporting the first.
    fn drop_plaintext(&mut self, n: usize) {
        if n > 0 && !self.plaintext_reported {
            self.plaintext_reported = true;
            self.events
                .push_back((self.lines.consumed, ServerEvent::PlaintextAfterStls { offset: self.lines.consumed }));
        }
        self.lines.consumed += n as u64;
    }

    /// Call once the TLS handshake after STLS is done.
    pub fn tls_established(&mut self) {
        self.awaiting_tls = false;
        self.tls_active = true;
        self.user_accepted = false;
    }

    /// Answers LIST, UIDL, LANG or AUTH (no mechanism) with a status line
    /// and listing lines.
    pub fn reply_lines(&mut self, line: StatusLine, lines: &[Vec<u8>]) -> Result<(), ServerError> {
        match self.pending_command() {
            Some(c) if c.has_multiline_reply() && !matches!(c, Command::Retr(_) | Command::Top { .. }) => {}
            Some(_) => return Err(ServerError::WrongReply("the waiting command has no listing reply")),
            None => return Err(ServerError::NoPendingCommand),
        }
        let mut out = BytesMut::from(&line.to_bytes()[..]);
        if line.is_ok() {
            let mut body = DotEncoder::new();
            for l in lines {
                body.push(l, &mut out);
                if !l.ends_with(b"\n") {
                    body.push(b"\r\n", &mut out);
                }
            }
            body.finish(&mut out);
        }
        self.complete(out.to_vec());
        Ok(())
    }

    /// Answers LIST (no argument) with a scan listing.
    pub fn reply_scan_listing(&mut self, line: StatusLine, entries: &[ScanListing]) -> Result<(), ServerError> {
        let lines: Vec<Vec<u8>> = entries.iter().map(ScanListing::to_bytes).collect();
        self.reply_lines(line, &lines)
    }

    /// Answers UIDL (no argument) with a unique-id listing.
    pub fn reply_unique_ids(&mut self, line: StatusLine, entries: &[UniqueIdListing]) -> Result<(), ServerError> {
        let lines: Vec<Vec<u8>> = entries.iter().map(UniqueIdListing::to_bytes).collect();
        self.reply_lines(line, &lines)
    }

    /// Answers RETR or TOP with a whole message (dot-stuffed, CRLF
    /// normalised).
    pub fn reply_message(&mut self, line: StatusLine, message: &[u8]) -> Result<(), ServerError> {
        self.begin_message(line)?;
        self.message_data(message)?;
        self.end_message()
    }

    /// Starts a streamed RETR/TOP reply; follow with
    /// [`Server::message_data`] and [`Server::end_message`]. Replies to
    /// later commands wait until it ends.
    pub fn begin_message(&mut self, line: StatusLine) -> Result<(), ServerError> {
        if !matches!(self.pending_command(), Some(Command::Retr(_) | Command::Top { .. })) {
            return Err(ServerError::WrongReply("RETR or TOP is not waiting"));
        }
        if !line.is_ok() {
            self.complete(line.to_bytes());
            return Ok(());
        }
        self.flush();
        if !matches!(self.slots.front(), Some(Slot::Waiting(_))) {
            return Err(ServerError::WrongReply("earlier replies are still owed"));
        }
        self.out.extend_from_slice(&line.to_bytes());
        self.streaming = Some(DotEncoder::new());
        Ok(())
    }

    /// Streams message content (stuffed as it goes).
    pub fn message_data(&mut self, data: &[u8]) -> Result<(), ServerError> {
        let Some(enc) = self.streaming.as_mut() else {
            return Ok(()); // a -ERR was sent instead; nothing to stream
        };
        enc.push(data, &mut self.out);
        Ok(())
    }

    /// Ends a streamed message.
    pub fn end_message(&mut self) -> Result<(), ServerError> {
        let Some(mut enc) = self.streaming.take() else {
            return Ok(());
        };
        enc.finish(&mut self.out);
        self.complete(Vec::new());
        Ok(())
    }

    fn close(&mut self) {
        self.state = ClientState::Closed;
        // The event points just past QUIT; what followed is dropped.
        self.events.push_back((self.lines.consumed, ServerEvent::Closed));
        self.lines.consumed += self.recv.len() as u64;
        self.recv.clear();
    }
}

fn error_text(e: &ParseError) -> String {
    use crate::error::ParseErrorKind::*;
    match &e.kind {
        Invalid(what) if what.starts_with("noise") => "Noise after message number".to_string(),
        Invalid(what) => format!("Invalid {what}"),
        NumberOverflow => "Invalid message number".to_string(),
        Expected(what) => format!("Syntax error: expected {what}"),
    }
}
