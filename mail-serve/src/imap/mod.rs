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

mod append;
mod cache;
pub(crate) mod content;
mod fetch;
mod mailboxes;
mod notify;
mod quota;
mod search;
mod session;
mod sort;
mod thread;
mod util;
mod view;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use imap_wire::server::ServerConfig;
use imap_wire::{Atom, Capability, Code, Greeting, GreetingKind, Text};
use mail_codec::{AsyncStream, ImapServer};
use tokio::sync::watch;

pub(crate) use cache::StructureCache;

use crate::mime::ScanLimits;
use crate::policy::{plaintext_allowed, PlaintextAuth};
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
    /// Updating searches (`SEARCH RETURN (UPDATE)`, RFC 5267) one session
    /// may keep at once; one more gets `NO [NOUPDATE]` (its results are
    /// still answered). Each costs its criteria and its result's UIDs,
    /// and a search among the changed messages after every command.
    pub max_search_contexts: usize,
    /// Mailboxes one NOTIFY SET may watch besides the selected one (RFC
    /// 5465); more is refused with `NO [NOTIFICATIONOVERFLOW]`. Each is
    /// an open mailbox, and a STATUS read when it changes (on every poll
    /// for stores other programs change).
    pub max_notify_mailboxes: usize,
    /// Offer BINARY (RFC 3516; on by default). FETCH BINARY works either
    /// way, and APPEND always stores binary parts as base64 (the stores
    /// keep the CRLF form), so that their bytes come back exactly.
    pub offer_binary: bool,
    /// A connection that has not logged in this long after it opened (a
    /// TLS handshake included) gets `* BYE` and is closed. Dovecot: 3
    /// minutes, hard-coded (`CLIENT_LOGIN_TIMEOUT_MSECS`); here 60 s.
    pub login_timeout: Duration,
    /// A logged-in connection silent this long gets `* BYE Autologout`
    /// and is closed; the same time bounds a write the client takes
    /// nothing of. RFC 3501 5.4 asks for at least 30 minutes (the
    /// default, as Dovecot's `CLIENT_IDLE_TIMEOUT_MSECS`). IDLE counts as
    /// silence, as RFC 2177 allows: its clients re-issue IDLE every 29
    /// minutes, which re-arms the timer (Dovecot keeps IDLE forever).
    pub idle_timeout: Duration,
    /// During IDLE with nothing to report for this long, the session sends
    /// `* OK Still here`, so that NAT mappings and firewalls keep the
    /// connection and a peer that is gone is found by the failed write.
    /// Dovecot's `imap_idle_notify_interval`: 2 minutes. `None`: never.
    pub idle_keepalive: Option<Duration>,
    /// A failed login is answered after this delay (other sessions go on
    /// meanwhile), and counts toward `max_bad_commands` until a login
    /// succeeds, whatever commands come in between. Dovecot's `auth_failure_delay`: 2 s.
    pub auth_failure_delay: Duration,
    /// Where passwords may be sent before TLS; `None`: from the loopback
    /// address only when TLS is on offer, from anywhere when it is not
    /// (see [`PlaintextAuth`]). Dovecot's `disable_plaintext_auth`.
    pub plaintext_auth: Option<PlaintextAuth>,
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
            max_search_contexts: 10,
            max_notify_mailboxes: 100,
            offer_binary: true,
            login_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(30 * 60),
            idle_keepalive: Some(Duration::from_secs(2 * 60)),
            auth_failure_delay: Duration::from_secs(2),
            plaintext_auth: None,
        }
    }
}

/// A connection until its machine runs: at once, or after the TLS
/// handshake (boxed, so that a session does not keep its state).
type Starting = std::pin::Pin<Box<dyn std::future::Future<Output = Option<ImapServer>> + Send>>;

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
        let mut caps = vec![
            Capability::Imap4Rev1,
            Capability::Imap4Rev2,
            Capability::LiteralPlus,
            Capability::SaslIr,
            Capability::Idle,
        ];
        let mut names =
            vec!["ID", "ENABLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "CHILDREN", "ESEARCH", "WITHIN", "SORT"];
        names.extend([
            "SORT=DISPLAY",
            "ESORT",
            "THREAD=ORDEREDSUBJECT",
            "THREAD=REFERENCES",
            "THREAD=REFS",
            "STATUS=SIZE",
            "UNAUTHENTICATE",
            "LIST-EXTENDED",
            "LIST-STATUS",
            "CONTEXT=SEARCH",
            "PARTIAL",
            "MULTIAPPEND",
            "CATENATE",
            "NOTIFY",
            "SEARCHRES",
        ]);
        if self.config.offer_binary {
            names.push("BINARY");
        }
        if self.features.persistent_modseq {
            names.extend(["CONDSTORE", "QRESYNC"]);
        }
        if self.features.special_use {
            names.extend(["SPECIAL-USE", "CREATE-SPECIAL-USE"]);
        }
        if self.features.save_date {
            names.push("SAVEDATE");
        }
        if self.features.quota {
            names.extend(["QUOTA", "QUOTA=RES-STORAGE"]);
        }
        for name in names {
            caps.push(Capability::Other(atom(name)));
        }
        caps.push(Capability::Other(atom("COMPRESS=DEFLATE")));
        caps.push(Capability::Auth(atom("PLAIN")));
        caps
    }

    pub(crate) fn server_config(&self, starttls: bool, plaintext_login: bool) -> ServerConfig {
        let mut advertised = self.capabilities();
        if starttls {
            advertised.push(Capability::StartTls);
        }
        if !plaintext_login {
            advertised.retain(|c| !matches!(c, Capability::Auth(_)));
            advertised.push(Capability::LoginDisabled);
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
            plaintext_login,
            max_bad_commands: self.config.max_bad_commands,
            ..ServerConfig::default()
        }
    }

    /// Tells every session to end: each says `* BYE` after the command in
    /// progress and closes.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Serves one connection until LOGOUT, the client leaving, a timeout,
    /// or [`ImapService::shutdown`]. The peer is unknown: it is not taken
    /// for the loopback address (see [`ImapService::serve_from`]).
    pub fn serve<T: AsyncStream + 'static>(
        self: &Arc<Self>,
        stream: T,
        security: Security,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.serve_peer(stream, security, None)
    }

    /// [`ImapService::serve`] for a client at `peer` (what
    /// [`PlaintextAuth::Loopback`] looks at).
    pub fn serve_from<T: AsyncStream + 'static>(
        self: &Arc<Self>,
        stream: T,
        security: Security,
        peer: IpAddr,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.serve_peer(stream, security, Some(peer))
    }

    /// A plain function returning the future, as `session::run`: the
    /// connection is kept once, in the machine's driver.
    pub(crate) fn serve_peer<T: AsyncStream + 'static>(
        self: &Arc<Self>,
        stream: T,
        security: Security,
        peer: Option<IpAddr>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let service = self.clone();
        let deadlines = crate::policy::Deadlines::new(self.config.login_timeout, self.config.idle_timeout);
        let plaintext = plaintext_allowed(self.config.plaintext_auth, &security, peer);
        let ready = |imap| -> Starting { Box::pin(std::future::ready(Some(imap))) };
        let starting: Starting = match security {
            Security::Plain => ready(ImapServer::new(stream, self.server_config(false, plaintext))),
            Security::StartTlsWith(upgrade) => {
                ready(ImapServer::with_starttls_upgrade(stream, self.server_config(true, plaintext), upgrade))
            }
            #[cfg(feature = "tls")]
            Security::StartTls(acceptor) => {
                ready(ImapServer::with_starttls(stream, self.server_config(true, plaintext), acceptor))
            }
            #[cfg(feature = "tls")]
            Security::Implicit(acceptor) => {
                // The handshake is part of the time given to log in.
                let (config, deadline) = (self.server_config(false, true), deadlines.next(false));
                Box::pin(async move {
                    let handshake = ImapServer::accept_tls(stream, &acceptor, config);
                    tokio::time::timeout_at(deadline, handshake).await.ok()?.ok()
                })
            }
        };
        async move {
            // The machine is moved into the session's future in a scope of
            // its own, so that this future keeps no second place for it.
            let session = {
                let Some(mut imap) = starting.await else { return };
                // Until login, no write waits longer than the login timeout.
                imap.set_write_timeout(Some(service.config.login_timeout));
                let shutdown = service.shutdown.subscribe();
                session::run(service, imap, shutdown, deadlines)
            };
            session.await;
        }
    }

    #[cfg(test)]
    pub(crate) fn run_future_size(self: &Arc<Self>, imap: ImapServer) -> usize {
        let deadlines = crate::policy::Deadlines::new(self.config.login_timeout, self.config.idle_timeout);
        std::mem::size_of_val(&session::run(self.clone(), imap, self.shutdown.subscribe(), deadlines))
    }
}

#[cfg(test)]
mod tests;
