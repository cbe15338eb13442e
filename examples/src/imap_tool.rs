//! The IMAP client's operations, as library code (the `imap-client`
//! program and the demo share them): connect and log in, list, fetch
//! summaries, fetch a part, search, store, append, move, expunge, idle, and
//! a resumable sync into a Maildir.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::path::Path;
use std::time::Duration;

use imap_wire::client::{ClientConfig, ClientEvent};
use imap_wire::{
    Code, Command, CommandBody, Data, FetchAttribute, Flag, FlagFetch, IString, Mailbox, MessageAttribute, QResync,
    SearchKey, Section, SectionText, SelectParameter, SequenceSet,
};
use mail_codec::{Error, FetchPart, ImapClient, Items, Outcome};

use crate::cli::{ConnectArgs, Failure, TlsMode};
use crate::maildir::{self, Maildir};

/// Connects as the options say (TLS mode, verification) and logs in:
/// LOGIN, or AUTHENTICATE PLAIN where the server disables LOGIN.
pub async fn connect(args: &ConnectArgs) -> Result<ImapClient, Failure> {
    let port = args.port_or(143, 993);
    let tcp = args.tcp(port).await?;
    let wait = args.step_timeout();
    let greeting_wait = args.greeting_timeout();
    let mut imap = match args.tls {
        TlsMode::Implicit => {
            let (connector, name) = args.tls()?;
            tokio::time::timeout(greeting_wait, ImapClient::connect_tls(tcp, &connector, name, ClientConfig::default()))
                .await
                .map_err(|_| args.no_greeting(port, TlsMode::Implicit))??
        }
        TlsMode::None | TlsMode::Starttls => {
            tokio::time::timeout(greeting_wait, ImapClient::new(tcp, ClientConfig::default()))
                .await
                .map_err(|_| args.no_greeting(port, args.tls))??
        }
    };
    if args.tls == TlsMode::Starttls {
        let (connector, name) = args.tls()?;
        tokio::time::timeout(wait, imap.starttls(&connector, name)).await??;
    }
    if imap.machine().state() == imap_wire::state::State::NotAuthenticated {
        let password = args.password()?;
        let login_disabled = tokio::time::timeout(wait, imap.has_capability("LOGINDISABLED")).await??;
        if login_disabled {
            tokio::time::timeout(wait, imap.authenticate_plain(&args.user, &password)).await??;
        } else {
            tokio::time::timeout(wait, imap.login(&args.user, &password)).await??;
        }
    }
    Ok(imap)
}

/// A command body from its text (the grammar checks what the user typed).
fn parse_body(text: &str) -> Result<CommandBody, Failure> {
    let line = format!("X {text}\r\n");
    Command::parse(line.as_bytes())
        .map(|c| c.body)
        .map_err(|e| Failure::Usage(format!("invalid command arguments {text:?}: {e}")))
}

/// An argument as an IMAP atom where it can be one, else a quoted string.
pub fn quote_arg(arg: &str) -> String {
    let atom = !arg.is_empty() && arg.bytes().all(|b| b > b' ' && b < 0x7f && !b"(){%*\"\\]".contains(&b));
    if atom {
        arg.to_string()
    } else {
        format!("\"{}\"", arg.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// SELECT (read-write) or EXAMINE (read-only) a mailbox.
pub async fn open(imap: &mut ImapClient, mailbox: &str, write: bool) -> Result<Outcome, Error> {
    let mailbox = Mailbox::from_utf8(mailbox);
    let body = if write {
        CommandBody::Select { mailbox, parameters: vec![] }
    } else {
        CommandBody::Examine { mailbox, parameters: vec![] }
    };
    imap.execute(body).await
}

/// A flag as it is written.
pub fn flag_text(flag: &Flag) -> String {
    String::from_utf8_lossy(&imap_wire::Encode::to_bytes(flag)).into_owned()
}

fn fetched_flags(flags: &[FlagFetch]) -> Vec<String> {
    flags
        .iter()
        .map(|f| match f {
            FlagFetch::Flag(flag) => flag_text(flag),
            FlagFetch::Recent => "\\Recent".to_string(),
        })
        .collect()
}

/// `LIST "" "*"`: one line per mailbox: name, delimiter, attributes.
pub async fn list(imap: &mut ImapClient) -> Result<Vec<String>, Error> {
    let body = CommandBody::list(Mailbox::from(""), IString::from("*"));
    let outcome = imap.execute(body).await?;
    Ok(outcome
        .data
        .iter()
        .filter_map(|d| match d {
            Data::List(item) => {
                let name =
                    item.mailbox.to_utf8().unwrap_or_else(|_| String::from_utf8_lossy(item.mailbox.as_bytes()).into());
                let delimiter = item.delimiter.map(|d| d.as_char().to_string()).unwrap_or_else(|| "NIL".into());
                let attributes: Vec<String> = item.attributes.iter().map(|a| format!("\\{}", a.name())).collect();
                Some(format!("{name}\t{delimiter}\t{}", attributes.join(" ")))
            }
            _ => None,
        })
        .collect())
}

/// One message's summary for `fetch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The UID.
    pub uid: u32,
    /// The flags, as written.
    pub flags: Vec<String>,
    /// The subject, decoded from RFC 2047 encoded words.
    pub subject: String,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\t{}\t{}", self.uid, self.flags.join(" "), self.subject)
    }
}

/// Decodes the Subject of a header block (encoded words, raw UTF-8).
pub fn subject_of(header: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse_headers(header)
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_default()
}

fn uid_of(attributes: &[MessageAttribute]) -> Option<u32> {
    attributes.iter().find_map(|a| match a {
        MessageAttribute::Uid(uid) => Some(uid.get()),
        _ => None,
    })
}

fn flags_of(attributes: &[MessageAttribute]) -> Option<Vec<String>> {
    attributes.iter().find_map(|a| match a {
        MessageAttribute::Flags(flags) => Some(fetched_flags(flags)),
        _ => None,
    })
}

/// `fetch MAILBOX SEQSET`: UID, flags and decoded subject per message (an
/// empty mailbox has none, whatever the set).
pub async fn fetch_summaries(imap: &mut ImapClient, mailbox: &str, set: SequenceSet) -> Result<Vec<Summary>, Failure> {
    open(imap, mailbox, false).await?;
    let subject = Section {
        part: Vec::new(),
        text: Some(SectionText::HeaderFields { not: false, fields: vec![IString::from("SUBJECT")] }),
    };
    let mut out = Vec::new();
    let mut messages = imap.fetch(set, Items::new().uid().flags().section(subject.clone())).await?;
    while let Some(message) = messages.next().await? {
        let Some(uid) = message.uid() else { continue };
        let flags = fetched_flags(message.flags());
        out.push(Summary { uid: uid.get(), flags, subject: subject_of(message.section(&subject).unwrap_or_default()) });
    }
    out.sort_by_key(|s| s.uid);
    Ok(out)
}

/// `part MAILBOX UID SECTION`: the raw bytes of `BODY.PEEK[SECTION]`.
pub async fn part(imap: &mut ImapClient, mailbox: &str, uid: u32, section: Section) -> Result<Vec<u8>, Failure> {
    open(imap, mailbox, false).await?;
    let mut fetch = imap.uid_fetch(uid, Items::new().uid().section(section.clone())).await?;
    let mut found = None;
    while let Some(message) = fetch.next().await? {
        if message.uid().map(NonZeroU32::get) == Some(uid) {
            found = message.section(&section).map(<[u8]>::to_vec).or(found);
        }
    }
    if let Some(data) = found {
        return Ok(data);
    }
    Err(Failure::Run(format!("no message with UID {uid} in {mailbox}")))
}

/// `search MAILBOX KEY...`: the UIDs of the matching messages (server-side
/// UID SEARCH; each key word is passed as an atom or a quoted string).
pub async fn search(imap: &mut ImapClient, mailbox: &str, keys: Vec<SearchKey>) -> Result<Vec<u32>, Failure> {
    open(imap, mailbox, false).await?;
    // RFC 3501's default charset is US-ASCII: strict servers (Cyrus, GNU
    // mailutils) find nothing for 8-bit words sent without one; the
    // operation adds CHARSET UTF-8 for them.
    let mut uids: Vec<u32> = imap.uid_search(keys).await?.into_iter().map(NonZeroU32::get).collect();
    uids.sort_unstable();
    Ok(uids)
}

/// The search keys the words on the command line say (`FROM alice
/// UNSEEN`, `SUBJECT "two words"`); an error names what is wrong in the
/// user's words.
pub fn parse_search(words: &[String]) -> Result<Vec<SearchKey>, Failure> {
    let typed = words.join(" ");
    let keys: Vec<String> = words.iter().map(|k| search_word(k)).collect();
    let line = format!("X UID SEARCH {}\r\n", keys.join(" "));
    match Command::parse(line.as_bytes()) {
        Ok(Command { body: CommandBody::Search { criteria, .. }, .. }) => Ok(criteria),
        Ok(_) => Err(Failure::Usage(format!("invalid search keys {typed:?}"))),
        Err(e) => Err(Failure::Usage(format!(
            "invalid search keys {typed:?}: {} (keys are e.g. UNSEEN, FROM alice, SINCE 1-Nov-2026, OR SEEN FLAGGED)",
            e.kind
        ))),
    }
}

/// A message set from the command line (`1:*`, `2,4:6`).
pub fn parse_set(text: &str) -> Result<SequenceSet, Failure> {
    text.parse::<SequenceSet>().map_err(|_| {
        Failure::Usage(format!("invalid message set {text:?}: numbers from 1, ranges and lists, e.g. 1:* or 2,4:6"))
    })
}

/// Flags from the command line (`\Seen`, `$Work`).
pub fn parse_flags(words: &[String]) -> Result<Vec<Flag>, Failure> {
    words
        .iter()
        .map(|word| {
            Flag::parse_name(word).map_err(|_| {
                Failure::Usage(format!(
                    "invalid flag {word:?}: \\Seen, \\Answered, \\Flagged, \\Deleted, \\Draft or a keyword such as $Work"
                ))
            })
        })
        .collect()
}

/// A STORE action from the command line.
pub fn parse_store_action(text: &str) -> Result<imap_wire::StoreAction, Failure> {
    match text.to_ascii_uppercase().as_str() {
        "+FLAGS" => Ok(imap_wire::StoreAction::Add),
        "-FLAGS" => Ok(imap_wire::StoreAction::Remove),
        "FLAGS" => Ok(imap_wire::StoreAction::Replace),
        _ => Err(Failure::Usage(format!("invalid action {text:?}: +FLAGS, -FLAGS or FLAGS"))),
    }
}

/// A body section from the command line (`1.2`, `TEXT`, `HEADER`,
/// `2.MIME`, or empty for the whole message).
pub fn parse_section(text: &str) -> Result<Section, Failure> {
    let invalid =
        || Failure::Usage(format!("invalid section {text:?}: e.g. 1.2, TEXT, HEADER, 2.MIME, or \"\" for all"));
    if text.contains([']', '\r', '\n']) {
        return Err(invalid());
    }
    let line = format!("X UID FETCH 1 (BODY.PEEK[{text}])\r\n");
    match Command::parse(line.as_bytes()) {
        Ok(Command { body: CommandBody::Fetch { items: imap_wire::FetchItems::Attributes(items), .. }, .. }) => {
            match items.into_iter().next() {
                Some(FetchAttribute::BodySection { section, .. }) => Ok(section),
                _ => Err(invalid()),
            }
        }
        _ => Err(invalid()),
    }
}

/// Search words: parentheses and sets pass as they are, the rest as atoms
/// or quoted strings.
fn search_word(word: &str) -> String {
    let structural = word == "("
        || word == ")"
        || (!word.is_empty() && word.bytes().all(|b| b.is_ascii_digit() || b":,*".contains(&b)));
    if structural || word.starts_with('(') || word.ends_with(')') {
        word.to_string()
    } else {
        quote_arg(word)
    }
}

/// `store MAILBOX UID +FLAGS|-FLAGS|FLAGS FLAG...`.
pub async fn store(
    imap: &mut ImapClient,
    mailbox: &str,
    uid: u32,
    action: imap_wire::StoreAction,
    flags: &[Flag],
) -> Result<(), Failure> {
    open(imap, mailbox, true).await?;
    imap.uid_store(uid, action, flags).await?;
    Ok(())
}

/// `append MAILBOX FILE`: returns the new message's UID when the server
/// says (UIDPLUS). Bare LF line ends are sent as CRLF (Cyrus refuses bare
/// newlines; RFC 5322 mail has CRLF).
pub async fn append(imap: &mut ImapClient, mailbox: &str, message: Vec<u8>) -> Result<Option<u32>, Failure> {
    Ok(imap.append(mailbox, &message, &[], true).await?.map(|uid| uid.get()))
}

/// `move MAILBOX UID DEST`: UID MOVE where the server has MOVE, else COPY,
/// \Deleted and UID EXPUNGE of that message alone (UIDPLUS). A server
/// with neither is refused: its EXPUNGE would also remove the messages
/// other clients marked \Deleted.
pub async fn move_message(imap: &mut ImapClient, mailbox: &str, uid: u32, dest: &str) -> Result<(), Failure> {
    open(imap, mailbox, true).await?;
    match imap.uid_move(uid, dest).await {
        Err(Error::Unsupported(_)) => Err(Failure::Run(format!(
            "the server offers neither MOVE nor UIDPLUS: moving UID {uid} would expunge every message marked \\Deleted \
             in {mailbox}; nothing was changed (copy it, then store \\Deleted, to do it by hand)"
        ))),
        other => Ok(other?),
    }
}

/// `expunge MAILBOX`: how many messages were removed.
pub async fn expunge(imap: &mut ImapClient, mailbox: &str) -> Result<usize, Failure> {
    open(imap, mailbox, true).await?;
    let outcome = imap.execute(CommandBody::Expunge).await?;
    let attributed = outcome.data.iter().filter(|d| matches!(d, Data::Expunge(_))).count();
    let unsolicited =
        imap.take_updates().iter().filter(|e| matches!(e, ClientEvent::Data { data: Data::Expunge(_), .. })).count();
    Ok(attributed + unsolicited)
}

/// An update seen during IDLE as one line (`EXISTS 4`, `EXPUNGE 2`,
/// `FETCH 3 FLAGS (\Seen)`); `None` for what is not a mailbox change.
pub fn update_line(event: &ClientEvent) -> Option<String> {
    let ClientEvent::Data { data, .. } = event else { return None };
    match data {
        Data::Exists(n) => Some(format!("EXISTS {n}")),
        Data::Expunge(n) => Some(format!("EXPUNGE {n}")),
        Data::Recent(n) => Some(format!("RECENT {n}")),
        Data::Fetch { seq, attributes } => {
            let flags = flags_of(attributes)?;
            let uid = uid_of(attributes).map(|u| format!(" UID {u}")).unwrap_or_default();
            Some(format!("FETCH {seq}{uid} FLAGS ({})", flags.join(" ")))
        }
        _ => None,
    }
}

/// `idle MAILBOX SECONDS`: calls `on_update` with each update's line until
/// the time is up or `stop` resolves; then DONE.
pub async fn idle(
    imap: &mut ImapClient,
    mailbox: &str,
    duration: Duration,
    stop: impl std::future::Future<Output = ()>,
    mut on_update: impl FnMut(&str),
) -> Result<(), Failure> {
    open(imap, mailbox, false).await?;
    let deadline = tokio::time::Instant::now() + duration;
    let mut idle = imap.idle().await?;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            update = idle.next_update() => match update? {
                Some(event) => {
                    if let Some(line) = update_line(&event) {
                        on_update(&line);
                    }
                }
                None => break,
            },
            _ = tokio::time::sleep_until(deadline) => break,
            _ = &mut stop => break,
        }
    }
    idle.done().await?;
    // What the server sent between DONE and its OK (some hold their
    // updates until then).
    for event in imap.take_updates() {
        if let Some(line) = update_line(&event) {
            on_update(&line);
        }
    }
    Ok(())
}

/// Maildir flag letters for IMAP system flags (keywords have no letter).
pub fn maildir_flags(flags: &[String]) -> String {
    let letters: String = flags
        .iter()
        .filter_map(|f| match f.to_ascii_lowercase().as_str() {
            "\\seen" => Some('S'),
            "\\answered" => Some('R'),
            "\\flagged" => Some('F'),
            "\\deleted" => Some('T'),
            "\\draft" => Some('D'),
            _ => None,
        })
        .collect();
    maildir::sorted(&letters)
}

/// What a sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Messages downloaded.
    pub new: usize,
    /// Local messages whose flags changed.
    pub changed: usize,
    /// Local messages removed (expunged on the server, or all of them
    /// after a UIDVALIDITY change).
    pub removed: usize,
    /// The changes came from a QRESYNC select (RFC 7162) rather than from
    /// listing the mailbox.
    pub quick_resync: bool,
    /// Messages to download (known once the mailbox is listed).
    pub to_download: usize,
    /// Keywords a message had that could not be kept (a Maildir names 26
    /// at most); the message was kept with the others.
    pub unkept_keywords: usize,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "new {}, changed {}, removed {}", self.new, self.changed, self.removed)?;
        if self.unkept_keywords > 0 {
            write!(f, ", {} keywords not kept (26 at most per Maildir)", self.unkept_keywords)?;
        }
        Ok(())
    }
}

/// The Maildir letters of a message's flags: system flags as their
/// letters, keywords as the letters `keywords` gives them; the number of
/// keywords without a letter.
fn flag_letters(flags: &[String], keywords: &mut maildir::Keywords) -> (String, usize) {
    let mut letters = maildir_flags(flags);
    let mut unkept = 0;
    for flag in flags.iter().filter(|f| !f.starts_with('\\')) {
        match keywords.letter(flag) {
            Some(letter) => letters.push(letter),
            None => unkept += 1,
        }
    }
    (maildir::sorted(&letters), unkept)
}

/// The sync state kept beside the Maildir (the messages themselves are
/// known from the file names: `UIDVALIDITY-UID.imap`).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct SyncState {
    mailbox: String,
    uidvalidity: u32,
    /// HIGHESTMODSEQ after the last sync (CONDSTORE).
    highest_modseq: Option<u64>,
}

const STATE_FILE: &str = ".imap-sync-state.json";

/// `sync MAILBOX DIR`: brings the Maildir at `dir` up to date with the
/// mailbox: downloads what is new, applies flag changes (only those since
/// the last run where the server has CONDSTORE), removes what was
/// expunged, and starts over when UIDVALIDITY changed. Each message is on
/// disk before the next is fetched, so an interrupted sync resumes where
/// it stopped. Keywords are kept as Maildir keyword letters. `report`
/// counts as the work goes (it tells how far an interrupted sync got).
pub async fn sync(imap: &mut ImapClient, mailbox: &str, dir: &Path, report: &mut SyncReport) -> Result<(), Failure> {
    let maildir = Maildir::create(dir)?;
    let mut keywords = maildir::Keywords::load(&maildir)?;
    let state_path = dir.join(STATE_FILE);
    let state: SyncState = match std::fs::read(&state_path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| Failure::Run(format!("{}: {e}", state_path.display())))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SyncState::default(),
        Err(e) => return Err(e.into()),
    };
    if !state.mailbox.is_empty() && state.mailbox != mailbox {
        return Err(Failure::Usage(format!("{} holds a copy of {}, not {mailbox}", dir.display(), state.mailbox)));
    }
    let qresync = imap.has_capability("QRESYNC").await?;
    let condstore = qresync || imap.has_capability("CONDSTORE").await?;
    // QRESYNC (RFC 7162): the SELECT itself reports what was expunged
    // (VANISHED (EARLIER)) and which flags changed since the last run.
    let resume = match (qresync, state.uidvalidity, state.highest_modseq) {
        (true, validity, Some(modseq)) if validity != 0 => Some((validity, modseq)),
        _ => None,
    };
    let parameters = match resume {
        Some((validity, modseq)) => {
            imap.execute(parse_body("ENABLE QRESYNC")?).await?;
            let uid_validity = NonZeroU32::new(validity).ok_or_else(|| Failure::Run("UIDVALIDITY 0".into()))?;
            vec![SelectParameter::QResync(QResync { uid_validity, modseq, known_uids: None, seq_match: None })]
        }
        None if condstore => vec![SelectParameter::CondStore],
        None => vec![],
    };
    imap.take_updates();
    let selected = imap.execute(CommandBody::Select { mailbox: Mailbox::from_utf8(mailbox), parameters }).await?;
    let codes = || selected.statuses.iter().chain([&selected.status]).filter_map(|s| s.code.as_deref());
    let uidvalidity = codes()
        .find_map(|c| match c {
            Code::UidValidity(v) => Some(v.get()),
            _ => None,
        })
        .ok_or_else(|| Failure::Run(format!("the server gave no UIDVALIDITY for {mailbox}")))?;
    let highest_modseq = codes().find_map(|c| match c {
        Code::HighestModSeq(m) => Some(*m),
        _ => None,
    });
    let mut select_data = selected.data.clone();
    select_data.extend(updates_data(imap));

    // Local copies: UIDVALIDITY-UID.imap; other validities are stale.
    let mut local: BTreeMap<u32, maildir::Entry> = BTreeMap::new();
    for entry in maildir.entries()? {
        let Some((validity, uid)) = parse_unique(&entry.unique) else { continue };
        if validity == uidvalidity {
            local.insert(uid, entry);
        } else {
            maildir.remove(&entry)?;
            report.removed += 1;
        }
    }
    let resync = state.uidvalidity != uidvalidity;
    let resumed = resume.is_some() && !resync;
    report.quick_resync = resumed;

    // Expunged on the server: announced by VANISHED (EARLIER) after a
    // QRESYNC select, else whatever UID SEARCH ALL no longer lists.
    let gone: Vec<u32> = if resumed {
        let vanished: Vec<&SequenceSet> = select_data.iter().filter_map(vanished_uids).collect();
        local.keys().filter(|&&uid| vanished.iter().any(|set| set.contains(uid, u32::MAX))).copied().collect()
    } else {
        let on_server = uid_search(imap, "UID SEARCH ALL").await?;
        local.keys().filter(|uid| !on_server.contains(uid)).copied().collect()
    };
    for uid in gone {
        if let Some(entry) = local.remove(&uid) {
            maildir.remove(&entry)?;
            report.removed += 1;
        }
    }
    maildir.sync()?;

    // Flag changes on what we have: from the QRESYNC select, or fetched
    // (only the changes since the last HIGHESTMODSEQ with CONDSTORE).
    let flag_data = if resumed || local.is_empty() {
        select_data
    } else {
        let since = match (condstore, state.highest_modseq, resync) {
            (true, Some(modseq), false) => format!(" (CHANGEDSINCE {modseq})"),
            _ => String::new(),
        };
        let outcome = imap.execute(parse_body(&format!("UID FETCH 1:* (UID FLAGS){since}"))?).await?;
        let mut data = outcome.data;
        data.extend(updates_data(imap));
        data
    };
    for data in &flag_data {
        let Data::Fetch { attributes, .. } = data else { continue };
        let (Some(uid), Some(flags)) = (uid_of(attributes), flags_of(attributes)) else { continue };
        if let Some(entry) = local.get(&uid) {
            let (letters, unkept) = flag_letters(&flags, &mut keywords);
            report.unkept_keywords += unkept;
            keywords.save(&maildir)?;
            if letters != entry.flags {
                let path = maildir.set_flags(entry, &letters)?;
                local.insert(uid, maildir::Entry { flags: letters, path, ..entry.clone() });
                report.changed += 1;
            }
        }
    }

    // What is new: everything not here (above the highest UID we have,
    // after a QRESYNC select).
    let on_server = match local.keys().next_back() {
        Some(highest) if resumed => uid_search(imap, &format!("UID SEARCH UID {}:*", highest + 1))
            .await?
            .into_iter()
            .filter(|u| u > highest)
            .collect(),
        _ => uid_search(imap, "UID SEARCH ALL").await?,
    };

    maildir.sync()?;

    // New messages, each synced onto the disk as it arrives (a large one
    // written in pieces, never whole in memory); the directory synced
    // once per batch.
    let missing: Vec<u32> = on_server.iter().filter(|uid| !local.contains_key(uid)).copied().collect();
    report.to_download = missing.len();
    let progress = crate::cli::Progress::new(missing.len() as u64, mailbox);
    for chunk in missing.chunks(50) {
        let set: &[u32] = chunk;
        let mut fetch = imap.uid_fetch(set, Items::new().uid().flags().whole_message()).await?;
        // A section streamed before its message: (tmp path, file).
        let mut pending: Option<(std::path::PathBuf, std::fs::File)> = None;
        while let Some(part) = fetch.next_part().await? {
            let message = match part {
                FetchPart::SectionStart { seq, .. } => {
                    pending = Some(maildir.create_tmp(&format!("{uidvalidity}-fetching-{seq}.imap"))?);
                    continue;
                }
                FetchPart::SectionData(data) => {
                    if let Some((_, file)) = &mut pending {
                        std::io::Write::write_all(file, &data)?;
                    }
                    continue;
                }
                FetchPart::Message(message) => message,
            };
            let streamed = pending.take();
            let Some(uid) = message.uid().map(NonZeroU32::get) else { continue };
            if local.contains_key(&uid) || !chunk.contains(&uid) {
                if let Some((tmp, _)) = streamed {
                    let _ = std::fs::remove_file(tmp);
                }
                continue;
            }
            let unique = format!("{uidvalidity}-{uid}.imap");
            let (tmp, file) = match (streamed, message.body()) {
                (Some(written), _) => written,
                (None, Some(content)) => {
                    let (tmp, mut file) = maildir.create_tmp(&unique)?;
                    std::io::Write::write_all(&mut file, content)?;
                    (tmp, file)
                }
                (None, None) => continue,
            };
            file.sync_all()?;
            drop(file);
            let (flags, unkept) = flag_letters(&fetched_flags(message.flags()), &mut keywords);
            report.unkept_keywords += unkept;
            // The keyword letters are named on disk before a file uses them.
            keywords.save(&maildir)?;
            let path = maildir.commit(&tmp, &unique, Some(&flags))?;
            local.insert(uid, maildir::Entry { unique, flags, path });
            report.new += 1;
            progress.step();
        }
        maildir.sync()?;
    }
    drop(progress);

    let state = SyncState { mailbox: mailbox.to_string(), uidvalidity, highest_modseq };
    let json = serde_json::to_vec_pretty(&state).map_err(|e| Failure::Run(e.to_string()))?;
    maildir::write_atomically(&state_path, &json)?;
    Ok(())
}

/// Unsolicited FETCH data kept aside by the client (flag changes announced
/// outside the FETCH that asked).
fn updates_data(imap: &mut ImapClient) -> Vec<Data> {
    imap.take_updates()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Data { data, .. } => Some(data),
            _ => None,
        })
        .collect()
}

/// The UIDs of a `* VANISHED [(EARLIER)] uid-set` response (RFC 7162).
pub fn vanished_uids(data: &Data) -> Option<&SequenceSet> {
    match data {
        Data::Vanished { uids, .. } => Some(uids),
        _ => None,
    }
}

/// The UIDs a UID SEARCH returns.
async fn uid_search(imap: &mut ImapClient, command: &str) -> Result<BTreeSet<u32>, Failure> {
    let outcome = imap.execute(parse_body(command)?).await?;
    Ok(outcome
        .data
        .iter()
        .flat_map(|d| match d {
            Data::Search { ids, .. } => ids.iter().map(|n| n.get()).collect(),
            _ => Vec::new(),
        })
        .collect())
}

/// `UIDVALIDITY-UID.imap` back into its numbers.
fn parse_unique(unique: &str) -> Option<(u32, u32)> {
    let stem = unique.strip_suffix(".imap")?;
    let (validity, uid) = stem.split_once('-')?;
    Some((validity.parse().ok()?, uid.parse().ok()?))
}

/// A UID from the command line.
pub fn parse_uid(text: &str) -> Result<u32, Failure> {
    text.parse::<NonZeroU32>().map(NonZeroU32::get).map_err(|_| Failure::Usage(format!("invalid UID {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vanished_uids_are_read_from_the_response() {
        let response = imap_wire::Response::parse(b"* VANISHED (EARLIER) 3,5:7,10\r\n").unwrap();
        let imap_wire::Response::Data(data) = response else { panic!() };
        assert_eq!(vanished_uids(&data).map(|s| s.to_string()).as_deref(), Some("3,5:7,10"));
        assert_eq!(vanished_uids(&Data::Exists(3)), None);
    }

    #[test]
    fn maildir_flags_map_the_system_flags() {
        let flags = ["\\Seen", "\\Flagged", "$Work", "\\Answered", "\\Deleted", "\\Draft"].map(String::from);
        assert_eq!(maildir_flags(&flags), "DFRST");
    }
}
