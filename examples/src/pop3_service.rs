//! The POP3 server's sessions (the `pop3-server` program and the demo
//! share them): each user's Maildir INBOX (`MAIL_ROOT/NAME/`) as a
//! maildrop, locked while a session holds it; UIDLs from the Maildir's
//! unique names, so they stay stable across sessions; DELE applied only at
//! QUIT; messages streamed from disk, dot-stuffed on the way out.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mail_codec::{tls, Pop3Server};
use pop3_wire::server::{ServerConfig, ServerEvent};
use pop3_wire::{Arg, Capability, CodeKind, Command, DropListing, ScanListing, StatusLine, UniqueIdListing};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::maildir::{wire_size, Maildir};
use crate::serve::{Entry, Users};

/// What every session of one server shares.
pub struct Pop3Service {
    users: Users,
    mail_root: PathBuf,
    acceptor: Option<tls::TlsAcceptor>,
    locked: Mutex<HashSet<String>>,
}

impl Pop3Service {
    /// A service over the users' Maildirs under `mail_root`; with an
    /// acceptor, STLS is offered on the plain port and the TLS port works.
    pub fn new(users: Users, mail_root: PathBuf, acceptor: Option<tls::TlsAcceptor>) -> Pop3Service {
        Pop3Service { users, mail_root, acceptor, locked: Mutex::new(HashSet::new()) }
    }

    fn lock(self: &Arc<Self>, user: &str) -> Option<Lock> {
        let mut locked = self.locked.lock().unwrap_or_else(|e| e.into_inner());
        locked.insert(user.to_string()).then(|| Lock { service: self.clone(), user: user.to_string() })
    }
}

impl std::fmt::Debug for Pop3Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pop3Service")
            .field("mail_root", &self.mail_root)
            .field("tls", &self.acceptor.is_some())
            .finish()
    }
}

/// A maildrop lock, released when the session ends however it ends.
#[derive(Debug)]
struct Lock {
    service: Arc<Pop3Service>,
    user: String,
}

impl Drop for Lock {
    fn drop(&mut self) {
        self.service.locked.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.user);
    }
}

/// One message of a locked maildrop.
#[derive(Debug)]
struct Message {
    path: PathBuf,
    /// Octets as sent (CRLF line ends), before dot-stuffing.
    size: u64,
    uidl: Arg,
    deleted: bool,
}

#[derive(Debug)]
struct Maildrop {
    messages: Vec<Message>,
    _lock: Lock,
}

/// A UIDL from a Maildir unique name: the name itself where it fits the
/// RFC's 1 to 70 characters of 0x21..0x7E, else a digest of it.
fn uidl_of(unique: &str) -> Arg {
    let fits = (1..=70).contains(&unique.len()) && unique.bytes().all(|b| (0x21..=0x7e).contains(&b));
    let text = if fits {
        unique.to_string()
    } else {
        // FNV-1a, twice with different seeds: stable and 32 hex digits.
        let hash = |seed: u64| unique.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
        format!("{:016x}{:016x}", hash(0xcbf29ce484222325), hash(0x84222325cbf29ce4))
    };
    Arg::try_from(text.as_str()).unwrap_or_else(|_| Arg::try_from("invalid").expect("a valid argument"))
}

fn open_maildrop(dir: &Path, lock: Lock) -> io::Result<Maildrop> {
    let maildir = Maildir::create(dir)?;
    let mut messages = Vec::new();
    for entry in maildir.entries()? {
        let size = wire_size(&entry.path)?;
        messages.push(Message { uidl: uidl_of(&entry.unique), path: entry.path, size, deleted: false });
    }
    Ok(Maildrop { messages, _lock: lock })
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

/// The server settings: the capabilities this server has.
pub fn config() -> ServerConfig {
    let arg = |s: &str| Arg::try_from(s).expect("a valid argument");
    ServerConfig {
        greeting: arg("mail-proto POP3 server ready"),
        capabilities: vec![
            Capability::Top,
            Capability::User,
            Capability::Uidl,
            Capability::RespCodes,
            Capability::Pipelining,
            Capability::Sasl(vec![arg("PLAIN")]),
            Capability::Implementation(arg("mail-proto-example")),
        ],
        ..ServerConfig::default()
    }
}

/// Runs one POP3 session until QUIT, the client leaves, or the server
/// shuts down (then the connection is closed and nothing is deleted).
pub async fn session(service: Arc<Pop3Service>, stream: TcpStream, entry: Entry, mut shutdown: watch::Receiver<bool>) {
    let pop = match (entry, &service.acceptor) {
        (Entry::Tls, Some(acceptor)) => Pop3Server::accept_tls(stream, acceptor, config()).await,
        (Entry::Plain, Some(acceptor)) => Ok(Pop3Server::with_stls(stream, config(), acceptor.clone())),
        _ => Ok(Pop3Server::new(stream, config())),
    };
    let Ok(mut pop) = pop else { return };
    let mut state = Session { service, user: None, sasl_pending: false, maildrop: None };
    loop {
        let event = tokio::select! {
            event = pop.next_event() => event,
            _ = shutdown.changed() => {
                let _ = pop.shutdown().await;
                return;
            }
        };
        let event = match event {
            Ok(Some(event)) => event,
            _ => return,
        };
        let result = match event {
            ServerEvent::Command(command) => state.command(&mut pop, command).await,
            ServerEvent::SaslResponse(data) => state.sasl_response(&mut pop, &data),
            ServerEvent::SaslCancelled => {
                state.sasl_pending = false;
                Ok(())
            }
            ServerEvent::Closed => return,
            _ => Ok(()),
        };
        if result.is_err() {
            let _ = pop.shutdown().await;
            return;
        }
    }
}

struct Session {
    service: Arc<Pop3Service>,
    /// The name given with USER.
    user: Option<String>,
    sasl_pending: bool,
    maildrop: Option<Maildrop>,
}

impl Session {
    /// Logs in: locks and opens the maildrop, or refuses.
    fn login(&mut self, pop: &mut Pop3Server, user: &str, password: &str) -> Result<(), mail_codec::Error> {
        let m = pop.machine_mut();
        if !self.service.users.check(user, password) {
            return Ok(m.complete(err(Some(CodeKind::Auth), "invalid user name or password"))?);
        }
        let Some(lock) = self.service.lock(user) else {
            return Ok(m.complete(err(Some(CodeKind::InUse), "the maildrop is in use by another session"))?);
        };
        match open_maildrop(&Users::mail_dir(&self.service.mail_root, user), lock) {
            Ok(maildrop) => {
                let count = maildrop.messages.len();
                self.maildrop = Some(maildrop);
                Ok(m.complete(line(&format!("maildrop has {count} messages")))?)
            }
            Err(e) => Ok(m.complete(err(Some(CodeKind::SysTemp), &format!("cannot open the maildrop: {e}")))?),
        }
    }

    fn sasl_plain(&mut self, pop: &mut Pop3Server, data: &[u8]) -> Result<(), mail_codec::Error> {
        let mut parts = data.split(|&b| b == 0);
        let (_authzid, user, password) = (parts.next(), parts.next(), parts.next());
        match (user, password, parts.next()) {
            (Some(user), Some(password), None) => {
                let (user, password) = (String::from_utf8_lossy(user), String::from_utf8_lossy(password));
                self.login(pop, &user, &password)
            }
            _ => Ok(pop.machine_mut().complete(err(Some(CodeKind::Auth), "malformed PLAIN response"))?),
        }
    }

    fn sasl_response(&mut self, pop: &mut Pop3Server, data: &[u8]) -> Result<(), mail_codec::Error> {
        if !std::mem::replace(&mut self.sasl_pending, false) {
            return Ok(());
        }
        self.sasl_plain(pop, data)
    }

    /// The message a number names, unless deleted.
    fn message(&self, n: pop3_wire::MessageNumber) -> Option<&Message> {
        let m = self.maildrop.as_ref()?.messages.get(n.get() as usize - 1)?;
        (!m.deleted).then_some(m)
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
                self.login(pop, &user, &password)?;
            }
            Command::Auth { mechanism: None, .. } => {
                pop.machine_mut().complete_with_lines(line("mechanisms follow"), &[b"PLAIN".to_vec()])?;
            }
            Command::Auth { mechanism: Some(mechanism), initial_response } => {
                if !mechanism.as_bytes().eq_ignore_ascii_case(b"PLAIN") {
                    pop.machine_mut().complete(err(None, "unsupported SASL mechanism"))?;
                } else if let Some(ir) = initial_response {
                    self.sasl_plain(pop, &ir)?;
                } else {
                    self.sasl_pending = true;
                    pop.machine_mut().sasl_challenge(b"")?;
                }
            }
            Command::Stls => {
                pop.machine_mut().complete(StatusLine::ok("Begin TLS negotiation now").expect("valid text"))?
            }
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
                    Some(m) => StatusLine::from(&UniqueIdListing { message: n, uid: m.uidl.clone() }),
                    None => no_such(),
                };
                pop.machine_mut().complete(reply)?;
            }
            Command::Uidl(None) => {
                let entries = self.listing(|n, m| UniqueIdListing { message: n, uid: m.uidl.clone() });
                pop.machine_mut().complete_with_unique_ids(line("unique-id listing follows"), &entries)?;
            }
            Command::Retr(n) => match self.message(n).map(|m| (m.path.clone(), m.size)) {
                Some((path, size)) => send_message(pop, &path, &format!("{size} octets"), None).await?,
                None => pop.machine_mut().complete(no_such())?,
            },
            Command::Top { message, lines } => match self.message(message).map(|m| m.path.clone()) {
                Some(path) => send_message(pop, &path, "top of message follows", Some(lines)).await?,
                None => pop.machine_mut().complete(no_such())?,
            },
            Command::Dele(n) => {
                let found = self.message(n).is_some();
                if found {
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
                let mut failed = 0;
                if let Some(maildrop) = self.maildrop.take() {
                    for m in maildrop.messages.iter().filter(|m| m.deleted) {
                        if std::fs::remove_file(&m.path).is_err() {
                            failed += 1;
                        }
                    }
                }
                let reply = if failed == 0 {
                    line("bye")
                } else {
                    err(Some(CodeKind::SysPerm), &format!("{failed} messages could not be deleted"))
                };
                pop.machine_mut().complete(reply)?;
            }
            _ => pop.machine_mut().complete(err(None, "command not supported"))?,
        }
        Ok(())
    }

    fn listing<T>(&self, f: impl Fn(pop3_wire::MessageNumber, &Message) -> T) -> Vec<T> {
        let messages = self.maildrop.iter().flat_map(|d| d.messages.iter().enumerate());
        messages
            .filter(|(_, m)| !m.deleted)
            .filter_map(|(i, m)| Some(f(pop3_wire::MessageNumber::try_from(i as u32 + 1).ok()?, m)))
            .collect()
    }
}

/// Streams a message (or its header and `lines` body lines, for TOP) from
/// disk: read in pieces, stuffed by the machine, written with flow control.
async fn send_message(
    pop: &mut Pop3Server,
    path: &Path,
    text: &str,
    lines: Option<u32>,
) -> Result<(), mail_codec::Error> {
    let file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(e) => {
            pop.machine_mut().complete(err(Some(CodeKind::SysTemp), &format!("cannot read the message: {e}")))?;
            return Ok(());
        }
    };
    pop.machine_mut().begin_body(line(text))?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    match lines {
        None => {
            let mut buf = vec![0; 64 * 1024];
            loop {
                let n = reader.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                pop.machine_mut().body_data(&buf[..n])?;
                pop.flush().await?;
            }
        }
        Some(limit) => {
            let (mut in_body, mut body_lines) = (false, 0u32);
            let mut line_buf = Vec::new();
            loop {
                line_buf.clear();
                if reader.read_until(b'\n', &mut line_buf).await? == 0 || (in_body && body_lines >= limit) {
                    break;
                }
                if in_body {
                    body_lines += 1;
                } else if line_buf == b"\r\n" || line_buf == b"\n" {
                    in_body = true;
                }
                pop.machine_mut().body_data(&line_buf)?;
                if line_buf.len() > 8 * 1024 {
                    pop.flush().await?;
                }
            }
        }
    }
    pop.machine_mut().end_body()?;
    pop.flush().await?;
    Ok(())
}
