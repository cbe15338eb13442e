//! The IMAP session engine: serves RFC 3501 (with LITERAL+, IDLE,
//! UIDPLUS, MOVE, UNSELECT, ENABLE, NAMESPACE, ID, SASL-IR, CHILDREN,
//! SPECIAL-USE, ESEARCH, WITHIN, STARTTLS and COMPRESS=DEFLATE)
//! from any [`Store`].
//!
//! The protocol rules (states, tags, literals, IDLE's `+`, AUTHENTICATE's
//! exchange) are the machine's, `imap_wire::server::Server`, driven by
//! `mail_codec::ImapServer`. The engine turns commands into store calls
//! and their results into responses; each session keeps its view of the
//! selected mailbox and brings it up to date where RFC 3501 7.4.1 allows.
//!
//! ```no_run
//! use std::sync::Arc;
//! use mail_serve::imap::{ImapConfig, ImapService, Security};
//! use mail_serve::memory::MemoryStore;
//!
//! # async fn run() -> std::io::Result<()> {
//! let store = MemoryStore::new();
//! store.add_user("alice", "secret");
//! let service = Arc::new(ImapService::new(store, ImapConfig::default()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:1143").await?;
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     let service = service.clone();
//!     tokio::spawn(async move { service.serve(stream, Security::Plain).await });
//! }
//! # }
//! ```

mod cache;
pub(crate) mod content;
mod fetch;
mod mailboxes;
mod search;
mod session;
mod util;
mod view;

use std::sync::Arc;

use imap_wire::server::ServerConfig;
use imap_wire::{Atom, Capability, Code, Greeting, GreetingKind, Text};
use mail_codec::{AsyncStream, ImapServer};
use tokio::sync::watch;

pub(crate) use cache::StructureCache;

use crate::mime::ScanLimits;
use crate::store::{Features, Store};

/// How a connection is secured.
#[derive(Clone)]
#[non_exhaustive]
pub enum Security {
    /// Plaintext, STARTTLS not offered.
    Plain,
    /// Plaintext with STARTTLS on offer (RFC 3501 6.2.1).
    #[cfg(feature = "tls")]
    StartTls(mail_codec::tls::TlsAcceptor),
    /// TLS from the first byte (port 993, RFC 8314).
    #[cfg(feature = "tls")]
    Implicit(mail_codec::tls::TlsAcceptor),
    /// Plaintext with STARTTLS through a TLS layer of the application's
    /// choosing (see `mail_codec::tls_upgrade`).
    StartTlsWith(mail_codec::TlsUpgrade),
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Security::Plain => "Plain",
            #[cfg(feature = "tls")]
            Security::StartTls(_) => "StartTls",
            #[cfg(feature = "tls")]
            Security::Implicit(_) => "Implicit",
            Security::StartTlsWith(_) => "StartTlsWith",
        })
    }
}

/// Settings of the IMAP engine. Defaults follow Dovecot's where it has
/// one (named on each field).
#[derive(Debug, Clone)]
pub struct ImapConfig {
    /// The greeting's text.
    pub greeting: String,
    /// The `ID` fields sent (name, vendor, ...).
    pub id: Vec<(String, String)>,
    /// Bounds of the MIME scan (Dovecot's `mail_max_nested_mime_parts`
    /// style limits: 100 levels, 10,000 parts).
    pub mime: ScanLimits,
    /// MIME structures kept in memory across sessions (most recently
    /// found), so that a client syncing does not scan a message twice.
    pub structure_cache_entries: usize,
    /// Commands answered BAD in a row before the server says BYE (the
    /// machine counts the commands it rejects itself the same way).
    /// Dovecot: 20 (`imap_max_bad_commands`... hard-coded there).
    pub max_bad_commands: u32,
    /// APPEND messages above this many bytes are handed to the store as
    /// they arrive rather than buffered whole.
    pub stream_appends_above: u64,
    /// The largest message APPEND accepts (Dovecot: unlimited unless
    /// quota; here 64 MiB by default). Larger literals get `NO [TOOBIG]`
    /// before their data is sent.
    pub max_append_size: u64,
    /// Offer BINARY (RFC 3516). FETCH BINARY works; off by default because
    /// APPEND does not yet keep binary content byte for byte (stores
    /// normalize line ends), which imaptest's append-binary checks.
    pub offer_binary: bool,
}

impl Default for ImapConfig {
    fn default() -> ImapConfig {
        ImapConfig {
            greeting: "IMAP server ready.".into(),
            id: vec![("name".into(), "mail-serve".into())],
            mime: ScanLimits::default(),
            structure_cache_entries: 4096,
            max_bad_commands: 20,
            stream_appends_above: 256 * 1024,
            max_append_size: 64 << 20,
            offer_binary: false,
        }
    }
}

/// An IMAP server over a store: shared by every session.
pub struct ImapService<S: Store> {
    pub(crate) store: S,
    pub(crate) features: Features,
    pub(crate) config: ImapConfig,
    pub(crate) cache: StructureCache,
    shutdown: watch::Sender<bool>,
}

impl<S: Store> std::fmt::Debug for ImapService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapService").field("features", &self.features).field("config", &self.config).finish()
    }
}

fn atom(s: &str) -> Atom {
    Atom::try_from(s).unwrap_or_else(|_| Atom::try_from("X").expect("a valid atom"))
}

impl<S: Store> ImapService<S> {
    /// A service over `store`; the store's [`Features`] are read now.
    pub fn new(store: S, config: ImapConfig) -> ImapService<S> {
        let features = store.features();
        let cache = StructureCache::new(config.structure_cache_entries);
        ImapService { store, features, config, cache, shutdown: watch::channel(false).0 }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The capabilities offered after login.
    pub fn capabilities(&self) -> Vec<Capability> {
        let mut caps = vec![Capability::Imap4Rev1, Capability::LiteralPlus, Capability::SaslIr, Capability::Idle];
        let mut names =
            vec!["ID", "ENABLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "CHILDREN", "ESEARCH", "WITHIN"];
        if self.config.offer_binary {
            names.push("BINARY");
        }
        if self.features.special_use {
            names.push("SPECIAL-USE");
        }
        for name in names {
            caps.push(Capability::Other(atom(name)));
        }
        caps.push(Capability::Other(atom("COMPRESS=DEFLATE")));
        caps.push(Capability::Auth(atom("PLAIN")));
        caps
    }

    pub(crate) fn server_config(&self, starttls: bool) -> ServerConfig {
        let mut advertised = self.capabilities();
        if starttls {
            advertised.push(Capability::StartTls);
        }
        let mut limits = imap_wire::Limits::server();
        limits.max_literal_size = self.config.max_append_size;
        limits.max_message_size = self.config.max_append_size.saturating_add(1 << 20);
        ServerConfig {
            limits,
            stream_appends_above: Some(self.config.stream_appends_above),
            greeting: Greeting {
                kind: GreetingKind::Ok,
                code: Some(Box::new(Code::Capability(advertised))),
                text: Text::try_from(self.config.greeting.as_str())
                    .unwrap_or_else(|_| Text::try_from("ready").expect("valid text")),
            },
            capabilities: self.capabilities(),
            max_bad_commands: self.config.max_bad_commands,
            ..ServerConfig::default()
        }
    }

    /// Tells every session to end: each says `* BYE` after the command in
    /// progress and closes.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Serves one connection until LOGOUT, the client leaving, or
    /// [`ImapService::shutdown`].
    pub async fn serve<T: AsyncStream + 'static>(self: &Arc<Self>, stream: T, security: Security) {
        let imap = match security {
            Security::Plain => ImapServer::new(stream, self.server_config(false)),
            Security::StartTlsWith(upgrade) => {
                ImapServer::with_starttls_upgrade(stream, self.server_config(true), upgrade)
            }
            #[cfg(feature = "tls")]
            Security::StartTls(acceptor) => ImapServer::with_starttls(stream, self.server_config(true), acceptor),
            #[cfg(feature = "tls")]
            Security::Implicit(acceptor) => {
                // Boxed: the handshake's state is not kept for the session.
                match Box::pin(ImapServer::accept_tls(stream, &acceptor, self.server_config(false))).await {
                    Ok(imap) => imap,
                    Err(_) => return,
                }
            }
        };
        session::run(self.clone(), imap, self.shutdown.subscribe()).await;
    }

    #[cfg(test)]
    pub(crate) fn run_future_size(self: &Arc<Self>, imap: ImapServer) -> usize {
        std::mem::size_of_val(&session::run(self.clone(), imap, self.shutdown.subscribe()))
    }
}

#[cfg(test)]
mod tests;
