//! An IMAP and POP3 server layer over any mail store.
//!
//! - [`store`]: the storage boundary, async traits a store implements
//!   (accounts, mailboxes, messages streamed in and out, change
//!   notification), with optional capabilities declared up front.
//! - [`imap`] and [`pop3`]: the session engines. They own the protocol:
//!   states, each session's view of its selected mailbox and the update
//!   rules of RFC 3501 7.4.1, FETCH and SEARCH from the MIME structure
//!   ([`mime`]), LIST patterns ([`pattern`]), and the limits that keep one
//!   session's memory and CPU bounded whatever the client sends or the mail
//!   holds.
//! - [`maildir`]: the Maildir++ store; [`memory`]: an in-memory store, for
//!   tests and as the reference implementation; [`users`]: a users file.
//!
//! Where each rule lives: RFC 3501 7.4.1 (when updates may be sent) in
//! `imap/view.rs`; 6.4.5 (FETCH, section numbers) in `imap/fetch.rs` and
//! [`mime`]; 6.4.4 (SEARCH) in `imap/search.rs`; 6.3.8 (LIST patterns) in
//! [`pattern`]; RFC 1939 in [`pop3`]; Maildir++ and its crash safety in
//! [`maildir`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod imap;
pub mod listen;
pub mod maildir;
pub mod memory;
pub mod mime;
pub mod pattern;
pub mod policy;
#[cfg(test)]
mod policy_tests;
pub mod pop3;
pub mod store;
pub mod users;

/// What a program accepting connections needs of a server, whatever its
/// protocol: [`imap::ImapService`] and [`pop3::Pop3Service`] both are one,
/// and [`listen::serve_listeners`] runs either.
pub trait Service: Send + Sync + 'static {
    /// Serves one connection until it ends. `peer` is the client's
    /// address when known (the plaintext-login policy looks at it).
    fn serve_connection<T: mail_codec::AsyncStream + 'static>(
        self: &std::sync::Arc<Self>,
        stream: T,
        security: imap::Security,
        peer: Option<std::net::IpAddr>,
    ) -> impl std::future::Future<Output = ()> + Send;

    /// Tells every session to end (after the command in progress).
    fn shutdown(&self);

    /// What a connection over a limit is told before it is closed: the
    /// protocol's "try again later" line.
    fn busy_reply(&self) -> &'static [u8];
}

impl<S: store::Store> Service for imap::ImapService<S> {
    fn serve_connection<T: mail_codec::AsyncStream + 'static>(
        self: &std::sync::Arc<Self>,
        stream: T,
        security: imap::Security,
        peer: Option<std::net::IpAddr>,
    ) -> impl std::future::Future<Output = ()> + Send {
        self.serve_peer(stream, security, peer)
    }

    fn shutdown(&self) {
        imap::ImapService::shutdown(self)
    }

    fn busy_reply(&self) -> &'static [u8] {
        b"* BYE [UNAVAILABLE] Too many connections; try again later.\r\n"
    }
}

impl<S: store::Store> Service for pop3::Pop3Service<S> {
    fn serve_connection<T: mail_codec::AsyncStream + 'static>(
        self: &std::sync::Arc<Self>,
        stream: T,
        security: imap::Security,
        peer: Option<std::net::IpAddr>,
    ) -> impl std::future::Future<Output = ()> + Send {
        self.serve_peer(stream, security, peer)
    }

    fn shutdown(&self) {
        pop3::Pop3Service::shutdown(self)
    }

    fn busy_reply(&self) -> &'static [u8] {
        b"-ERR [SYS/TEMP] Too many connections; try again later\r\n"
    }
}

// The README's example is compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
