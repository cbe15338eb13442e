//! The server state machine: the greeting, commands handed out with their
//! tags, the state rules, the literal handshake, AUTHENTICATE, IDLE,
//! STARTTLS, LOGOUT, ordered output and the EXPUNGE rule of RFC 3501 7.4.1.
//!
//! Sans-IO, the same surface as `pop3_wire::server::Server`: feed the
//! client's bytes with [`Server::receive`] (and [`Server::receive_eof`]),
//! take [`ServerEvent`]s with [`Server::poll_event`], answer each command
//! with [`Server::respond`] (untagged data) and one [`Server::complete`],
//! hand over mailbox changes with [`Server::update`], and take the bytes to
//! write with [`Server::poll_transmit`].
//!
//! # Call order
//! 1. [`Server::poll_transmit`] after creation: the greeting;
//! 2. [`Server::receive`] what the client sent;
//! 3. [`Server::poll_event`] until it returns `None`, answering each
//!    [`ServerEvent::Command`];
//! 4. [`Server::poll_transmit`] until it returns `None`, and write the
//!    bytes.
//!
//! Input is processed lazily, in `poll_event` and `poll_transmit`; `receive`
//! only buffers. The machine stops reading after a command whose outcome
//! decides how later ones are judged (LOGIN, AUTHENTICATE, STARTTLS,
//! SELECT, EXAMINE, CLOSE, UNSELECT, LOGOUT) until it is completed, and when
//! too many commands are unanswered.
//!
//! ```
//! use imap_wire::server::{Server, ServerConfig, ServerEvent};
//! use imap_wire::{CommandBody, StatusKind};
//!
//! let mut server = Server::new(ServerConfig::default());
//! assert!(server.poll_transmit().unwrap().starts_with(b"* OK "));
//! server.receive(b"a1 LOGIN alice secret\r\n");
//! let Some(ServerEvent::Command(command)) = server.poll_event() else { panic!() };
//! assert!(matches!(command.body, CommandBody::Login { .. }));
//! server.complete(&command.tag, StatusKind::Ok, None, "Logged in").unwrap();
//! assert_eq!(server.poll_transmit().unwrap(), &b"a1 OK Logged in\r\n"[..]);
//! ```

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::conn::Input;
use crate::encode::{Encode, EncodeOptions};
use crate::error::{DecodeError, FrameError};
use crate::state::{after_failure, after_success, command_allowed, State};
use crate::types::*;
use crate::{ClientLineMode, CommandDecoder, Decoded, Limits};

/// Server settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Memory limits for what clients send ([`Limits::server`]): a
    /// synchronizing literal within `max_literal_size` is accepted with
    /// `+`, a larger one is refused with `NO [TOOBIG]` before its data.
    pub limits: Limits,
    /// The greeting (`* OK`, `* PREAUTH` or `* BYE`).
    pub greeting: Greeting,
    /// What CAPABILITY lists (the machine answers CAPABILITY itself);
    /// STARTTLS is added while it is on offer.
    pub capabilities: Vec<Capability>,
    /// Whether STARTTLS is offered (a TLS configuration exists).
    pub starttls: bool,
    /// Whether passwords may be sent in the clear (LOGIN, AUTHENTICATE
    /// PLAIN or LOGIN) before TLS is on. When `false`, a connection
    /// without TLS is offered `LOGINDISABLED` and no plaintext `AUTH=`
    /// mechanism, and such logins are answered `NO [PRIVACYREQUIRED]`
    /// by the machine (RFC 3501 6.2.3, RFC 2595 3.2). Default true.
    pub plaintext_login: bool,
    /// Consecutive invalid commands (unparsable, or refused by the state
    /// rules) after which the server says BYE and closes (Dovecot's
    /// behaviour). Default 20. Commands the application answers BAD are
    /// its own to count (it decides when they are answered); it ends the
    /// session with [`Server::bye`].
    pub max_bad_commands: u32,
    /// Commands decoded and not yet completed before the machine stops
    /// reading (back-pressure). Default 128.
    pub max_pending_commands: usize,
    /// The largest literal accepted before login (LOGIN and AUTHENTICATE
    /// need little; an unauthenticated client gets no room for more),
    /// capped by `limits.max_literal_size`. Default 64 KiB.
    pub max_literal_size_before_login: u64,
    /// APPEND messages larger than this are not buffered: the command
    /// comes as [`ServerEvent::AppendStart`] as soon as its literal is
    /// announced, its data in [`ServerEvent::AppendData`] pieces as they
    /// arrive, and [`ServerEvent::AppendEnd`] after the line's end, so a
    /// server writes the message to disk as it comes. `None` (the
    /// default): every APPEND arrives whole as [`ServerEvent::Command`].
    pub stream_appends_above: Option<u64>,
    /// Whether commands of extensions not in `capabilities` are refused
    /// with BAD before the application sees them (see
    /// [`crate::state::missing_capability`]), as are a QRESYNC select or
    /// `VANISHED` fetch before `ENABLE QRESYNC` (RFC 7162 3.2.5) and LSUB
    /// once IMAP4rev2 is enabled. Default true.
    pub refuse_unoffered: bool,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            limits: Limits::server(),
            greeting: Greeting { kind: GreetingKind::Ok, code: None, text: fixed_text("IMAP4rev1 server ready") },
            capabilities: vec![Capability::Imap4Rev1, Capability::Idle, Capability::LiteralPlus],
            starttls: false,
            plaintext_login: true,
            max_bad_commands: 20,
            max_pending_commands: 128,
            max_literal_size_before_login: 64 << 10,
            stream_appends_above: None,
            refuse_unoffered: true,
        }
    }
}

/// SASL mechanisms that send the password itself (RFC 4616 PLAIN, the
/// LOGIN draft).
fn is_plaintext_mechanism(name: &str) -> bool {
    name.eq_ignore_ascii_case("PLAIN") || name.eq_ignore_ascii_case("LOGIN")
}

/// LOGIN, or AUTHENTICATE with a plaintext mechanism.
fn is_plaintext_login(body: &CommandBody) -> bool {
    match body {
        CommandBody::Login { .. } => true,
        CommandBody::Authenticate { mechanism, .. } => is_plaintext_mechanism(mechanism.as_str()),
        _ => false,
    }
}

fn fixed_text(text: &'static str) -> Text {
    Text::from_validated(crate::types::small_bytes::SmallBytes::copy_from_slice(text.as_bytes()))
}

/// What the client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// A command valid in the current state. Answer it with any number of
    /// [`Server::respond`] and one [`Server::complete`]. For IDLE the
    /// machine has sent `+` already; for AUTHENTICATE, send challenges with
    /// [`Server::sasl_challenge`]. Commands the crate does not model
    /// (`CommandBody::Other`, e.g. `XLIST`) come here too: answer
    /// `BAD` for those the application does not know.
    Command(Command),
    /// A command the machine answered itself (CAPABILITY, LOGOUT), for the
    /// record.
    Answered(Command),
    /// A SASL response to an AUTHENTICATE challenge (base64-decoded); the
    /// same step as POP3's `ServerEvent::SaslResponse`.
    SaslResponse {
        /// The AUTHENTICATE command's tag.
        tag: Tag,
        /// The response.
        data: Bytes,
    },
    /// The client cancelled AUTHENTICATE with `*` (the machine answered
    /// BAD).
    SaslCancelled {
        /// The AUTHENTICATE command's tag.
        tag: Tag,
    },
    /// The client ended IDLE with DONE; complete the IDLE command.
    IdleDone {
        /// The IDLE command's tag.
        tag: Tag,
    },
    /// The client sent something invalid, or a command not valid now; the
    /// machine answered BAD or NO.
    Rejected {
        /// Stream offset of the command.
        offset: u64,
        /// Its tag, when it had a readable one.
        tag: Option<Tag>,
        /// The command, when it parsed (and was refused by the state rules).
        command: Option<Command>,
        /// Why; its text is the text of the answer.
        reason: RejectReason,
    },
    /// An APPEND whose message is streamed
    /// ([`ServerConfig::stream_appends_above`]): the command with an empty
    /// `message`, and the message's size. Its data follows in
    /// [`ServerEvent::AppendData`] events, then [`ServerEvent::AppendEnd`]
    /// (or [`ServerEvent::AppendAborted`]).
    AppendStart {
        /// The command (its `message` is empty).
        command: Command,
        /// The size the literal announced.
        size: u64,
    },
    /// The next piece of a streamed APPEND's message, as it arrived.
    AppendData {
        /// The APPEND's tag.
        tag: Tag,
        /// The bytes.
        data: Bytes,
    },
    /// The next message of a streamed MULTIAPPEND (RFC 3502): its flags
    /// and date, and its size. A literal message's content is empty here
    /// and its bytes follow in [`ServerEvent::AppendData`] events; a
    /// CATENATE message (RFC 4469) comes whole, with `size` 0. The
    /// previous message's data is complete.
    AppendNext {
        /// The APPEND's tag.
        tag: Tag,
        /// The message, its literal empty.
        message: crate::types::AppendMessage,
        /// The size of its literal.
        size: u64,
    },
    /// A streamed APPEND's messages and command line are complete: store
    /// the message and complete the command.
    AppendEnd {
        /// The APPEND's tag.
        tag: Tag,
    },
    /// A streamed APPEND failed after it started (the line went on with
    /// something else, or the input ended): the machine answered BAD or
    /// the connection is closing; drop what was stored of the message.
    AppendAborted {
        /// The APPEND's tag.
        tag: Tag,
        /// Why.
        reason: String,
    },
    /// STARTTLS was accepted: run the TLS handshake on the connection, then
    /// call [`Server::tls_established`].
    StartTls,
    /// `COMPRESS` was accepted (RFC 4978, completed OK by the
    /// application): write everything [`Server::poll_transmit`] gives
    /// (the OK is the last uncompressed byte), put the compression layer
    /// on the connection, take what the client already sent after the
    /// command with [`Server::take_compressed_input`] and feed it,
    /// decompressed, to [`Server::receive`].
    Compress,
    /// Plaintext arrived after STARTTLS was accepted, before TLS was up: it
    /// was dropped, never executed. Reported once.
    PlaintextAfterStartTls {
        /// Stream offset of the first dropped byte.
        offset: u64,
    },
    /// The input ended inside a command ([`Server::receive_eof`]).
    Truncated {
        /// Stream offset of the unfinished command.
        offset: u64,
    },
    /// The connection is over (LOGOUT answered, BYE after too many bad
    /// commands, or the client closed): close it once the output is
    /// written.
    Closed,
}

/// Why the machine refused what the client sent ([`ServerEvent::Rejected`]);
/// its text (`Display`) is the text of the BAD or NO it answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RejectReason {
    /// The command did not parse.
    #[error("Error in IMAP command: {}", .0.kind)]
    Syntax(crate::error::ParseError),
    /// A line longer than `Limits::max_line_length`.
    #[error("Line too long")]
    LineTooLong,
    /// A literal announced over the limit (answered `NO [TOOBIG]`).
    #[error("Literal larger than {limit} bytes")]
    LiteralTooLarge {
        /// The limit in force (lower before login).
        limit: u64,
    },
    /// A command larger than `Limits::max_message_size`.
    #[error("Message too large")]
    MessageTooLarge,
    /// The input ended inside a command.
    #[error("Unfinished command")]
    Unfinished,
    /// The command is not valid in the connection's state.
    #[error("{command} is not valid in this state")]
    NotAllowed {
        /// The command's name.
        command: String,
        /// The state.
        state: State,
    },
    /// The command, a parameter or a form belongs to an extension the
    /// server does not offer (`ServerConfig::refuse_unoffered`).
    #[error("{capability} is not offered")]
    NotOffered {
        /// The capability that would add it.
        capability: &'static str,
    },
    /// A QRESYNC parameter or VANISHED before `ENABLE QRESYNC`.
    #[error("ENABLE QRESYNC first")]
    QResyncNotEnabled,
    /// LSUB once IMAP4rev2 is enabled.
    #[error("LSUB is not part of IMAP4rev2: use LIST (SUBSCRIBED)")]
    LsubInImap4Rev2,
    /// STARTTLS without a TLS configuration, or inside TLS.
    #[error("STARTTLS is not available")]
    StartTlsUnavailable,
    /// LOGIN or a plaintext AUTHENTICATE mechanism without TLS while
    /// [`ServerConfig::plaintext_login`] is off (answered `NO
    /// [PRIVACYREQUIRED]`).
    #[error("Plaintext authentication is refused without TLS: use STARTTLS first")]
    PlaintextLogin,
    /// A command during IDLE (only DONE is valid).
    #[error("Expected DONE")]
    ExpectedDone,
    /// A line that is not a valid AUTHENTICATE response; the exchange
    /// failed.
    #[error("Invalid AUTHENTICATE response")]
    InvalidSaslResponse,
}

/// Misuse of the server machine by the application.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerError {
    /// No command with this tag is waiting for an answer.
    #[error("no command with tag {0} is waiting for an answer")]
    UnknownTag(Tag),
    /// The text holds a byte a response cannot carry.
    #[error("invalid response text: {0}")]
    InvalidText(#[from] crate::ValidationError),
    /// The answer does not fit the command (e.g. a challenge for LOGIN).
    #[error("{0}")]
    WrongAnswer(&'static str),
}

/// One command's place in the output order.
#[derive(Debug)]
struct Slot {
    /// `None` for a response the machine gives without a command (a
    /// rejection).
    command: Option<Command>,
    /// Output held until the slots before are done.
    out: BytesMut,
    done: bool,
    /// IDLE only: DONE arrived.
    idle_done: bool,
    /// An APPEND whose message was streamed: nothing more is read until
    /// it is answered (what comes next is then judged the same way
    /// however the input was chunked).
    streamed: bool,
}

impl Slot {
    fn ready(out: BytesMut) -> Slot {
        Slot { command: None, out, done: true, idle_done: false, streamed: false }
    }

    /// An IDLE still reading updates' time (before DONE).
    fn idling(&self) -> bool {
        !self.done && !self.idle_done && self.command.as_ref().is_some_and(|c| c.body == CommandBody::Idle)
    }
}

/// What to do with the APPEND literal the decoder paused at.
enum AppendStream {
    /// Its message is being streamed.
    Started,
    /// Not one to stream: read it whole.
    Buffer,
    /// One to stream, but its tag is still in use: read nothing more yet.
    Wait,
}

/// Where an AUTHENTICATE exchange stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sasl {
    Idle,
    /// A challenge went out; the client's next line answers it.
    AwaitingClient(Tag),
}

/// A FETCH response under construction ([`Server::begin_fetch`]).
#[derive(Debug)]
struct FetchBuild {
    tag: Tag,
    /// The bytes still due of the literal being streamed.
    due: Option<u64>,
    /// Attributes written so far (a space goes before the next).
    written: u32,
}

/// The IMAP server state machine. See the [module docs](self) for the call
/// order.
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    state: State,
    decoder: CommandDecoder,
    input: Input,
    out: BytesMut,
    events: VecDeque<(u64, ServerEvent)>,
    slots: VecDeque<Slot>,
    /// Updates held back by RFC 3501 7.4.1 (and everything after them, to
    /// keep their order).
    held: Vec<Data>,
    sasl: Sasl,
    /// A FETCH response being built piece by piece.
    building: Option<FetchBuild>,
    /// `+` was sent for the literal the decoder waits for.
    continued: bool,
    bad_commands: u32,
    tls_active: bool,
    /// The tag of the APPEND whose message is being streamed.
    appending: Option<Tag>,
    /// What the application enabled (the `* ENABLED` it sent).
    enabled: Vec<Atom>,
}

impl Server {
    /// A server for a new connection; the greeting is queued at once.
    pub fn new(config: ServerConfig) -> Server {
        let mut out = BytesMut::new();
        config.greeting.encode_to(&mut out, EncodeOptions::default());
        let state = match config.greeting.kind {
            GreetingKind::Ok => State::NotAuthenticated,
            GreetingKind::PreAuth => State::Authenticated,
            GreetingKind::Bye => State::Logout,
        };
        let mut server = Server {
            decoder: CommandDecoder::new(config.limits),
            config,
            state,
            input: Input { closed: state == State::Logout, ..Input::default() },
            out,
            events: VecDeque::new(),
            slots: VecDeque::new(),
            held: Vec::new(),
            sasl: Sasl::Idle,
            building: None,
            continued: false,
            bad_commands: 0,
            tls_active: false,
            appending: None,
            enabled: Vec::new(),
        };
        server.apply_limits();
        server
    }

    /// The decoder's limits for the state: the literal size is capped
    /// until the client has logged in.
    fn apply_limits(&mut self) {
        let mut limits = self.config.limits;
        if self.state == State::NotAuthenticated {
            limits.max_literal_size = limits.max_literal_size.min(self.config.max_literal_size_before_login);
        }
        self.decoder.set_limits(limits);
        self.decoder.framer_mut().pause_at_literals_above(self.config.stream_appends_above);
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Feeds bytes received from the client; they are processed by the
    /// next `poll_event` or `poll_transmit`.
    pub fn receive(&mut self, data: &[u8]) {
        if let Some(offset) = self.input.receive(data) {
            self.report_plaintext(offset);
        }
    }

    /// The client closed the connection: once the complete commands before
    /// it are processed, an unfinished one gives [`ServerEvent::Truncated`],
    /// then [`ServerEvent::Closed`].
    pub fn receive_eof(&mut self) {
        self.input.eof = true;
    }

    fn report_plaintext(&mut self, offset: u64) {
        self.events.push_back((offset, ServerEvent::PlaintextAfterStartTls { offset }));
    }

    /// After [`ServerEvent::Compress`]: the bytes the client sent after the
    /// COMPRESS command, still compressed, for the decompressor; processing
    /// resumes with what is received next. Offsets in later events count
    /// decompressed bytes. Empty when no switch is waiting.
    pub fn take_compressed_input(&mut self) -> Bytes {
        self.input.take_compressed().freeze()
    }

    /// Call once the TLS handshake after [`ServerEvent::StartTls`] is done.
    pub fn tls_established(&mut self) {
        self.input.tls_established();
        self.tls_active = true;
    }

    /// The next event.
    #[must_use = "events carry the client's commands"]
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.poll_event_at().map(|(_, e)| e)
    }

    /// The next event with the stream offset of the command it came from.
    #[must_use = "events carry the client's commands"]
    pub fn poll_event_at(&mut self) -> Option<(u64, ServerEvent)> {
        if self.events.is_empty() {
            self.process();
        }
        self.events.pop_front()
    }

    /// Bytes to write to the client, if any (input is processed first, so
    /// that the answers the machine gives itself go out).
    #[must_use = "the bytes must be written to the client"]
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.process();
        (!self.out.is_empty()).then(|| self.out.split().freeze())
    }

    /// Appends the bytes to write to `out` (as [`Server::poll_transmit`]).
    pub fn write_to(&mut self, out: &mut BytesMut) {
        self.process();
        out.extend_from_slice(&self.out);
        self.out.clear();
    }

    /// The commands waiting for [`Server::complete`], oldest first.
    pub fn pending_commands(&self) -> impl Iterator<Item = &Command> {
        self.slots.iter().filter(|s| !s.done).filter_map(|s| s.command.as_ref())
    }

    fn waiting(&self) -> usize {
        self.slots.iter().filter(|s| !s.done && s.command.is_some()).count()
    }

    /// Whether a command whose outcome decides how later ones are judged
    /// is unanswered.
    fn awaiting_outcome(&self) -> bool {
        if self.slots.iter().any(|s| s.streamed && !s.done) {
            return true;
        }
        self.pending_commands().any(|c| {
            use CommandBody::*;
            matches!(
                c.body,
                Login { .. }
                    | Authenticate { .. }
                    | StartTls
                    | Compress { .. }
                    | Select { .. }
                    | Examine { .. }
                    | Close
                    | Unselect
                    | Logout
            )
        })
    }

    fn process(&mut self) {
        loop {
            if self.input.closed || self.input.paused() {
                break;
            }
            if let Some(tag) = self.appending.clone() {
                if self.stream_append(tag) {
                    continue;
                }
                break;
            }
            let reading_sasl = matches!(self.sasl, Sasl::AwaitingClient(_));
            let idling = self.slots.iter().any(Slot::idling);
            if !reading_sasl && !idling {
                let authenticating =
                    self.pending_commands().any(|c| matches!(c.body, CommandBody::Authenticate { .. }));
                if authenticating || self.awaiting_outcome() || self.waiting() >= self.config.max_pending_commands {
                    break;
                }
            }
            self.decoder.set_mode(if reading_sasl {
                ClientLineMode::Authenticate
            } else if idling {
                ClientLineMode::Idle
            } else {
                ClientLineMode::Commands
            });
            // Paused at a large literal: an APPEND's message to stream,
            // one to wait with (end of input included), or one to read.
            if self.decoder.framer().paused_at_literal() {
                match self.start_append_stream() {
                    AppendStream::Started => continue,
                    AppendStream::Wait => break,
                    AppendStream::Buffer => {}
                }
            }
            let decoded = if self.input.eof {
                self.decoder.decode_eof(&mut self.input.recv)
            } else {
                self.decoder.decode(&mut self.input.recv)
            };
            match decoded {
                Ok(Some(Decoded { offset, message })) => {
                    self.continued = false;
                    self.message(offset, message);
                }
                Ok(None) => {
                    self.continue_literal();
                    if self.decoder.framer().paused_at_literal() {
                        // Decided at the top of the loop.
                        continue;
                    }
                    if self.input.eof {
                        self.end_of_input(None);
                    }
                    break;
                }
                Err(DecodeError::Truncated { offset, .. }) => {
                    self.end_of_input(Some(offset));
                    break;
                }
                Err(error) => self.decode_error(error),
            }
        }
    }

    /// Starts streaming the APPEND whose literal the decoder is reading,
    /// when it is one and large enough.
    fn start_append_stream(&mut self) -> AppendStream {
        use AppendStream::Buffer;
        let Some(threshold) = self.config.stream_appends_above else { return Buffer };
        if self.decoder.mode() != ClientLineMode::Commands {
            return Buffer;
        }
        let Some((prefix, size)) = self.decoder.framer().literal_prefix(&self.input.recv) else { return Buffer };
        if size <= threshold {
            return Buffer;
        }
        // The command as it would be with an empty message: the grammar
        // reads the mailbox, flags and date.
        let Some(brace) = prefix.iter().rposition(|&b| b == b'{') else { return Buffer };
        let mut line = prefix[..brace].to_vec();
        line.extend_from_slice(b"{0}\r\n\r\n");
        let command = match Command::parse(&line) {
            // One message: a MULTIAPPEND's later messages are buffered.
            Ok(command) if matches!(&command.body, CommandBody::Append { messages, .. } if messages.len() == 1) => {
                command
            }
            _ => return Buffer,
        };
        if !command_allowed(&command.body, self.state) {
            return Buffer;
        }
        // A client reusing the tag of a command still unanswered: the
        // answers go by tag, so the stream waits until that one is
        // answered (then whose answer is whose does not depend on how
        // far the input had been read).
        if self.pending_commands().any(|c| c.tag == command.tag) {
            return AppendStream::Wait;
        }
        let offset = self.decoder.framer().stream_offset();
        let Some((prefix, data)) = self.decoder.framer_mut().begin_literal_stream(&mut self.input.recv) else {
            return Buffer;
        };
        self.continued = false;
        self.bad_commands = 0;
        let tag = command.tag.clone();
        self.slots.push_back(Slot {
            command: Some(command.clone()),
            out: BytesMut::new(),
            done: false,
            idle_done: false,
            streamed: true,
        });
        self.flush();
        self.appending = Some(tag.clone());
        self.events.push_back((offset, ServerEvent::AppendStart { command, size }));
        if !data.is_empty() {
            let at = offset + prefix.len() as u64;
            self.events.push_back((at, ServerEvent::AppendData { tag, data }));
        }
        AppendStream::Started
    }

    /// Hands out what arrived of a streamed APPEND's message, then reads
    /// the rest of its line; false when more input is needed.
    fn stream_append(&mut self, tag: Tag) -> bool {
        let framer = self.decoder.framer_mut();
        if framer.literal_stream_remaining().unwrap_or(0) > 0 {
            let offset = framer.stream_offset();
            if let Some(data) = framer.literal_chunk(&mut self.input.recv) {
                self.events.push_back((offset, ServerEvent::AppendData { tag, data }));
                return true;
            }
            if self.input.eof {
                self.abort_append(offset, tag, "the input ended inside the message");
                let _ = self.decoder.framer_mut().finish_input(&mut self.input.recv);
                self.end_of_input(Some(offset));
            }
            return false;
        }
        framer.end_literal_stream();
        match self.decoder.next_raw(&mut self.input.recv, self.input.eof) {
            Ok(Some(frame)) => {
                // The rest of the line: its end, or MULTIAPPEND's further
                // messages (small enough to have been buffered).
                let rest = if matches!(frame.bytes.as_ref(), b"\r\n" | b"\n") {
                    Some(Vec::new())
                } else {
                    more_messages(&frame.bytes, b"")
                };
                let rest = rest.map(|messages| match self.refusal_of_more(&messages) {
                    Some(reason) => Err(reason),
                    None => Ok(messages),
                });
                match rest {
                    Some(Err(reason)) => {
                        let _ = self.complete(&tag, StatusKind::Bad, None, &reason);
                        self.abort_append(frame.offset, tag, &reason);
                    }
                    Some(Ok(messages)) => {
                        for message in messages {
                            self.next_message(frame.offset, &tag, message);
                        }
                        self.appending = None;
                        self.events.push_back((frame.offset, ServerEvent::AppendEnd { tag }));
                    }
                    None => {
                        let reason = "Unexpected data after the APPEND message";
                        let _ = self.complete(&tag, StatusKind::Bad, None, reason);
                        self.abort_append(frame.offset, tag, reason);
                    }
                }
                true
            }
            Ok(None) => {
                self.continue_literal();
                // A further message large enough to stream: the complete
                // ones before it go out whole, then its data as it comes.
                if !self.decoder.framer().paused_at_literal() {
                    return false;
                }
                let Some((prefix, size)) = self.decoder.framer().literal_prefix(&self.input.recv) else { return true };
                let Some(brace) = prefix.iter().rposition(|&b| b == b'{') else { return true };
                let Some(mut messages) = more_messages(&prefix[..brace], b"{0}\r\n\r\n") else { return true };
                if self.refusal_of_more(&messages).is_some() {
                    // Refused once the line is whole.
                    return true;
                }
                let streamed = match messages.pop() {
                    Some(m) if matches!(m.content, crate::types::AppendContent::Literal(_)) => m,
                    // Inside a CATENATE or not a message: buffered.
                    _ => return true,
                };
                let offset = self.decoder.framer().stream_offset();
                let Some((prefix, data)) = self.decoder.framer_mut().begin_literal_stream(&mut self.input.recv) else {
                    return true;
                };
                self.continued = false;
                for message in messages {
                    self.next_message(offset, &tag, message);
                }
                let next = ServerEvent::AppendNext { tag: tag.clone(), message: streamed, size };
                self.events.push_back((offset, next));
                if !data.is_empty() {
                    let at = offset + prefix.len() as u64;
                    self.events.push_back((at, ServerEvent::AppendData { tag, data }));
                }
                true
            }
            Err(DecodeError::Truncated { offset, .. }) => {
                self.abort_append(offset, tag, "the input ended inside the command");
                self.end_of_input(Some(offset));
                false
            }
            Err(error) => {
                let reason = format!("Error in IMAP command: {error}");
                let _ = self.complete(&tag, StatusKind::Bad, None, &reason);
                self.abort_append(error.offset(), tag, &reason);
                true
            }
        }
    }

    /// Why further messages after a streamed APPEND's first cannot be
    /// taken (MULTIAPPEND or CATENATE not offered), as the answer's text.
    fn refusal_of_more(&self, more: &[crate::types::AppendMessage]) -> Option<String> {
        use crate::types::{AppendContent, AppendMessage};
        if more.is_empty() {
            return None;
        }
        let shape = |m: &AppendMessage| AppendMessage {
            flags: Vec::new(),
            date: None,
            content: match m.content {
                AppendContent::Catenate(_) => AppendContent::Catenate(Vec::new()),
                _ => AppendContent::Literal(IString::from("")),
            },
        };
        let first = AppendMessage { flags: Vec::new(), date: None, content: AppendContent::Literal(IString::from("")) };
        let messages = std::iter::once(first).chain(more.iter().map(shape)).collect();
        let body = CommandBody::Append { mailbox: crate::types::Mailbox::from_utf8("X"), messages };
        self.refusal(&body).map(|reason| reason.to_string())
    }

    /// A complete further message of a streamed MULTIAPPEND, as events:
    /// [`ServerEvent::AppendNext`] and its data.
    fn next_message(&mut self, offset: u64, tag: &Tag, mut message: crate::types::AppendMessage) {
        use crate::types::AppendContent;
        let data = match &mut message.content {
            AppendContent::Literal(data) | AppendContent::Utf8(data) => std::mem::take(data),
            AppendContent::Catenate(_) => IString::from(""),
        };
        let size = data.len() as u64;
        self.events.push_back((offset, ServerEvent::AppendNext { tag: tag.clone(), message, size }));
        if size > 0 {
            let data = Bytes::copy_from_slice(&data);
            self.events.push_back((offset, ServerEvent::AppendData { tag: tag.clone(), data }));
        }
    }

    fn abort_append(&mut self, offset: u64, tag: Tag, reason: &str) {
        self.appending = None;
        self.events.push_back((offset, ServerEvent::AppendAborted { tag, reason: reason.to_string() }));
    }

    /// Sends `+` for a synchronizing literal within the limits (the framer
    /// refuses larger ones before this point).
    fn continue_literal(&mut self) {
        match self.decoder.pending_literal() {
            Some(literal) if literal.synchronizing && !self.continued => {
                self.continued = true;
                self.out.extend_from_slice(b"+ Ready for literal data\r\n");
            }
            Some(_) => {}
            None => self.continued = false,
        }
    }

    fn end_of_input(&mut self, unfinished: Option<u64>) {
        if self.input.closed {
            return;
        }
        if let Some(offset) = unfinished {
            self.events.push_back((offset, ServerEvent::Truncated { offset }));
        }
        self.close();
    }

    fn close(&mut self) {
        self.state = State::Logout;
        // At the end of what was read; what follows is dropped.
        let at = self.input.close();
        self.events.push_back((at, ServerEvent::Closed));
    }

    fn decode_error(&mut self, error: DecodeError) {
        let offset = error.offset();
        let tag = error.tag().cloned();
        let (kind, code, reason) = match &error {
            DecodeError::Frame { error: FrameError::LiteralTooLarge { limit, .. }, .. } => {
                (StatusKind::No, Some(Code::TooBig), RejectReason::LiteralTooLarge { limit: *limit })
            }
            DecodeError::Frame { error: FrameError::LineTooLong { .. }, .. } => {
                (StatusKind::Bad, None, RejectReason::LineTooLong)
            }
            DecodeError::Frame { .. } => (StatusKind::Bad, None, RejectReason::MessageTooLarge),
            DecodeError::Parse { error, .. } => (StatusKind::Bad, None, RejectReason::Syntax(error.clone())),
            DecodeError::Truncated { .. } => (StatusKind::Bad, None, RejectReason::Unfinished),
        };
        if let Sasl::AwaitingClient(auth) = self.sasl.clone() {
            // The line answered a challenge: the exchange fails.
            self.sasl = Sasl::Idle;
            let _ = self.complete(&auth, StatusKind::Bad, None, "Invalid AUTHENTICATE response");
            let reason = RejectReason::InvalidSaslResponse;
            let event = ServerEvent::Rejected { offset, tag: Some(auth), command: None, reason };
            self.events.push_back((offset, event));
            return;
        }
        self.reject(offset, tag, None, kind, code, reason);
    }

    /// Answers BAD or NO in turn, counting toward the BYE.
    fn reject(
        &mut self,
        offset: u64,
        tag: Option<Tag>,
        command: Option<Command>,
        kind: StatusKind,
        code: Option<Code>,
        reason: RejectReason,
    ) {
        let text = Text::try_from(reason.to_string().as_str()).unwrap_or_else(|_| fixed_text("Invalid command"));
        let status = StatusResponse { tag: tag.clone(), kind, code: code.map(Box::new), text };
        let mut out = BytesMut::new();
        status.encode_to(&mut out, EncodeOptions::default());
        self.slots.push_back(Slot::ready(out));
        self.flush();
        let event = ServerEvent::Rejected { offset, tag, command, reason };
        self.events.push_back((offset, event));
        self.count_bad_command();
    }

    /// Counts a command answered BAD; too many in a row end the session.
    fn count_bad_command(&mut self) {
        self.bad_commands += 1;
        if self.bad_commands >= self.config.max_bad_commands && !self.input.closed {
            let bye = StatusResponse {
                tag: None,
                kind: StatusKind::Bye,
                code: None,
                text: fixed_text("Too many invalid IMAP commands."),
            };
            let mut out = BytesMut::new();
            bye.encode_to(&mut out, EncodeOptions::default());
            self.slots.push_back(Slot::ready(out));
            self.flush();
            self.close();
        }
    }

    fn message(&mut self, offset: u64, message: ClientMessage) {
        match message {
            ClientMessage::Command(command) => {
                if let Sasl::AwaitingClient(auth) = self.sasl.clone() {
                    // Every line answers the challenge: this one is not a
                    // valid response, and the exchange fails.
                    self.sasl = Sasl::Idle;
                    let _ = self.complete(&auth, StatusKind::Bad, None, "Invalid AUTHENTICATE response");
                    let reason = RejectReason::InvalidSaslResponse;
                    let event = ServerEvent::Rejected { offset, tag: Some(auth), command: Some(command), reason };
                    self.events.push_back((offset, event));
                } else if self.slots.iter().any(Slot::idling) {
                    // Nothing but DONE during IDLE (RFC 2177).
                    let tag = Some(command.tag.clone());
                    self.reject(offset, tag, Some(command), StatusKind::Bad, None, RejectReason::ExpectedDone);
                } else {
                    self.command(offset, command);
                }
            }
            ClientMessage::AuthenticateData(data) => {
                if let Sasl::AwaitingClient(tag) = std::mem::replace(&mut self.sasl, Sasl::Idle) {
                    self.events.push_back((offset, ServerEvent::SaslResponse { tag, data: data.into_bytes() }));
                }
            }
            ClientMessage::AuthenticateCancel => {
                if let Sasl::AwaitingClient(tag) = std::mem::replace(&mut self.sasl, Sasl::Idle) {
                    let _ = self.complete(&tag, StatusKind::Bad, None, "AUTHENTICATE cancelled");
                    self.events.push_back((offset, ServerEvent::SaslCancelled { tag }));
                }
            }
            ClientMessage::IdleDone => {
                if let Some(slot) = self.slots.iter_mut().find(|s| s.idling()) {
                    // The application completes IDLE; reading goes on.
                    slot.idle_done = true;
                    let tag = slot.command.as_ref().map(|c| c.tag.clone());
                    if let Some(tag) = tag {
                        self.events.push_back((offset, ServerEvent::IdleDone { tag }));
                    }
                }
            }
        }
    }

    fn command(&mut self, offset: u64, command: Command) {
        if !command_allowed(&command.body, self.state) {
            let reason = RejectReason::NotAllowed { command: command.body.name().to_string(), state: self.state };
            let kind = if self.state == State::NotAuthenticated { StatusKind::No } else { StatusKind::Bad };
            return self.reject(offset, Some(command.tag.clone()), Some(command), kind, None, reason);
        }
        if let Some(reason) = self.refusal(&command.body) {
            return self.reject(offset, Some(command.tag.clone()), Some(command), StatusKind::Bad, None, reason);
        }
        if command.body == CommandBody::StartTls && (!self.config.starttls || self.tls_active) {
            let reason = RejectReason::StartTlsUnavailable;
            return self.reject(offset, Some(command.tag.clone()), Some(command), StatusKind::Bad, None, reason);
        }
        if self.plaintext_refused() && is_plaintext_login(&command.body) {
            let reason = RejectReason::PlaintextLogin;
            let (tag, code) = (Some(command.tag.clone()), Some(Code::PrivacyRequired));
            return self.reject(offset, tag, Some(command), StatusKind::No, code, reason);
        }
        self.bad_commands = 0;
        let mut out = BytesMut::new();
        // Updates held back may go out during a command that allows them.
        if expunge_allowed(&command.body) {
            for data in std::mem::take(&mut self.held) {
                Response::Data(data).encode_to(&mut out, EncodeOptions::default());
            }
        }
        match &command.body {
            CommandBody::Capability => {
                Response::Data(Data::Capability(self.advertised())).encode_to(&mut out, EncodeOptions::default());
                status(&command.tag, StatusKind::Ok, None, fixed_text("CAPABILITY completed"))
                    .encode_to(&mut out, EncodeOptions::default());
                self.slots.push_back(Slot::ready(out));
                self.flush();
                self.events.push_back((offset, ServerEvent::Answered(command)));
                return;
            }
            CommandBody::Logout => {
                let bye =
                    StatusResponse { tag: None, kind: StatusKind::Bye, code: None, text: fixed_text("Logging out") };
                bye.encode_to(&mut out, EncodeOptions::default());
                status(&command.tag, StatusKind::Ok, None, fixed_text("LOGOUT completed"))
                    .encode_to(&mut out, EncodeOptions::default());
                self.slots.push_back(Slot::ready(out));
                self.flush();
                self.events.push_back((offset, ServerEvent::Answered(command)));
                self.close();
                return;
            }
            CommandBody::Idle => out.extend_from_slice(b"+ idling\r\n"),
            _ => {}
        }
        self.slots.push_back(Slot {
            command: Some(command.clone()),
            out,
            done: false,
            idle_done: false,
            streamed: false,
        });
        self.flush();
        self.events.push_back((offset, ServerEvent::Command(command)));
    }

    /// Why a command of an extension cannot run now: not offered, or
    /// needing an ENABLE first, or gone in IMAP4rev2.
    fn refusal(&self, body: &CommandBody) -> Option<RejectReason> {
        if !self.config.refuse_unoffered {
            return None;
        }
        if let Some(capability) = crate::state::missing_capability(body, &self.config.capabilities) {
            return Some(RejectReason::NotOffered { capability });
        }
        let qresync = match body {
            CommandBody::Select { parameters, .. } | CommandBody::Examine { parameters, .. } => {
                parameters.iter().any(|p| matches!(p, crate::SelectParameter::QResync(_)))
            }
            CommandBody::Fetch { modifiers, .. } => modifiers.contains(&crate::FetchModifier::Vanished),
            _ => false,
        };
        if qresync && !self.is_enabled("QRESYNC") {
            return Some(RejectReason::QResyncNotEnabled);
        }
        if matches!(body, CommandBody::Lsub { .. }) && self.is_enabled("IMAP4rev2") {
            return Some(RejectReason::LsubInImap4Rev2);
        }
        None
    }

    /// Whether the application enabled `capability` (its `* ENABLED`
    /// response named it; RFC 5161).
    pub fn is_enabled(&self, capability: &str) -> bool {
        self.enabled.iter().any(|a| a.eq_ignore_case(capability))
    }

    /// What the application enabled so far.
    pub fn enabled(&self) -> &[Atom] {
        &self.enabled
    }

    /// Data that must not go out in the session's current mode: VANISHED
    /// without EARLIER before `ENABLE QRESYNC` (it replaces EXPUNGE only
    /// then), RECENT once IMAP4rev2 is enabled (RFC 9051 has none).
    fn check_data(&mut self, data: &Data) -> Result<(), ServerError> {
        match data {
            Data::Vanished { earlier: false, .. } if !self.is_enabled("QRESYNC") => {
                Err(ServerError::WrongAnswer("VANISHED replaces EXPUNGE only after ENABLE QRESYNC"))
            }
            Data::Recent(_) if self.is_enabled("IMAP4rev2") => {
                Err(ServerError::WrongAnswer("IMAP4rev2 has no RECENT response"))
            }
            Data::Enabled(names) => {
                for name in names {
                    if !self.is_enabled(name.as_str()) {
                        self.enabled.push(name.clone());
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Whether plaintext passwords are refused on this connection now.
    fn plaintext_refused(&self) -> bool {
        !self.config.plaintext_login && !self.tls_active
    }

    /// The capabilities CAPABILITY lists now: STARTTLS while it is on
    /// offer; LOGINDISABLED instead of plaintext `AUTH=` mechanisms while
    /// plaintext passwords are refused.
    pub fn advertised(&self) -> Vec<Capability> {
        let refused = self.plaintext_refused() && self.state == State::NotAuthenticated;
        let mut caps: Vec<Capability> = self
            .config
            .capabilities
            .iter()
            .filter(|c| **c != Capability::StartTls && **c != Capability::LoginDisabled)
            .filter(|c| !(refused && matches!(c, Capability::Auth(m) if is_plaintext_mechanism(m.as_str()))))
            .cloned()
            .collect();
        if self.config.starttls && !self.tls_active && self.state == State::NotAuthenticated {
            caps.push(Capability::StartTls);
        }
        if refused {
            caps.push(Capability::LoginDisabled);
        }
        caps
    }

    fn slot_mut(&mut self, tag: &Tag) -> Option<&mut Slot> {
        // The oldest unanswered command with the tag (a streamed APPEND
        // never shares its tag with another: it waits for that one).
        self.slots.iter_mut().find(|s| !s.done && s.command.as_ref().is_some_and(|c| &c.tag == tag))
    }

    /// Writes out every slot that is done at the front, and the output of
    /// the first unfinished one.
    fn flush(&mut self) {
        while let Some(front) = self.slots.front_mut() {
            self.out.extend_from_slice(&front.out);
            front.out.clear();
            if !front.done {
                return;
            }
            self.slots.pop_front();
        }
    }

    fn not_streaming(&self, tag: &Tag) -> Result<(), ServerError> {
        match &self.building {
            Some(b) if &b.tag == tag => Err(ServerError::WrongAnswer("end the FETCH response first")),
            _ => Ok(()),
        }
    }

    /// Untagged data answering the command `tag` (in order, after the
    /// answers to the commands before it).
    pub fn respond(&mut self, tag: &Tag, data: Data) -> Result<(), ServerError> {
        self.not_streaming(tag)?;
        self.slot_mut(tag).ok_or_else(|| ServerError::UnknownTag(tag.clone()))?;
        self.check_data(&data)?;
        let slot = self.slot_mut(tag).ok_or_else(|| ServerError::UnknownTag(tag.clone()))?;
        Response::Data(data).encode_to(&mut slot.out, EncodeOptions::default());
        self.flush();
        Ok(())
    }

    /// An untagged `OK`, `NO` or `BAD` during the command `tag` (for
    /// example `* OK [UIDVALIDITY n]` during SELECT).
    pub fn respond_status(
        &mut self,
        tag: &Tag,
        kind: StatusKind,
        code: Option<Code>,
        text: &str,
    ) -> Result<(), ServerError> {
        if !matches!(kind, StatusKind::Ok | StatusKind::No | StatusKind::Bad) {
            return Err(ServerError::WrongAnswer("an untagged status during a command is OK, NO or BAD"));
        }
        let text = Text::try_from(text)?;
        let slot = self.slot_mut(tag).ok_or_else(|| ServerError::UnknownTag(tag.clone()))?;
        StatusResponse { tag: None, kind, code: code.map(Box::new), text }
            .encode_to(&mut slot.out, EncodeOptions::default());
        self.flush();
        Ok(())
    }

    /// Completes the command `tag` with a tagged `OK`, `NO` or `BAD`. The
    /// state follows (LOGIN, SELECT, CLOSE, ...); an OK to STARTTLS starts
    /// the TLS switch ([`ServerEvent::StartTls`]).
    pub fn complete(&mut self, tag: &Tag, kind: StatusKind, code: Option<Code>, text: &str) -> Result<(), ServerError> {
        if !matches!(kind, StatusKind::Ok | StatusKind::No | StatusKind::Bad) {
            return Err(ServerError::WrongAnswer("a completion is OK, NO or BAD"));
        }
        self.not_streaming(tag)?;
        let text = Text::try_from(text)?;
        let held = std::mem::take(&mut self.held);
        let Some(slot) = self.slot_mut(tag) else {
            self.held = held;
            return Err(ServerError::UnknownTag(tag.clone()));
        };
        let body = slot.command.as_ref().map(|c| c.body.clone()).unwrap_or(CommandBody::Noop);
        // Held updates go out before the completion of a command that
        // allows them.
        let held = if expunge_allowed(&body) {
            for data in held {
                Response::Data(data).encode_to(&mut slot.out, EncodeOptions::default());
            }
            Vec::new()
        } else {
            held
        };
        status(tag, kind, code, text).encode_to(&mut slot.out, EncodeOptions::default());
        slot.done = true;
        self.held = held;
        if matches!(body, CommandBody::Authenticate { .. }) {
            self.sasl = Sasl::Idle;
        }
        self.state =
            if kind == StatusKind::Ok { after_success(&body, self.state) } else { after_failure(&body, self.state) };
        self.apply_limits();
        self.flush();
        self.release_held();
        if kind == StatusKind::Ok && matches!(body, CommandBody::Compress { .. }) {
            self.events.push_back((self.input.read_offset(), ServerEvent::Compress));
            self.input.await_compression();
        }
        if kind == StatusKind::Ok && body == CommandBody::StartTls {
            // At the end of what was read: the STARTTLS command.
            self.events.push_back((self.input.read_offset(), ServerEvent::StartTls));
            // Commands pipelined after STARTTLS are discarded, never run.
            if let Some(at) = self.input.await_tls() {
                self.report_plaintext(at);
            }
        }
        Ok(())
    }

    /// Starts a FETCH response whose last attribute is a large
    /// `BODY[section]<origin>`, streamed: writes
    /// `* seq FETCH (ATTRIBUTES BODY[section]<origin> {size}` and CRLF; hand
    /// over exactly `size` bytes with [`Server::body_data`], then
    /// call [`Server::end_body`]. While the command `tag` is the
    /// oldest unanswered one (the usual case), every piece goes out at once,
    /// so a 100 MB message is never held whole.
    ///
    /// ```
    /// use imap_wire::server::{Server, ServerConfig, ServerEvent};
    /// use imap_wire::{MessageAttribute, Section, StatusKind};
    ///
    /// let mut server = Server::new(ServerConfig { greeting: imap_wire::Greeting::parse(b"* PREAUTH hi\r\n").unwrap(), ..ServerConfig::default() });
    /// let _ = server.poll_transmit();
    /// server.receive(b"a1 SELECT INBOX\r\n");
    /// let Some(ServerEvent::Command(select)) = server.poll_event() else { panic!() };
    /// server.complete(&select.tag, StatusKind::Ok, None, "selected").unwrap();
    /// server.receive(b"a2 FETCH 1 BODY[]\r\n");
    /// let _ = server.poll_transmit();
    /// let Some(ServerEvent::Command(fetch)) = server.poll_event() else { panic!() };
    /// let uid = MessageAttribute::Uid(7.try_into().unwrap());
    /// server.begin_body(&fetch.tag, 1.try_into().unwrap(), &[uid], &Section::default(), None, 11).unwrap();
    /// server.body_data(b"Hello").unwrap();
    /// assert_eq!(server.poll_transmit().unwrap(), &b"* 1 FETCH (UID 7 BODY[] {11}\r\nHello"[..]);
    /// server.body_data(b" world").unwrap();
    /// server.end_body().unwrap();
    /// server.complete(&fetch.tag, StatusKind::Ok, None, "done").unwrap();
    /// assert_eq!(server.poll_transmit().unwrap(), &b" world)\r\na2 OK done\r\n"[..]);
    /// ```
    pub fn begin_body(
        &mut self,
        tag: &Tag,
        seq: std::num::NonZeroU32,
        attributes: &[MessageAttribute],
        section: &Section,
        origin: Option<u32>,
        size: u64,
    ) -> Result<(), ServerError> {
        self.begin_fetch(tag, seq)?;
        for a in attributes {
            self.fetch_attribute(a)?;
        }
        let item = LiteralAttribute::BodySection { section: section.clone(), origin };
        self.begin_fetch_literal(&item, size, false)
    }

    /// Content of the FETCH literal being streamed; more than the announced
    /// size is refused.
    pub fn body_data(&mut self, data: &[u8]) -> Result<(), ServerError> {
        let Some(FetchBuild { tag, due: Some(due), .. }) = &self.building else {
            return Err(ServerError::WrongAnswer("no FETCH literal is being streamed"));
        };
        if data.len() as u64 > *due {
            return Err(ServerError::WrongAnswer("more literal data than announced"));
        }
        let tag = tag.clone();
        let slot = self.slot_mut(&tag).ok_or(ServerError::UnknownTag(tag.clone()))?;
        slot.out.extend_from_slice(data);
        if let Some(FetchBuild { due: Some(due), .. }) = &mut self.building {
            *due -= data.len() as u64;
        }
        self.flush();
        Ok(())
    }

    /// Ends a FETCH response begun with [`Server::begin_body`] after its
    /// literal (`)` and CRLF); all the announced bytes must have been
    /// handed over.
    pub fn end_body(&mut self) -> Result<(), ServerError> {
        self.end_fetch_literal()?;
        self.end_fetch()
    }

    /// Starts a FETCH response built piece by piece, for responses with
    /// several streamed literals: writes `* seq FETCH (`; add attributes
    /// with [`Server::fetch_attribute`] and streamed literals with
    /// [`Server::begin_fetch_literal`], [`Server::body_data`] and
    /// [`Server::end_fetch_literal`], in any order, then
    /// [`Server::end_fetch`]. Nothing else goes out on the connection in
    /// between (held updates wait), so a message of any size and a FETCH
    /// naming many sections are never held whole.
    ///
    /// ```
    /// use imap_wire::server::{Server, ServerConfig, ServerEvent};
    /// use imap_wire::{LiteralAttribute, MessageAttribute, Section, StatusKind};
    ///
    /// let mut server = Server::new(ServerConfig { greeting: imap_wire::Greeting::parse(b"* PREAUTH hi\r\n").unwrap(), ..ServerConfig::default() });
    /// let _ = server.poll_transmit();
    /// server.receive(b"a1 SELECT INBOX\r\n");
    /// let Some(ServerEvent::Command(select)) = server.poll_event() else { panic!() };
    /// server.complete(&select.tag, StatusKind::Ok, None, "selected").unwrap();
    /// server.receive(b"a2 FETCH 1 (BODY[1] BODY[2])\r\n");
    /// let _ = server.poll_transmit();
    /// let Some(ServerEvent::Command(fetch)) = server.poll_event() else { panic!() };
    /// server.begin_fetch(&fetch.tag, 1.try_into().unwrap()).unwrap();
    /// server.fetch_attribute(&MessageAttribute::Uid(7.try_into().unwrap())).unwrap();
    /// for (n, text) in [(1, &b"one"[..]), (2, b"two")] {
    ///     let section = Section { part: vec![n.try_into().unwrap()], text: None };
    ///     let item = LiteralAttribute::BodySection { section, origin: None };
    ///     server.begin_fetch_literal(&item, text.len() as u64, false).unwrap();
    ///     server.body_data(text).unwrap();
    ///     server.end_fetch_literal().unwrap();
    /// }
    /// server.end_fetch().unwrap();
    /// server.complete(&fetch.tag, StatusKind::Ok, None, "done").unwrap();
    /// let out = server.poll_transmit().unwrap();
    /// assert_eq!(out, &b"* 1 FETCH (UID 7 BODY[1] {3}\r\none BODY[2] {3}\r\ntwo)\r\na2 OK done\r\n"[..]);
    /// ```
    pub fn begin_fetch(&mut self, tag: &Tag, seq: std::num::NonZeroU32) -> Result<(), ServerError> {
        if self.building.is_some() {
            return Err(ServerError::WrongAnswer("a FETCH response is already being built"));
        }
        let slot = self.slot_mut(tag).ok_or_else(|| ServerError::UnknownTag(tag.clone()))?;
        slot.out.extend_from_slice(b"* ");
        slot.out.extend_from_slice(seq.to_string().as_bytes());
        slot.out.extend_from_slice(b" FETCH (");
        self.building = Some(FetchBuild { tag: tag.clone(), due: None, written: 0 });
        self.flush();
        Ok(())
    }

    fn fetch_slot(&mut self) -> Result<(&mut Slot, bool), ServerError> {
        let Some(build) = &mut self.building else {
            return Err(ServerError::WrongAnswer("no FETCH response is being built"));
        };
        if build.due.is_some() {
            return Err(ServerError::WrongAnswer("end the FETCH literal first"));
        }
        let first = build.written == 0;
        build.written += 1;
        let tag = build.tag.clone();
        let slot = self.slot_mut(&tag).ok_or(ServerError::UnknownTag(tag))?;
        Ok((slot, first))
    }

    /// The next attribute of the FETCH response being built.
    pub fn fetch_attribute(&mut self, attribute: &MessageAttribute) -> Result<(), ServerError> {
        let (slot, first) = self.fetch_slot()?;
        if !first {
            slot.out.extend_from_slice(b" ");
        }
        attribute.encode_to(&mut slot.out, EncodeOptions::default());
        self.flush();
        Ok(())
    }

    /// Starts a streamed literal in the FETCH response being built: writes
    /// its name and `{size}` (`~{size}`, RFC 3516's literal8, when
    /// `literal8`: binary content holding NUL); hand over exactly `size`
    /// bytes with [`Server::body_data`], then [`Server::end_fetch_literal`].
    pub fn begin_fetch_literal(
        &mut self,
        attribute: &LiteralAttribute,
        size: u64,
        literal8: bool,
    ) -> Result<(), ServerError> {
        let (slot, first) = self.fetch_slot()?;
        if !first {
            slot.out.extend_from_slice(b" ");
        }
        attribute.encode_to(&mut slot.out, EncodeOptions::default());
        let prefix = if literal8 { " ~{" } else { " {" };
        slot.out.extend_from_slice(format!("{prefix}{size}}}\r\n").as_bytes());
        if let Some(build) = &mut self.building {
            build.due = Some(size);
        }
        self.flush();
        Ok(())
    }

    /// Ends the streamed literal; all the announced bytes must have been
    /// handed over.
    pub fn end_fetch_literal(&mut self) -> Result<(), ServerError> {
        match &mut self.building {
            Some(FetchBuild { due: due @ Some(0), .. }) => {
                *due = None;
                Ok(())
            }
            Some(FetchBuild { due: Some(_), .. }) => {
                Err(ServerError::WrongAnswer("fewer literal bytes than announced"))
            }
            _ => Err(ServerError::WrongAnswer("no FETCH literal is being streamed")),
        }
    }

    /// Ends the FETCH response being built (`)` and CRLF).
    pub fn end_fetch(&mut self) -> Result<(), ServerError> {
        match &self.building {
            Some(FetchBuild { due: None, tag, .. }) => {
                let tag = tag.clone();
                let slot = self.slot_mut(&tag).ok_or(ServerError::UnknownTag(tag.clone()))?;
                slot.out.extend_from_slice(b")\r\n");
                self.building = None;
                self.flush();
                self.release_held();
                Ok(())
            }
            Some(_) => Err(ServerError::WrongAnswer("end the FETCH literal first")),
            None => Err(ServerError::WrongAnswer("no FETCH response is being built")),
        }
    }

    /// Sends an AUTHENTICATE challenge; the client's next line comes back
    /// as [`ServerEvent::SaslResponse`].
    pub fn sasl_challenge(&mut self, tag: &Tag, challenge: &[u8]) -> Result<(), ServerError> {
        let slot = self.slot_mut(tag).ok_or_else(|| ServerError::UnknownTag(tag.clone()))?;
        if !matches!(slot.command.as_ref().map(|c| &c.body), Some(CommandBody::Authenticate { .. })) {
            return Err(ServerError::WrongAnswer("challenges belong to AUTHENTICATE"));
        }
        slot.out.extend_from_slice(b"+ ");
        slot.out.extend_from_slice(crate::base64::encode(challenge).as_bytes());
        slot.out.extend_from_slice(b"\r\n");
        self.sasl = Sasl::AwaitingClient(tag.clone());
        self.flush();
        Ok(())
    }

    /// A change of the selected mailbox to tell the client (EXISTS,
    /// EXPUNGE, FETCH FLAGS, ...). It goes out at once when RFC 3501 7.4.1
    /// allows; an EXPUNGE is held while no command is in progress and
    /// during FETCH, STORE and SEARCH (the UID forms allow it), and so is
    /// everything after a held update, to keep the order. Nothing cuts into
    /// a FETCH literal being streamed.
    ///
    /// Fails for data the session may not get in its mode (VANISHED
    /// before ENABLE QRESYNC, RECENT under IMAP4rev2).
    pub fn update(&mut self, data: Data) -> Result<(), ServerError> {
        self.check_data(&data)?;
        self.held.push(data);
        self.release_held();
        Ok(())
    }

    /// Sends the held updates that may go out now, in order: an EXPUNGE
    /// only while commands that allow it (and only those) are in progress,
    /// nothing while a FETCH literal is being streamed.
    fn release_held(&mut self) {
        if self.building.is_some() || self.held.is_empty() {
            return;
        }
        // Updates go into the response being sent now: the oldest
        // unanswered command's. An EXPUNGE may go there unless that command
        // is a FETCH, STORE or SEARCH (the later ones answer after it).
        let current = self.slots.iter().find(|s| !s.done).and_then(|s| s.command.as_ref());
        let expunge_ok = current.is_some_and(|c| expunge_allowed(&c.body));
        // VANISHED has EXPUNGE's restrictions (RFC 7162 3.2.10).
        let is_expunge = |d: &Data| matches!(d, Data::Expunge(_) | Data::Vanished { earlier: false, .. });
        let ready = self.held.iter().take_while(|d| expunge_ok || !is_expunge(d)).count();
        let mut out = BytesMut::new();
        for data in self.held.drain(..ready) {
            Response::Data(data).encode_to(&mut out, EncodeOptions::default());
        }
        // FLAGS names no message: it need not wait behind a held EXPUNGE
        // (a client learns of a new keyword before the STORE that made it
        // completes).
        if self.held.iter().any(|d| matches!(d, Data::Flags(_))) {
            let (flags, rest): (Vec<Data>, Vec<Data>) =
                std::mem::take(&mut self.held).into_iter().partition(|d| matches!(d, Data::Flags(_)));
            self.held = rest;
            for data in flags {
                Response::Data(data).encode_to(&mut out, EncodeOptions::default());
            }
        }
        match self.slots.iter_mut().find(|s| !s.done) {
            Some(slot) => slot.out.extend_from_slice(&out),
            None => self.out.extend_from_slice(&out),
        }
        self.flush();
    }

    /// An untagged `OK` carrying `text` (RFC 3501 7.1.1: information),
    /// sent with the response in progress, e.g. during IDLE to show the
    /// connection is alive (Dovecot's `* OK Still here`). Refused while a
    /// FETCH response is being streamed.
    ///
    /// ```
    /// use imap_wire::server::{Server, ServerConfig, ServerEvent};
    ///
    /// let mut server = Server::new(ServerConfig::default());
    /// let _ = server.poll_transmit();
    /// server.notice("Still here").unwrap();
    /// assert_eq!(server.poll_transmit().unwrap(), &b"* OK Still here\r\n"[..]);
    /// ```
    pub fn notice(&mut self, text: &str) -> Result<(), ServerError> {
        let text = Text::try_from(text)?;
        if self.building.is_some() {
            return Err(ServerError::WrongAnswer("end the FETCH response first"));
        }
        if self.input.closed {
            return Ok(());
        }
        let mut out = BytesMut::new();
        StatusResponse { tag: None, kind: StatusKind::Ok, code: None, text }
            .encode_to(&mut out, EncodeOptions::default());
        match self.slots.iter_mut().find(|s| !s.done) {
            Some(slot) => slot.out.extend_from_slice(&out),
            None => self.out.extend_from_slice(&out),
        }
        self.flush();
        Ok(())
    }

    /// Ends the connection from the server's side (RFC 3501 7.1.5): an
    /// untagged `BYE` goes out after everything already answered, the
    /// commands still unanswered stay so, and [`ServerEvent::Closed`]
    /// follows. For a server shutting down or a session timing out.
    ///
    /// ```
    /// use imap_wire::server::{Server, ServerConfig, ServerEvent};
    ///
    /// let mut server = Server::new(ServerConfig::default());
    /// let _ = server.poll_transmit();
    /// server.bye("Server shutting down").unwrap();
    /// assert_eq!(server.poll_transmit().unwrap(), &b"* BYE Server shutting down\r\n"[..]);
    /// assert_eq!(server.poll_event(), Some(ServerEvent::Closed));
    /// ```
    pub fn bye(&mut self, text: &str) -> Result<(), ServerError> {
        let text = Text::try_from(text)?;
        if self.input.closed {
            return Ok(());
        }
        // Unanswered commands will not be answered: their place in the
        // order no longer holds the BYE back.
        self.slots.retain(|s| s.done || !s.out.is_empty());
        for slot in &mut self.slots {
            slot.done = true;
        }
        self.building = None;
        let mut out = BytesMut::new();
        StatusResponse { tag: None, kind: StatusKind::Bye, code: None, text }
            .encode_to(&mut out, EncodeOptions::default());
        self.slots.push_back(Slot::ready(out));
        self.flush();
        self.close();
        Ok(())
    }

    /// Updates held back by the EXPUNGE rule, not yet sent.
    pub fn held_updates(&self) -> &[Data] {
        &self.held
    }
}

/// Whether an untagged EXPUNGE may be sent while `command` is in progress.
fn expunge_allowed(command: &CommandBody) -> bool {
    !matches!(
        command,
        CommandBody::Fetch { uid: false, .. }
            | CommandBody::Store { uid: false, .. }
            | CommandBody::Search { uid: false, .. }
    )
}

fn status(tag: &Tag, kind: StatusKind, code: Option<Code>, text: Text) -> StatusResponse {
    StatusResponse { tag: Some(tag.clone()), kind, code: code.map(Box::new), text }
}

/// The messages in the rest of a MULTIAPPEND line after a streamed one
/// (` [flags] [date] literal ...`, RFC 3502 `append-message`), read by the
/// APPEND grammar itself; `tail` completes a line cut at a literal.
/// `None` when it is not that.
fn more_messages(rest: &[u8], tail: &[u8]) -> Option<Vec<crate::types::AppendMessage>> {
    if !rest.starts_with(b" ") {
        return None;
    }
    let mut line = b"A APPEND X".to_vec();
    line.extend_from_slice(rest);
    line.extend_from_slice(tail);
    match Command::parse(&line) {
        Ok(Command { body: CommandBody::Append { messages, .. }, .. }) => Some(messages),
        _ => None,
    }
}
