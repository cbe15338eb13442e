//! Sans-IO IMAP4rev1 (RFC 3501) for clients and servers: owned types, an
//! incremental framer, a parser, a strict serializer, and the connection
//! state machines of both roles ([`client::Client`], [`server::Server`]).
//!
//! No I/O and no async runtime: feed bytes in, take messages out; give
//! values in, take bytes out.
//!
//! ```
//! use bytes::BytesMut;
//! use imap_wire::{Data, Encode, Limits, MessageAttribute, Response, ResponseDecoder, ServerMessage};
//!
//! let mut decoder = ResponseDecoder::after_greeting(Limits::default());
//! let mut buf = BytesMut::new();
//! buf.extend_from_slice(b"* 12 FETCH (UID 42 BODY[] {5}\r\nHel");
//! assert!(decoder.decode(&mut buf).unwrap().is_none()); // waits for the literal
//! buf.extend_from_slice(b"lo)\r\n");
//! let decoded = decoder.decode(&mut buf).unwrap().unwrap();
//! let ServerMessage::Response(Response::Data(Data::Fetch { attributes, .. })) = &decoded.message else { panic!() };
//! assert!(matches!(&attributes[1], MessageAttribute::BodySection { data: Some(d), .. } if &d[..] == b"Hello"));
//! assert_eq!(&decoded.message.to_bytes()[..], b"* 12 FETCH (UID 42 BODY[] \"Hello\")\r\n");
//! ```
//!
//! # Layers
//! - [`framer`]: finds complete messages (lines plus literals) in linear
//!   time and enforces [`Limits`].
//! - the grammar ([`Response::parse`], [`Command::parse`], ...): one pass
//!   over a complete message; literal data and long strings share the
//!   input buffer, short strings are stored inline.
//! - the types, at the crate root: owned values, `Send + Sync + 'static`.
//! - [`Encode`]: the strict serializer.
//! - [`ResponseDecoder`] / [`CommandDecoder`]: framer and grammar together.
//! - [`client`] and [`server`]: the connection state machines (tags,
//!   literals, AUTHENTICATE, IDLE, STARTTLS, state rules), over [`state`];
//!   [`sasl`] builds the messages of the usual SASL mechanisms.
//!
//! Every item has one public path: the crate root, or its module
//! ([`framer`], [`client`], [`server`], [`state`], [`sasl`]).
//!
//! # Where each grammar rule lives
//! The source keeps one file name per syntax area in `types/` (the
//! values), `parse/` (the parser, each function quoting its ABNF rule) and
//! `encode/` (the serializer): `core` (numbers, atoms, strings, raw
//! values), `flag`, `mailbox`, `sequence`, `datetime`, `status`,
//! `search`, `fetch`, `body`, `command` and `response`.
//!
//! # Accepted deviations from RFC 3501
//! Parse liberally, serialize strictly. The parser accepts, and the tests
//! named after each behaviour cover:
//! - a space before `)` and extra spaces between list items;
//! - status responses without text (`A1 OK` CRLF) or without the space;
//! - keywords in any case (`fetch`, `Body[header]`, `nil`);
//! - 8-bit bytes in quoted strings and response text;
//! - `()` where NIL was due in body parameters and address lists, NIL
//!   where a body encoding or a body parameter value was due;
//! - `+` with no space or text;
//! - bare LF line endings;
//! - a space-padded or one-digit day in `date-time`;
//! - known response codes with malformed arguments (kept as
//!   [`Code::Other`]) and `[` that opens no code (kept as text);
//! - NUL bytes inside literals (RFC 3501 forbids them; binary attachments
//!   in broken messages carry them).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "arbitrary")]
mod arbitrary;
mod base64;
pub mod client;
mod conn;
mod decoder;
mod encode;
mod error;
pub mod framer;
mod limits;
mod parse;
pub mod sasl;
mod seqmap;
pub mod server;
pub mod state;
mod types;

pub use decoder::{ClientLineMode, CommandDecoder, Decoded, ResponseDecoder, ServerMessage};
pub use encode::{Encode, EncodeOptions, Encoder, LiteralMode};
pub use error::{DecodeError, FrameError, ParseError, ParseErrorKind, ValidationError};
pub use limits::Limits;
pub use types::*;

mail_sansio::delegate_machine!(client::Client, client::ClientEvent);
mail_sansio::delegate_machine!(server::Server, server::ServerEvent);

// The README's examples are compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
