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

use crate::conn::Conn;
use crate::dot::DotEncoder;
use crate::encode::Encode;
use crate::error::ParseError;
use crate::lines::Line;
use crate::state::{command_allowed, is_login, State};
use crate::types::*;
use crate::Limits;

/// Server settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Memory limits (command line length, pending commands).
    pub limits: Limits,
    /// Greeting text after `+OK` (validated: no CR, LF or NUL).
    pub greeting: Arg,
    /// An APOP timestamp; when set it is appended to the greeting and APOP
    /// is accepted.
    pub apop_timestamp: Option<ApopTimestamp>,
    /// What CAPA lists (the machine answers CAPA itself). STLS is left out
    /// after TLS and in TRANSACTION; USER and SASL are left out in
    /// TRANSACTION.
    pub capabilities: Vec<Capability>,
    /// Whether STLS is offered (a TLS configuration exists).
    pub stls: bool,
    /// Whether passwords may be sent in the clear (USER/PASS, AUTH PLAIN
    /// or LOGIN) before TLS is on. When `false`, CAPA lists neither USER
    /// nor those SASL mechanisms on a connection without TLS, and such
    /// logins are answered `-ERR [AUTH]` by the machine (RFC 2595 3.2).
    /// Default true.
    pub plaintext_login: bool,
}

fn fixed_arg(text: &'static str) -> Arg {
    Arg::from_validated(Bytes::from_static(text.as_bytes()))
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            limits: Limits::default(),
            greeting: fixed_arg("POP3 server ready"),
            apop_timestamp: None,
            capabilities: vec![
                Capability::Top,
                Capability::User,
                Capability::Uidl,
                Capability::RespCodes,
                Capability::Pipelining,
                Capability::Sasl(vec![fixed_arg("PLAIN")]),
            ],
            stls: false,
            plaintext_login: true,
        }
    }
}

/// What the client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ServerEvent {
    /// A command valid in the current state. Complete it with exactly one
    /// of [`Server::complete`] (a single line: logins, STLS and QUIT
    /// included), [`Server::complete_with_lines`] and its siblings, or a
    /// streamed [`Server::begin_body`] (in order, if several are waiting).
    /// QUIT in TRANSACTION means UPDATE: apply the deletions, then
    /// complete it.
    Command(Command),
    /// A SASL response line (base64-decoded) during AUTH.
    SaslResponse(#[cfg_attr(feature = "serde", serde(with = "crate::serde_text"))] Bytes),
    /// The client cancelled AUTH with `*` (the machine already replied).
    SaslCancelled,
    /// The client sent something invalid, or a command not valid now;
    /// the machine answered `-ERR`.
    Rejected {
        /// Stream offset of the line.
        offset: u64,
        /// The command, when the line was one.
        command: Option<Command>,
        /// Why; its text is the text of the `-ERR`.
        reason: RejectReason,
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
    /// The connection ended in the middle of a command line or of a SASL
    /// exchange ([`Server::receive_eof`]); the partial input was dropped.
    Truncated {
        /// Stream offset of the end of input.
        offset: u64,
    },
    /// The session is over (QUIT answered, or the client closed the
    /// connection): close the connection once the output is written.
    Closed,
}

/// Why the machine refused what the client sent ([`ServerEvent::Rejected`]);
/// its text (`Display`) is the text of the `-ERR` it answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum RejectReason {
    /// The command line did not parse.
    #[error("{}", syntax_text(.0))]
    Syntax(ParseError),
    /// A command line longer than `Limits::max_command_line`.
    #[error("Command line too long")]
    LineTooLong,
    /// The command is not valid in the session's state.
    #[error("{command} is not valid in this state")]
    NotAllowed {
        /// The command's keyword.
        command: String,
        /// The state.
        state: State,
    },
    /// PASS without an accepted USER.
    #[error("Give USER first")]
    UserFirst,
    /// APOP on a server with no APOP timestamp.
    #[error("APOP is not available")]
    ApopUnavailable,
    /// STLS without a TLS configuration, or inside TLS.
    #[error("STLS is not available")]
    StlsUnavailable,
    /// A command the machine does not know.
    #[error("Unknown command: {0}")]
    UnknownCommand(String),
    /// A SASL response line longer than the limit; the exchange failed.
    #[error("SASL response too long")]
    SaslResponseTooLong,
    /// A SASL response that is not base64; the exchange failed.
    #[error("Invalid base64 in SASL response")]
    InvalidBase64,
    /// USER, PASS or a plaintext AUTH mechanism without TLS while
    /// [`ServerConfig::plaintext_login`] is off (answered `-ERR [AUTH]`).
    #[error("Plaintext authentication is refused without TLS: use STLS first")]
    PlaintextLogin,
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
    Ready(Bytes),
}

/// SASL mechanisms that send the password itself (RFC 4616 PLAIN, the
/// LOGIN draft).
fn is_plaintext_mechanism(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"PLAIN") || name.eq_ignore_ascii_case(b"LOGIN")
}

/// USER, PASS, or AUTH with a plaintext mechanism (APOP sends a digest).
fn is_plaintext_login(command: &Command) -> bool {
    match command {
        Command::User(_) | Command::Pass(_) => true,
        Command::Auth { mechanism: Some(m), .. } => is_plaintext_mechanism(m.as_bytes()),
        _ => false,
    }
}

/// The POP3 server state machine.
///
/// # Call order
/// 1. [`Server::poll_transmit`] after creation: the greeting;
/// 2. [`Server::receive`] what the client sent (and
///    [`Server::receive_eof`] when it closed the connection);
/// 3. [`Server::poll_event`] until it returns `None`, answering each
///    [`ServerEvent::Command`] with one reply method;
/// 4. [`Server::poll_transmit`] until it returns `None`, and write the
///    bytes.
///
/// Input is processed lazily, in `poll_event` and `poll_transmit`, as in
/// the [`Client`](crate::client::Client); `receive` only buffers.
///
/// ```
/// use pop3_wire::server::{Server, ServerConfig, ServerEvent};
/// use pop3_wire::{Command, StatusLine};
///
/// let mut server = Server::new(ServerConfig::default());
/// assert_eq!(server.poll_transmit().unwrap(), &b"+OK POP3 server ready\r\n"[..]);
/// server.receive(b"NOOP\r\nUSER alice\r\n");
/// // NOOP is not valid before login: the machine answers it.
/// assert!(matches!(server.poll_event(), Some(ServerEvent::Rejected { .. })));
/// assert!(matches!(server.poll_event(), Some(ServerEvent::Command(Command::User(_)))));
/// server.complete(StatusLine::ok("send PASS").unwrap()).unwrap();
/// let out = server.poll_transmit().unwrap();
/// assert_eq!(out, &b"-ERR NOOP is not valid in this state\r\n+OK send PASS\r\n"[..]);
/// ```
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    state: State,
    conn: Conn<ServerEvent>,
    slots: VecDeque<Slot>,
    /// USER was accepted; PASS may follow.
    user_accepted: bool,
    /// Where an AUTH exchange stands.
    sasl: Sasl,
    tls_active: bool,
    /// A message body being streamed by the application.
    streaming: Option<DotEncoder>,
}

impl Server {
    /// A server for a new connection; the greeting is queued at once.
    pub fn new(config: ServerConfig) -> Server {
        let mut conn = Conn::new(|offset| ServerEvent::PlaintextAfterStls { offset });
        let mut text = BytesMut::from(config.greeting.as_bytes());
        if let Some(ts) = &config.apop_timestamp {
            if !text.is_empty() {
                text.extend_from_slice(b" ");
            }
            text.extend_from_slice(ts.as_str().as_bytes());
        }
        // Both parts are validated: no CR, LF or NUL.
        StatusLine::new(Status::Ok, None, Arg::from_validated(text.freeze())).encode_to(&mut conn.out);
        Server {
            config,
            state: State::Authorization,
            conn,
            slots: VecDeque::new(),
            user_accepted: false,
            sasl: Sasl::Idle,
            tls_active: false,
            streaming: None,
        }
    }

    /// The session state: `Authorization`, `Transaction`, `Update` (QUIT
    /// received after login, not yet answered) or `Closed`.
    pub fn state(&self) -> State {
        self.state
    }

    /// Feeds bytes received from the client. They are processed by the
    /// next `poll_event` or `poll_transmit`.
    pub fn receive(&mut self, data: &[u8]) {
        self.conn.receive(data);
    }

    /// The client closed the connection. Once the complete commands before
    /// it are processed, a command line cut short (or a SASL exchange left
    /// open) gives [`ServerEvent::Truncated`], then [`ServerEvent::Closed`]
    /// ends the session. A session that ends this way never entered UPDATE
    /// (unless QUIT was received): apply no deletions.
    pub fn receive_eof(&mut self) {
        self.conn.eof = true;
    }

    /// The next event.
    #[must_use = "events carry the client's commands"]
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.poll_event_at().map(|(_, e)| e)
    }

    /// The next event with the stream offset of the line it came from.
    #[must_use = "events carry the client's commands"]
    pub fn poll_event_at(&mut self) -> Option<(u64, ServerEvent)> {
        if self.conn.events.is_empty() {
            self.process();
        }
        self.conn.events.pop_front()
    }

    /// Bytes to write to the client, if any (input is processed first, so
    /// that replies the machine gives itself go out).
    #[must_use = "the bytes must be written to the client"]
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.process();
        self.conn.poll_transmit()
    }

    /// Appends the bytes to write to `out` (as [`Server::poll_transmit`]).
    pub fn write_to(&mut self, out: &mut BytesMut) {
        self.process();
        self.conn.write_to(out);
    }

    fn waiting(&self) -> usize {
        self.slots.iter().filter(|s| matches!(s, Slot::Waiting(_))).count()
    }

    /// Reads commands until the input is used up or the rules say to wait.
    fn process(&mut self) {
        // Back-pressure: with too many commands unanswered, leave the rest
        // in the buffer.
        while self.conn.readable()
            && self.state != State::Closed
            && self.waiting() < self.config.limits.max_pending_commands
            && self.sasl != Sasl::AwaitingApplication
            && (self.sasl == Sasl::AwaitingClient || !self.awaiting_outcome())
        {
            let limit = self.config.limits.max_command_line;
            match self.conn.next_line(limit) {
                Some(Line::Complete(offset, line)) if self.sasl == Sasl::AwaitingClient => {
                    self.sasl_line(offset, &line)
                }
                Some(Line::Complete(offset, line)) => match Command::parse(&line) {
                    Ok(command) => self.dispatch(offset, command),
                    Err(error) => self.reject(offset, None, RejectReason::Syntax(error)),
                },
                Some(Line::TooLong(offset)) => {
                    if self.sasl == Sasl::AwaitingClient {
                        // The line answered the challenge: the exchange fails.
                        self.sasl = Sasl::Idle;
                        let reason = RejectReason::SaslResponseTooLong;
                        self.conn.emit(offset, ServerEvent::Rejected { offset, command: None, reason });
                        self.fill_slot(StatusLine::fixed(Status::Err, "SASL response too long").to_bytes());
                    } else {
                        self.reject(offset, None, RejectReason::LineTooLong)
                    }
                }
                None => {
                    if self.conn.eof {
                        self.end_of_input();
                    }
                    return;
                }
            }
        }
        if self.conn.eof && self.conn.awaiting_tls() {
            self.end_of_input();
        }
    }

    /// The client closed; everything complete before it was read.
    fn end_of_input(&mut self) {
        if self.conn.eof_handled {
            return;
        }
        self.conn.eof_handled = true;
        let offset = self.conn.end_offset();
        if !self.conn.recv.is_empty() || self.sasl == Sasl::AwaitingClient {
            self.conn.emit(offset, ServerEvent::Truncated { offset });
        }
        self.state = State::Closed;
        self.conn.emit(offset, ServerEvent::Closed);
        self.conn.close_input();
    }

    /// Whether a command whose outcome decides how later commands are
    /// judged is still unanswered: USER (may PASS follow?), the logins
    /// (which state?), STLS (plaintext after it must not be read) and
    /// QUIT. Pipelined input after it waits in the buffer.
    fn awaiting_outcome(&self) -> bool {
        self.slots.iter().any(|s| match s {
            Slot::Waiting(c) => {
                is_login(c) || matches!(c, Command::User(_) | Command::Auth { .. } | Command::Stls | Command::Quit)
            }
            Slot::Ready(_) => false,
        })
    }

    fn push_ready(&mut self, bytes: Bytes) {
        self.slots.push_back(Slot::Ready(bytes));
        self.flush();
    }

    fn flush(&mut self) {
        while let Some(Slot::Ready(_)) = self.slots.front() {
            if let Some(Slot::Ready(bytes)) = self.slots.pop_front() {
                self.conn.out.extend_from_slice(&bytes);
            }
        }
    }

    /// Answers `-ERR reason` in turn; `reason` is built from constant text
    /// and validated values only.
    fn reject(&mut self, offset: u64, command: Option<Command>, reason: RejectReason) {
        let text = reason.to_string();
        let line = match reason {
            RejectReason::PlaintextLogin => StatusLine::err_with_code(CodeKind::Auth, &text),
            _ => StatusLine::err(&text),
        };
        let line = line.unwrap_or_else(|_| StatusLine::fixed(Status::Err, "Invalid command"));
        self.push_ready(line.to_bytes());
        self.conn.emit(offset, ServerEvent::Rejected { offset, command, reason });
    }

    fn dispatch(&mut self, offset: u64, command: Command) {
        if !command_allowed(&command, self.state) {
            let reason = RejectReason::NotAllowed { command: command.keyword().to_string(), state: self.state };
            return self.reject(offset, Some(command), reason);
        }
        match &command {
            Command::Capa => {
                let mut reply = BytesMut::new();
                StatusLine::fixed(Status::Ok, "Capability list follows").encode_to(&mut reply);
                for cap in self.advertised() {
                    cap.encode_to(&mut reply);
                }
                reply.extend_from_slice(b".\r\n");
                self.conn.emit(offset, ServerEvent::Answered(command));
                return self.push_ready(reply.freeze());
            }
            Command::Pass(_) if !self.user_accepted => {
                return self.reject(offset, Some(command), RejectReason::UserFirst)
            }
            Command::Apop { .. } if self.config.apop_timestamp.is_none() => {
                return self.reject(offset, Some(command), RejectReason::ApopUnavailable)
            }
            Command::Stls if !self.config.stls || self.tls_active => {
                return self.reject(offset, Some(command), RejectReason::StlsUnavailable)
            }
            _ if self.plaintext_refused() && is_plaintext_login(&command) => {
                return self.reject(offset, Some(command), RejectReason::PlaintextLogin)
            }
            Command::Auth { mechanism: Some(_), .. } => self.sasl = Sasl::AwaitingApplication,
            Command::Other { keyword, .. } => {
                let reason = RejectReason::UnknownCommand(keyword.as_str().unwrap_or("?").to_string());
                return self.reject(offset, Some(command.clone()), reason);
            }
            _ => {}
        }
        if command == Command::Quit && self.state == State::Transaction {
            self.state = State::Update;
        }
        self.slots.push_back(Slot::Waiting(command.clone()));
        self.conn.emit(offset, ServerEvent::Command(command));
    }

    fn sasl_line(&mut self, offset: u64, line: &[u8]) {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text == b"*" {
            self.sasl = Sasl::Idle;
            self.conn.emit(offset, ServerEvent::SaslCancelled);
            self.fill_slot(StatusLine::fixed(Status::Err, "Authentication cancelled").to_bytes());
            return;
        }
        match crate::base64::decode(text) {
            Some(data) => {
                // The AUTH slot is answered by `complete` or the
                // next challenge; meanwhile it waits again.
                self.sasl = Sasl::AwaitingApplication;
                self.conn.emit(offset, ServerEvent::SaslResponse(Bytes::from(data)));
            }
            None => {
                self.sasl = Sasl::Idle;
                let event = ServerEvent::Rejected { offset, command: None, reason: RejectReason::InvalidBase64 };
                self.conn.emit(offset, event);
                self.fill_slot(StatusLine::fixed(Status::Err, "Invalid base64 in SASL response").to_bytes());
            }
        }
    }

    /// Whether plaintext passwords are refused on this connection now.
    fn plaintext_refused(&self) -> bool {
        !self.config.plaintext_login && !self.tls_active
    }

    /// What CAPA lists now: USER and SASL only before login, and without
    /// their plaintext forms while plaintext passwords are refused; STLS
    /// while it is on offer.
    pub fn advertised(&self) -> Vec<Capability> {
        let refused = self.plaintext_refused();
        let mut caps: Vec<Capability> = self
            .config
            .capabilities
            .iter()
            .filter(|c| {
                self.state == State::Authorization
                    || !matches!(c, Capability::User | Capability::Sasl(_) | Capability::Stls)
            })
            .filter(|c| **c != Capability::Stls && !(refused && **c == Capability::User))
            .filter_map(|c| match c {
                Capability::Sasl(mechanisms) if refused => {
                    let left: Vec<Arg> =
                        mechanisms.iter().filter(|m| !is_plaintext_mechanism(m.as_bytes())).cloned().collect();
                    (!left.is_empty()).then_some(Capability::Sasl(left))
                }
                other => Some(other.clone()),
            })
            .collect();
        if self.config.stls && !self.tls_active && self.state == State::Authorization {
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
    fn fill_slot(&mut self, bytes: Bytes) -> Option<Command> {
        let idx = self.slots.iter().position(|s| matches!(s, Slot::Waiting(_)))?;
        let Slot::Waiting(command) = std::mem::replace(&mut self.slots[idx], Slot::Ready(bytes)) else {
            return None;
        };
        self.flush();
        Some(command)
    }

    /// Completes the oldest waiting command with a single line (`+OK` or
    /// `-ERR`), as IMAP's `Server::complete` completes a tagged command;
    /// the machine follows the outcome:
    /// - `+OK` to PASS, APOP or AUTH: logged in, the session enters
    ///   TRANSACTION (the maildrop is the application's to lock); `-ERR`:
    ///   it stays in AUTHORIZATION, and PASS needs a new USER;
    /// - `+OK` to USER allows PASS;
    /// - `+OK` to STLS: the line goes out, then [`ServerEvent::StartTls`];
    ///   input that arrives before [`Server::tls_established`] is dropped;
    /// - QUIT: the session closes.
    ///
    /// For STAT, `LIST n` and `UIDL n`, build the line from the listing
    /// (`StatusLine::from(&DropListing { .. })`); a `+OK` to a command with
    /// a multi-line reply goes through [`Server::complete_with_lines`] and
    /// its siblings.
    pub fn complete(&mut self, line: StatusLine) -> Result<(), ServerError> {
        let command = self.pending_command().cloned().ok_or(ServerError::NoPendingCommand)?;
        if line.is_ok() && command.has_multiline_reply() {
            return Err(ServerError::WrongReply("a +OK to this command needs a multi-line reply"));
        }
        if is_login(&command) {
            self.sasl = Sasl::Idle;
            self.user_accepted = false;
            if line.is_ok() {
                self.state = State::Transaction;
            }
            self.fill_slot(line.to_bytes());
            return Ok(());
        }
        if command == Command::Stls && line.is_ok() {
            self.fill_slot(line.to_bytes());
            self.conn.emit(self.conn.lines.consumed, ServerEvent::StartTls);
            self.conn.await_tls();
            return Ok(());
        }
        if let Command::User(_) = command {
            self.user_accepted = line.is_ok();
        }
        if command == Command::Quit {
            // Closed before the reply is queued, so that nothing the
            // client sent after QUIT is read.
            self.close();
        }
        self.fill_slot(line.to_bytes());
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
        self.conn.out.extend_from_slice(b"+ ");
        self.conn.out.extend_from_slice(crate::base64::encode(challenge).as_bytes());
        self.conn.out.extend_from_slice(b"\r\n");
        self.sasl = Sasl::AwaitingClient;
        Ok(())
    }

    /// Call once the TLS handshake after STLS is done.
    pub fn tls_established(&mut self) {
        self.conn.tls_established();
        self.tls_active = true;
        self.user_accepted = false;
    }

    /// Answers LIST, UIDL, LANG or AUTH (no mechanism) with a status line
    /// and listing lines.
    pub fn complete_with_lines(&mut self, line: StatusLine, lines: &[Vec<u8>]) -> Result<(), ServerError> {
        match self.pending_command() {
            Some(c) if c.has_multiline_reply() && !matches!(c, Command::Retr(_) | Command::Top { .. }) => {}
            Some(_) => return Err(ServerError::WrongReply("the waiting command has no listing reply")),
            None => return Err(ServerError::NoPendingCommand),
        }
        let mut out = BytesMut::new();
        line.encode_to(&mut out);
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
        self.fill_slot(out.freeze());
        Ok(())
    }

    /// Answers LIST (no argument) with a scan listing.
    pub fn complete_with_scan_listing(&mut self, line: StatusLine, entries: &[ScanListing]) -> Result<(), ServerError> {
        let lines: Vec<Vec<u8>> = entries.iter().map(|e| e.to_bytes().to_vec()).collect();
        self.complete_with_lines(line, &lines)
    }

    /// Answers UIDL (no argument) with a unique-id listing.
    pub fn complete_with_unique_ids(
        &mut self,
        line: StatusLine,
        entries: &[UniqueIdListing],
    ) -> Result<(), ServerError> {
        let lines: Vec<Vec<u8>> = entries.iter().map(|e| e.to_bytes().to_vec()).collect();
        self.complete_with_lines(line, &lines)
    }

    /// Answers RETR or TOP with a whole message (dot-stuffed, CRLF
    /// normalised).
    pub fn complete_with_message(&mut self, line: StatusLine, message: &[u8]) -> Result<(), ServerError> {
        self.begin_body(line)?;
        self.body_data(message)?;
        self.end_body()
    }

    /// Starts a streamed RETR/TOP reply; follow with
    /// [`Server::body_data`] and [`Server::end_body`]. Replies to
    /// later commands wait until it ends.
    pub fn begin_body(&mut self, line: StatusLine) -> Result<(), ServerError> {
        if !matches!(self.pending_command(), Some(Command::Retr(_) | Command::Top { .. })) {
            return Err(ServerError::WrongReply("RETR or TOP is not waiting"));
        }
        if !line.is_ok() {
            self.fill_slot(line.to_bytes());
            return Ok(());
        }
        self.flush();
        if !matches!(self.slots.front(), Some(Slot::Waiting(_))) {
            return Err(ServerError::WrongReply("earlier replies are still owed"));
        }
        line.encode_to(&mut self.conn.out);
        self.streaming = Some(DotEncoder::new());
        Ok(())
    }

    /// Streams message content (stuffed as it goes).
    pub fn body_data(&mut self, data: &[u8]) -> Result<(), ServerError> {
        let Some(enc) = self.streaming.as_mut() else {
            return Ok(()); // a -ERR was sent instead; nothing to stream
        };
        enc.push(data, &mut self.conn.out);
        Ok(())
    }

    /// Ends a streamed message.
    pub fn end_body(&mut self) -> Result<(), ServerError> {
        let Some(mut enc) = self.streaming.take() else {
            return Ok(());
        };
        enc.finish(&mut self.conn.out);
        self.fill_slot(Bytes::new());
        Ok(())
    }

    /// Ends the session from the server's side (shutting down, a client
    /// silent too long, too many failed logins): the replies already
    /// made go out, then `line` (an `-ERR`, RFC 2449 codes welcome), and
    /// nothing more is read ([`ServerEvent::Closed`] follows). Commands
    /// still waiting get no reply. Refused in the middle of a streamed
    /// message.
    ///
    /// ```
    /// use pop3_wire::server::{Server, ServerConfig, ServerEvent};
    /// use pop3_wire::StatusLine;
    /// let mut server = Server::new(ServerConfig::default());
    /// let _greeting = server.poll_transmit();
    /// server.disconnect(StatusLine::err("Disconnected for inactivity").unwrap()).unwrap();
    /// assert_eq!(server.poll_event(), Some(ServerEvent::Closed));
    /// assert_eq!(server.poll_transmit().unwrap(), &b"-ERR Disconnected for inactivity\r\n"[..]);
    /// ```
    pub fn disconnect(&mut self, line: StatusLine) -> Result<(), ServerError> {
        if self.streaming.is_some() {
            return Err(ServerError::WrongReply("end the message first"));
        }
        if self.state == State::Closed {
            return Ok(());
        }
        self.flush();
        self.slots.clear();
        line.encode_to(&mut self.conn.out);
        self.close();
        Ok(())
    }

    fn close(&mut self) {
        self.state = State::Closed;
        // The event points just past QUIT; what followed is dropped.
        self.conn.emit(self.conn.lines.consumed, ServerEvent::Closed);
        self.conn.close_input();
    }
}

fn syntax_text(e: &ParseError) -> String {
    use crate::error::ParseErrorKind::*;
    match &e.kind {
        Invalid(what) if what.starts_with("noise") => "Noise after message number".to_string(),
        Invalid(what) => format!("Invalid {what}"),
        NumberOverflow(_) => "Invalid message number".to_string(),
        Expected(what) => format!("Syntax error: expected {what}"),
    }
}
