//! Sans-IO POP3 for clients and servers: RFC 1939 with the extension
//! mechanism and response codes of RFC 2449, STLS (RFC 2595), SASL AUTH
//! (RFC 5034), the response codes of RFC 3206 and UTF8/LANG (RFC 6856).
//!
//! - [`Command`], [`StatusLine`], listings and [`Capability`]: parse and
//!   write every line of the protocol.
//! - [`dot`]: multi-line bodies, unstuffed as they stream (zero copy) and
//!   stuffed on send.
//! - [`client::Client`] and [`server::Server`]: the connection state machines. Feed bytes
//!   in, take events out; no sockets, no clocks, no async. Both have the
//!   same surface: `receive`, `receive_eof`, `poll_event`,
//!   `poll_event_at`, `poll_transmit`, `write_to`, `tls_established`, and
//!   both process input lazily (in `poll_event` and `poll_transmit`).
//! - [`state`]: the RFC 1939 states and which commands each allows.
//! - [`Encode`]: the wire form of every value (`to_bytes`, `encode_to`).
//!
//! # Accepted deviations (parse liberally, serialize strictly)
//! Each has a test: a bare `+OK` and status keywords in any case; bare LF
//! line endings (commands, replies and multi-line bodies); extra spaces
//! and trailing text in scan and unique-id listings; `+` without a space
//! as a SASL continuation; a `[` that opens no well-formed response code
//! (kept as text); `AUTH` without a mechanism (a pre-standard listing
//! that Outlook sends). On send, bodies are always CRLF and dot-stuffed.
//!
//! ```
//! use pop3_wire::client::{Client, ClientConfig, ClientEvent};
//! use pop3_wire::server::{Server, ServerConfig, ServerEvent};
//! use pop3_wire::{Command, StatusLine};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//!
//! let mut server = Server::new(ServerConfig::default());
//! let mut client = Client::new(ClientConfig::default());
//! client.receive(&server.poll_transmit().unwrap());
//! assert!(matches!(client.poll_event(), Some(ClientEvent::Greeting { .. })));
//!
//! client.send(Command::Stat).unwrap_err(); // not before login
//! client.send(Command::User("alice".try_into()?))?;
//! server.receive(&client.poll_transmit().unwrap());
//! assert!(matches!(server.poll_event(), Some(ServerEvent::Command(Command::User(_)))));
//! server.complete(StatusLine::ok("send PASS")?)?;
//! client.receive(&server.poll_transmit().unwrap());
//! assert!(matches!(client.poll_event(), Some(ClientEvent::Reply { line, .. }) if line.is_ok()));
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "arbitrary")]
mod arbitrary;
pub mod client;
mod conn;
pub mod dot;
mod encode;
mod error;
mod lines;
mod parse;
#[cfg(feature = "serde")]
mod serde_text;
pub mod server;
pub mod state;
mod types;

pub use encode::Encode;
pub use error::{ParseError, ParseErrorKind, ValidationError};
pub use types::{
    ApopTimestamp, Arg, Capability, CodeKind, Command, DropListing, Language, MessageNumber, ResponseCode, ScanListing,
    Status, StatusLine, UniqueIdListing,
};

/// Memory-protecting limits, each enforced in one place.
///
/// ```
/// let limits = pop3_wire::Limits { max_command_line: 512, ..Default::default() };
/// assert_eq!(limits.max_reply_line, 8192);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest command line a server accepts, CRLF included. Default 255,
    /// the length RFC 2449 requires of servers that offer CAPA.
    pub max_command_line: usize,
    /// Longest status line a client accepts. RFC 2449 says 512; the default
    /// of 8 KiB tolerates chatty servers.
    pub max_reply_line: usize,
    /// Largest LIST/UIDL/CAPA/LANG reply a client collects. Default 64 MiB
    /// (a UIDL of a million messages fits).
    pub max_listing_size: u64,
    /// Largest RETR/TOP content a client accepts, streamed or collected;
    /// a reply that never terminates stops here. Default 4 GiB.
    pub max_message_size: u64,
    /// Commands a client may have queued or in flight, and a server may
    /// have decoded without a reply (further input waits). Default 128.
    pub max_pending_commands: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_command_line: 255,
            max_reply_line: 8192,
            max_listing_size: 64 << 20,
            max_message_size: 4 << 30,
            max_pending_commands: 128,
        }
    }
}

/// The APOP digest: lower-case hex MD5 of the greeting's timestamp
/// (angle brackets included) followed by the shared secret.
///
/// ```
/// // RFC 1939 section 7.
/// let digest = pop3_wire::apop_digest("<1896.697170952@dbc.mtview.ca.us>", b"tanstaaf");
/// assert_eq!(digest, "c4c9334bac560ecc979e58001b3e22fb");
/// ```
pub fn apop_digest(timestamp: &str, secret: &[u8]) -> String {
    use md5::{Digest, Md5};
    let mut h = Md5::new();
    h.update(timestamp.as_bytes());
    h.update(secret);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Base64 for SASL exchanges.
pub(crate) mod base64 {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    pub fn encode(data: &[u8]) -> String {
        STANDARD.encode(data)
    }

    pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
        STANDARD.decode(text).ok()
    }
}

mail_sansio::delegate_machine!(client::Client, client::ClientEvent);
mail_sansio::delegate_machine!(server::Server, server::ServerEvent);

// The README's examples are compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
