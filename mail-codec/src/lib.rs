//! tokio-util codecs over the sans-IO protocol crates.
//!
//! Thin by design: framing and parsing happen in `imap-proto`; these types
//! only move bytes between a `BytesMut` and the decoders. A malformed
//! message is yielded as an `Err` *item* with its stream offset and, when
//! it had one, its tag, so the stream keeps going (tokio's `FramedRead`
//! ends a stream after a decoder error). The end of input inside a message
//! is an item too ([`DecodeError::Truncated`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use futures_util::StreamExt;
//! use imap_proto::{Limits, ServerMessage};
//! use mail_codec::ImapClientCodec;
//! use tokio_util::codec::FramedRead;
//!
//! let wire: &[u8] = b"* OK ready\r\n* 2 EXISTS\r\n";
//! let mut frames = FramedRead::new(wire, ImapClientCodec::new(Limits::default()));
//! let greeting = frames.next().await.unwrap().unwrap().unwrap();
//! assert!(matches!(greeting.message, ServerMessage::Greeting(_)));
//! assert_eq!(frames.next().await.unwrap().unwrap().unwrap().offset, 12);
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use bytes::BytesMut;
use imap_proto::{
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
    /// [`LiteralMode::NonSynchronizing`](imap_proto::LiteralMode::NonSynchronizing) when the server announces
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
/// to [`LiteralMode::NonSynchronizing`](imap_proto::LiteralMode::NonSynchronizing) with
/// [`ImapClientCodec::set_encode_options`] if it announces `LITERAL+`.
///
/// ```
/// use bytes::BytesMut;
/// use imap_proto::{Command, EncodeOptions, Limits, LiteralMode};
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{SinkExt, StreamExt};
    use imap_proto::{CommandBody, LiteralMode, Tag};
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
