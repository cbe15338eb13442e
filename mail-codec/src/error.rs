//! The drivers' one error type.

use std::io;

use imap_wire::{Command, StatusResponse};

/// Why a driver call failed. A closed or reset connection is an error
/// value ([`Error::Io`], or the machine's `ConnectionClosed`), never a
/// panic.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading, writing, or the TLS handshake failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The IMAP client machine refused the call (a command not valid in
    /// the state, no IDLE running, ...): nothing was sent.
    #[error("IMAP: {0}")]
    Imap(#[from] imap_wire::client::ClientError),
    /// The IMAP server broke the protocol, is not an IMAP server, or the
    /// connection ended before the command completed.
    #[error("IMAP server: {0}")]
    ImapPeer(#[from] imap_wire::client::PeerError),
    /// The IMAP server answered NO or BAD.
    #[error("{} refused: {}", .command.body.name(), status_line(.status))]
    ImapRefused {
        /// The command.
        command: Box<Command>,
        /// The tagged NO or BAD.
        status: Box<StatusResponse>,
    },
    /// The IMAP server machine refused what the application asked of it.
    #[error("IMAP server machine: {0}")]
    ImapServer(#[from] imap_wire::server::ServerError),
    /// The POP3 client machine refused the call (a command not valid in
    /// the state, too many waiting, ...): nothing was sent.
    #[error("POP3: {0}")]
    Pop3(#[from] pop3_wire::client::ClientError),
    /// The POP3 server broke the protocol, is not a POP3 server, or the
    /// connection ended in the middle of a reply.
    #[error("POP3 server: {0}")]
    Pop3Peer(#[from] pop3_wire::client::PeerError),
    /// The POP3 server answered `-ERR`.
    #[error("{command} refused: -ERR {}", String::from_utf8_lossy(.line.text.as_bytes()))]
    Pop3Refused {
        /// The command's keyword.
        command: String,
        /// The `-ERR` line.
        line: Box<pop3_wire::StatusLine>,
    },
    /// The POP3 server machine refused what the application asked of it.
    #[error("POP3 server machine: {0}")]
    Pop3Server(#[from] pop3_wire::server::ServerError),
    /// The server refused the session in its greeting (`* BYE`, `-ERR`).
    #[error("the server refused the session: {0}")]
    GreetingRefused(String),
    /// The connection closed before the answer arrived.
    #[error("the connection closed before the answer arrived")]
    ConnectionClosed,
    /// An argument cannot be sent as it is (a message number 0, a name
    /// with a forbidden byte, ...); nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(#[from] imap_wire::ValidationError),
    /// The server's answer breaks the protocol in a way the parser cannot
    /// see (more search matches than the mailbox has messages, ...).
    #[error("the server's answer is impossible: {0}")]
    Impossible(&'static str),
    /// The server does not offer what was asked (STARTTLS, STLS, IDLE,
    /// COMPRESS=DEFLATE, ...).
    #[error("the server does not offer {0}")]
    Unsupported(&'static str),
    /// The call does not fit the connection (a command with its own
    /// method, a switch without its configuration).
    #[error("{0}")]
    Misuse(&'static str),
    /// A certificate, key or server name could not be used.
    #[error("TLS setup: {0}")]
    TlsSetup(String),
    /// The TLS handshake failed; `reason` says what to do about it in one
    /// line (a CA certificate used as the server's, plaintext where TLS
    /// was expected, an unknown issuer, ...).
    #[error("TLS handshake failed: {reason}")]
    TlsHandshake {
        /// What went wrong and what to do, in one line.
        reason: String,
        /// The error rustls (or the stream) gave.
        #[source]
        source: io::Error,
    },
}

/// `NO [CODE] text` of a tagged status response.
fn status_line(status: &StatusResponse) -> String {
    let wire = imap_wire::Encode::to_bytes(status);
    let line = String::from_utf8_lossy(&wire);
    let line = line.trim_end();
    line.split_once(' ').map_or(line, |(_, rest)| rest).to_string()
}

impl From<std::convert::Infallible> for Error {
    fn from(never: std::convert::Infallible) -> Error {
        match never {}
    }
}
