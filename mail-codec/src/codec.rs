//! The codecs: tokio-util `Decoder`/`Encoder`s for both roles of both
//! protocols.
//!
//! Thin by design: framing and parsing happen in `imap-wire` and
//! `pop3-wire`; these types only move bytes between a `BytesMut` and the
//! decoders or machines. A malformed IMAP message is yielded as an `Err`
//! *item* with its stream offset and, when it had one, its tag, so the
//! stream keeps going (tokio's `FramedRead` ends a stream after a decoder
//! error). The end of input inside a message is an item too
//! ([`DecodeError::Truncated`]).
//!
//! POP3 replies are not self-describing (whether a reply has more lines
//! depends on the command), so the POP3 codecs carry the state machines:
//! [`Pop3ClientCodec`] encodes commands through a `pop3_wire` client and
//! yields its events.

use bytes::BytesMut;
use imap_wire::{
    ClientMessage, Command, CommandDecoder, DecodeError, Decoded, Encode, EncodeOptions, Greeting, Limits, Response,
    ResponseDecoder, ServerMessage,
};
use tokio_util::codec::{Decoder, Encoder};

/// Why a codec refused to write a value.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The command needs a synchronizing literal (`{N}`): its data may only
    /// follow the server's `+`, which a codec that writes whole commands
    /// cannot wait for. Writing it whole would let a server that refuses
    /// the command read the literal's data as commands. Use
    /// [`LiteralMode::NonSynchronizing`](imap_wire::LiteralMode::NonSynchronizing) when the server announces
    /// `LITERAL+` (or `LITERAL-` for literals up to 4096 bytes).
    #[error("the command needs a synchronizing literal, which this codec cannot write")]
    SynchronizingLiteral,
    /// Writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Turns a decoder result into a stream item: a decoding error is an item,
/// not the end of the stream.
fn as_item<T>(r: Result<Option<Decoded<T>>, DecodeError>) -> Option<Result<Decoded<T>, DecodeError>> {
    r.transpose()
}

/// Client side of an IMAP connection: decodes what the server sends,
/// encodes what a client sends ([`Command`] and [`ClientMessage`]).
///
/// Synchronizing literals (`{N}`) need the server's `+` before their data;
/// this codec writes a command whole, so a command that needs one is
/// refused with [`EncodeError::SynchronizingLiteral`] and nothing is
/// written. Once the server's capabilities are known, switch a live codec
/// to [`LiteralMode::NonSynchronizing`](imap_wire::LiteralMode::NonSynchronizing) with
/// [`ImapClientCodec::set_encode_options`] if it announces `LITERAL+`.
///
/// ```
/// use bytes::BytesMut;
/// use imap_wire::{Command, EncodeOptions, Limits, LiteralMode};
/// use mail_codec::{EncodeError, ImapClientCodec};
/// use tokio_util::codec::Encoder;
///
/// let mut codec = ImapClientCodec::new(Limits::default());
/// let append = Command::parse(b"a1 APPEND INBOX {11+}\r\nhello world\r\n").unwrap();
/// let mut out = BytesMut::new();
/// assert!(matches!(codec.encode(append.clone(), &mut out), Err(EncodeError::SynchronizingLiteral)));
/// assert!(out.is_empty());
/// codec.set_encode_options(EncodeOptions { literal_mode: LiteralMode::NonSynchronizing });
/// codec.encode(append, &mut out).unwrap();
/// assert_eq!(&out[..], b"a1 APPEND INBOX {11+}\r\nhello world\r\n");
/// ```
#[derive(Debug)]
pub struct ImapClientCodec {
    decoder: ResponseDecoder,
    options: EncodeOptions,
}

impl ImapClientCodec {
    /// A codec expecting the greeting first, writing synchronizing
    /// literals (that is, refusing commands that need one).
    pub fn new(limits: Limits) -> ImapClientCodec {
        ImapClientCodec { decoder: ResponseDecoder::new(limits), options: EncodeOptions::default() }
    }

    /// Sets how literals in commands are written.
    pub fn with_encode_options(mut self, options: EncodeOptions) -> ImapClientCodec {
        self.options = options;
        self
    }

    /// Changes how literals in commands are written, on a live codec
    /// (for example once `LITERAL+` is known from the capabilities).
    pub fn set_encode_options(&mut self, options: EncodeOptions) {
        self.options = options;
    }

    /// How literals in commands are written.
    pub fn encode_options(&self) -> EncodeOptions {
        self.options
    }

    fn encode_client(&self, item: &impl Encode, dst: &mut BytesMut) -> Result<(), EncodeError> {
        let start = dst.len();
        let waits = item.encode_to(dst, self.options);
        if !waits.is_empty() {
            // Nothing of it goes out.
            dst.truncate(start);
            return Err(EncodeError::SynchronizingLiteral);
        }
        Ok(())
    }
}

impl Decoder for ImapClientCodec {
    type Item = Result<Decoded<ServerMessage>, DecodeError>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(as_item(self.decoder.decode(src)))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(as_item(self.decoder.decode_eof(src)))
    }
}

impl Encoder<Command> for ImapClientCodec {
    type Error = EncodeError;

    fn encode(&mut self, item: Command, dst: &mut BytesMut) -> Result<(), Self::Error> {
        self.encode_client(&item, dst)
    }
}

impl Encoder<ClientMessage> for ImapClientCodec {
    type Error = EncodeError;

    fn encode(&mut self, item: ClientMessage, dst: &mut BytesMut) -> Result<(), Self::Error> {
        self.encode_client(&item, dst)
    }
}

/// Server side of an IMAP connection: decodes client messages, encodes
/// what a server sends ([`Greeting`], [`Response`], [`ServerMessage`]).
#[derive(Debug)]
pub struct ImapServerCodec {
    decoder: CommandDecoder,
}

impl ImapServerCodec {
    /// A codec with the given limits ([`Limits::server`] is a good start).
    pub fn new(limits: Limits) -> ImapServerCodec {
        ImapServerCodec { decoder: CommandDecoder::new(limits) }
    }

    /// The command decoder, to set its line mode or read a pending
    /// literal announcement.
    pub fn decoder_mut(&mut self) -> &mut CommandDecoder {
        &mut self.decoder
    }
}

impl Decoder for ImapServerCodec {
    type Item = Result<Decoded<ClientMessage>, DecodeError>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(as_item(self.decoder.decode(src)))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(as_item(self.decoder.decode_eof(src)))
    }
}

macro_rules! server_encoder {
    ($ty:ty) => {
        impl Encoder<$ty> for ImapServerCodec {
            type Error = std::io::Error;

            fn encode(&mut self, item: $ty, dst: &mut BytesMut) -> Result<(), Self::Error> {
                item.encode_to(dst, EncodeOptions::default());
                Ok(())
            }
        }
    };
}

server_encoder!(Greeting);
server_encoder!(Response);
server_encoder!(ServerMessage);

/// Client side of a POP3 connection: a `pop3_wire` client machine as a
/// codec. Decoding yields the machine's events; encoding queues a command
/// and writes what the machine lets go out (one command at a time unless
/// the server announced PIPELINING: send the next after the reply).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use futures_util::StreamExt;
/// use mail_codec::Pop3ClientCodec;
/// use pop3_wire::client::ClientEvent;
/// use tokio_util::codec::FramedRead;
///
/// let wire: &[u8] = b"+OK POP3 ready\r\n";
/// let mut frames = FramedRead::new(wire, Pop3ClientCodec::new(Default::default()));
/// assert!(matches!(frames.next().await.unwrap().unwrap(), ClientEvent::Greeting { .. }));
/// # }
/// ```
#[derive(Debug)]
pub struct Pop3ClientCodec {
    machine: pop3_wire::client::Client,
}

impl Pop3ClientCodec {
    /// A codec expecting the greeting first.
    pub fn new(config: pop3_wire::client::ClientConfig) -> Pop3ClientCodec {
        Pop3ClientCodec { machine: pop3_wire::client::Client::new(config) }
    }

    /// The machine (state, capabilities; SASL responses and the TLS
    /// switch are given to it directly).
    pub fn machine_mut(&mut self) -> &mut pop3_wire::client::Client {
        &mut self.machine
    }
}

/// What both POP3 codecs do on decode: hand the bytes read to the machine
/// (and the end of input), and take its next event.
fn feed<M: crate::pump::Machine>(machine: &mut M, src: &mut BytesMut, eof: bool) -> Option<M::Event> {
    if !src.is_empty() {
        machine.receive(&src.split());
    }
    if eof {
        machine.receive_eof();
    }
    machine.poll_event()
}

impl Decoder for Pop3ClientCodec {
    type Item = pop3_wire::client::ClientEvent;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(feed(&mut self.machine, src, false))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(feed(&mut self.machine, src, true))
    }
}

impl Encoder<pop3_wire::Command> for Pop3ClientCodec {
    type Error = crate::Error;

    fn encode(&mut self, item: pop3_wire::Command, dst: &mut BytesMut) -> Result<(), Self::Error> {
        self.machine.send(item)?;
        self.machine.write_to(dst);
        Ok(())
    }
}

/// What a POP3 server writes through [`Pop3ServerCodec`]: each variant is
/// one of the server machine's reply methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pop3Reply {
    /// A single-line reply, logins and STLS included
    /// ([`pop3_wire::server::Server::complete`]).
    Line(pop3_wire::StatusLine),
    /// A multi-line listing ([`pop3_wire::server::Server::complete_with_lines`]).
    Lines(pop3_wire::StatusLine, Vec<Vec<u8>>),
    /// A message for RETR or TOP, dot-stuffed on the way out
    /// ([`pop3_wire::server::Server::complete_with_message`]).
    Message(pop3_wire::StatusLine, bytes::Bytes),
}

/// Server side of a POP3 connection: a `pop3_wire` server machine as a
/// codec. Decoding yields the machine's events (the greeting is written
/// by the first encode or by [`Pop3ServerCodec::take_output`]); encoding a
/// [`Pop3Reply`] answers the oldest command.
#[derive(Debug)]
pub struct Pop3ServerCodec {
    machine: pop3_wire::server::Server,
}

impl Pop3ServerCodec {
    /// A codec whose machine has queued the greeting.
    pub fn new(config: pop3_wire::server::ServerConfig) -> Pop3ServerCodec {
        Pop3ServerCodec { machine: pop3_wire::server::Server::new(config) }
    }

    /// The machine (state; the TLS switch is given to it directly).
    pub fn machine_mut(&mut self) -> &mut pop3_wire::server::Server {
        &mut self.machine
    }

    /// What the machine has to write (the greeting, answers it gave
    /// itself such as CAPA's).
    pub fn take_output(&mut self) -> BytesMut {
        let mut out = BytesMut::new();
        self.machine.write_to(&mut out);
        out
    }
}

impl Decoder for Pop3ServerCodec {
    type Item = pop3_wire::server::ServerEvent;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(feed(&mut self.machine, src, false))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(feed(&mut self.machine, src, true))
    }
}

impl Encoder<Pop3Reply> for Pop3ServerCodec {
    type Error = crate::Error;

    fn encode(&mut self, item: Pop3Reply, dst: &mut BytesMut) -> Result<(), Self::Error> {
        let m = &mut self.machine;
        match item {
            Pop3Reply::Line(line) => m.complete(line)?,
            Pop3Reply::Lines(line, lines) => m.complete_with_lines(line, &lines)?,
            Pop3Reply::Message(line, data) => m.complete_with_message(line, &data)?,
        }
        m.write_to(dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{SinkExt, StreamExt};
    use imap_wire::{CommandBody, LiteralMode, Tag};
    use tokio::io::AsyncWriteExt;
    use tokio_util::codec::{Framed, FramedRead};

    #[tokio::test(flavor = "current_thread")]
    async fn client_and_server_talk_over_a_duplex_pipe() {
        let (a, b) = tokio::io::duplex(64);
        let mut client = Framed::new(a, ImapClientCodec::new(Limits::default()));
        let mut server = Framed::new(b, ImapServerCodec::new(Limits::server()));
        server.send(Greeting::parse(b"* OK ready\r\n").unwrap()).await.unwrap();
        let greeting = client.next().await.unwrap().unwrap().unwrap();
        assert!(matches!(greeting.message, ServerMessage::Greeting(_)));
        let cmd = Command::new(Tag::try_from("a1").unwrap(), CommandBody::Noop);
        client.send(cmd.clone()).await.unwrap();
        let got = server.next().await.unwrap().unwrap().unwrap();
        assert_eq!((got.offset, got.message), (0, ClientMessage::Command(cmd)));
        // A malformed command is an error item with its tag and stream
        // offset; the next one still arrives.
        client.get_mut().write_all(b"a2 FETCH x\r\na3 NOOP\r\n").await.unwrap();
        let err = server.next().await.unwrap().unwrap().unwrap_err();
        assert!(matches!(err, DecodeError::Parse { message_offset: 9, .. }), "{err:?}");
        assert_eq!(err.tag().map(Tag::as_str), Some("a2"));
        let next = server.next().await.unwrap().unwrap().unwrap();
        assert!(matches!(next.message, ClientMessage::Command(Command { body: CommandBody::Noop, .. })));
        assert_eq!(next.offset, 21);
        server.send(Response::parse(b"a1 OK done\r\n").unwrap()).await.unwrap();
        assert!(matches!(client.next().await.unwrap().unwrap().unwrap().message, ServerMessage::Response(_)));
    }

    /// Reproduced against Dovecot before the fix: a refused APPEND's
    /// literal data reached the server as commands.
    #[test]
    fn a_synchronizing_literal_is_never_written_unasked() {
        let message = b"Subject: x\r\n\r\nX9 CREATE Injected\r\n";
        let mut wire = format!("a1 APPEND NoSuchBox {{{}}}\r\n", message.len()).into_bytes();
        wire.extend_from_slice(message);
        wire.extend_from_slice(b"\r\n");
        let append = Command::parse(&wire).unwrap();
        let mut codec = ImapClientCodec::new(Limits::default());
        let mut out = BytesMut::from(&b"a0 NOOP\r\n"[..]);
        let err = codec.encode(append.clone(), &mut out).unwrap_err();
        assert!(matches!(err, EncodeError::SynchronizingLiteral));
        assert_eq!(&out[..], b"a0 NOOP\r\n", "nothing of the refused command was written");
        // With LITERAL+ known, the live codec writes it non-synchronizing.
        codec.set_encode_options(EncodeOptions { literal_mode: LiteralMode::NonSynchronizing });
        out.clear();
        codec.encode(append, &mut out).unwrap();
        assert!(out.starts_with(b"a1 APPEND NoSuchBox {34+}\r\n"), "{:?}", String::from_utf8_lossy(&out));
        // Commands without literals are written in either mode.
        let mut codec = ImapClientCodec::new(Limits::default());
        codec.encode(Command::parse(b"a2 SELECT INBOX\r\n").unwrap(), &mut out).unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_stream_that_ends_inside_a_message_yields_a_truncated_item() {
        let wire: &[u8] = b"* OK ready\r\n* 1 FETCH (BODY[] {10}\r\nabc";
        let mut frames = FramedRead::new(wire, ImapClientCodec::new(Limits::default()));
        assert!(frames.next().await.unwrap().unwrap().is_ok());
        let err = frames.next().await.unwrap().unwrap().unwrap_err();
        assert_eq!(err, DecodeError::Truncated { offset: 12, tag: None });
        assert!(frames.next().await.is_none());
    }
}
