//! The client state machine: tags, the commands in flight, the literal
//! handshake, AUTHENTICATE, IDLE, STARTTLS, the connection state, the
//! server's capabilities and the selected mailbox.
//!
//! Sans-IO, the same surface as `pop3_wire::Client`: feed the server's
//! bytes with [`Client::receive`] (and [`Client::receive_eof`] when the
//! connection closes), take [`ClientEvent`]s with [`Client::poll_event`],
//! queue commands with [`Client::send`], and take the bytes to write with
//! [`Client::poll_transmit`].
//!
//! # Call order
//! 1. [`Client::receive`] what the server sent;
//! 2. [`Client::poll_event`] until it returns `None`;
//! 3. [`Client::send`] commands, and answer what the events ask for
//!    ([`Client::sasl_response`], [`Client::idle_done`],
//!    [`Client::tls_established`]);
//! 4. [`Client::poll_transmit`] until it returns `None`, and write the
//!    bytes.
//!
//! Input is processed lazily, in `poll_event` (one response at a time) and
//! in `poll_transmit` (all of it, because responses release queued
//! commands and literal data); `receive` only buffers.
//!
//! ```
//! use imap_wire::client::{Client, ClientConfig, ClientEvent};
//! use imap_wire::state::State;
//! use imap_wire::{CommandBody, IString};
//!
//! let mut client = Client::new(ClientConfig::default());
//! client.receive(b"* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n");
//! assert!(matches!(client.poll_event(), Some(ClientEvent::Greeting(_))));
//! let login = CommandBody::Login { username: IString::from("alice"), password: IString::from("secret") };
//! let tag = client.send(login).unwrap();
//! assert_eq!(client.poll_transmit().unwrap(), &b"A1 LOGIN alice secret\r\n"[..]);
//! client.receive(b"A1 OK logged in\r\n");
//! let Some(ClientEvent::Completed { command, status }) = client.poll_event() else { panic!() };
//! assert_eq!((command.tag, status.kind), (tag, imap_wire::StatusKind::Ok));
//! assert_eq!(client.state(), State::Authenticated);
//! ```

use std::collections::VecDeque;
use std::num::NonZeroU32;

use bytes::{Bytes, BytesMut};

use crate::conn::Input;
use crate::encode::{Encode, EncodeOptions, LiteralMode};
use crate::error::DecodeError;
use crate::seqmap::SeqUidMap;
use crate::state::{after_failure, after_success, command_allowed, State};
use crate::types::*;
use crate::{Decoded, Limits, ResponseDecoder, ServerMessage};

/// Client settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Memory limits for what the server sends.
    pub limits: Limits,
    /// Tags are this prefix and a counter: `A1`, `A2`, ...
    pub tag_prefix: Tag,
    /// FETCH sections (`BODY[...]`, `BINARY[...]`, `RFC822...`) sent as
    /// literals larger than this are handed out as they arrive, in
    /// [`ClientEvent::SectionStart`] and [`ClientEvent::SectionData`]
    /// events, instead of being held until the whole response is in: a
    /// 50 MB message costs no 50 MB. `None` (the default) holds them.
    /// See [`Client::set_stream_sections_above`].
    pub stream_sections_above: Option<u64>,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        let tag_prefix = Tag::from_validated(crate::types::small_bytes::SmallBytes::copy_from_slice(b"A"));
        ClientConfig { limits: Limits::default(), tag_prefix, stream_sections_above: None }
    }
}

/// What the client learnt from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// The greeting; the state is now NotAuthenticated (OK), Authenticated
    /// (PREAUTH) or Logout (BYE).
    Greeting(Greeting),
    /// Untagged data, in the order it arrived. `command` is the tag of the
    /// command in flight it answers (SEARCH results, LIST, STATUS, FETCH
    /// during a FETCH, the EXISTS of a SELECT, ...); `None` means an
    /// unsolicited update (EXISTS, EXPUNGE, FETCH FLAGS during NOOP or
    /// IDLE, ...).
    Data {
        /// The data.
        data: Data,
        /// The command it answers, if any.
        command: Option<Tag>,
    },
    /// An untagged `OK`, `NO` or `BAD` (with its response code, e.g.
    /// `[UIDVALIDITY n]` during SELECT or `[ALERT]`, which must be shown
    /// to the user).
    Status {
        /// The response.
        status: StatusResponse,
        /// The command it answers, if any.
        command: Option<Tag>,
    },
    /// `* OK` without a code during IDLE: the server's keep-alive (reset
    /// your own timer).
    KeepAlive(Text),
    /// `* BYE`: the server is closing the connection.
    Bye(StatusResponse),
    /// A tagged completion, with the command it completes.
    Completed {
        /// The command, as given to [`Client::send`], with its tag.
        command: Command,
        /// The tagged `OK`, `NO` or `BAD`.
        status: StatusResponse,
    },
    /// A command ended without a readable completion: the completion did
    /// not parse, or the connection closed first.
    Failed {
        /// The command.
        command: Command,
        /// Why.
        error: PeerError,
    },
    /// A FETCH section larger than [`ClientConfig::stream_sections_above`]
    /// begins: its data follows in [`ClientEvent::SectionData`] events
    /// (`size` bytes in all), then the message's FETCH response arrives as
    /// [`ClientEvent::Data`], with this attribute's content empty.
    SectionStart {
        /// The FETCH command it answers.
        command: Tag,
        /// The message's sequence number.
        seq: NonZeroU32,
        /// Which section.
        attribute: LiteralAttribute,
        /// Its size as announced.
        size: u64,
    },
    /// The next piece of a streamed section, as it arrived.
    SectionData {
        /// The FETCH command it answers.
        command: Tag,
        /// The bytes.
        data: Bytes,
    },
    /// A SASL challenge during AUTHENTICATE (base64-decoded); answer with
    /// [`Client::sasl_response`] or [`Client::sasl_cancel`].
    SaslChallenge {
        /// The AUTHENTICATE command's tag.
        tag: Tag,
        /// The challenge.
        challenge: Bytes,
    },
    /// The server accepted IDLE (`+`): updates arrive as events until
    /// [`Client::idle_done`].
    Idling {
        /// The IDLE command's tag.
        tag: Tag,
    },
    /// STARTTLS was accepted: run the TLS handshake on the connection now,
    /// then call [`Client::tls_established`]. Bytes received before that
    /// are dropped and reported.
    StartTls,
    /// `COMPRESS` was accepted (RFC 4978): everything after the tagged OK
    /// is compressed in both directions. Take the bytes already received
    /// after the OK with [`Client::take_compressed_input`], put the
    /// compression layer on the connection, and feed the decompressed
    /// bytes (those first) to [`Client::receive`]. Nothing is processed or
    /// sent until then.
    Compress,
    /// The server broke the protocol; earlier events stand, and the
    /// machine carries on where it can.
    Violation(PeerError),
    /// The connection is closed ([`Client::receive_eof`]); the state is
    /// Logout.
    Closed,
}

/// What the application asked of the client machine that it refused:
/// nothing was sent, nothing changed. (What the server does wrong is a
/// [`PeerError`].)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The command is not valid in the state the connection will be in.
    #[error("{command} is not valid in state {state:?}")]
    NotAllowed {
        /// The command's keyword.
        command: String,
        /// The state.
        state: State,
    },
    /// The connection is over (Logout).
    #[error("the connection is closed")]
    Closed,
    /// No SASL exchange (AUTHENTICATE) waits for a response.
    #[error("no SASL exchange is waiting for a response")]
    NoSaslExchange,
    /// No IDLE is running.
    #[error("no IDLE is running")]
    NotIdling,
    /// A command IMAP4rev2 does not have, once it is enabled (LSUB).
    #[error("{command} is not part of IMAP4rev2")]
    NotInImap4Rev2 {
        /// The command's keyword.
        command: String,
    },
}

/// What the server did wrong, or how the connection failed: reported in
/// [`ClientEvent::Violation`] (everything parsed before and after is kept)
/// and, for a command it cut short, [`ClientEvent::Failed`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerError {
    /// A response did not decode (the error has its stream offset and, for
    /// a tagged response, the tag).
    #[error("{0}")]
    Decode(DecodeError),
    /// A tagged response whose tag no command in flight has.
    #[error("response at byte {offset} has the unknown tag {tag}")]
    UnknownTag {
        /// Stream offset of the response.
        offset: u64,
        /// The tag.
        tag: Tag,
    },
    /// A response that belongs to an extension the client has not
    /// enabled (e.g. VANISHED before `ENABLE QRESYNC`, ENABLED without an
    /// ENABLE). The response is delivered all the same.
    #[error("{response} at byte {offset} before ENABLE {capability}")]
    NotEnabled {
        /// Stream offset of the response.
        offset: u64,
        /// The response's name.
        response: &'static str,
        /// What the client would have had to enable.
        capability: &'static str,
    },
    /// The peer's first line is not an IMAP greeting (`* OK`, `* PREAUTH`,
    /// `* BYE`): it is not an IMAP server (a POP3 or SMTP server, TLS
    /// from the first byte, ...). The machine stops reading: the
    /// connection is over.
    #[error("not an IMAP server: it greeted with {received}")]
    NotImap {
        /// What arrived, quoted and cut to a line (or said in words, for
        /// TLS or binary data).
        received: String,
    },
    /// A continuation request (`+`) nothing is waiting for.
    #[error("unexpected continuation request at byte {offset}")]
    UnexpectedContinuation {
        /// Stream offset of the request.
        offset: u64,
    },
    /// Bytes arrived after the OK to STARTTLS, before TLS: they were
    /// dropped, never parsed (a man in the middle may have injected them).
    /// Reported once, at the first such byte.
    #[error("plaintext after the OK to STARTTLS, from byte {offset}, was dropped")]
    PlaintextAfterStartTls {
        /// Stream offset of the first dropped byte.
        offset: u64,
    },
    /// The connection closed while the command was in flight (or queued).
    #[error("the connection closed at byte {offset} before the command completed")]
    ConnectionClosed {
        /// Stream offset of the end of input.
        offset: u64,
    },
}

/// The mailbox selected on the connection, kept current from the server's
/// responses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelectedMailbox {
    /// The name given to SELECT or EXAMINE.
    pub name: Option<Mailbox>,
    /// `[READ-ONLY]` (or EXAMINE).
    pub read_only: bool,
    /// Messages (`EXISTS`, less `EXPUNGE`s).
    pub exists: u32,
    /// `RECENT`.
    pub recent: u32,
    /// `FLAGS`.
    pub flags: Vec<Flag>,
    /// `[PERMANENTFLAGS]`.
    pub permanent_flags: Vec<FlagPerm>,
    /// `[UIDVALIDITY]`.
    pub uid_validity: Option<NonZeroU32>,
    /// `[UIDNEXT]`.
    pub uid_next: Option<NonZeroU32>,
    /// `[UNSEEN]`: the first unseen message.
    pub unseen: Option<NonZeroU32>,
    /// `[HIGHESTMODSEQ]` (RFC 7162).
    pub highest_modseq: Option<u64>,
    /// The UID of each message whose UID the client has seen, by sequence
    /// number; renumbered on EXPUNGE and VANISHED. Its memory follows the
    /// UIDs the server sent, never the count it announced.
    uids: SeqUidMap,
}

impl SelectedMailbox {
    /// The UID of message `seq`, if the server has said it.
    pub fn uid(&self, seq: NonZeroU32) -> Option<NonZeroU32> {
        self.uids.uid(seq.get())
    }

    /// The sequence number of the message with UID `uid`, if known.
    pub fn seq_of_uid(&self, uid: NonZeroU32) -> Option<NonZeroU32> {
        NonZeroU32::new(self.uids.seq_of_uid(uid)?)
    }

    /// How many messages' UIDs the client knows (what the server has
    /// said, not what it announced).
    pub fn known_uids(&self) -> usize {
        self.uids.known()
    }

    fn set_exists(&mut self, n: u32) {
        self.exists = n;
        self.uids.set_exists(n);
    }

    fn expunge(&mut self, seq: NonZeroU32) {
        self.uids.expunge(seq.get());
        self.exists = self.exists.saturating_sub(1);
    }

    /// `* VANISHED uids` (RFC 7162 3.2.10.2): each UID is a message the
    /// client was told of, and leaves. Those whose number the client never
    /// learned are taken from the unknown ones, latest first.
    fn vanish(&mut self, uids: &SequenceSet) {
        let largest = self.uids.largest_uid().map_or(0, |u| u.get());
        self.uids.vanish(|u| uids.contains(u.get(), largest), set_size(uids));
        self.exists = self.uids.exists();
    }

    fn apply_code(&mut self, code: &Code) {
        match code {
            Code::ReadOnly => self.read_only = true,
            Code::ReadWrite => self.read_only = false,
            Code::PermanentFlags(f) => self.permanent_flags = f.clone(),
            Code::UidValidity(n) => self.uid_validity = Some(*n),
            Code::UidNext(n) => self.uid_next = Some(*n),
            Code::Unseen(n) => self.unseen = Some(*n),
            Code::HighestModSeq(n) => self.highest_modseq = Some(*n),
            Code::NoModSeq => self.highest_modseq = None,
            _ => {}
        }
    }

    fn apply_data(&mut self, data: &Data) {
        match data {
            Data::Exists(n) => self.set_exists(*n),
            Data::Recent(n) => self.recent = *n,
            Data::Expunge(seq) => self.expunge(*seq),
            Data::Vanished { earlier: false, uids } => self.vanish(uids),
            Data::Flags(f) => self.flags = f.clone(),
            Data::Fetch { seq, attributes } => {
                for a in attributes {
                    match a {
                        MessageAttribute::Uid(uid) => self.uids.set_uid(seq.get(), *uid),
                        MessageAttribute::ModSeq(m) => {
                            self.highest_modseq = self.highest_modseq.map(|h| h.max(*m));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// The special flow a command in flight is part of.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Flow {
    /// An ordinary command (possibly still sending literal data).
    Plain,
    /// AUTHENTICATE: `+` carries challenges. The initial response, when the
    /// server lacks SASL-IR, waits for the first (empty) challenge.
    Authenticate { initial_response: Option<IString>, waiting: bool },
    /// IDLE: `+` starts it; `done` once DONE was written.
    Idle { started: bool, done: bool },
}

#[derive(Debug)]
struct InFlight {
    command: Command,
    /// Parts of the command still to write, each after a `+`.
    pending: VecDeque<Bytes>,
    /// Written by other means ([`Client::assume_sent`]): the `+` its
    /// synchronizing literals still get.
    replayed_literals: usize,
    flow: Flow,
}

/// The IMAP client state machine. See the [module docs](self) for the
/// call order.
#[derive(Debug)]
pub struct Client {
    config: ClientConfig,
    state: State,
    decoder: ResponseDecoder,
    input: Input,
    out: BytesMut,
    events: VecDeque<(u64, ClientEvent)>,
    /// Accepted by `send`, not yet started.
    unsent: VecDeque<Command>,
    /// Started (bytes written), not yet completed; in order.
    in_flight: Vec<InFlight>,
    next_tag: u64,
    capabilities: Option<Vec<Capability>>,
    /// What the server enabled (its `* ENABLED` answers to ENABLE).
    enabled: Vec<Atom>,
    mailbox: Option<SelectedMailbox>,
    /// The mailbox a SELECT or EXAMINE in flight is building.
    /// Mailboxes SELECT or EXAMINE commands in flight are building, oldest
    /// first (the server answers them in order).
    selecting: VecDeque<(Tag, SelectedMailbox)>,
    greeted: bool,
    eof_handled: bool,
    /// The FETCH response whose section is being streamed.
    streaming: Option<SectionStream>,
}

/// A FETCH response read in pieces: what came before each streamed
/// literal, with the literal announced as empty (`{0}`), so that the
/// whole parses once its end arrives.
#[derive(Debug)]
struct SectionStream {
    tag: Tag,
    /// Stream offset of the response's first byte.
    offset: u64,
    skeleton: BytesMut,
}

impl Client {
    /// A client waiting for the server's greeting.
    pub fn new(config: ClientConfig) -> Client {
        let mut client = Client {
            decoder: ResponseDecoder::new(config.limits),
            config,
            state: State::NotAuthenticated,
            input: Input::default(),
            out: BytesMut::new(),
            events: VecDeque::new(),
            unsent: VecDeque::new(),
            in_flight: Vec::new(),
            next_tag: 1,
            capabilities: None,
            enabled: Vec::new(),
            mailbox: None,
            selecting: VecDeque::new(),
            greeted: false,
            eof_handled: false,
            streaming: None,
        };
        client.set_stream_sections_above(client.config.stream_sections_above);
        client
    }

    /// Streams FETCH sections larger than `size` from the next response on
    /// (see [`ClientConfig::stream_sections_above`]); `None` holds them.
    ///
    /// ```
    /// use imap_wire::client::{Client, ClientConfig, ClientEvent};
    /// use imap_wire::{CommandBody, FetchAttribute, FetchItems, SequenceSet};
    ///
    /// let mut client = Client::new(ClientConfig::default());
    /// client.set_stream_sections_above(Some(4));
    /// client.receive(b"* PREAUTH ready\r\n");
    /// let _ = client.poll_event();
    /// let items = FetchItems::Attributes(vec![FetchAttribute::Rfc822]);
    /// let fetch = CommandBody::Fetch { uid: false, sequence_set: SequenceSet::all(), items, modifiers: vec![] };
    /// client.send(CommandBody::Select { mailbox: "INBOX".into(), parameters: vec![] }).unwrap();
    /// client.send(fetch).unwrap();
    /// let _ = client.poll_transmit();
    /// client.receive(b"A1 OK selected\r\n* 1 FETCH (RFC822 {10}\r\nHello");
    /// assert!(matches!(client.poll_event(), Some(ClientEvent::Completed { .. })));
    /// assert!(matches!(client.poll_event(), Some(ClientEvent::SectionStart { size: 10, .. })));
    /// assert!(matches!(client.poll_event(), Some(ClientEvent::SectionData { data, .. }) if &data[..] == b"Hello"));
    /// assert!(client.poll_event().is_none());
    /// client.receive(b"world UID 7)\r\n");
    /// assert!(matches!(client.poll_event(), Some(ClientEvent::SectionData { data, .. }) if &data[..] == b"world"));
    /// assert!(matches!(client.poll_event(), Some(ClientEvent::Data { .. })));
    /// ```
    pub fn set_stream_sections_above(&mut self, size: Option<u64>) {
        self.config.stream_sections_above = size;
        self.decoder.framer_mut().pause_at_literals_above(size);
    }

    /// The connection state the server has confirmed.
    pub fn state(&self) -> State {
        self.state
    }

    /// The server's capabilities as last announced (greeting code,
    /// CAPABILITY data, OK codes); `None` once forgotten (after STARTTLS and
    /// after login, unless the OK announced new ones) until learnt again.
    pub fn capabilities(&self) -> Option<&[Capability]> {
        self.capabilities.as_deref()
    }

    /// Whether the server announced `capability`.
    pub fn has_capability(&self, capability: &Capability) -> bool {
        self.capabilities.as_ref().is_some_and(|c| c.contains(capability))
    }

    /// Whether the server enabled `capability` in answer to ENABLE (RFC
    /// 5161), e.g. `QRESYNC`, `UTF8=ACCEPT` or `IMAP4rev2`.
    pub fn is_enabled(&self, capability: &str) -> bool {
        self.enabled.iter().any(|a| a.eq_ignore_case(capability))
    }

    /// What the server enabled so far.
    pub fn enabled(&self) -> &[Atom] {
        &self.enabled
    }

    /// Whether the session speaks IMAP4rev2 (`ENABLE IMAP4rev2` was
    /// answered): no RECENT, SEARCH answered with ESEARCH, no LSUB,
    /// UTF-8 mailbox names.
    pub fn imap4rev2(&self) -> bool {
        self.is_enabled("IMAP4rev2")
    }

    /// A mailbox name as this session writes it: UTF-8 once `UTF8=ACCEPT`
    /// (RFC 6855) or IMAP4rev2 is enabled, modified UTF-7 before.
    ///
    /// ```
    /// use imap_wire::client::{Client, ClientConfig};
    /// let client = Client::new(ClientConfig::default());
    /// assert_eq!(client.mailbox_name("Entwürfe").as_bytes(), b"Entw&APw-rfe");
    /// ```
    pub fn mailbox_name(&self, name: &str) -> Mailbox {
        if self.imap4rev2() || self.is_enabled("UTF8=ACCEPT") {
            Mailbox::from(name)
        } else {
            Mailbox::from_utf8(name)
        }
    }

    /// The selected mailbox, kept current.
    pub fn mailbox(&self) -> Option<&SelectedMailbox> {
        self.mailbox.as_ref()
    }

    /// Commands sent or queued that have not completed.
    pub fn pending_commands(&self) -> usize {
        self.in_flight.len() + self.unsent.len()
    }

    /// Queues a command and returns the tag it will carry. It is checked
    /// against the state the connection will be in when it runs, assuming
    /// the commands before it succeed.
    pub fn send(&mut self, body: CommandBody) -> Result<Tag, ClientError> {
        let state = self.expected_state();
        if state == State::Logout {
            return Err(ClientError::Closed);
        }
        if !command_allowed(&body, state) {
            return Err(ClientError::NotAllowed { command: body.name().to_string(), state });
        }
        if self.imap4rev2() && matches!(body, CommandBody::Lsub { .. }) {
            return Err(ClientError::NotInImap4Rev2 { command: body.name().to_string() });
        }
        let tag = self.new_tag();
        self.unsent.push_back(Command { tag: tag.clone(), body });
        self.flush();
        Ok(tag)
    }

    fn new_tag(&mut self) -> Tag {
        let mut text = self.config.tag_prefix.as_str().to_string();
        text.push_str(&self.next_tag.to_string());
        self.next_tag += 1;
        // A tag prefix and digits make a tag.
        Tag::try_from(text.as_str()).unwrap_or_else(|_| self.config.tag_prefix.clone())
    }

    /// The state after every command in flight or queued, assuming
    /// success.
    fn expected_state(&self) -> State {
        let commands = self.in_flight.iter().map(|f| &f.command).chain(&self.unsent);
        commands.fold(self.state, |state, c| after_success(&c.body, state))
    }

    /// Records that a command was written by other means (a recorded
    /// session replayed through [`Client::receive`]): its responses are then
    /// matched with it, and `synchronizing_literals` continuation requests
    /// are taken as its own.
    pub fn assume_sent(&mut self, command: Command, synchronizing_literals: usize) {
        let flow = flow_of(&command.body, None);
        self.track_select(&command);
        let pending = VecDeque::new();
        self.in_flight.push(InFlight { command, pending, replayed_literals: synchronizing_literals, flow });
    }

    /// Answers an AUTHENTICATE challenge.
    pub fn sasl_response(&mut self, data: &[u8]) -> Result<(), ClientError> {
        let flight = self.authenticate_waiting().ok_or(ClientError::NoSaslExchange)?;
        flight.flow = Flow::Authenticate { initial_response: None, waiting: false };
        self.out.extend_from_slice(crate::base64::encode(data).as_bytes());
        self.out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// Cancels the AUTHENTICATE exchange (`*`); the server answers BAD.
    pub fn sasl_cancel(&mut self) -> Result<(), ClientError> {
        let flight = self.authenticate_waiting().ok_or(ClientError::NoSaslExchange)?;
        flight.flow = Flow::Authenticate { initial_response: None, waiting: false };
        self.out.extend_from_slice(b"*\r\n");
        Ok(())
    }

    fn authenticate_waiting(&mut self) -> Option<&mut InFlight> {
        self.in_flight.iter_mut().find(|f| matches!(f.flow, Flow::Authenticate { waiting: true, .. }))
    }

    /// Ends IDLE (`DONE`); the tagged OK follows.
    pub fn idle_done(&mut self) -> Result<(), ClientError> {
        let flight = self
            .in_flight
            .iter_mut()
            .find(|f| matches!(f.flow, Flow::Idle { done: false, .. }))
            .ok_or(ClientError::NotIdling)?;
        let Flow::Idle { started, .. } = flight.flow else { return Err(ClientError::NotIdling) };
        flight.flow = Flow::Idle { started, done: true };
        self.out.extend_from_slice(b"DONE\r\n");
        self.flush();
        Ok(())
    }

    /// Call after the TLS handshake that followed [`ClientEvent::StartTls`]:
    /// reading resumes; the capabilities are forgotten (ask CAPABILITY
    /// again, RFC 3501 6.2.1).
    pub fn tls_established(&mut self) {
        self.input.tls_established();
        self.capabilities = None;
        self.flush();
    }

    /// After [`ClientEvent::Compress`]: the bytes received after the
    /// tagged OK, still compressed, for the decompressor; processing and
    /// sending resume. Offsets in later events count decompressed bytes.
    /// Empty when no switch is waiting.
    pub fn take_compressed_input(&mut self) -> Bytes {
        let raw = self.input.take_compressed().freeze();
        self.flush();
        raw
    }

    /// Feeds bytes received from the server; they are processed by the next
    /// `poll_event` or `poll_transmit`.
    pub fn receive(&mut self, data: &[u8]) {
        if let Some(offset) = self.input.receive(data) {
            self.report_plaintext(offset);
        }
    }

    /// The server closed the connection: once the input before it is
    /// processed, the commands in flight fail with
    /// [`PeerError::ConnectionClosed`], an unfinished response is a
    /// violation, and [`ClientEvent::Closed`] ends the events.
    pub fn receive_eof(&mut self) {
        self.input.eof = true;
    }

    fn report_plaintext(&mut self, offset: u64) {
        self.emit(offset, ClientEvent::Violation(PeerError::PlaintextAfterStartTls { offset }));
    }

    /// The next event.
    #[must_use = "events carry the server's responses"]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.poll_event_at().map(|(_, e)| e)
    }

    /// The next event with the stream offset of the response it came from.
    #[must_use = "events carry the server's responses"]
    pub fn poll_event_at(&mut self) -> Option<(u64, ClientEvent)> {
        if self.events.is_empty() {
            self.process(1);
            self.flush();
        }
        self.events.pop_front()
    }

    /// Bytes to write to the server, if any (input is processed first, so
    /// that responses can release queued commands and literal data).
    #[must_use = "the bytes must be written to the server"]
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.process(usize::MAX);
        self.flush();
        (!self.out.is_empty()).then(|| self.out.split().freeze())
    }

    /// Appends the bytes to write to `out` (as [`Client::poll_transmit`]).
    pub fn write_to(&mut self, out: &mut BytesMut) {
        self.process(usize::MAX);
        self.flush();
        out.extend_from_slice(&self.out);
        self.out.clear();
    }

    fn emit(&mut self, offset: u64, event: ClientEvent) {
        self.events.push_back((offset, event));
    }

    /// Starts queued commands while nothing blocks them: a greeting not yet
    /// received, literal data or an AUTHENTICATE exchange waiting for `+`,
    /// IDLE before DONE, STARTTLS before TLS is up.
    fn flush(&mut self) {
        while !self.unsent.is_empty() {
            let blocked = !self.greeted
                || self.input.paused()
                || self.input.eof
                || self.state == State::Logout
                || self.in_flight.iter().any(|f| {
                    !f.pending.is_empty()
                        || matches!(f.flow, Flow::Authenticate { .. } | Flow::Idle { done: false, .. })
                        || f.command.body == CommandBody::StartTls
                        || matches!(f.command.body, CommandBody::Compress { .. })
                });
            if blocked {
                return;
            }
            let Some(command) = self.unsent.pop_front() else { return };
            self.start(command);
        }
    }

    /// A SELECT or EXAMINE starts building the mailbox it selects.
    fn track_select(&mut self, command: &Command) {
        if let CommandBody::Select { mailbox, .. } | CommandBody::Examine { mailbox, .. } = &command.body {
            let view = SelectedMailbox {
                name: Some(mailbox.clone()),
                read_only: matches!(command.body, CommandBody::Examine { .. }),
                ..SelectedMailbox::default()
            };
            self.selecting.push_back((command.tag.clone(), view));
        }
    }

    /// Writes a command up to its first synchronizing literal; the rest
    /// waits for `+`.
    fn start(&mut self, command: Command) {
        let literal_mode = if self.has_capability(&Capability::LiteralPlus) {
            LiteralMode::NonSynchronizing
        } else if self.has_capability(&Capability::LiteralMinus) {
            LiteralMode::LiteralMinus
        } else {
            LiteralMode::Synchronizing
        };
        // Without SASL-IR the initial response waits for the first
        // challenge.
        let mut deferred = None;
        let mut wire = command.clone();
        if let CommandBody::Authenticate { initial_response, .. } = &mut wire.body {
            if !self.has_capability(&Capability::SaslIr) {
                deferred = initial_response.take();
            }
        }
        let mut bytes = BytesMut::new();
        let points = wire.encode_to(&mut bytes, EncodeOptions { literal_mode });
        let mut bytes = bytes.freeze();
        let mut pending = VecDeque::new();
        let mut cut = 0;
        for p in points {
            pending.push_back(bytes.slice(cut..p));
            cut = p;
        }
        pending.push_back(bytes.split_off(cut));
        if let Some(first) = pending.pop_front() {
            self.out.extend_from_slice(&first);
        }
        let flow = flow_of(&command.body, deferred);
        self.track_select(&command);
        self.in_flight.push(InFlight { command, pending, replayed_literals: 0, flow });
    }

    /// Processes received input until `wanted` new events exist or the
    /// input is used up.
    fn process(&mut self, wanted: usize) {
        let target = self.events.len().saturating_add(wanted);
        if !self.greeted && !self.input.closed && !self.check_greeting() {
            return;
        }
        while self.events.len() < target && !self.input.paused() {
            if self.input.closed {
                // The session ended (not an IMAP server, or over): the
                // input was dropped, nothing more is decoded.
                break;
            }
            if self.state == State::Logout && self.greeted && self.in_flight.is_empty() {
                // The connection is over; whatever follows is not a
                // response (dropped the same way however it was chunked).
                self.input.close();
                break;
            }
            if self.streaming.is_some() {
                if !self.stream_section() {
                    break;
                }
                self.flush();
                continue;
            }
            let decoded = if self.input.eof {
                self.decoder.decode_eof(&mut self.input.recv)
            } else {
                self.decoder.decode(&mut self.input.recv)
            };
            match decoded {
                Ok(Some(Decoded { offset, message })) => self.handle(offset, message),
                // At a large literal: streamed when it is a FETCH section,
                // else read on.
                Ok(None) if self.decoder.framer().paused_at_literal() => {
                    self.start_section_stream();
                    continue;
                }
                Ok(None) => break,
                Err(error) => self.decode_error(error),
            }
            // What the response unblocked starts now, before the next one
            // is read: a command's place on the wire (and so which `+` or
            // completion answers it) never depends on when the caller
            // happens to take the output.
            self.flush();
        }
        if self.input.eof
            && !self.input.paused()
            && self.streaming.is_none()
            && self.events.len() < target
            && self.input.recv.is_empty()
        {
            self.end_of_input();
        }
    }

    /// The framer stopped at the start of a large literal's data: when it
    /// is a section of a FETCH answering a FETCH in flight, its data is
    /// handed out from here (and the response read on as a skeleton);
    /// false to hold it as usual.
    fn start_section_stream(&mut self) -> bool {
        let Some((prefix, size)) = self.decoder.framer().literal_prefix(&self.input.recv) else { return false };
        let Some(brace) = prefix.iter().rposition(|&b| b == b'{') else { return false };
        let mut skeleton = self.streaming.as_ref().map(|s| s.skeleton.clone()).unwrap_or_default();
        skeleton.extend_from_slice(&prefix[..brace]);
        skeleton.extend_from_slice(b"{0}\r\n");
        // The response as if it ended after this literal: a FETCH whose
        // last attribute is a section.
        let mut probe = skeleton.clone();
        probe.extend_from_slice(b")\r\n");
        let depth = self.config.limits.max_depth;
        let Ok(Response::Data(data)) = crate::decoder::parse_frame(&probe.freeze(), depth, |p| p.response()) else {
            return false;
        };
        let Data::Fetch { seq, attributes } = &data else { return false };
        let attribute = match attributes.last() {
            Some(MessageAttribute::BodySection { section, origin, data: Some(d) }) if d.is_empty() => {
                LiteralAttribute::BodySection { section: section.clone(), origin: *origin }
            }
            Some(MessageAttribute::Binary { part, origin, data: Some(d) }) if d.is_empty() => {
                LiteralAttribute::Binary { part: part.clone(), origin: *origin }
            }
            Some(MessageAttribute::Rfc822(Some(d))) if d.is_empty() => LiteralAttribute::Rfc822,
            Some(MessageAttribute::Rfc822Header(Some(d))) if d.is_empty() => LiteralAttribute::Rfc822Header,
            Some(MessageAttribute::Rfc822Text(Some(d))) if d.is_empty() => LiteralAttribute::Rfc822Text,
            _ => return false,
        };
        let seq = *seq;
        let tag = match &self.streaming {
            Some(stream) => stream.tag.clone(),
            None => {
                let Some(tag) = self.answers(&data) else { return false };
                let fetching = self
                    .in_flight
                    .iter()
                    .any(|f| f.command.tag == tag && matches!(f.command.body, CommandBody::Fetch { .. }));
                if !fetching {
                    return false;
                }
                tag
            }
        };
        let offset = self.decoder.framer().stream_offset();
        let Some((prefix, first)) = self.decoder.framer_mut().begin_literal_stream(&mut self.input.recv) else {
            return false;
        };
        let message_offset = self.streaming.as_ref().map_or(offset, |s| s.offset);
        self.streaming = Some(SectionStream { tag: tag.clone(), offset: message_offset, skeleton });
        self.emit(offset, ClientEvent::SectionStart { command: tag.clone(), seq, attribute, size });
        if !first.is_empty() {
            self.emit(offset + prefix.len() as u64, ClientEvent::SectionData { command: tag, data: first });
        }
        true
    }

    /// Hands out what arrived of a streamed section, then reads the rest
    /// of its response; false when more input is needed.
    fn stream_section(&mut self) -> bool {
        let Some(stream) = self.streaming.as_mut() else { return false };
        let framer = self.decoder.framer_mut();
        if framer.literal_stream_remaining().unwrap_or(0) > 0 {
            let offset = framer.stream_offset();
            if let Some(data) = framer.literal_chunk(&mut self.input.recv) {
                let command = stream.tag.clone();
                self.emit(offset, ClientEvent::SectionData { command, data });
                return true;
            }
            if self.input.eof {
                let message_offset = stream.offset;
                self.streaming = None;
                let _ = self.decoder.framer_mut().finish_input(&mut self.input.recv);
                self.decode_error(DecodeError::Truncated { offset: message_offset, tag: None });
                return true;
            }
            return false;
        }
        framer.end_literal_stream();
        match self.decoder.next_raw(&mut self.input.recv, self.input.eof) {
            Ok(Some(frame)) => {
                let Some(mut stream) = self.streaming.take() else { return false };
                stream.skeleton.extend_from_slice(&frame.bytes);
                let depth = self.config.limits.max_depth;
                match crate::decoder::parse_frame(&stream.skeleton.freeze(), depth, |p| p.response()) {
                    Ok(response) => self.handle(stream.offset, ServerMessage::Response(response)),
                    Err(error) => {
                        let error = DecodeError::Parse { message_offset: stream.offset, error, tag: None };
                        self.decode_error(error)
                    }
                }
                true
            }
            // A second large section in the same response.
            Ok(None) if self.decoder.framer().paused_at_literal() => {
                self.start_section_stream();
                true
            }
            Ok(None) => false,
            Err(error) => {
                self.streaming = None;
                self.decode_error(error);
                true
            }
        }
    }

    /// Before the greeting: false when the peer is plainly not an IMAP
    /// server (its first bytes cannot begin `* OK`, `* PREAUTH` or
    /// `* BYE`), after reporting what it sent and ending the session; a
    /// line that starts right but does not parse is judged the same way.
    fn check_greeting(&mut self) -> bool {
        let recv = &self.input.recv[..];
        let plausible = recv.iter().zip(b"* ").all(|(a, b)| a == b);
        if plausible {
            // The grammar decides (a line that starts well but does not
            // parse ends the session in `decode_error`).
            return true;
        }
        // Judged on the first line or the first 64 bytes, whichever ends
        // first: the same verdict however the input is chunked.
        let view = &recv[..recv.len().min(64)];
        if memchr::memchr(b'\n', view).is_none() && view.len() < 64 && !self.input.eof && !is_tls_record(recv) {
            // Wait for the whole line, to name it.
            return false;
        }
        let received = describe_first_line(view);
        let at = self.input.read_offset();
        self.not_imap(received, at);
        false
    }

    /// The peer is not an IMAP server: says what it sent and ends the
    /// session, both at `offset`, where what it sent starts (the same
    /// however the input was chunked).
    fn not_imap(&mut self, received: String, offset: u64) {
        self.input.close();
        self.emit(offset, ClientEvent::Violation(PeerError::NotImap { received }));
        self.end_session(offset);
    }

    fn decode_error(&mut self, error: DecodeError) {
        let offset = error.offset();
        // A tagged response that did not parse still ended its command.
        let flight = error.tag().and_then(|t| self.in_flight.iter().position(|f| &f.command.tag == t));
        match flight {
            Some(i) => {
                let flight = self.in_flight.remove(i);
                self.selecting.retain(|(t, _)| *t != flight.command.tag);
                let error = PeerError::Decode(error);
                self.emit(offset, ClientEvent::Failed { command: flight.command, error });
            }
            None if !self.greeted => {
                // The first message was meant to be the greeting.
                self.not_imap(format!("a first line that does not parse ({error})"), offset);
            }
            None => self.emit(offset, ClientEvent::Violation(PeerError::Decode(error))),
        }
    }

    fn end_of_input(&mut self) {
        if self.eof_handled {
            return;
        }
        self.end_session(self.input.received);
    }

    /// Fails every command in flight or queued, and closes.
    fn end_session(&mut self, offset: u64) {
        self.eof_handled = true;
        self.streaming = None;
        self.selecting.clear();
        for flight in std::mem::take(&mut self.in_flight) {
            let error = PeerError::ConnectionClosed { offset };
            self.emit(offset, ClientEvent::Failed { command: flight.command, error });
        }
        for command in std::mem::take(&mut self.unsent) {
            self.emit(offset, ClientEvent::Failed { command, error: PeerError::ConnectionClosed { offset } });
        }
        self.state = State::Logout;
        self.emit(offset, ClientEvent::Closed);
    }

    fn handle(&mut self, offset: u64, message: ServerMessage) {
        match message {
            ServerMessage::Greeting(greeting) => {
                self.greeted = true;
                self.state = match greeting.kind {
                    GreetingKind::Ok => State::NotAuthenticated,
                    GreetingKind::PreAuth => State::Authenticated,
                    GreetingKind::Bye => State::Logout,
                };
                if let Some(Code::Capability(caps)) = greeting.code.as_deref() {
                    self.capabilities = Some(caps.clone());
                }
                self.emit(offset, ClientEvent::Greeting(greeting));
            }
            ServerMessage::Response(Response::Continuation(c)) => self.continuation(offset, c),
            ServerMessage::Response(Response::Status(status)) => match status.tag.clone() {
                Some(tag) => self.completion(offset, tag, status),
                None => self.untagged_status(offset, status),
            },
            ServerMessage::Response(Response::Data(data)) => self.data(offset, data),
        }
    }

    fn continuation(&mut self, offset: u64, c: Continuation) {
        // The oldest command that waits for a `+`: literal data still to
        // send, an AUTHENTICATE exchange, an IDLE not yet started.
        let waiting = self.in_flight.iter_mut().find(|f| {
            !f.pending.is_empty()
                || f.replayed_literals > 0
                || matches!(f.flow, Flow::Authenticate { waiting: false, .. } | Flow::Idle { started: false, .. })
        });
        let Some(flight) = waiting else {
            return self.emit(offset, ClientEvent::Violation(PeerError::UnexpectedContinuation { offset }));
        };
        if let Some(next) = flight.pending.pop_front() {
            self.out.extend_from_slice(&next);
            return;
        }
        if flight.replayed_literals > 0 {
            flight.replayed_literals -= 1;
            return;
        }
        match &mut flight.flow {
            Flow::Authenticate { initial_response, waiting: false } => {
                let challenge = c.challenge().unwrap_or_else(|| match &c {
                    Continuation::Text { text, .. } => Bytes::copy_from_slice(text.as_bytes()),
                    Continuation::Base64(data) => data.clone().into_bytes(),
                });
                match initial_response.take() {
                    Some(ir) if challenge.is_empty() => {
                        self.out.extend_from_slice(crate::base64::encode(&ir).as_bytes());
                        self.out.extend_from_slice(b"\r\n");
                    }
                    _ => {
                        flight.flow = Flow::Authenticate { initial_response: None, waiting: true };
                        let tag = flight.command.tag.clone();
                        self.emit(offset, ClientEvent::SaslChallenge { tag, challenge });
                    }
                }
            }
            Flow::Idle { started: started @ false, .. } => {
                *started = true;
                let tag = flight.command.tag.clone();
                self.emit(offset, ClientEvent::Idling { tag });
            }
            _ => self.emit(offset, ClientEvent::Violation(PeerError::UnexpectedContinuation { offset })),
        }
    }

    fn completion(&mut self, offset: u64, tag: Tag, status: StatusResponse) {
        let Some(i) = self.in_flight.iter().position(|f| f.command.tag == tag) else {
            return self.emit(offset, ClientEvent::Violation(PeerError::UnknownTag { offset, tag }));
        };
        // Literal data not yet sent is never sent: the command is over.
        let flight = self.in_flight.remove(i);
        let body = &flight.command.body;
        let ok = status.kind == StatusKind::Ok;
        let code = status.code.as_deref();
        if ok {
            self.state = after_success(body, self.state);
            if matches!(body, CommandBody::Login { .. } | CommandBody::Authenticate { .. }) {
                // New capabilities after login, unless announced now.
                self.capabilities = None;
            }
        } else {
            self.state = after_failure(body, self.state);
        }
        if let Some(Code::Capability(caps)) = code {
            self.capabilities = Some(caps.clone());
        }
        match body {
            CommandBody::Select { .. } | CommandBody::Examine { .. } => {
                let view = self.selecting.iter().position(|(t, _)| *t == tag);
                let view = view.and_then(|i| self.selecting.remove(i)).map(|(_, v)| v);
                self.mailbox = if ok {
                    view.map(|mut v| {
                        if let Some(code) = code {
                            v.apply_code(code);
                        }
                        v
                    })
                } else if self.state == State::Selected {
                    self.mailbox.take()
                } else {
                    None
                };
            }
            CommandBody::Close | CommandBody::Unselect if ok => self.mailbox = None,
            _ => {}
        }
        if self.state != State::Selected {
            self.mailbox = None;
        }
        let start_tls = ok && *body == CommandBody::StartTls;
        let compress = ok && matches!(body, CommandBody::Compress { .. });
        self.emit(offset, ClientEvent::Completed { command: flight.command, status });
        if compress {
            self.emit(offset, ClientEvent::Compress);
            self.input.await_compression();
        }
        if start_tls {
            self.emit(offset, ClientEvent::StartTls);
            // Whatever followed the OK in the same read is not trusted.
            if let Some(at) = self.input.await_tls() {
                self.report_plaintext(at);
            }
        }
    }

    fn untagged_status(&mut self, offset: u64, status: StatusResponse) {
        if status.kind == StatusKind::Bye {
            self.state = State::Logout;
            return self.emit(offset, ClientEvent::Bye(status));
        }
        let code = status.code.as_deref();
        if let Some(Code::Capability(caps)) = code {
            self.capabilities = Some(caps.clone());
        }
        let idling = self.in_flight.iter().any(|f| matches!(f.flow, Flow::Idle { started: true, .. }));
        if idling && status.kind == StatusKind::Ok && code.is_none() {
            return self.emit(offset, ClientEvent::KeepAlive(status.text));
        }
        let mut command = None;
        if let Some(code) = code {
            match (self.selecting.front_mut(), &mut self.mailbox) {
                (Some((tag, view)), _) => {
                    view.apply_code(code);
                    if selects_code(code) {
                        command = Some(tag.clone());
                    }
                }
                (None, Some(view)) => view.apply_code(code),
                (None, None) => {}
            }
        }
        self.emit(offset, ClientEvent::Status { status, command });
    }

    fn data(&mut self, offset: u64, data: Data) {
        if let Data::Capability(caps) = &data {
            self.capabilities = Some(caps.clone());
        }
        let command = self.answers(&data);
        match &data {
            Data::Enabled(names) if command.is_some() => {
                for name in names {
                    if !self.is_enabled(name.as_str()) {
                        self.enabled.push(name.clone());
                    }
                }
            }
            // RFC 5161 3.2: ENABLED answers ENABLE only.
            Data::Enabled(_) => self.emit(
                offset,
                ClientEvent::Violation(PeerError::NotEnabled {
                    offset,
                    response: "ENABLED",
                    capability: "(an ENABLE)",
                }),
            ),
            // RFC 7162 3.2.10: VANISHED stands for EXPUNGE only after ENABLE QRESYNC.
            Data::Vanished { earlier: false, .. } if !self.is_enabled("QRESYNC") => self.emit(
                offset,
                ClientEvent::Violation(PeerError::NotEnabled { offset, response: "VANISHED", capability: "QRESYNC" }),
            ),
            _ => {}
        }
        // While SELECT or EXAMINE runs, mailbox data concerns the mailbox
        // being selected (the old one is already deselected).
        match (self.selecting.front_mut(), &mut self.mailbox) {
            (Some((_, view)), _) | (None, Some(view)) => view.apply_data(&data),
            (None, None) => {}
        }
        self.emit(offset, ClientEvent::Data { data, command });
    }

    /// The command in flight that untagged `data` answers; `None` for an
    /// unsolicited update. Servers answer commands in order, so the oldest
    /// matching command wins; until IDLE completes (DONE included), every
    /// update belongs to the mailbox, not to a command.
    fn answers(&self, data: &Data) -> Option<Tag> {
        let mut candidates = self.in_flight.iter().take_while(|f| !matches!(f.flow, Flow::Idle { .. }));
        if let Data::ESearch(ESearchResponse { tag: Some(tag), .. }) = data {
            // The correlator names the command (RFC 4731 3.1).
            return candidates.find(|f| f.command.tag.as_bytes() == &tag[..]).map(|f| f.command.tag.clone());
        }
        candidates.find(|f| data_answers(data, &f.command.body)).map(|f| f.command.tag.clone())
    }
}

/// Whether untagged `data` is part of the response to `command`.
fn data_answers(data: &Data, command: &CommandBody) -> bool {
    use CommandBody as C;
    match data {
        Data::Capability(_) => matches!(command, C::Capability),
        Data::List(_) => matches!(command, C::List { .. }),
        Data::Lsub(_) => matches!(command, C::Lsub { .. }),
        Data::Xlist(_) => matches!(command, C::Xlist { .. }),
        Data::Status { .. } => matches!(command, C::Status { .. }),
        Data::Search { .. } => matches!(command, C::Search { .. }),
        Data::ESearch(_) => matches!(command, C::Search { .. } | C::Sort { .. }),
        Data::Sort { .. } => matches!(command, C::Sort { .. }),
        Data::Thread(_) => matches!(command, C::Thread { .. }),
        Data::Quota { .. } => matches!(command, C::GetQuota(_) | C::GetQuotaRoot(_) | C::SetQuota { .. }),
        Data::QuotaRoot { .. } => matches!(command, C::GetQuotaRoot(_)),
        // Changed entries are announced unsolicited (RFC 5464 4.4).
        Data::Metadata { entries, .. } => {
            matches!(entries, MetadataEntries::Values(_)) && matches!(command, C::GetMetadata { .. })
        }
        Data::Flags(_) | Data::Exists(_) | Data::Recent(_) => matches!(command, C::Select { .. } | C::Examine { .. }),
        Data::Expunge(_) | Data::Vanished { earlier: false, .. } => {
            matches!(command, C::Expunge | C::UidExpunge(_) | C::Move { .. })
        }
        Data::Vanished { earlier: true, .. } => match command {
            C::Select { parameters, .. } | C::Examine { parameters, .. } => {
                parameters.iter().any(|p| matches!(p, SelectParameter::QResync(_)))
            }
            C::Fetch { modifiers, .. } => modifiers.contains(&FetchModifier::Vanished),
            _ => false,
        },
        Data::Fetch { .. } => matches!(command, C::Fetch { .. }) || matches!(command, C::Store { silent: false, .. }),
        Data::Enabled(_) => matches!(command, C::Enable(_)),
        Data::Namespace { .. } => matches!(command, C::Namespace),
        Data::Id(_) => matches!(command, C::Id(_)),
        Data::Other { name, .. } => command.name().eq_ignore_ascii_case(name.as_str()),
    }
}

/// How many numbers a set names (`*` counts as one).
fn set_size(set: &SequenceSet) -> u64 {
    let value = |n: SeqNumber| match n {
        SeqNumber::Value(v) => v.get() as u64,
        SeqNumber::Largest => u32::MAX as u64,
    };
    set.ranges()
        .iter()
        .map(|r| match *r {
            SeqRange::Single(_) => 1,
            SeqRange::Range(a, b) => value(a).abs_diff(value(b)) + 1,
            SeqRange::Saved => 0,
        })
        .fold(0u64, u64::saturating_add)
}

/// Whether an untagged OK code is part of a SELECT response.
fn selects_code(code: &Code) -> bool {
    matches!(
        code,
        Code::PermanentFlags(_)
            | Code::UidValidity(_)
            | Code::UidNext(_)
            | Code::Unseen(_)
            | Code::HighestModSeq(_)
            | Code::NoModSeq
            | Code::ReadOnly
            | Code::ReadWrite
    )
}

fn flow_of(body: &CommandBody, initial_response: Option<IString>) -> Flow {
    match body {
        CommandBody::Authenticate { .. } => Flow::Authenticate { initial_response, waiting: false },
        CommandBody::Idle => Flow::Idle { started: false, done: false },
        _ => Flow::Plain,
    }
}

/// Whether these bytes begin a TLS record (a handshake or an alert): TLS
/// where plaintext was expected.
fn is_tls_record(bytes: &[u8]) -> bool {
    matches!(bytes, [0x15 | 0x16, 0x03, ..])
}

/// The peer's first line, for an error message: quoted (the caller cuts
/// it to 64 bytes), or said in words when it is TLS or binary.
fn describe_first_line(bytes: &[u8]) -> String {
    if is_tls_record(bytes) {
        return "TLS data (the port expects TLS from the first byte: connect with implicit TLS)".into();
    }
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().filter(|&&b| b < 0x20 && b != b'\t').count() > 2 {
        return "binary data".into();
    }
    let text = String::from_utf8_lossy(line).into_owned();
    let more = if line.len() == bytes.len() && bytes.len() >= 64 { "..." } else { "" };
    let hint = if line.starts_with(b"+OK") || line.starts_with(b"-ERR") {
        " (a POP3 server?)"
    } else if line.starts_with(b"220") {
        " (an SMTP or FTP server?)"
    } else if line.starts_with(b"HTTP/") {
        " (an HTTP server?)"
    } else {
        ""
    };
    format!("{text:?}{more}{hint}")
}
