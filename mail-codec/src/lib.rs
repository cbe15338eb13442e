//! tokio-util codecs over the sans-IO protocol crates.
//!
//! Thin by design: framing and parsing happen in `imap-proto`; these types
//! only move bytes between a `BytesMut` and the decoders. A malformed
//! message is yielded as an `Err` *item*, so the stream keeps going (tokio's
//! `FramedRead` ends a stream after a decoder error).
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
//! assert!(matches!(greeting, ServerMessage::Greeting(_)));
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use bytes::BytesMut;
use imap_proto::{
    ClientMessage, CommandDecoder, DecodeError, Decoded, Encode, EncodeOptions, Limits, ResponseDecoder, ServerMessage,
};
use tokio_util::codec::{Decoder, Encoder};

/// Turns a decoder result into a stream item: a decoding error is an item,
/// not the end of the stream.
fn as_item<T>(r: Result<Option<Decoded<T>>, DecodeError>) -> Option<Result<T, DecodeError>> {
    r.map(|d| d.map(|d| d.message)).transpose()
}

/// Client side of an IMAP connection: decodes what the server sends,
/// encodes what the client sends.
///
/// Synchronizing literals (`{N}`) need the server's `+` before their data;
/// this codec writes a command whole, so use it with
/// [`LiteralMode::NonSynchronizing`](imap_proto::LiteralMode) against
/// servers that announce `LITERAL+`, or for commands without literals.
#[derive(Debug)]
pub struct ImapClientCodec {
    decoder: ResponseDecoder,
    options: EncodeOptions,
}

impl ImapClientCodec {
    /// A codec expecting the greeting first.
    pub fn new(limits: Limits) -> ImapClientCodec {
        ImapClientCodec { decoder: ResponseDecoder::new(limits), options: EncodeOptions::default() }
    }

    /// Sets how literals in commands are written.
    pub fn with_encode_options(mut self, options: EncodeOptions) -> ImapClientCodec {
        self.options = options;
        self
    }
}

impl Decoder for ImapClientCodec {
    type Item = Result<ServerMessage, DecodeError>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(as_item(self.decoder.decode(src)))
    }
}

impl<T: Encode> Encoder<T> for ImapClientCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), Self::Error> {
        item.encode_to(dst, self.options);
        Ok(())
    }
}

/// Server side of an IMAP connection: decodes client messages, encodes
/// greetings and responses.
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
    type Item = Result<ClientMessage, DecodeError>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(as_item(self.decoder.decode(src)))
    }
}

impl<T: Encode> Encoder<T> for ImapServerCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), Self::Error> {
        item.encode_to(dst, EncodeOptions::default());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{SinkExt, StreamExt};
    use imap_proto::{Command, CommandBody, Response, Tag};
    use tokio::io::AsyncWriteExt;
    use tokio_util::codec::Framed;

    #[tokio::test(flavor = "current_thread")]
    async fn client_and_server_talk_over_a_duplex_pipe() {
        let (a, b) = tokio::io::duplex(64);
        let mut client = Framed::new(a, ImapClientCodec::new(Limits::default()));
        let mut server = Framed::new(b, ImapServerCodec::new(Limits::server()));
        server.send(imap_proto::Greeting::parse(b"* OK ready\r\n").unwrap()).await.unwrap();
        assert!(matches!(client.next().await.unwrap().unwrap().unwrap(), ServerMessage::Greeting(_)));
        let cmd = Command::new(Tag::try_from("a1").unwrap(), CommandBody::Noop);
        client.send(cmd.clone()).await.unwrap();
        assert_eq!(server.next().await.unwrap().unwrap().unwrap(), ClientMessage::Command(cmd));
        // A malformed command is an error item; the next one still arrives.
        client.get_mut().write_all(b"a2 FETCH x\r\na3 NOOP\r\n").await.unwrap();
        assert!(matches!(server.next().await.unwrap().unwrap(), Err(DecodeError::Parse { .. })));
        assert!(matches!(
            server.next().await.unwrap().unwrap(),
            Ok(ClientMessage::Command(Command { body: CommandBody::Noop, .. }))
        ));
        server.send(Response::parse(b"a1 OK done\r\n").unwrap()).await.unwrap();
        assert!(matches!(client.next().await.unwrap().unwrap().unwrap(), ServerMessage::Response(_)));
    }
}
