//! The IMAP server's sessions (the `imap-server` program and the demo share
//! them): RFC 3501 over each user's Maildir++ ([`crate::imap_store`]), with
//! LITERAL+, IDLE, UIDPLUS, MOVE, UNSELECT, ENABLE, NAMESPACE, ID, SASL-IR,
//! CHILDREN, SPECIAL-USE, STARTTLS and COMPRESS=DEFLATE.
//!
//! The protocol rules (states, tags, literals, IDLE's `+`, AUTHENTICATE's
//! exchange, when an EXPUNGE may go out) are the machine's,
//! `imap_wire::server::Server`, driven by `mail_codec::ImapServer`; this
//! module is the mail store behind it. Each session keeps the client's
//! view of its selected mailbox (the UIDs in sequence order and the flag
//! version it last told the client), and brings it up to date from the
//! shared folder at the points RFC 3501 allows: at the end of every
//! command (without EXPUNGE during FETCH, STORE and SEARCH), and at once
//! while the client IDLEs.

use std::collections::{BTreeSet, HashSet};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use imap_wire::server::{ServerConfig, ServerEvent};
use imap_wire::{
    Atom, Capability, Code, Command, CommandBody, Data, DateTime, ESearchResponse, FetchAttribute, FetchItems, Flag,
    FlagFetch, FlagPerm, Greeting, GreetingKind, IString, ListItem, Mailbox, MailboxAttribute, MessageAttribute,
    SearchKey, SearchReturnData, SearchReturnOption, SeqRange, SequenceSet, StatusAttribute, StatusItem, StatusKind,
    Tag, Text,
};
use mail_codec::{tls, Error, ImapServer};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::imap_message::{to_crlf, Parsed};
use crate::imap_store::{flag, special_use, FolderHandle, Mailboxes, Name, Registry, StoreError, DELIMITER};
use crate::serve::{Entry, Users};

/// A whole-message `BODY[]` larger than this is streamed from disk.
const STREAM_ABOVE: u64 = 256 * 1024;

/// Commands answered BAD in a row before the server says BYE (the machine
/// counts the commands it rejects itself the same way).
const MAX_BAD_ANSWERS: u32 = 20;

/// How often an idling session looks for changes made outside the server.
const IDLE_DISK_CHECK: Duration = Duration::from_secs(2);

/// What every session of one server shares.
pub struct ImapService {
    users: Users,
    mail_root: PathBuf,
    acceptor: Option<tls::TlsAcceptor>,
    registry: Registry,
}

impl std::fmt::Debug for ImapService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapService")
            .field("mail_root", &self.mail_root)
            .field("tls", &self.acceptor.is_some())
            .finish()
    }
}

impl ImapService {
    /// A service over the users' Maildirs under `mail_root`; with an
    /// acceptor, STARTTLS is offered on the plain port and the TLS port
    /// works.
    pub fn new(users: Users, mail_root: PathBuf, acceptor: Option<tls::TlsAcceptor>) -> ImapService {
        ImapService { users, mail_root, acceptor, registry: Registry::default() }
    }
}

fn atom(s: &str) -> Atom {
    Atom::try_from(s).expect("a valid atom")
}

/// The capabilities this server has.
pub fn capabilities() -> Vec<Capability> {
    let mut caps = vec![Capability::Imap4Rev1, Capability::LiteralPlus, Capability::SaslIr, Capability::Idle];
    let names =
        ["ID", "ENABLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "CHILDREN", "SPECIAL-USE", "ESEARCH", "WITHIN"];
    for name in names {
        caps.push(Capability::Other(atom(name)));
    }
    caps.push(Capability::Other(atom("COMPRESS=DEFLATE")));
    caps.push(Capability::Auth(atom("PLAIN")));
    caps
}

/// The server settings.
pub fn config(starttls: bool) -> ServerConfig {
    let mut advertised = capabilities();
    if starttls {
        advertised.push(Capability::StartTls);
    }
    ServerConfig {
        // APPEND messages above this go to disk as they arrive.
        stream_appends_above: Some(STREAM_ABOVE),
        greeting: Greeting {
            kind: GreetingKind::Ok,
            code: Some(Box::new(Code::Capability(advertised))),
            text: Text::try_from("mail-proto IMAP server ready.").expect("valid text"),
        },
        capabilities: capabilities(),
        ..ServerConfig::default()
    }
}

/// Runs one IMAP session until LOGOUT, the client leaves, or the server
/// shuts down (then the client gets `* BYE`).
pub async fn session(service: Arc<ImapService>, stream: TcpStream, entry: Entry, mut shutdown: watch::Receiver<bool>) {
    let imap = match (entry, &service.acceptor) {
        (Entry::Tls, Some(acceptor)) => ImapServer::accept_tls(stream, acceptor, config(false)).await,
        (Entry::Plain, Some(acceptor)) => Ok(ImapServer::with_starttls(stream, config(true), acceptor.clone())),
        _ => Ok(ImapServer::new(stream, config(false))),
    };
    let Ok(mut imap) = imap else { return };
    let mut session = Session { service, upload: None, bad_answers: 0, boxes: None, selected: None, idling: None };
    let mut disk_check = tokio::time::interval(IDLE_DISK_CHECK);
    loop {
        let idling = session.idling.is_some();
        let event = {
            let changes = async {
                match (&mut session.selected, idling) {
                    (Some(selected), true) => selected.changes.changed().await.is_ok(),
                    _ => std::future::pending().await,
                }
            };
            tokio::select! {
                event = imap.next_event() => Some(event),
                alive = changes => {
                    if !alive {
                        // The folder is gone; the next sync shows it empty.
                        if let Some(selected) = &mut session.selected {
                            selected.changes = selected.handle.subscribe();
                        }
                    }
                    None
                }
                _ = disk_check.tick(), if idling => {
                    if let Some(selected) = &session.selected {
                        let changed = selected.handle.lock().refresh().unwrap_or(false);
                        if changed {
                            selected.handle.notify();
                        }
                    }
                    None
                }
                _ = shutdown.changed() => {
                    let _ = imap.machine_mut().bye("Server shutting down.");
                    let _ = imap.flush().await;
                    let _ = imap.shutdown().await;
                    return;
                }
            }
        };
        let result = match event {
            None => match &session.idling {
                Some(tag) => {
                    let tag = tag.clone();
                    session.sync(&mut imap, &tag, true).map_err(Error::from)
                }
                None => Ok(()),
            },
            Some(Ok(Some(event))) => session.event(&mut imap, event).await,
            Some(Ok(None)) | Some(Err(_)) => return,
        };
        let flushed = match result {
            Ok(()) => imap.flush().await,
            Err(e) => Err(e),
        };
        if flushed.is_err() {
            let _ = imap.shutdown().await;
            return;
        }
    }
}

/// The client's view of its selected mailbox.
struct Selected {
    handle: Arc<FolderHandle>,
    read_only: bool,
    /// (UID, flag version the client knows), in sequence order.
    view: Vec<(u32, u64)>,
    /// UIDs that are \Recent in this session.
    recent: HashSet<u32>,
    /// Keywords the client was told about (FLAGS).
    keywords_known: usize,
    changes: watch::Receiver<u64>,
}

impl Selected {
    fn largest_uid(&self) -> u32 {
        self.view.last().map(|v| v.0).unwrap_or(0)
    }

    /// The view positions a set names; `Err` when a sequence number is
    /// beyond the mailbox.
    fn resolve(&self, set: &SequenceSet, uid: bool) -> Result<Vec<usize>, &'static str> {
        if set.uses_saved() {
            return Err("No saved search result: SEARCHRES is not offered");
        }
        if uid {
            let largest = self.largest_uid();
            return Ok((0..self.view.len()).filter(|&i| set.contains(self.view[i].0, largest)).collect());
        }
        let count = self.view.len() as u32;
        for range in set.ranges() {
            let numbers = match range {
                SeqRange::Single(a) => vec![*a],
                SeqRange::Range(a, b) => vec![*a, *b],
                SeqRange::Saved => Vec::new(),
            };
            for n in numbers {
                match n {
                    imap_wire::SeqNumber::Value(v) if v.get() > count => return Err("Invalid messageset"),
                    imap_wire::SeqNumber::Largest if count == 0 => return Err("No messages"),
                    _ => {}
                }
            }
        }
        Ok((0..self.view.len()).filter(|&i| set.contains(i as u32 + 1, count)).collect())
    }
}

struct Session {
    service: Arc<ImapService>,
    /// The APPEND whose message is arriving in pieces.
    upload: Option<(Tag, Result<Upload, Refusal>)>,
    /// Commands answered BAD in a row.
    bad_answers: u32,
    boxes: Option<Mailboxes>,
    selected: Option<Selected>,
    idling: Option<Tag>,
}

/// Why a command failed, as the tagged answer says it.
struct Refusal {
    kind: StatusKind,
    code: Option<Code>,
    text: String,
}

fn no(text: impl Into<String>) -> Refusal {
    Refusal { kind: StatusKind::No, code: None, text: text.into() }
}

fn bad(text: impl Into<String>) -> Refusal {
    Refusal { kind: StatusKind::Bad, code: None, text: text.into() }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        let code = match &e {
            StoreError::NoMailbox => Some(Code::NonExistent),
            StoreError::Exists => Some(Code::AlreadyExists),
            StoreError::Io(_) => Some(Code::ServerBug),
            StoreError::TooManyKeywords => Some(Code::Limit),
            StoreError::NotAllowed(_) | StoreError::BadName(_) => Some(Code::Cannot),
        };
        Refusal { kind: StatusKind::No, code, text: e.to_string() }
    }
}

/// The outcome of a command: the tagged answer's code and text, or a
/// refusal.
type Outcome = Result<(Option<Code>, String), Refusal>;

fn done(text: &str) -> Outcome {
    Ok((None, text.to_string()))
}

fn name_of(mailbox: &Mailbox) -> Result<Name, Refusal> {
    Name::parse(mailbox.as_bytes()).map_err(Refusal::from)
}

fn mailbox_of(name: &str) -> Mailbox {
    Mailbox::from_wire(name.as_bytes().to_vec())
}

/// Seconds since 1970, now.
fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// A sequence set of these (sorted) numbers, as compact ranges.
fn compact(numbers: &[u32]) -> Option<SequenceSet> {
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let start = numbers[i];
        let mut end = start;
        while i + 1 < numbers.len() && numbers[i + 1] == end + 1 {
            i += 1;
            end = numbers[i];
        }
        let value = |n| imap_wire::SeqNumber::Value(nz(n));
        ranges.push(if start == end {
            SeqRange::Single(value(start))
        } else {
            SeqRange::Range(value(start), value(end))
        });
        i += 1;
    }
    SequenceSet::new(ranges).ok()
}

/// The flags of a message as FETCH FLAGS lists them.
fn flag_list(flags: u8, keywords: u32, names: &[String], recent: bool) -> Vec<FlagFetch> {
    let mut out = Vec::new();
    for (bit, f) in [
        (flag::ANSWERED, Flag::Answered),
        (flag::FLAGGED, Flag::Flagged),
        (flag::DELETED, Flag::Deleted),
        (flag::SEEN, Flag::Seen),
        (flag::DRAFT, Flag::Draft),
    ] {
        if flags & bit != 0 {
            out.push(FlagFetch::Flag(f));
        }
    }
    for (i, name) in names.iter().enumerate() {
        if keywords & (1 << i) != 0 {
            if let Ok(a) = Atom::try_from(name.as_str()) {
                out.push(FlagFetch::Flag(Flag::Keyword(a)));
            }
        }
    }
    if recent {
        out.push(FlagFetch::Recent);
    }
    out
}

fn system_flags() -> Vec<Flag> {
    vec![Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Seen, Flag::Draft]
}

fn keyword_flags(names: &[String]) -> Vec<Flag> {
    names.iter().filter_map(|n| Atom::try_from(n.as_str()).ok()).map(Flag::Keyword).collect()
}

/// Splits client flags into system bits and keyword names; `\Recent` is
/// not the client's to set and is ignored.
fn split_flags(flags: &[Flag]) -> Result<(u8, Vec<String>), Refusal> {
    let mut bits = 0;
    let mut keywords = Vec::new();
    for f in flags {
        match f {
            Flag::Answered => bits |= flag::ANSWERED,
            Flag::Flagged => bits |= flag::FLAGGED,
            Flag::Deleted => bits |= flag::DELETED,
            Flag::Seen => bits |= flag::SEEN,
            Flag::Draft => bits |= flag::DRAFT,
            Flag::Keyword(k) => keywords.push(k.as_str().to_string()),
            Flag::Extension(e) if e.eq_ignore_case("Recent") => {}
            Flag::Extension(_) => return Err(bad("Invalid system flag")),
        }
    }
    Ok((bits, keywords))
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// INTERNALDATE of a time stamp (UTC).
fn internal_date(secs: i64) -> Option<DateTime> {
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let rest = secs.rem_euclid(86400);
    let date = imap_wire::Date::new(u16::try_from(y).ok()?, m, d).ok()?;
    DateTime::new(date, (rest / 3600) as u8, (rest / 60 % 60) as u8, (rest % 60) as u8, 0).ok()
}

fn unix_time(t: &DateTime) -> i64 {
    let d = t.date();
    days_from_civil(i64::from(d.year()), i64::from(d.month()), i64::from(d.day())) * 86400
        + i64::from(t.hour()) * 3600
        + i64::from(t.minute()) * 60
        + i64::from(t.second())
        - i64::from(t.zone_minutes()) * 60
}

fn day_number(date: &imap_wire::Date) -> i64 {
    days_from_civil(i64::from(date.year()), i64::from(date.month()), i64::from(date.day()))
}

/// Whether `pattern` (LIST wildcards `*` and `%`) matches `name`.
fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| wildcard(rest, &name[i..])),
        Some((b'%', rest)) => {
            let stop = name.iter().position(|&b| b == DELIMITER as u8).unwrap_or(name.len());
            (0..=stop).any(|i| wildcard(rest, &name[i..]))
        }
        Some((&c, rest)) => name.first() == Some(&c) && wildcard(rest, &name[1..]),
    }
}

/// A LIST pattern with a leading INBOX in any case spelled `INBOX`.
fn canonical_pattern(pattern: &[u8]) -> Vec<u8> {
    let mut out = pattern.to_vec();
    if out.len() >= 5 && out[..5].eq_ignore_ascii_case(b"INBOX") && matches!(out.get(5), None | Some(&b'.')) {
        out[..5].copy_from_slice(b"INBOX");
    }
    out
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    needle.is_empty() || haystack.to_lowercase().contains(&needle.to_lowercase())
}

impl Session {
    async fn event(&mut self, imap: &mut ImapServer, event: ServerEvent) -> Result<(), Error> {
        match event {
            ServerEvent::Command(command) => self.command(imap, command).await,
            ServerEvent::SaslResponse { tag, data } => {
                let outcome = self.plain(&data);
                self.finish(imap, &tag, outcome)
            }
            ServerEvent::AppendStart { command, .. } => {
                if let CommandBody::Append { mailbox, messages } = &command.body {
                    let (flags, date) = messages.first().map(|m| (&m.flags[..], m.date)).unwrap_or((&[], None));
                    let upload = self.begin_append(mailbox, flags, date);
                    self.upload = Some((command.tag.clone(), upload));
                }
                Ok(())
            }
            ServerEvent::AppendData { tag, data } => {
                if let Some((t, upload)) = &mut self.upload {
                    if *t == tag {
                        if let Ok(u) = upload {
                            if let Err(refusal) = u.write(&data) {
                                *upload = Err(refusal);
                            }
                        }
                    }
                }
                Ok(())
            }
            ServerEvent::AppendEnd { tag } => {
                let outcome = match self.upload.take() {
                    Some((t, upload)) if t == tag => upload.and_then(Upload::finish),
                    _ => Err(bad("APPEND lost its message")),
                };
                self.answer(imap, &tag, outcome)
            }
            ServerEvent::AppendAborted { .. } => {
                // The machine answered; the file goes with the upload.
                self.upload = None;
                Ok(())
            }
            ServerEvent::IdleDone { tag } => {
                self.idling = None;
                self.sync(imap, &tag, true)?;
                Ok(imap.machine_mut().complete(&tag, StatusKind::Ok, None, "Idle completed.")?)
            }
            _ => Ok(()),
        }
    }

    /// Answers a command: brings the client's view up to date where the
    /// command allows it, then the tagged answer.
    fn finish(&mut self, imap: &mut ImapServer, tag: &Tag, outcome: Outcome) -> Result<(), Error> {
        let (kind, code, text) = match outcome {
            Ok((code, text)) => (StatusKind::Ok, code, text),
            Err(r) => (r.kind, r.code, r.text),
        };
        imap.machine_mut().complete(tag, kind, code, &text)?;
        // Unknown commands and bad arguments in a row end the session, as
        // the machine's own rejections do.
        if kind == StatusKind::Bad {
            self.bad_answers += 1;
            if self.bad_answers >= MAX_BAD_ANSWERS {
                imap.machine_mut().bye("Too many invalid IMAP commands.")?;
            }
        } else {
            self.bad_answers = 0;
        }
        Ok(())
    }

    fn login(&mut self, user: &str, password: &str) -> Outcome {
        if !self.service.users.check(user, password) {
            return Err(Refusal {
                kind: StatusKind::No,
                code: Some(Code::AuthenticationFailed),
                text: "Authentication failed.".into(),
            });
        }
        let boxes = Mailboxes::open(&Users::mail_dir(&self.service.mail_root, user)).map_err(Refusal::from)?;
        self.boxes = Some(boxes);
        Ok((Some(Code::Capability(capabilities())), "Logged in".into()))
    }

    fn plain(&mut self, data: &[u8]) -> Outcome {
        let mut parts = data.split(|&b| b == 0);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(_authzid), Some(user), Some(password), None) => {
                self.login(&String::from_utf8_lossy(user), &String::from_utf8_lossy(password))
            }
            _ => Err(no("Invalid PLAIN response")),
        }
    }

    fn boxes(&self) -> Result<&Mailboxes, Refusal> {
        self.boxes.as_ref().ok_or_else(|| bad("Not logged in"))
    }

    async fn command(&mut self, imap: &mut ImapServer, command: Command) -> Result<(), Error> {
        let tag = command.tag.clone();
        self.announce_keywords(imap);
        let outcome = match command.body {
            CommandBody::Login { username, password } => {
                self.login(&username.to_string_lossy(), &password.to_string_lossy())
            }
            CommandBody::Authenticate { mechanism, initial_response } => {
                if !mechanism.eq_ignore_case("PLAIN") {
                    Err(no("Unsupported authentication mechanism"))
                } else if let Some(ir) = initial_response {
                    // SASL-IR: decoded by the parser (`=` is empty).
                    self.plain(&ir)
                } else {
                    imap.machine_mut().sasl_challenge(&tag, b"")?;
                    return Ok(());
                }
            }
            CommandBody::StartTls => done("Begin TLS negotiation now."),
            CommandBody::Compress { algorithm } => {
                if algorithm.eq_ignore_case("DEFLATE") {
                    done("Begin compression.")
                } else {
                    Err(no("Unknown compression algorithm"))
                }
            }
            CommandBody::Noop => done("NOOP completed."),
            CommandBody::Check => {
                if let Some(selected) = &self.selected {
                    let _ = selected.handle.lock().refresh();
                }
                done("Check completed.")
            }
            CommandBody::Idle => {
                self.idling = Some(tag.clone());
                self.sync(imap, &tag, true)?;
                return Ok(());
            }
            CommandBody::Enable(_) => {
                // Nothing this server offers needs enabling.
                imap.machine_mut().respond(&tag, Data::Enabled(Vec::new()))?;
                done("Enabled.")
            }
            CommandBody::Namespace => {
                let personal = imap_wire::NamespaceDescription {
                    prefix: IString::from(""),
                    delimiter: imap_wire::Delimiter::new(DELIMITER).ok(),
                    extensions: Vec::new(),
                };
                let data = Data::Namespace { personal: Some(vec![personal]), other_users: None, shared: None };
                imap.machine_mut().respond(&tag, data)?;
                done("Namespace completed.")
            }
            CommandBody::Id(_) => {
                let fields = [("name", "mail-proto imap-server"), ("vendor", "mail-proto")];
                let fields = fields.iter().map(|(k, v)| (IString::from(*k), Some(IString::from(*v)))).collect();
                imap.machine_mut().respond(&tag, Data::Id(Some(fields)))?;
                done("ID completed.")
            }
            CommandBody::Select { mailbox, .. } => self.select(imap, &tag, &mailbox, false),
            CommandBody::Examine { mailbox, .. } => self.select(imap, &tag, &mailbox, true),
            CommandBody::Create { mailbox, parameters } => {
                if parameters.is_empty() {
                    self.create(&mailbox)
                } else {
                    Err(Refusal {
                        kind: StatusKind::No,
                        code: Some(Code::UseAttr),
                        text: "CREATE-SPECIAL-USE is not supported".into(),
                    })
                }
            }
            CommandBody::Delete(mailbox) => self.delete(&mailbox),
            CommandBody::Rename { from, to } => self.rename(&from, &to),
            CommandBody::Subscribe(mailbox) => self.subscribe(&mailbox, true),
            CommandBody::Unsubscribe(mailbox) => self.subscribe(&mailbox, false),
            CommandBody::List { selection, reference, patterns, return_options } => match &patterns[..] {
                [pattern] if selection.is_empty() && return_options.is_empty() => {
                    self.list(imap, &tag, &reference, pattern, false)
                }
                _ => Err(bad("LIST-EXTENDED is not supported")),
            },
            CommandBody::Lsub { reference, pattern } => self.list(imap, &tag, &reference, &pattern, true),
            CommandBody::Status { mailbox, attributes } => self.status(imap, &tag, &mailbox, &attributes),
            CommandBody::Append { mailbox, messages } => match &messages[..] {
                [one] => match one.literal() {
                    Some(message) => self.append(&mailbox, &one.flags, one.date, message),
                    None => Err(bad("CATENATE is not supported")),
                },
                _ => Err(bad("MULTIAPPEND is not supported")),
            },
            CommandBody::Close => self.close(true),
            CommandBody::Unselect => self.close(false),
            CommandBody::Expunge => self.expunge(None),
            CommandBody::UidExpunge(set) => self.expunge(Some(&set)),
            CommandBody::Search { uid, return_options, charset, criteria } => {
                self.search(imap, &tag, uid, return_options, charset, &criteria)
            }
            CommandBody::Fetch { uid, sequence_set, items, modifiers } => {
                if !modifiers.is_empty() {
                    Err(bad("FETCH modifiers are not supported"))
                } else {
                    self.fetch(imap, &tag, uid, &sequence_set, &items).await
                }
            }
            CommandBody::Store { uid, sequence_set, modifiers, action, silent, flags } => {
                if !modifiers.is_empty() {
                    Err(bad("STORE modifiers are not supported"))
                } else {
                    self.store(imap, &tag, uid, &sequence_set, action, silent, &flags)
                }
            }
            CommandBody::Copy { uid, sequence_set, mailbox } => {
                self.copy(imap, &tag, uid, &sequence_set, &mailbox, false)
            }
            CommandBody::Move { uid, sequence_set, mailbox } => {
                self.copy(imap, &tag, uid, &sequence_set, &mailbox, true)
            }
            _ => Err(bad("Unknown command")),
        };
        self.answer(imap, &tag, outcome)
    }

    fn answer(&mut self, imap: &mut ImapServer, tag: &Tag, outcome: Outcome) -> Result<(), Error> {
        let expunge_ok = imap
            .machine()
            .pending_commands()
            .find(|c| &c.tag == tag)
            .map(|c| {
                !matches!(
                    c.body,
                    CommandBody::Fetch { uid: false, .. }
                        | CommandBody::Store { uid: false, .. }
                        | CommandBody::Search { uid: false, .. }
                )
            })
            .unwrap_or(true);
        if self.selected.is_some() {
            self.sync(imap, tag, expunge_ok)?;
        }
        self.finish(imap, tag, outcome)
    }

    /// Sends FLAGS when the selected folder has keywords the client was
    /// not told about, before any response uses them.
    fn announce_keywords(&mut self, imap: &mut ImapServer) {
        let Some(selected) = &mut self.selected else { return };
        let keywords = {
            let folder = selected.handle.lock();
            if folder.keywords.len() == selected.keywords_known {
                return;
            }
            folder.keywords.clone()
        };
        selected.keywords_known = keywords.len();
        let mut flags = system_flags();
        flags.extend(keyword_flags(&keywords));
        // FLAGS is never refused (only VANISHED and RECENT can be).
        let _ = imap.machine_mut().update(Data::Flags(flags));
    }

    /// Brings the client's view of the selected mailbox up to date:
    /// EXPUNGE (when allowed), FETCH FLAGS of changed messages, FLAGS when
    /// keywords were added, EXISTS and RECENT for new messages.
    fn sync(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        expunge_ok: bool,
    ) -> Result<(), imap_wire::server::ServerError> {
        let Some(selected) = &mut self.selected else { return Ok(()) };
        let mut updates = Vec::new();
        {
            let mut folder = selected.handle.lock();
            let _ = folder.refresh();
            // Expunges, highest first: each number is right as it arrives.
            if expunge_ok {
                for i in (0..selected.view.len()).rev() {
                    let uid = selected.view[i].0;
                    if folder.index_of(uid).is_none() {
                        selected.view.remove(i);
                        selected.recent.remove(&uid);
                        updates.push(Data::Expunge(nz(i as u32 + 1)));
                    }
                }
            }
            if folder.keywords.len() != selected.keywords_known {
                selected.keywords_known = folder.keywords.len();
                let mut flags = system_flags();
                flags.extend(keyword_flags(&folder.keywords));
                updates.push(Data::Flags(flags));
            }
            for (i, entry) in selected.view.iter_mut().enumerate() {
                if let Some(m) = folder.index_of(entry.0).map(|j| &folder.messages[j]) {
                    if m.modseq > entry.1 {
                        entry.1 = m.modseq;
                        let recent = selected.recent.contains(&m.uid);
                        let flags = flag_list(m.flags, m.keywords, &folder.keywords, recent);
                        updates.push(Data::Fetch {
                            seq: nz(i as u32 + 1),
                            attributes: vec![MessageAttribute::Flags(flags)],
                        });
                    }
                }
            }
            let largest = selected.largest_uid();
            let start = folder.messages.partition_point(|m| m.uid <= largest);
            if start < folder.messages.len() {
                let recent_from = if selected.read_only { folder.recent_from } else { folder.claim_recent() };
                for m in &folder.messages[start..] {
                    selected.view.push((m.uid, m.modseq));
                    if m.uid >= recent_from {
                        selected.recent.insert(m.uid);
                    }
                }
                updates.push(Data::Exists(selected.view.len() as u32));
                updates.push(Data::Recent(selected.recent.len() as u32));
            }
        }
        let _ = tag;
        for data in updates {
            // This server enables neither QRESYNC nor IMAP4rev2, so no
            // update is refused.
            imap.machine_mut().update(data)?;
        }
        Ok(())
    }

    fn select(&mut self, imap: &mut ImapServer, tag: &Tag, mailbox: &Mailbox, read_only: bool) -> Outcome {
        self.selected = None;
        let name = name_of(mailbox)?;
        let dir = self.boxes()?.dir(&name);
        let handle = self.service.registry.folder(&dir).map_err(Refusal::from)?;
        let changes = handle.subscribe();
        let mut selected =
            Selected { handle, read_only, view: Vec::new(), recent: HashSet::new(), keywords_known: 0, changes };
        let (validity, uid_next, unseen, keywords) = {
            let mut folder = selected.handle.lock();
            let _ = folder.refresh();
            // EXAMINE shows the \Recent messages without taking them.
            let recent_from = if read_only { folder.recent_from } else { folder.claim_recent() };
            for m in &folder.messages {
                selected.view.push((m.uid, m.modseq));
                if m.uid >= recent_from {
                    selected.recent.insert(m.uid);
                }
            }
            selected.keywords_known = folder.keywords.len();
            let unseen = folder.messages.iter().position(|m| m.flags & flag::SEEN == 0);
            (folder.uid_validity, folder.uid_next, unseen, folder.keywords.clone())
        };
        let m = imap.machine_mut();
        let mut flags = system_flags();
        flags.extend(keyword_flags(&keywords));
        let mut permanent: Vec<FlagPerm> = Vec::new();
        if !read_only {
            permanent = flags.iter().cloned().map(FlagPerm::Flag).collect();
            if keywords.len() < crate::imap_store::MAX_KEYWORDS {
                permanent.push(FlagPerm::AnyKeyword);
            }
        }
        let r = |e: imap_wire::server::ServerError| Refusal { kind: StatusKind::Bad, code: None, text: e.to_string() };
        m.respond(tag, Data::Flags(flags)).map_err(r)?;
        m.respond_status(tag, StatusKind::Ok, Some(Code::PermanentFlags(permanent)), "Flags permitted.").map_err(r)?;
        m.respond(tag, Data::Exists(selected.view.len() as u32)).map_err(r)?;
        m.respond(tag, Data::Recent(selected.recent.len() as u32)).map_err(r)?;
        if let Some(i) = unseen {
            m.respond_status(tag, StatusKind::Ok, Some(Code::Unseen(nz(i as u32 + 1))), "First unseen.").map_err(r)?;
        }
        m.respond_status(tag, StatusKind::Ok, Some(Code::UidValidity(nz(validity))), "UIDs valid").map_err(r)?;
        m.respond_status(tag, StatusKind::Ok, Some(Code::UidNext(nz(uid_next))), "Predicted next UID").map_err(r)?;
        self.selected = Some(selected);
        let code = if read_only { Code::ReadOnly } else { Code::ReadWrite };
        Ok((Some(code), if read_only { "Examine completed." } else { "Select completed." }.into()))
    }

    fn create(&mut self, mailbox: &Mailbox) -> Outcome {
        // A trailing delimiter says inferiors will follow; the name is
        // the same.
        let wire = mailbox.as_bytes();
        let wire = wire.strip_suffix(b".").unwrap_or(wire);
        let name = Name::parse(wire).map_err(Refusal::from)?;
        let boxes = self.boxes()?;
        if name.is_inbox() {
            return Err(StoreError::Exists.into());
        }
        // Superiors are created as needed (RFC 3501 6.3.3).
        let levels: Vec<&str> = name.as_str().split(DELIMITER).collect();
        for depth in 1..levels.len() {
            let parent = Name::parse(levels[..depth].join(".").as_bytes()).map_err(Refusal::from)?;
            if !parent.is_inbox() && !boxes.exists(&parent) {
                boxes.create(&parent).map_err(Refusal::from)?;
            }
        }
        boxes.create(&name).map_err(Refusal::from)?;
        done("Create completed.")
    }

    fn delete(&mut self, mailbox: &Mailbox) -> Outcome {
        let name = name_of(mailbox)?;
        let boxes = self.boxes()?;
        let dir = boxes.dir(&name);
        boxes.delete(&name).map_err(Refusal::from)?;
        self.service.registry.forget(&dir);
        done("Delete completed.")
    }

    fn rename(&mut self, from: &Mailbox, to: &Mailbox) -> Outcome {
        let (from, to) = (name_of(from)?, name_of(to)?);
        let boxes = self.boxes()?;
        if to.is_inbox() {
            return Err(StoreError::Exists.into());
        }
        let inbox_dir = boxes.dir(&from);
        let moved = boxes.rename(&from, &to).map_err(Refusal::from)?;
        for (old, _) in &moved {
            self.service.registry.forget(old);
        }
        if from.is_inbox() {
            if let Ok(handle) = self.service.registry.folder(&inbox_dir) {
                let _ = handle.lock().refresh();
                handle.notify();
            }
        }
        done("Rename completed.")
    }

    fn subscribe(&mut self, mailbox: &Mailbox, on: bool) -> Outcome {
        let name = name_of(mailbox)?;
        self.boxes()?.subscribe(&name, on).map_err(Refusal::from)?;
        done(if on { "Subscribe completed." } else { "Unsubscribe completed." })
    }

    fn list(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        reference: &Mailbox,
        pattern: &IString,
        lsub: bool,
    ) -> Outcome {
        let boxes = self.boxes()?;
        let delimiter = imap_wire::Delimiter::new(DELIMITER).ok();
        let respond = |imap: &mut ImapServer, item: ListItem| {
            let data = if lsub { Data::Lsub(item) } else { Data::List(item) };
            imap.machine_mut().respond(tag, data).map_err(|e| bad(e.to_string()))
        };
        if pattern.is_empty() && !lsub {
            // The hierarchy delimiter and root (RFC 3501 6.3.8).
            let item = ListItem {
                attributes: vec![MailboxAttribute::NoSelect],
                delimiter,
                mailbox: mailbox_of(""),
                extended: Vec::new(),
            };
            respond(imap, item)?;
            return done("List completed.");
        }
        let mut full = reference.as_bytes().to_vec();
        full.extend_from_slice(pattern);
        let full = canonical_pattern(&full);
        let existing: BTreeSet<String> = boxes
            .list()
            .map_err(|e| Refusal::from(StoreError::Io(e)))?
            .into_iter()
            .map(|n| n.as_str().to_string())
            .collect();
        // Every name with its superiors (those that do not exist are
        // \Noselect).
        let mut all: BTreeSet<String> = BTreeSet::new();
        for name in &existing {
            let levels: Vec<&str> = name.split(DELIMITER).collect();
            for depth in 1..=levels.len() {
                all.insert(levels[..depth].join("."));
            }
        }
        let has_children = |name: &str| {
            let prefix = format!("{name}.");
            all.range(prefix.clone()..).next().is_some_and(|n| n.starts_with(&prefix))
        };
        let subscriptions: BTreeSet<String> = boxes.subscriptions().into_iter().collect();
        let mut order: Vec<&String> = all.iter().filter(|n| *n == "INBOX").collect();
        order.extend(all.iter().filter(|n| *n != "INBOX"));
        let mut listed = Vec::new();
        if lsub {
            let mut seen = BTreeSet::new();
            for name in &subscriptions {
                let levels: Vec<&str> = name.split(DELIMITER).collect();
                for depth in 1..=levels.len() {
                    let candidate = levels[..depth].join(".");
                    let subscribed = depth == levels.len();
                    if wildcard(&full, candidate.as_bytes()) && seen.insert(candidate.clone()) {
                        let noselect = !subscribed && !subscriptions.contains(&candidate);
                        let attributes = if noselect { vec![MailboxAttribute::NoSelect] } else { Vec::new() };
                        listed.push((candidate, attributes));
                    }
                }
            }
        } else {
            for name in order {
                if !wildcard(&full, name.as_bytes()) {
                    continue;
                }
                let mut attributes = Vec::new();
                if !existing.contains(name) {
                    attributes.push(MailboxAttribute::NoSelect);
                }
                attributes.push(if has_children(name) {
                    MailboxAttribute::HasChildren
                } else {
                    MailboxAttribute::HasNoChildren
                });
                if let Some(special) = special_use(name) {
                    attributes.push(special);
                }
                listed.push((name.clone(), attributes));
            }
        }
        for (name, attributes) in listed {
            respond(imap, ListItem { attributes, delimiter, mailbox: mailbox_of(&name), extended: Vec::new() })?;
        }
        done(if lsub { "Lsub completed." } else { "List completed." })
    }

    fn status(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        mailbox: &Mailbox,
        attributes: &[StatusAttribute],
    ) -> Outcome {
        let name = name_of(mailbox)?;
        let dir = self.boxes()?.dir(&name);
        let handle = self.service.registry.folder(&dir).map_err(Refusal::from)?;
        let mut items = Vec::new();
        {
            let mut folder = handle.lock();
            let _ = folder.refresh();
            let (unseen, recent, size) = folder.counts();
            for attribute in attributes {
                let value = match attribute {
                    StatusAttribute::Messages => folder.messages.len() as u64,
                    StatusAttribute::Recent => u64::from(recent),
                    StatusAttribute::UidNext => u64::from(folder.uid_next),
                    StatusAttribute::UidValidity => u64::from(folder.uid_validity),
                    StatusAttribute::Unseen => u64::from(unseen),
                    StatusAttribute::Size => size,
                    StatusAttribute::Deleted => {
                        folder.messages.iter().filter(|m| m.flags & flag::DELETED != 0).count() as u64
                    }
                    other => return Err(bad(format!("Unknown STATUS item {}", other.name()))),
                };
                items.push(StatusItem::number(attribute.clone(), value));
            }
        }
        let data = Data::Status { mailbox: mailbox.clone(), items };
        imap.machine_mut().respond(tag, data).map_err(|e| bad(e.to_string()))?;
        done("Status completed.")
    }

    fn append(&mut self, mailbox: &Mailbox, flags: &[Flag], date: Option<DateTime>, message: &IString) -> Outcome {
        let mut upload = self.begin_append(mailbox, flags, date)?;
        upload.write(message)?;
        upload.finish()
    }

    /// Checks an APPEND and opens the file its message goes to (in the
    /// folder's tmp/).
    fn begin_append(&mut self, mailbox: &Mailbox, flags: &[Flag], date: Option<DateTime>) -> Result<Upload, Refusal> {
        let name = name_of(mailbox)?;
        let boxes = self.boxes()?;
        if !boxes.exists(&name) {
            return Err(Refusal {
                kind: StatusKind::No,
                code: Some(Code::TryCreate),
                text: "Mailbox doesn't exist".into(),
            });
        }
        let (bits, keywords) = split_flags(flags)?;
        let handle = self.service.registry.folder(&boxes.dir(&name)).map_err(Refusal::from)?;
        let (tmp, file) = handle.lock().temp_file().map_err(|e| Refusal::from(StoreError::Io(e)))?;
        Ok(Upload { handle, tmp, file, bits, keywords, date, size: 0, last: 0 })
    }

    fn close(&mut self, expunge: bool) -> Outcome {
        let Some(selected) = self.selected.take() else { return Err(bad("No mailbox selected")) };
        if expunge && !selected.read_only {
            let removed = {
                let mut folder = selected.handle.lock();
                let uids: Vec<u32> = selected
                    .view
                    .iter()
                    .filter_map(|(uid, _)| folder.index_of(*uid).map(|i| &folder.messages[i]))
                    .filter(|m| m.flags & flag::DELETED != 0)
                    .map(|m| m.uid)
                    .collect();
                folder.expunge(&uids).map_err(Refusal::from)?
            };
            if !removed.is_empty() {
                selected.handle.notify();
            }
        }
        done(if expunge { "Close completed." } else { "Unselect completed." })
    }

    fn selected(&self) -> Result<&Selected, Refusal> {
        self.selected.as_ref().ok_or_else(|| bad("No mailbox selected"))
    }

    fn expunge(&mut self, set: Option<&SequenceSet>) -> Outcome {
        let selected = self.selected()?;
        if selected.read_only {
            return Err(no("Mailbox is read-only."));
        }
        let positions = match set {
            Some(set) => selected.resolve(set, true).map_err(bad)?,
            None => (0..selected.view.len()).collect(),
        };
        let removed = {
            let mut folder = selected.handle.lock();
            let mut uids: Vec<u32> = positions
                .iter()
                .filter_map(|&p| folder.index_of(selected.view[p].0).map(|i| &folder.messages[i]))
                .filter(|m| m.flags & flag::DELETED != 0)
                .map(|m| m.uid)
                .collect();
            uids.sort_unstable();
            folder.expunge(&uids).map_err(Refusal::from)?
        };
        if !removed.is_empty() {
            selected.handle.notify();
        }
        done("Expunge completed.")
    }

    fn search(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        return_options: Option<Vec<SearchReturnOption>>,
        charset: Option<IString>,
        criteria: &[SearchKey],
    ) -> Outcome {
        use SearchReturnOption as R;
        if let Some(options) = &return_options {
            if options.iter().any(|o| !matches!(o, R::Min | R::Max | R::All | R::Count)) {
                return Err(bad("Only MIN, MAX, ALL and COUNT are supported in RETURN"));
            }
        }
        if let Some(charset) = &charset {
            if !charset.eq_ignore_case("UTF-8") && !charset.eq_ignore_case("US-ASCII") {
                return Err(Refusal {
                    kind: StatusKind::No,
                    code: Some(Code::BadCharset(vec![IString::from("UTF-8"), IString::from("US-ASCII")])),
                    text: "Unsupported charset".into(),
                });
            }
        }
        let selected = self.selected()?;
        let key = SearchKey::And(criteria.to_vec());
        let content = needs_content(&key);
        let count = selected.view.len() as u32;
        let largest = selected.largest_uid();
        let messages: Vec<Option<crate::imap_store::Message>> = {
            let folder = selected.handle.lock();
            selected.view.iter().map(|(uid, _)| folder.index_of(*uid).map(|i| folder.messages[i].clone())).collect()
        };
        let keywords = selected.handle.lock().keywords.clone();
        let mut ids = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            let Some(m) = m else { continue };
            let data = if content { read_message(&selected.handle, m.uid) } else { None };
            let parsed = data.as_deref().map(Parsed::new);
            let ctx = SearchContext {
                seq: i as u32 + 1,
                count,
                largest_uid: largest,
                message: m,
                recent: selected.recent.contains(&m.uid),
                keywords: &keywords,
                parsed: parsed.as_ref(),
            };
            if ctx.matches(&key) {
                ids.push(nz(if uid { m.uid } else { i as u32 + 1 }));
            }
        }
        let data = match return_options {
            None => Data::Search { ids, modseq: None },
            // RFC 4731: the numbers in order, `RETURN ()` meaning ALL.
            Some(options) => {
                let options = if options.is_empty() { vec![R::All] } else { options };
                let mut data = Vec::new();
                for option in options {
                    data.push(match option {
                        R::Count => SearchReturnData::Count(ids.len() as u32),
                        R::Min => match ids.first() {
                            Some(&n) => SearchReturnData::Min(n),
                            None => continue,
                        },
                        R::Max => match ids.last() {
                            Some(&n) => SearchReturnData::Max(n),
                            None => continue,
                        },
                        _ => match compact(&ids.iter().map(|n| n.get()).collect::<Vec<_>>()) {
                            Some(set) => SearchReturnData::All(set),
                            None => continue,
                        },
                    });
                }
                Data::ESearch(ESearchResponse { tag: Some(IString::from(tag.as_str())), uid, data })
            }
        };
        imap.machine_mut().respond(tag, data).map_err(|e| bad(e.to_string()))?;
        done("Search completed.")
    }

    #[allow(clippy::too_many_arguments)]
    fn store(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        set: &SequenceSet,
        action: imap_wire::StoreAction,
        silent: bool,
        flags: &[Flag],
    ) -> Outcome {
        let selected = self.selected.as_mut().ok_or_else(|| bad("No mailbox selected"))?;
        let positions = selected.resolve(set, uid).map_err(bad)?;
        if selected.read_only {
            return Err(no("Mailbox is read-only."));
        }
        let (bits, names) = split_flags(flags)?;
        let mut responses = Vec::new();
        let mut changed = false;
        let mut missing = false;
        {
            let mut folder = selected.handle.lock();
            let mut mask = 0u32;
            for name in &names {
                // Every keyword a STORE names is defined, even one being
                // removed, and announced with FLAGS before the STORE's OK
                // (as Dovecot does; imaptest's stress checks it). Past the
                // keyword limit, removing an unknown keyword removes
                // nothing.
                let index = match folder.keyword_index(name, true) {
                    Err(StoreError::TooManyKeywords) if action == imap_wire::StoreAction::Remove => None,
                    other => other.map_err(Refusal::from)?,
                };
                if let Some(i) = index {
                    mask |= 1 << i;
                }
            }
            let apply = |flags: u8, keywords: u32| match action {
                imap_wire::StoreAction::Replace => (bits, mask),
                imap_wire::StoreAction::Add => (flags | bits, keywords | mask),
                imap_wire::StoreAction::Remove => (flags & !bits, keywords & !mask),
            };
            for &p in &positions {
                let message_uid = selected.view[p].0;
                let Some(index) = folder.index_of(message_uid) else {
                    // Expunged by another session, not yet told to this
                    // client: it still gets the flags it asked for.
                    missing = true;
                    if let (false, Some((flags, keywords))) = (silent, folder.expunged_flags(message_uid)) {
                        let (f, k) = apply(flags, keywords);
                        let recent = selected.recent.contains(&message_uid);
                        let mut attributes = vec![MessageAttribute::Flags(flag_list(f, k, &folder.keywords, recent))];
                        if uid {
                            attributes.push(MessageAttribute::Uid(nz(message_uid)));
                        }
                        responses.push(Data::Fetch { seq: nz(p as u32 + 1), attributes });
                    }
                    continue;
                };
                let m = &folder.messages[index];
                let (f, k) = apply(m.flags, m.keywords);
                changed |= folder.set_flags(index, f, k).map_err(Refusal::from)?;
                let m = &folder.messages[index];
                // The client learns the flags from this answer (or asked
                // not to): no FETCH for it later.
                selected.view[p].1 = m.modseq;
                if !silent {
                    let recent = selected.recent.contains(&m.uid);
                    let mut attributes =
                        vec![MessageAttribute::Flags(flag_list(m.flags, m.keywords, &folder.keywords, recent))];
                    if uid {
                        attributes.push(MessageAttribute::Uid(nz(m.uid)));
                    }
                    responses.push(Data::Fetch { seq: nz(p as u32 + 1), attributes });
                }
            }
        }
        if changed {
            selected.handle.notify();
        }
        self.announce_keywords(imap);
        for data in responses {
            imap.machine_mut().respond(tag, data).map_err(|e| bad(e.to_string()))?;
        }
        if missing {
            // Flags of a message that is gone no longer matter: the rest
            // was stored (RFC 5530's code tells the client why).
            return Ok((Some(Code::ExpungeIssued), "Some of the messages no longer exist.".into()));
        }
        done("Store completed.")
    }

    fn copy(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        set: &SequenceSet,
        mailbox: &Mailbox,
        moving: bool,
    ) -> Outcome {
        let target = name_of(mailbox)?;
        let boxes = self.boxes()?;
        if !boxes.exists(&target) {
            return Err(Refusal {
                kind: StatusKind::No,
                code: Some(Code::TryCreate),
                text: "Mailbox doesn't exist".into(),
            });
        }
        let target_dir = boxes.dir(&target);
        let selected = self.selected()?;
        if moving && selected.read_only {
            return Err(no("Mailbox is read-only."));
        }
        let positions = selected.resolve(set, uid).map_err(bad)?;
        let (sources, source_keywords) = {
            let folder = selected.handle.lock();
            let sources: Vec<crate::imap_store::Message> = positions
                .iter()
                .filter_map(|&p| folder.index_of(selected.view[p].0).map(|i| folder.messages[i].clone()))
                .collect();
            (sources, folder.keywords.clone())
        };
        if sources.is_empty() {
            return done(if moving { "No messages moved." } else { "No messages copied." });
        }
        let destination = self.service.registry.folder(&target_dir).map_err(Refusal::from)?;
        // The files first, into the destination's tmp/, with no folder
        // locked (the source may be the destination).
        let tmp_dir = target_dir.join("tmp");
        let mut staged = Vec::new();
        for m in &sources {
            let tmp = tmp_dir.join(crate::imap_store::unique_name());
            if let Err(e) = link_or_copy(&selected.handle, m, &tmp) {
                for (path, _) in &staged {
                    let _ = std::fs::remove_file(path);
                }
                return Err(StoreError::Io(e).into());
            }
            staged.push((tmp, m));
        }
        let mut pairs = Vec::new();
        let validity;
        {
            let mut dest = destination.lock();
            validity = dest.uid_validity;
            for (tmp, m) in &staged {
                let mut mask = 0u32;
                for (i, name) in source_keywords.iter().enumerate() {
                    if m.keywords & (1 << i) != 0 {
                        if let Some(j) = dest.keyword_index(name, true).map_err(Refusal::from)? {
                            mask |= 1 << j;
                        }
                    }
                }
                let new_uid = dest.add(tmp, m.size, m.flags, mask, Some(m.internal_date)).map_err(Refusal::from)?;
                pairs.push((m.uid, new_uid));
            }
        }
        destination.notify();
        let (from, to): (Vec<u32>, Vec<u32>) = pairs.iter().cloned().unzip();
        let code = match (compact(&from), compact(&to)) {
            (Some(source), Some(destination)) => {
                Some(Code::CopyUid { uid_validity: nz(validity), source, destination })
            }
            _ => None,
        };
        if !moving {
            return Ok((code, "Copy completed.".into()));
        }
        imap.machine_mut().respond_status(tag, StatusKind::Ok, code, "Moved UIDs.").map_err(|e| bad(e.to_string()))?;
        let mut uids = from;
        uids.sort_unstable();
        let removed = selected.handle.lock().expunge(&uids).map_err(Refusal::from)?;
        if !removed.is_empty() {
            selected.handle.notify();
        }
        done("Move completed.")
    }

    async fn fetch(
        &mut self,
        imap: &mut ImapServer,
        tag: &Tag,
        uid: bool,
        set: &SequenceSet,
        items: &FetchItems,
    ) -> Outcome {
        let selected = self.selected.as_mut().ok_or_else(|| bad("No mailbox selected"))?;
        let positions = selected.resolve(set, uid).map_err(bad)?;
        let mut attributes = items.expand();
        if uid && !attributes.contains(&FetchAttribute::Uid) {
            attributes.insert(0, FetchAttribute::Uid);
        }
        for a in &attributes {
            use FetchAttribute as F;
            let supported = matches!(
                a,
                F::Envelope
                    | F::Flags
                    | F::InternalDate
                    | F::Rfc822
                    | F::Rfc822Header
                    | F::Rfc822Size
                    | F::Rfc822Text
                    | F::Body
                    | F::BodyStructure
                    | F::Uid
                    | F::BodySection { .. }
            );
            if !supported {
                return Err(bad(format!("Unknown FETCH item {}", a.name())));
            }
        }
        let content = attributes.iter().any(|a| {
            !matches!(
                a,
                FetchAttribute::Flags | FetchAttribute::Uid | FetchAttribute::InternalDate | FetchAttribute::Rfc822Size
            )
        });
        let sets_seen = !selected.read_only
            && attributes.iter().any(|a| {
                matches!(
                    a,
                    FetchAttribute::BodySection { peek: false, .. }
                        | FetchAttribute::Rfc822
                        | FetchAttribute::Rfc822Text
                )
            });
        let mut missing = false;
        let mut seen_changed = false;
        for p in positions {
            let seq = nz(p as u32 + 1);
            let (m, keywords, flags_changed) = {
                let mut folder = selected.handle.lock();
                let Some(index) = folder.index_of(selected.view[p].0) else {
                    missing = true;
                    continue;
                };
                let mut changed = false;
                let m = &folder.messages[index];
                if sets_seen && m.flags & flag::SEEN == 0 {
                    let (f, k) = (m.flags | flag::SEEN, m.keywords);
                    changed = folder.set_flags(index, f, k).unwrap_or(false);
                    seen_changed |= changed;
                }
                let m = folder.messages[index].clone();
                selected.view[p].1 = selected.view[p].1.max(if changed { m.modseq } else { 0 });
                (m, folder.keywords.clone(), changed)
            };
            let recent = selected.recent.contains(&m.uid);
            // A large whole-message BODY[] goes out from the file as it is
            // read; the message is loaded only for what needs parsing.
            let streams = |a: &FetchAttribute| {
                matches!(a, FetchAttribute::BodySection { section, partial: None, .. }
                    if section.part.is_empty() && section.text.is_none())
            };
            let stream_whole = m.size > STREAM_ABOVE && attributes.iter().any(streams);
            let needs_data = if stream_whole {
                attributes.iter().any(|a| {
                    !streams(a)
                        && !matches!(
                            a,
                            FetchAttribute::Flags
                                | FetchAttribute::Uid
                                | FetchAttribute::InternalDate
                                | FetchAttribute::Rfc822Size
                        )
                })
            } else {
                content
            };
            let data = if needs_data {
                match read_message(&selected.handle, m.uid) {
                    Some(data) => Some(data),
                    None => {
                        missing = true;
                        continue;
                    }
                }
            } else {
                None
            };
            let parsed = data.as_deref().map(Parsed::new);
            let mut out = Vec::new();
            let mut streamed = None;
            for a in &attributes {
                let value = match a {
                    FetchAttribute::Flags => MessageAttribute::Flags(flag_list(m.flags, m.keywords, &keywords, recent)),
                    FetchAttribute::Uid => MessageAttribute::Uid(nz(m.uid)),
                    FetchAttribute::InternalDate => match internal_date(m.internal_date) {
                        Some(d) => MessageAttribute::InternalDate(d),
                        None => continue,
                    },
                    FetchAttribute::Rfc822Size => MessageAttribute::Rfc822Size(m.size.min(u64::from(u32::MAX)) as u32),
                    FetchAttribute::Envelope => {
                        MessageAttribute::Envelope(Box::new(parsed.as_ref().map(Parsed::envelope).unwrap_or_default()))
                    }
                    FetchAttribute::Body => MessageAttribute::Body(Box::new(
                        parsed.as_ref().map(|p| p.body_structure(false)).unwrap_or_else(empty_structure),
                    )),
                    FetchAttribute::BodyStructure => MessageAttribute::BodyStructure(Box::new(
                        parsed.as_ref().map(|p| p.body_structure(true)).unwrap_or_else(empty_structure),
                    )),
                    FetchAttribute::Rfc822 => MessageAttribute::Rfc822(data.clone().map(IString::from)),
                    FetchAttribute::Rfc822Header => {
                        MessageAttribute::Rfc822Header(parsed.as_ref().map(|p| IString::from(p.header().to_vec())))
                    }
                    FetchAttribute::Rfc822Text => {
                        MessageAttribute::Rfc822Text(parsed.as_ref().map(|p| IString::from(p.body().to_vec())))
                    }
                    FetchAttribute::BodySection { section, partial, .. } => {
                        let whole = section.part.is_empty() && section.text.is_none();
                        if whole && partial.is_none() && stream_whole {
                            if streamed.is_none() {
                                streamed = Some(section.clone());
                            }
                            continue;
                        }
                        let bytes = parsed.as_ref().and_then(|p| p.section(section));
                        let (origin, bytes) = match (partial, bytes) {
                            (Some(partial), Some(bytes)) => {
                                let start = (partial.origin as usize).min(bytes.len());
                                let end = start.saturating_add(partial.length.get() as usize).min(bytes.len());
                                (Some(partial.origin), Some(bytes[start..end].to_vec()))
                            }
                            (partial, bytes) => (partial.map(|p| p.origin), bytes),
                        };
                        MessageAttribute::BodySection {
                            section: section.clone(),
                            origin,
                            data: Some(IString::from(bytes.unwrap_or_default())),
                        }
                    }
                    // Refused above.
                    _ => continue,
                };
                out.push(value);
            }
            if flags_changed && !attributes.contains(&FetchAttribute::Flags) {
                out.push(MessageAttribute::Flags(flag_list(m.flags, m.keywords, &keywords, recent)));
            }
            let machine_error = |e: imap_wire::server::ServerError| bad(e.to_string());
            match streamed {
                Some(section) => {
                    let Some(file) = open_message(&selected.handle, m.uid).await else {
                        missing = true;
                        continue;
                    };
                    imap.machine_mut().begin_body(tag, seq, &out, &section, None, m.size).map_err(machine_error)?;
                    stream_message(imap, file, m.size).await?;
                    imap.machine_mut().end_body().map_err(machine_error)?;
                }
                None => {
                    imap.machine_mut().respond(tag, Data::Fetch { seq, attributes: out }).map_err(machine_error)?;
                }
            }
            imap.flush().await.map_err(|e| no(e.to_string()))?;
        }
        if seen_changed {
            selected.handle.notify();
        }
        if missing {
            return Err(Refusal {
                kind: StatusKind::No,
                code: Some(Code::ExpungeIssued),
                text: "Some of the requested messages no longer exist.".into(),
            });
        }
        done("Fetch completed.")
    }
}

/// A message's content (CRLF line ends), or `None` when it is gone. Its
/// file is renamed by every flag change, so a read that races one looks
/// the name up again.
fn read_message(handle: &FolderHandle, uid: u32) -> Option<Vec<u8>> {
    for _ in 0..5 {
        let path = {
            let folder = handle.lock();
            folder.messages[folder.index_of(uid)?].path.clone()
        };
        match std::fs::read(&path) {
            Ok(data) => return Some(to_crlf(&data).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return None,
        }
    }
    None
}

/// Opens a message's file, looking its name up again if a flag change
/// renames it meanwhile (an open file stays readable whatever its name).
async fn open_message(handle: &FolderHandle, uid: u32) -> Option<tokio::fs::File> {
    for _ in 0..5 {
        let path = {
            let folder = handle.lock();
            folder.messages[folder.index_of(uid)?].path.clone()
        };
        match tokio::fs::File::open(&path).await {
            Ok(file) => return Some(file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return None,
        }
    }
    None
}

/// Sends a message's `size` bytes (CRLF line ends) from its file as the
/// FETCH literal, 64 KiB at a time with a flush after each: memory stays
/// flat whatever the message's size.
async fn stream_message(imap: &mut ImapServer, mut file: tokio::fs::File, size: u64) -> Result<(), Refusal> {
    use tokio::io::AsyncReadExt;
    let fail = |e: String| Refusal { kind: StatusKind::No, code: Some(Code::ServerBug), text: e };
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(66 * 1024);
    let (mut sent, mut last) = (0u64, 0u8);
    while sent < size {
        let n = file.read(&mut buf).await.map_err(|e| fail(e.to_string()))?;
        out.clear();
        if n == 0 {
            // The file is shorter than its size said: pad, so that the
            // literal still has the announced length.
            out.resize((size - sent).min(64 * 1024) as usize, b' ');
        }
        for &b in &buf[..n] {
            if b == b'\n' && last != b'\r' {
                out.push(b'\r');
            }
            out.push(b);
            last = b;
        }
        let take = out.len().min((size - sent) as usize);
        imap.machine_mut().body_data(&out[..take]).map_err(|e| fail(e.to_string()))?;
        sent += take as u64;
        imap.flush().await.map_err(|e| fail(e.to_string()))?;
    }
    Ok(())
}

/// Puts a copy of a message's file at `target` (a hard link where the
/// file system allows), looking its name up again if a flag change renamed
/// it meanwhile. The source folder's lock is not held here.
fn link_or_copy(
    source: &FolderHandle,
    m: &crate::imap_store::Message,
    target: &std::path::Path,
) -> std::io::Result<()> {
    let mut path = m.path.clone();
    for _ in 0..5 {
        if std::fs::hard_link(&path, target).is_ok() {
            return Ok(());
        }
        match std::fs::copy(&path, target) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let folder = source.lock();
                match folder.index_of(m.uid) {
                    Some(i) => path = folder.messages[i].path.clone(),
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::NotFound, "the message kept moving"))
}

/// A message being stored by APPEND: written to the folder's tmp/ as it
/// arrives (bare LF as CRLF), added to the folder at the end; the file
/// goes away if it is not.
struct Upload {
    handle: Arc<FolderHandle>,
    tmp: PathBuf,
    file: std::fs::File,
    bits: u8,
    keywords: Vec<String>,
    date: Option<DateTime>,
    size: u64,
    last: u8,
}

impl Upload {
    fn write(&mut self, data: &[u8]) -> Result<(), Refusal> {
        use std::io::Write;
        let mut out = Vec::with_capacity(data.len() + data.len() / 32 + 1);
        for &b in data {
            if b == b'\n' && self.last != b'\r' {
                out.push(b'\r');
            }
            out.push(b);
            self.last = b;
        }
        self.file.write_all(&out).map_err(|e| Refusal::from(StoreError::Io(e)))?;
        self.size += out.len() as u64;
        Ok(())
    }

    fn finish(self) -> Outcome {
        if self.size == 0 {
            return Err(no("Can't save a zero byte message."));
        }
        self.file.sync_all().map_err(|e| Refusal::from(StoreError::Io(e)))?;
        let (validity, uid) = {
            let mut folder = self.handle.lock();
            let mut mask = 0u32;
            for k in &self.keywords {
                if let Some(i) = folder.keyword_index(k, true).map_err(Refusal::from)? {
                    mask |= 1 << i;
                }
            }
            let date = self.date.as_ref().map(unix_time);
            let uid = folder.add(&self.tmp, self.size, self.bits, mask, date).map_err(Refusal::from)?;
            (folder.uid_validity, uid)
        };
        self.handle.notify();
        let code = Code::AppendUid { uid_validity: nz(validity), uids: SequenceSet::single(nz(uid)) };
        Ok((Some(code), "Append completed.".into()))
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // Still in tmp/ unless added: not a message.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

fn empty_structure() -> imap_wire::BodyStructure {
    Parsed::new(b"\r\n").body_structure(false)
}

/// Whether a search needs the message's content.
fn needs_content(key: &SearchKey) -> bool {
    use SearchKey::*;
    match key {
        Bcc(_) | Body(_) | Cc(_) | From(_) | Header(..) | Subject(_) | Text(_) | To(_) | SentBefore(_) | SentOn(_)
        | SentSince(_) => true,
        Not(k) => needs_content(k),
        Or(a, b) => needs_content(a) || needs_content(b),
        And(keys) => keys.iter().any(needs_content),
        _ => false,
    }
}

struct SearchContext<'a> {
    seq: u32,
    count: u32,
    largest_uid: u32,
    message: &'a crate::imap_store::Message,
    recent: bool,
    keywords: &'a [String],
    parsed: Option<&'a Parsed<'a>>,
}

impl SearchContext<'_> {
    fn header(&self, name: &str, needle: &IString) -> bool {
        let Some(parsed) = self.parsed else { return false };
        let needle = needle.to_string_lossy();
        parsed.header_values(name).iter().any(|v| contains_ci(v, &needle))
    }

    fn keyword(&self, name: &Atom) -> bool {
        self.keywords
            .iter()
            .position(|k| k.eq_ignore_ascii_case(name.as_str()))
            .is_some_and(|i| self.message.keywords & (1 << i) != 0)
    }

    fn matches(&self, key: &SearchKey) -> bool {
        use SearchKey::*;
        let m = self.message;
        let has = |bit: u8| m.flags & bit != 0;
        let internal_day = m.internal_date.div_euclid(86400);
        let sent_day =
            || self.parsed.and_then(|p| p.sent_date()).map(|(y, mo, d)| days_from_civil(y.into(), mo.into(), d.into()));
        match key {
            All => true,
            Answered => has(flag::ANSWERED),
            Deleted => has(flag::DELETED),
            Draft => has(flag::DRAFT),
            Flagged => has(flag::FLAGGED),
            Seen => has(flag::SEEN),
            Unanswered => !has(flag::ANSWERED),
            Undeleted => !has(flag::DELETED),
            Undraft => !has(flag::DRAFT),
            Unflagged => !has(flag::FLAGGED),
            Unseen => !has(flag::SEEN),
            Recent => self.recent,
            New => self.recent && !has(flag::SEEN),
            Old => !self.recent,
            Keyword(k) => self.keyword(k),
            Unkeyword(k) => !self.keyword(k),
            Before(d) => internal_day < day_number(d),
            On(d) => internal_day == day_number(d),
            Since(d) => internal_day >= day_number(d),
            SentBefore(d) => sent_day().is_some_and(|s| s < day_number(d)),
            SentOn(d) => sent_day().is_some_and(|s| s == day_number(d)),
            SentSince(d) => sent_day().is_some_and(|s| s >= day_number(d)),
            Larger(n) => m.size > u64::from(*n),
            Smaller(n) => m.size < u64::from(*n),
            Bcc(s) => self.header("Bcc", s),
            Cc(s) => self.header("Cc", s),
            From(s) => self.header("From", s),
            To(s) => self.header("To", s),
            Subject(s) => self.header("Subject", s),
            Header(name, value) => {
                let Some(parsed) = self.parsed else { return false };
                let values = parsed.header_values(&name.to_string_lossy());
                let needle = value.to_string_lossy();
                !values.is_empty() && (needle.is_empty() || values.iter().any(|v| contains_ci(v, &needle)))
            }
            Body(s) | Text(s) => {
                let Some(parsed) = self.parsed else { return false };
                let needle = s.to_string_lossy();
                let in_body = contains_ci(&parsed.body_text(), &needle)
                    || contains_ci(&String::from_utf8_lossy(parsed.body()), &needle);
                in_body || (matches!(key, Text(_)) && contains_ci(&String::from_utf8_lossy(parsed.header()), &needle))
            }
            Uid(set) => set.contains(m.uid, self.largest_uid),
            SequenceSet(set) => set.contains(self.seq, self.count),
            Not(k) => !self.matches(k),
            Or(a, b) => self.matches(a) || self.matches(b),
            And(keys) => keys.iter().all(|k| self.matches(k)),
            Older(seconds) => now_unix() - m.internal_date > i64::from(seconds.get()),
            Younger(seconds) => now_unix() - m.internal_date <= i64::from(seconds.get()),
            Fuzzy(k) => self.matches(k),
            // Kept by no message here: no mod-sequences, object ids, save
            // dates or Gmail ids.
            ModSeq { .. }
            | EmailId(_)
            | ThreadId(_)
            | SavedBefore(_)
            | SavedOn(_)
            | SavedSince(_)
            | SaveDateSupported
            | GmailRaw(_)
            | GmailMessageId(_)
            | GmailThreadId(_)
            | GmailLabels(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_wildcards() {
        assert!(wildcard(b"*", b"a.b.c"));
        assert!(wildcard(b"%", b"abc"));
        assert!(!wildcard(b"%", b"a.b"));
        assert!(wildcard(b"a.%", b"a.b"));
        assert!(!wildcard(b"a.%", b"a.b.c"));
        assert!(wildcard(b"a*c", b"a.b.c"));
        assert!(wildcard(b"%.%", b"a.b"));
        assert_eq!(canonical_pattern(b"inbox.*"), b"INBOX.*");
        assert_eq!(canonical_pattern(b"inboxes"), b"inboxes");
    }

    #[test]
    fn dates_convert_both_ways() {
        for secs in [0i64, 951_782_400, 1_700_000_000, 4_102_444_799] {
            let d = internal_date(secs).unwrap();
            assert_eq!(unix_time(&d), secs, "{d}");
        }
        assert_eq!(internal_date(951_782_400).unwrap().to_string(), "29-Feb-2000 00:00:00 +0000");
    }

    #[test]
    fn uid_sets_are_compacted() {
        assert_eq!(compact(&[1, 2, 3, 5, 7, 8]).unwrap().to_string(), "1:3,5,7:8");
        assert!(compact(&[]).is_none());
    }
}
