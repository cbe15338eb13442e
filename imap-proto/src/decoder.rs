//! Decoders: the framer and the grammar together, for each direction.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{DecodeError, ParseError};
use crate::framer::{leading_tag, FrameEnd, Framer, PendingLiteral, StreamKind};
use crate::parse::Parser;
use crate::types::{ClientMessage, Command, Greeting, Response, Tag};
use crate::Limits;

/// A decoded message and the stream offset where it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<T> {
    /// Stream offset of the message's first byte.
    pub offset: u64,
    /// The message.
    pub message: T,
}

/// Anything a server sends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ServerMessage {
    /// The greeting (the first message of a connection).
    Greeting(Greeting),
    /// Any later response.
    Response(Response),
}

impl crate::encode::Encode for ServerMessage {
    fn encode(&self, e: &mut crate::encode::Encoder<'_>) {
        match self {
            ServerMessage::Greeting(g) => g.encode(e),
            ServerMessage::Response(r) => r.encode(e),
        }
    }
}

/// Parses one complete message with the given grammar entry point.
pub(crate) fn parse_frame<T>(
    bytes: &Bytes,
    max_depth: usize,
    f: impl FnOnce(&mut Parser<'_>) -> Result<T, ParseError>,
) -> Result<T, ParseError> {
    let mut p = Parser::new(bytes, max_depth);
    f(&mut p)
}

/// Messages up to this long that carry no literal data are parsed where
/// they lie in the receive buffer, which is then advanced: no shared
/// handle (and no atomic reference count) per message. Their strings are
/// short enough to be stored inline, or copied when longer.
const IN_PLACE_MAX: usize = 256;

/// Runs `f` on the complete message at the front of `buf` (described by
/// `end`), in place or split off as a shared buffer, and removes the
/// message from `buf` either way.
#[inline]
fn with_message<R>(buf: &mut BytesMut, end: FrameEnd, f: impl FnOnce(&[u8], Option<&Bytes>) -> R) -> R {
    if !end.has_literal && end.len <= IN_PLACE_MAX {
        let r = f(&buf[..end.len], None);
        buf.advance(end.len);
        r
    } else {
        let bytes = buf.split_to(end.len).freeze();
        f(&bytes, Some(&bytes))
    }
}

/// A parser over a message: shared when there is a shared buffer.
fn parser<'a>(bytes: &'a [u8], shared: Option<&'a Bytes>, max_depth: usize) -> Parser<'a> {
    match shared {
        Some(shared) => Parser::new(shared, max_depth),
        None => Parser::in_place(bytes, max_depth),
    }
}

/// Decodes a server-to-client stream: the greeting, then responses.
///
/// ```
/// use bytes::BytesMut;
/// use imap_wire::{ResponseDecoder, ServerMessage, Limits};
///
/// let mut dec = ResponseDecoder::new(Limits::default());
/// let mut buf = BytesMut::from(&b"* OK IMAP4rev1 ready\r\n* 3 EXISTS\r\n"[..]);
/// let g = dec.decode(&mut buf).unwrap().unwrap();
/// assert!(matches!(g.message, ServerMessage::Greeting(_)));
/// let r = dec.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(r.offset, 22);
/// assert!(dec.decode(&mut buf).unwrap().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct ResponseDecoder {
    framer: Framer,
    expect_greeting: bool,
}

impl ResponseDecoder {
    /// A decoder that expects the greeting first.
    pub fn new(limits: Limits) -> ResponseDecoder {
        ResponseDecoder { framer: Framer::new(StreamKind::Responses, limits), expect_greeting: true }
    }

    /// A decoder for a stream that starts after the greeting.
    pub fn after_greeting(limits: Limits) -> ResponseDecoder {
        ResponseDecoder { framer: Framer::new(StreamKind::Responses, limits), expect_greeting: false }
    }

    /// The framer (limits, stream offset).
    pub fn framer(&self) -> &Framer {
        &self.framer
    }

    pub(crate) fn framer_mut(&mut self) -> &mut Framer {
        &mut self.framer
    }

    /// The next message's bytes, unparsed (the rest of a response whose
    /// literal was streamed); at the end of input an unfinished one is
    /// reported as truncated.
    pub(crate) fn next_raw(
        &mut self,
        buf: &mut BytesMut,
        eof: bool,
    ) -> Result<Option<crate::framer::Frame>, DecodeError> {
        next_raw(&mut self.framer, buf, eof)
    }

    /// Decodes the next message from the front of `buf`. `Ok(None)` means
    /// more input is needed. After an error, call again: decoding resumes
    /// with the next message.
    #[inline]
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded<ServerMessage>>, DecodeError> {
        loop {
            return match self.framer.next_frame_end(buf) {
                // Quirk: blank lines between responses are read past.
                Ok(Some(end)) if end.len <= 2 && !end.has_literal && matches!(&buf[..end.len], b"\r\n" | b"\n") => {
                    buf.advance(end.len);
                    continue;
                }
                Ok(Some(end)) => self.parse(buf, end),
                Ok(None) => Ok(None),
                Err(error) => Err(frame_error(&mut self.framer, error)),
            };
        }
    }

    /// Decodes at the end of input: the next message, or, once none is
    /// left, [`DecodeError::Truncated`] for bytes of an unfinished message
    /// (the connection closed in the middle of it), then `Ok(None)`.
    pub fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded<ServerMessage>>, DecodeError> {
        match self.decode(buf)? {
            Some(decoded) => Ok(Some(decoded)),
            // Stopped at a large literal (the machines' streaming): the
            // caller decides, then calls again.
            None if self.framer.paused_at_literal() => Ok(None),
            None => truncated(&mut self.framer, buf),
        }
    }

    fn parse(&mut self, buf: &mut BytesMut, end: FrameEnd) -> Result<Option<Decoded<ServerMessage>>, DecodeError> {
        let depth = self.framer.limits().max_depth;
        let greeting = std::mem::take(&mut self.expect_greeting);
        with_message(buf, end, |bytes, shared| {
            let message = if greeting {
                match parser(bytes, shared, depth).greeting() {
                    Ok(g) => Ok(ServerMessage::Greeting(g)),
                    // A capture that starts mid-session: accept a response.
                    Err(e) => parser(bytes, shared, depth).response().map(ServerMessage::Response).map_err(|_| e),
                }
            } else {
                parser(bytes, shared, depth).response().map(ServerMessage::Response)
            };
            finish(end.offset, bytes, message, leading_tag)
        })
    }
}

/// The next message's bytes from `framer`, unparsed; at the end of input
/// an unfinished one is reported as truncated.
fn next_raw(framer: &mut Framer, buf: &mut BytesMut, eof: bool) -> Result<Option<crate::framer::Frame>, DecodeError> {
    match framer.next_frame(buf) {
        Ok(Some(frame)) => Ok(Some(frame)),
        Ok(None) if eof => truncated(framer, buf),
        Ok(None) => Ok(None),
        Err(error) => Err(frame_error(framer, error)),
    }
}

#[cold]
fn frame_error(framer: &mut Framer, error: crate::FrameError) -> DecodeError {
    DecodeError::Frame { error, tag: framer.take_error_tag() }
}

fn truncated<T>(framer: &mut Framer, buf: &mut BytesMut) -> Result<Option<T>, DecodeError> {
    match framer.finish_input(buf) {
        Some((offset, tag)) => Err(DecodeError::Truncated { offset, tag }),
        None => Ok(None),
    }
}

fn finish<T>(
    offset: u64,
    bytes: &[u8],
    result: Result<T, ParseError>,
    tag: impl FnOnce(&[u8]) -> Option<Tag>,
) -> Result<Option<Decoded<T>>, DecodeError> {
    match result {
        Ok(message) => Ok(Some(Decoded { offset, message })),
        Err(error) => Err(DecodeError::Parse { message_offset: offset, error, tag: tag(bytes) }),
    }
}

/// What the client's next untagged line means, which depends on the
/// command in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientLineMode {
    /// Lines are commands.
    #[default]
    Commands,
    /// An AUTHENTICATE exchange is running: lines without a space are SASL
    /// responses (or `*` to cancel).
    Authenticate,
    /// IDLE is running: `DONE` ends it.
    Idle,
}

/// Decodes a client-to-server stream: commands, with the literal data
/// inline, plus the lines that continue AUTHENTICATE and IDLE.
///
/// On its own it follows the client's commands: after `AUTHENTICATE` it
/// reads lines without a space as SASL data, after `IDLE` it reads `DONE`.
/// A server state machine, which knows more, sets the mode with
/// [`CommandDecoder::set_mode`].
///
/// ```
/// use bytes::BytesMut;
/// use imap_wire::{ClientMessage, CommandDecoder, Limits};
///
/// let mut dec = CommandDecoder::new(Limits::server());
/// let mut buf = BytesMut::from(&b"a1 LOGIN {5}\r\nalice secret\r\n"[..]);
/// let cmd = dec.decode(&mut buf).unwrap().unwrap();
/// assert!(matches!(cmd.message, ClientMessage::Command(_)));
/// ```
#[derive(Debug, Clone)]
pub struct CommandDecoder {
    framer: Framer,
    mode: ClientLineMode,
}

impl CommandDecoder {
    /// A decoder with the given limits.
    pub fn new(limits: Limits) -> CommandDecoder {
        CommandDecoder { framer: Framer::new(StreamKind::Commands, limits), mode: ClientLineMode::Commands }
    }

    /// The framer (limits, stream offset).
    pub fn framer(&self) -> &Framer {
        &self.framer
    }

    /// The literal the current command waits for; a server sends `+`
    /// for a synchronizing one (or refuses the command).
    pub fn pending_literal(&self) -> Option<PendingLiteral> {
        self.framer.pending_literal()
    }

    /// How the next line is read.
    pub fn mode(&self) -> ClientLineMode {
        self.mode
    }

    /// Sets how the next line is read.
    pub fn set_mode(&mut self, mode: ClientLineMode) {
        self.mode = mode;
    }

    /// Replaces the limits (checked from the next byte on); a server
    /// lowers the literal size before login, for example.
    pub fn set_limits(&mut self, limits: Limits) {
        self.framer.set_limits(limits);
    }

    pub(crate) fn framer_mut(&mut self) -> &mut Framer {
        &mut self.framer
    }

    /// The next message's bytes, unparsed (the rest of a command whose
    /// literal was streamed); at the end of input an unfinished one is
    /// reported as truncated.
    pub(crate) fn next_raw(
        &mut self,
        buf: &mut BytesMut,
        eof: bool,
    ) -> Result<Option<crate::framer::Frame>, DecodeError> {
        next_raw(&mut self.framer, buf, eof)
    }

    /// Decodes the next client message from the front of `buf`.
    #[inline]
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded<ClientMessage>>, DecodeError> {
        match self.framer.next_frame_end(buf) {
            Ok(Some(end)) => self.parse(buf, end),
            Ok(None) => Ok(None),
            Err(error) => Err(frame_error(&mut self.framer, error)),
        }
    }

    /// Decodes at the end of input, as [`ResponseDecoder::decode_eof`].
    pub fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded<ClientMessage>>, DecodeError> {
        match self.decode(buf)? {
            Some(decoded) => Ok(Some(decoded)),
            // Stopped at a large literal (the machines' streaming): the
            // caller decides, then calls again.
            None if self.framer.paused_at_literal() => Ok(None),
            None => truncated(&mut self.framer, buf),
        }
    }

    fn parse(&mut self, buf: &mut BytesMut, end: FrameEnd) -> Result<Option<Decoded<ClientMessage>>, DecodeError> {
        let depth = self.framer.limits().max_depth;
        let mode = self.mode;
        let (result, decoded) = with_message(buf, end, |bytes, shared| {
            let has_space = memchr::memchr(b' ', bytes).is_some();
            let mut p = parser(bytes, shared, depth);
            let result = match mode {
                ClientLineMode::Authenticate if !has_space => p.authenticate_line(),
                ClientLineMode::Idle if !has_space => p.idle_done(),
                _ => p.command().map(ClientMessage::Command),
            };
            let next_mode = next_mode(mode, &result);
            (next_mode, finish(end.offset, bytes, result, leading_tag))
        });
        self.mode = result;
        decoded
    }
}

/// The line mode after a client message.
fn next_mode(mode: ClientLineMode, result: &Result<ClientMessage, ParseError>) -> ClientLineMode {
    match result {
        Ok(ClientMessage::Command(c)) => match c.body {
            crate::CommandBody::Authenticate { .. } => ClientLineMode::Authenticate,
            crate::CommandBody::Idle => ClientLineMode::Idle,
            _ => ClientLineMode::Commands,
        },
        Ok(ClientMessage::AuthenticateData(_)) => ClientLineMode::Authenticate,
        Ok(_) => ClientLineMode::Commands,
        Err(_) => mode,
    }
}

macro_rules! parse_entry {
    ($ty:ty, $method:ident, $doc:literal) => {
        impl $ty {
            #[doc = concat!("Parses exactly one complete ", $doc, " (final CRLF included), with default limits.")]
            pub fn parse(input: &[u8]) -> Result<$ty, ParseError> {
                Self::parse_bytes(Bytes::copy_from_slice(input))
            }

            #[doc = concat!("Parses exactly one complete ", $doc, " from a shared buffer; strings in the result share it.")]
            pub fn parse_bytes(input: Bytes) -> Result<$ty, ParseError> {
                parse_frame(&input, Limits::default().max_depth, |p| p.$method())
            }
        }
    };
}

parse_entry!(Response, response, "response");
parse_entry!(Command, command, "command");
parse_entry!(Greeting, greeting, "greeting");
