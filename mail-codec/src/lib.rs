//! Async IMAP and POP3 over tokio: codecs, connection drivers, TLS and
//! COMPRESS=DEFLATE, on top of the sans-IO `imap-wire` and `pop3-wire`
//! crates. This crate never parses a byte itself: the protocol crates'
//! decoders and state machines do.
//!
//! - [`codec`]: tokio-util `Decoder`/`Encoder`s for both roles of both
//!   protocols, for those who want frames and nothing more.
//! - The drivers are generic over [`Machine`] (crate `mail-sansio`), the
//!   contract all four machines implement; a driver for another runtime,
//!   or a blocking one, is written the same way once.
//! - Drivers that pump a machine over any `AsyncRead + AsyncWrite`:
//!   [`ImapClient`], [`ImapServer`], [`Pop3Client`], [`Pop3Server`]. They
//!   write what the machine says during the exchange (the server's `+`,
//!   the client's literal data, SASL steps, `DONE`), switch layers
//!   (STARTTLS, STLS, COMPRESS) at the points the machines give, and read
//!   only when an event is asked for, so a slow consumer never makes them
//!   buffer without bound.
//! - [`tls`] (feature `tls`, on by default): rustls configurations, PEM
//!   loading, implicit TLS and the in-band upgrades.
//! - [`DeflateStream`]: the RFC 4978 compression layer.
//!
//! Errors are values ([`Error`]): a closed or reset connection included.
//! Timeouts are the caller's: every await is cancel-safe, so
//! `tokio::time::timeout` around one loses nothing.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use futures_util::StreamExt;
//! use mail_codec::imap_wire::{Limits, ServerMessage};
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

/// The IMAP protocol crate this one drives, re-exported so that one
/// dependency is enough: `mail_codec::imap_wire::CommandBody`.
pub use imap_wire;
/// The contract of the four machines the drivers run (the drivers are
/// generic over it).
pub use mail_sansio::{self, Machine};
/// The POP3 protocol crate this one drives, re-exported so that one
/// dependency is enough: `mail_codec::pop3_wire::Command`.
pub use pop3_wire;

pub mod codec;
mod deflate;
mod error;
mod imap;
mod imap_builders;
pub mod imap_ops;
mod pop3;
mod pump;
#[cfg(feature = "tls")]
pub mod tls;

pub use codec::{EncodeError, ImapClientCodec, ImapServerCodec, Pop3ClientCodec, Pop3Reply, Pop3ServerCodec};
pub use deflate::DeflateStream;
pub use error::Error;
pub use imap::{Idle, ImapClient, ImapServer, Outcome, DEFAULT_STREAM_SECTIONS_ABOVE};
pub use imap_ops::{Fetch, FetchPart, FetchStream, IntoMessageSet, Items, ListEntry, Message, Query};
pub use pop3::{Pop3Client, Pop3Server};
pub use pump::{tls_upgrade, AsyncStream, BoxedStream, TlsUpgrade, UpgradeFuture};

// The README's examples are compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
