//! The POP3 session engine (RFC 1939 with CAPA, RESP-CODES, PIPELINING and
//! SASL PLAIN of RFC 2449 and 5034, STLS of RFC 2595, UTF8 of RFC 6856)
//! over any [`Store`]: the maildrop is the user's INBOX, messages in UID
//! (delivery) order, found again by UID at each command so that IMAP
//! sessions flagging or moving messages meanwhile do no harm; UIDLs from
//! [`Mailbox::pop3_ids`]; DELE applied at QUIT; messages (and TOP's lines)
//! streamed from the store a piece at a time.
//!
//! ```no_run
//! use std::sync::Arc;
//! use mail_serve::memory::MemoryStore;
//! use mail_serve::pop3::{Pop3Config, Pop3Service};
//! use mail_serve::imap::Security;
//!
//! # async fn run() -> std::io::Result<()> {
//! let store = MemoryStore::new();
//! store.add_user("alice", "secret");
//! let service = Arc::new(Pop3Service::new(store, Pop3Config::default()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:1110").await?;
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     let service = service.clone();
//!     tokio::spawn(async move { service.serve(stream, Security::Plain).await });
//! }
//! # }
//! ```

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail_codec::{AsyncStream, Pop3Server};
use pop3_wire::server::{ServerConfig, ServerEvent};
use pop3_wire::{
    Arg, Capability, CodeKind, Command, DropListing, MessageNumber, ScanListing, StatusLine, UniqueIdListing,
};
use tokio::sync::watch;

use crate::imap::Security;
use crate::policy::{parse_plain, plaintext_allowed, Deadlines, PlainError, PlaintextAuth};
use crate::store::{Account, Credentials, FlagOp, Flags, Mailbox, MailboxName, Store, StoreError, SystemFlags};

/// Settings of the POP3 engine. Defaults follow Dovecot's where it has
/// one (named on each field).
#[derive(Debug, Clone)]
pub struct Pop3Config {
    /// The greeting's text.
    pub greeting: String,
    /// The IMPLEMENTATION capability.
    pub implementation: String,
    /// A connection that has not logged in this long after it opened (a
    /// TLS handshake included) gets `-ERR` and is closed. Dovecot: 3
    /// minutes, hard-coded; here 60 s.
    pub login_timeout: Duration,
    /// A logged-in connection silent this long gets `-ERR` and is closed
    /// (its DELEs are not applied: RFC 1939 6, no UPDATE state without
    /// QUIT); the same time bounds a write the client takes nothing of.
    /// RFC 1939 3 asks for at least 10 minutes, the default (Dovecot's).
    pub idle_timeout: Duration,
    /// A failed login is answered after this delay (other sessions go on
    /// meanwhile). Dovecot's `auth_failure_delay`: 2 s.
    pub auth_failure_delay: Duration,
    /// Commands refused in a row, failed logins included (those are not
    /// forgiven by other commands, only by a login), after which the
    /// connection is closed. Dovecot: 20 (3 before login).
    pub max_bad_commands: u32,
    /// Where passwords may be sent before TLS; `None`: from the loopback
    /// address only when TLS is on offer, from anywhere when it is not
    /// (see [`PlaintextAuth`]). Dovecot's `disable_plaintext_auth`.
    pub plaintext_auth: Option<PlaintextAuth>,
}

impl Default for Pop3Config {
    fn default() -> Pop3Config {
        Pop3Config {
            greeting: "POP3 server ready".into(),
            implementation: "mail-serve".into(),
            login_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(10 * 60),
            auth_failure_delay: Duration::from_secs(2),
            max_bad_commands: 20,
            plaintext_auth: None,
        }
    }
}

/// A POP3 server over a store: shared by every session.
pub struct Pop3Service<S: Store> {
    store: S,
    config: Pop3Config,
    /// Users whose maildrop a session holds (RFC 1939's exclusive lock).
    locked: Mutex<HashSet<String>>,
    shutdown: watch::Sender<bool>,
}

impl<S: Store> std::fmt::Debug for Pop3Service<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pop3Service").field("config", &self.config).finish()
    }
}

fn arg(s: &str) -> Arg {
    Arg::try_from(s).unwrap_or_else(|_| Arg::try_from("x").expect("a valid argument"))
}

fn line(text: &str) -> StatusLine {
    StatusLine::ok(text).unwrap_or_else(|_| StatusLine::ok("").expect("an empty line is valid"))
}

fn err(code: Option<CodeKind>, text: &str) -> StatusLine {
    let made = match code {
        Some(code) => StatusLine::err_with_code(code, text),
        None => StatusLine::err(text),
    };
    made.unwrap_or_else(|_| StatusLine::err("error").expect("a valid line"))
}

/// The maildrop lock of one session, released however it ends.
struct Lock<S: Store> {
    service: Arc<Pop3Service<S>>,
    user: String,
}

impl<S: Store> Drop for Lock<S> {
    fn drop(&mut self) {
        self.service.locked.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.user);
    }
}

struct Message {
    uid: u32,
    size: u64,
    id: Arg,
    deleted: bool,
}

struct Maildrop<S: Store> {
    mailbox: <S::Account as Account>::Mailbox,
    messages: Vec<Message>,
    _lock: Lock<S>,
}

impl<S: Store> Pop3Service<S> {
    /// A service over `store`.
    pub fn new(store: S, config: Pop3Config) -> Pop3Service<S> {
        Pop3Service { store, config, locked: Mutex::default(), shutdown: watch::channel(false).0 }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    fn server_config(&self, plaintext_login: bool) -> ServerConfig {
        ServerConfig {
            plaintext_login,
            greeting: arg(&self.config.greeting),
            capabilities: vec![
                Capability::Top,
                Capability::User,
                Capability::Uidl,
                Capability::RespCodes,
                Capability::Pipelining,
                Capability::Sasl(vec![arg("PLAIN")]),
                // Messages go out as stored (never down-converted), and
                // names and passwords are taken as UTF-8.
                Capability::Utf8 { user: true },
                Capability::Implementation(arg(&self.config.implementation)),
            ],
            ..ServerConfig::default()
        }
    }

    /// Tells every session to end (after the command in progress).
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    fn lock(self: &Arc<Self>, user: &str) -> Option<Lock<S>> {
        let mut locked = self.locked.lock().unwrap_or_else(|e| e.into_inner());
        locked.insert(user.to_string()).then(|| Lock { service: self.clone(), user: user.to_string() })
    }

    /// Serves one connection until QUIT, the client leaving, a timeout, or
    /// [`Pop3Service::shutdown`]. The peer is unknown: it is not taken for
    /// the loopback address (see [`Pop3Service::serve_from`]).
    pub fn serve<T: AsyncStream + 'static>(
        self: &Arc<Self>,
        stream: T,
        security: Security,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.serve_peer(stream, security, None)
    }

    /// [`Pop3Service::serve`] for a client at `peer` (what
    /// [`PlaintextAuth::Loopback`] looks at).
    pub fn serve_from<T: AsyncStream + 'static>(
        self: &Arc<Self>,
        stream: T,
        security: Security,
        peer: IpAddr,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.serve_peer(stream, security, Some(peer))
    }

    pub(crate) fn serve_peer<T: AsyncStream + 'static>(
        self: &Arc<Self>,
        stream: T,
        security: Security,
        peer: Option<IpAddr>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let service = self.clone();
        let deadlines = Deadlines::new(self.config.login_timeout, self.config.idle_timeout);
        let plaintext = plaintext_allowed(self.config.plaintext_auth, &security, peer);
        let ready = |pop| -> Starting { Box::pin(std::future::ready(Some(pop))) };
        let starting: Starting = match security {
            Security::Plain => ready(Pop3Server::new(stream, self.server_config(plaintext))),
            Security::StartTlsWith(upgrade) => {
                ready(Pop3Server::with_stls_upgrade(stream, self.server_config(plaintext), upgrade))
            }
            #[cfg(feature = "tls")]
            Security::StartTls(acceptor) => {
                ready(Pop3Server::with_stls(stream, self.server_config(plaintext), acceptor))
            }
            #[cfg(feature = "tls")]
            Security::Implicit(acceptor) => {
                // The handshake is part of the time given to log in.
                let (config, deadline) = (self.server_config(true), deadlines.next(false));
                Box::pin(async move {
                    let handshake = Pop3Server::accept_tls(stream, &acceptor, config);
                    tokio::time::timeout_at(deadline, handshake).await.ok()?.ok()
                })
            }
        };
        async move {
            let Some(mut pop) = starting.await else { return };
            pop.set_write_timeout(Some(service.config.login_timeout));
            let shutdown = service.shutdown.subscribe();
            let mut session =
                Session { service, user: None, sasl_pending: false, maildrop: None, bad: 0, auth_failures: 0 };
            // Boxed: the session's work is not kept in the connection's
            // future at its largest size.
            Box::pin(session.run(pop, shutdown, deadlines)).await;
        }
    }
}

/// A connection until its machine runs: at once, or after the TLS
/// handshake.
type Starting = std::pin::Pin<Box<dyn std::future::Future<Output = Option<Pop3Server>> + Send>>;

struct Session<S: Store> {
    service: Arc<Pop3Service<S>>,
    user: Option<String>,
    sasl_pending: bool,
    maildrop: Option<Maildrop<S>>,
    /// Commands refused in a row.
    bad: u32,
    /// Logins refused on this connection (not forgiven by other commands;
    /// back to zero at login).
    auth_failures: u32,
}

enum Wake {
    Event(Result<Option<ServerEvent>, mail_codec::Error>),
    Shutdown,
    TimedOut,
}

/// Says why in a last `-ERR` and closes; a client that takes nothing is
/// given up on after the write timeout.
async fn goodbye(pop: &mut Pop3Server, code: Option<CodeKind>, text: &str) {
    let _ = pop.machine_mut().disconnect(err(code, text));
    let _ = pop.shutdown().await;
}

impl<S: Store> Session<S> {
    async fn run(&mut self, mut pop: Pop3Server, mut shutdown: watch::Receiver<bool>, mut deadlines: Deadlines) {
        loop {
            if *shutdown.borrow() {
                return goodbye(&mut pop, Some(CodeKind::SysTemp), "server shutting down").await;
            }
            let authenticated = self.maildrop.is_some();
            let wake = tokio::select! {
                event = pop.next_event() => Wake::Event(event),
                _ = shutdown.changed() => Wake::Shutdown,
                () = tokio::time::sleep_until(deadlines.next(authenticated)) => Wake::TimedOut,
            };
            let event = match wake {
                Wake::Shutdown => continue,
                Wake::TimedOut if authenticated => {
                    return goodbye(&mut pop, None, "disconnected for inactivity, nothing deleted").await
                }
                Wake::TimedOut => return goodbye(&mut pop, None, "login timeout: log in sooner").await,
                Wake::Event(event) => event,
            };
            deadlines.input();
            let result = match event {
                Ok(Some(ServerEvent::Command(command))) => {
                    self.bad = 0;
                    let result = self.command(&mut pop, command).await;
                    if !authenticated && self.maildrop.is_some() {
                        pop.set_write_timeout(Some(self.service.config.idle_timeout));
                    }
                    result
                }
                Ok(Some(ServerEvent::SaslResponse(data))) => {
                    if std::mem::replace(&mut self.sasl_pending, false) {
                        let result = self.sasl_plain(&mut pop, &data).await;
                        if self.maildrop.is_some() {
                            pop.set_write_timeout(Some(self.service.config.idle_timeout));
                        }
                        result
                    } else {
                        Ok(())
                    }
                }
                Ok(Some(ServerEvent::SaslCancelled)) => {
                    self.sasl_pending = false;
                    Ok(())
                }
                Ok(Some(ServerEvent::Rejected { .. })) => {
                    self.bad += 1;
                    Ok(())
                }
                Ok(Some(ServerEvent::Closed)) | Ok(None) | Err(_) => return,
                Ok(Some(_)) => Ok(()),
            };
            if self.bad + self.auth_failures >= self.service.config.max_bad_commands {
                return goodbye(&mut pop, None, "too many invalid commands").await;
            }
            let flushed = match result {
                Ok(()) => pop.flush().await,
                Err(e) => Err(e),
            };
            if flushed.is_err() {
                // The connection is broken or the client stopped reading:
                // nothing more can be said.
                return;
            }
        }
    }

    /// A refused login: answered late, and counted.
    async fn refused_login(&mut self) {
        self.auth_failures += 1;
        tokio::time::sleep(self.service.config.auth_failure_delay).await;
    }

    async fn login(&mut self, pop: &mut Pop3Server, credentials: Credentials) -> Result<(), mail_codec::Error> {
        let account = match self.service.store.login(&credentials).await {
            Ok(account) => account,
            Err(crate::store::AuthError::Unavailable) => {
                let reply = err(Some(CodeKind::SysTemp), "cannot check passwords now, try again later");
                return Ok(pop.machine_mut().complete(reply)?);
            }
            Err(_) => {
                self.refused_login().await;
                return Ok(pop.machine_mut().complete(err(Some(CodeKind::Auth), "invalid user name or password"))?);
            }
        };
        let Some(lock) = self.service.lock(account.user()) else {
            return Ok(pop
                .machine_mut()
                .complete(err(Some(CodeKind::InUse), "the maildrop is in use by another session"))?);
        };
        let opened = async {
            let mailbox = account.open(&MailboxName::inbox(self.service.store.features().delimiter)).await?;
            let metas = mailbox.messages().await?;
            let uids: Vec<u32> = metas.iter().map(|m| m.uid).collect();
            let ids = mailbox.pop3_ids(&uids).await?;
            let mut messages = Vec::with_capacity(metas.len());
            let mut ids = ids.into_iter().peekable();
            for meta in metas {
                let Some((_, id)) = ids.next_if(|(u, _)| *u == meta.uid) else { continue };
                messages.push(Message { uid: meta.uid, size: meta.size, id: arg(&id), deleted: false });
            }
            Ok::<_, StoreError>((mailbox, messages))
        };
        match opened.await {
            Ok((mailbox, messages)) => {
                self.auth_failures = 0;
                let count = messages.len();
                self.maildrop = Some(Maildrop { mailbox, messages, _lock: lock });
                Ok(pop.machine_mut().complete(line(&format!("maildrop has {count} messages")))?)
            }
            Err(e) => Ok(pop
                .machine_mut()
                .complete(err(Some(CodeKind::SysTemp), &format!("cannot open the maildrop: {e}")))?),
        }
    }

    async fn sasl_plain(&mut self, pop: &mut Pop3Server, data: &[u8]) -> Result<(), mail_codec::Error> {
        let text = match parse_plain(data) {
            Ok(credentials) => return self.login(pop, credentials).await,
            Err(PlainError::Malformed) => "malformed PLAIN response",
            Err(PlainError::Authorization) => "not authorized to act as that user",
        };
        self.refused_login().await;
        Ok(pop.machine_mut().complete(err(Some(CodeKind::Auth), text))?)
    }

    fn message(&self, n: MessageNumber) -> Option<&Message> {
        let m = self.maildrop.as_ref()?.messages.get(n.get() as usize - 1)?;
        (!m.deleted).then_some(m)
    }

    fn listing<T>(&self, f: impl Fn(MessageNumber, &Message) -> T) -> Vec<T> {
        let messages = self.maildrop.iter().flat_map(|d| d.messages.iter().enumerate());
        messages
            .filter(|(_, m)| !m.deleted)
            .filter_map(|(i, m)| Some(f(MessageNumber::try_from(i as u32 + 1).ok()?, m)))
            .collect()
    }

    async fn command(&mut self, pop: &mut Pop3Server, command: Command) -> Result<(), mail_codec::Error> {
        let no_such = || err(None, "no such message");
        match command {
            Command::User(name) => {
                self.user = Some(String::from_utf8_lossy(name.as_bytes()).into_owned());
                pop.machine_mut().complete(line("send PASS"))?;
            }
            Command::Pass(password) => {
                let password = String::from_utf8_lossy(password.as_bytes()).into_owned();
                let user = self.user.take().unwrap_or_default();
                self.login(pop, Credentials { user, password, authorize_as: None }).await?;
            }
            Command::Auth { mechanism: None, .. } => {
                pop.machine_mut().complete_with_lines(line("mechanisms follow"), &[b"PLAIN".to_vec()])?;
            }
            Command::Auth { mechanism: Some(mechanism), initial_response } => {
                if !mechanism.as_bytes().eq_ignore_ascii_case(b"PLAIN") {
                    pop.machine_mut().complete(err(None, "unsupported SASL mechanism"))?;
                } else if let Some(ir) = initial_response {
                    self.sasl_plain(pop, &ir).await?;
                } else {
                    self.sasl_pending = true;
                    pop.machine_mut().sasl_challenge(b"")?;
                }
            }
            Command::Stls => pop.machine_mut().complete(line("Begin TLS negotiation now"))?,
            Command::Stat => {
                let live = self.maildrop.iter().flat_map(|d| &d.messages).filter(|m| !m.deleted);
                let (messages, octets) = live.fold((0u32, 0u64), |(n, s), m| (n + 1, s + m.size));
                pop.machine_mut().complete(StatusLine::from(&DropListing { messages, octets }))?;
            }
            Command::List(Some(n)) => {
                let reply = match self.message(n) {
                    Some(m) => StatusLine::from(&ScanListing { message: n, octets: m.size }),
                    None => no_such(),
                };
                pop.machine_mut().complete(reply)?;
            }
            Command::List(None) => {
                let entries: Vec<ScanListing> = self.listing(|n, m| ScanListing { message: n, octets: m.size });
                pop.machine_mut().complete_with_scan_listing(line(&format!("{} messages", entries.len())), &entries)?;
            }
            Command::Uidl(Some(n)) => {
                let reply = match self.message(n) {
                    Some(m) => StatusLine::from(&UniqueIdListing { message: n, uid: m.id.clone() }),
                    None => no_such(),
                };
                pop.machine_mut().complete(reply)?;
            }
            Command::Uidl(None) => {
                let entries = self.listing(|n, m| UniqueIdListing { message: n, uid: m.id.clone() });
                pop.machine_mut().complete_with_unique_ids(line("unique-id listing follows"), &entries)?;
            }
            Command::Retr(n) => match self.message(n).map(|m| (m.uid, m.size)) {
                Some((uid, size)) => self.send(pop, uid, size, &format!("{size} octets"), None).await?,
                None => pop.machine_mut().complete(no_such())?,
            },
            Command::Top { message, lines } => match self.message(message).map(|m| (m.uid, m.size)) {
                Some((uid, size)) => self.send(pop, uid, size, "top of message follows", Some(lines)).await?,
                None => pop.machine_mut().complete(no_such())?,
            },
            Command::Dele(n) => {
                if self.message(n).is_some() {
                    if let Some(m) = self.maildrop.as_mut().and_then(|d| d.messages.get_mut(n.get() as usize - 1)) {
                        m.deleted = true;
                    }
                    pop.machine_mut().complete(line(&format!("message {n} deleted")))?;
                } else {
                    pop.machine_mut().complete(no_such())?;
                }
            }
            Command::Rset => {
                for m in self.maildrop.iter_mut().flat_map(|d| &mut d.messages) {
                    m.deleted = false;
                }
                pop.machine_mut().complete(line("maildrop reset"))?;
            }
            Command::Noop => pop.machine_mut().complete(line(""))?,
            Command::Utf8 => pop.machine_mut().complete(line("UTF-8 mode (names and passwords are UTF-8)"))?,
            Command::Quit => {
                // The UPDATE state: deletions take effect now, and only now.
                let reply = match self.maildrop.take() {
                    Some(maildrop) => {
                        let mut doomed: Vec<u32> =
                            maildrop.messages.iter().filter(|m| m.deleted).map(|m| m.uid).collect();
                        doomed.sort_unstable();
                        match update(&maildrop.mailbox, &doomed).await {
                            Ok(()) => line("bye"),
                            Err(e) => err(Some(CodeKind::SysPerm), &format!("some messages could not be deleted: {e}")),
                        }
                    }
                    None => line("bye"),
                };
                pop.machine_mut().complete(reply)?;
            }
            _ => pop.machine_mut().complete(err(None, "command not supported"))?,
        }
        Ok(())
    }

    /// Streams a message (or its header and `lines` body lines, for TOP)
    /// from the store, a piece at a time.
    async fn send(
        &mut self,
        pop: &mut Pop3Server,
        uid: u32,
        size: u64,
        text: &str,
        lines: Option<u32>,
    ) -> Result<(), mail_codec::Error> {
        let Some(maildrop) = &self.maildrop else { return Ok(pop.machine_mut().complete(err(None, "no maildrop"))?) };
        let content = match maildrop.mailbox.open(uid).await {
            Ok(c) => c,
            Err(e) => {
                let reply = err(Some(CodeKind::SysTemp), &format!("cannot read the message: {e}"));
                return Ok(pop.machine_mut().complete(reply)?);
            }
        };
        let mut reader = crate::imap::content::WireReader::new(content, size);
        pop.machine_mut().begin_body(line(text))?;
        let mut at = 0;
        // TOP: the header, then `lines` body lines.
        let mut top = lines.map(|n| TopCut { limit: n, in_body: false, body_lines: 0, line_start: true });
        loop {
            let piece = match reader.read(at).await {
                Ok(piece) => piece,
                // The message went away mid-way: end what was sent.
                Err(_) => break,
            };
            if piece.is_empty() {
                break;
            }
            at += piece.len() as u64;
            let (send, done) = match &mut top {
                Some(cut) => cut.take(&piece),
                None => (piece.len(), false),
            };
            pop.machine_mut().body_data(&piece[..send])?;
            pop.flush().await?;
            if done {
                break;
            }
        }
        pop.machine_mut().end_body()?;
        Ok(())
    }
}

/// Where TOP stops: after the header's blank line and `limit` more lines.
struct TopCut {
    limit: u32,
    in_body: bool,
    body_lines: u32,
    line_start: bool,
}

impl TopCut {
    /// How much of `piece` to send, and whether that is the end.
    fn take(&mut self, piece: &[u8]) -> (usize, bool) {
        if self.in_body && self.body_lines >= self.limit {
            return (0, true);
        }
        for (i, &b) in piece.iter().enumerate() {
            if b == b'\n' {
                if self.in_body {
                    self.body_lines += 1;
                } else if self.line_start {
                    self.in_body = true;
                }
                self.line_start = true;
                if self.in_body && self.body_lines >= self.limit {
                    return (i + 1, true);
                }
            } else if b != b'\r' {
                self.line_start = false;
            }
        }
        (piece.len(), false)
    }
}

/// Applies the session's deletions.
async fn update<M: Mailbox>(mailbox: &M, doomed: &[u32]) -> Result<(), StoreError> {
    if doomed.is_empty() {
        return Ok(());
    }
    mailbox.store_flags(doomed, FlagOp::Add, &Flags::system_only(SystemFlags::DELETED), None).await?;
    let removed = mailbox.expunge(Some(doomed)).await?;
    if removed.len() < doomed.len() {
        // Gone already (another session) counts as deleted.
        let left = mailbox.messages_by_uid(doomed).await?;
        if !left.is_empty() {
            return Err(StoreError::NotAllowed("could not be removed"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_cuts_after_the_header_and_n_lines() {
        let message = b"A: 1\r\nB: 2\r\n\r\none\r\ntwo\r\nthree\r\n";
        for piece in 1..message.len() {
            for (n, expect) in [(0u32, 14usize), (1, 19), (2, 24), (9, message.len())] {
                let mut cut = TopCut { limit: n, in_body: false, body_lines: 0, line_start: true };
                let mut sent = 0;
                for chunk in message.chunks(piece) {
                    let (take, done) = cut.take(chunk);
                    sent += take;
                    if done {
                        break;
                    }
                }
                assert_eq!(sent, expect, "TOP {n} in pieces of {piece}");
            }
        }
    }

    async fn read_until(io: &mut tokio::io::DuplexStream, end: &[u8]) -> String {
        use tokio::io::AsyncReadExt;
        let mut out = Vec::new();
        let mut byte = [0u8; 1];
        while !out.ends_with(end) {
            let n =
                tokio::time::timeout(std::time::Duration::from_secs(10), io.read(&mut byte)).await.unwrap().unwrap();
            if n == 0 {
                break;
            }
            out.push(byte[0]);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    async fn connect(service: &Arc<Pop3Service<crate::memory::MemoryStore>>) -> tokio::io::DuplexStream {
        let (mut ours, theirs) = tokio::io::duplex(1 << 16);
        let service = service.clone();
        tokio::spawn(async move { service.serve(theirs, Security::Plain).await });
        assert!(read_until(&mut ours, b"\r\n").await.starts_with("+OK"));
        ours
    }

    async fn say(io: &mut tokio::io::DuplexStream, line: &str, multi: bool) -> String {
        use tokio::io::AsyncWriteExt;
        io.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
        let first = read_until(io, b"\r\n").await;
        if multi && first.starts_with("+OK") {
            first + &read_until(io, b"\r\n.\r\n").await
        } else {
            first
        }
    }

    #[tokio::test]
    async fn a_maildrop_session() {
        let store = crate::memory::MemoryStore::new();
        store.add_user("alice", "pw");
        store.deliver("alice", b"Subject: one\n\n.dot line\nsecond\n").unwrap();
        store.deliver("alice", b"Subject: two\r\n\r\nbody\r\n").unwrap();
        let service = Arc::new(Pop3Service::new(store, Pop3Config::default()));
        let mut a = connect(&service).await;
        assert!(say(&mut a, "USER alice", false).await.starts_with("+OK"));
        assert!(say(&mut a, "PASS wrong", false).await.starts_with("-ERR [AUTH]"));
        say(&mut a, "USER alice", false).await;
        assert!(say(&mut a, "PASS pw", false).await.starts_with("+OK maildrop has 2"));
        let mut b = connect(&service).await;
        say(&mut b, "USER alice", false).await;
        assert!(say(&mut b, "PASS pw", false).await.starts_with("-ERR [IN-USE]"));
        assert_eq!(say(&mut a, "STAT", false).await, "+OK 2 57\r\n");
        let retr = say(&mut a, "RETR 1", true).await;
        assert!(retr.ends_with("Subject: one\r\n\r\n..dot line\r\nsecond\r\n.\r\n"), "{retr:?}");
        let top = say(&mut a, "TOP 1 1", true).await;
        assert!(top.ends_with("Subject: one\r\n\r\n..dot line\r\n.\r\n"), "{top:?}");
        let uidl = say(&mut a, "UIDL", true).await;
        assert!(uidl.contains("1 00000001") && uidl.contains("2 00000002"), "{uidl}");
        assert!(say(&mut a, "DELE 1", false).await.starts_with("+OK"));
        assert!(say(&mut a, "RETR 1", false).await.starts_with("-ERR"));
        assert!(say(&mut a, "QUIT", false).await.starts_with("+OK"));
        let mut c = connect(&service).await;
        say(&mut c, "USER alice", false).await;
        assert!(say(&mut c, "PASS pw", false).await.starts_with("+OK maildrop has 1"), "deleted at QUIT");
        let uidl = say(&mut c, "UIDL", true).await;
        assert!(uidl.contains("1 00000002"), "the same UIDL for the same message: {uidl}");
    }
}
