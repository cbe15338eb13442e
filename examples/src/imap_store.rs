//! The IMAP server's mail store: each user's Maildir++ (`ROOT/NAME/` is
//! INBOX, `ROOT/NAME/.A.B/` is the folder `A.B`, `.` the hierarchy
//! delimiter), with what IMAP needs beside the messages kept in each
//! folder's directory:
//!
//! - `imap-uidlist`: UIDVALIDITY, UIDNEXT and each message's UID by its
//!   Maildir unique name, so UIDs survive restarts;
//! - `imap-keywords`: the keyword names behind the lower-case flag letters
//!   of the file names (`a` is keyword 0, up to 26), as Dovecot does;
//! - system flags in the file names (`:2,DFRST`), the Maildir convention,
//!   so other Maildir programs (and `pop3-server`) see the same messages.
//!
//! One [`Folder`] per directory lives in memory while any session uses it;
//! changes are made under its lock and announced on a watch channel, so
//! every session of the user sees them (EXISTS, EXPUNGE, FETCH FLAGS).
//! Files that appear, vanish or get renamed behind the server's back are
//! picked up by [`Folder::refresh`] (a `stat` of `new/` and `cur/`
//! first, a directory scan only when they changed).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::maildir::{wire_size, write_atomically};

/// The hierarchy delimiter.
pub const DELIMITER: char = '.';

/// System flags, as bits.
pub mod flag {
    /// `\Answered` (`R` in a file name).
    pub const ANSWERED: u8 = 1;
    /// `\Flagged` (`F`).
    pub const FLAGGED: u8 = 2;
    /// `\Deleted` (`T`).
    pub const DELETED: u8 = 4;
    /// `\Seen` (`S`).
    pub const SEEN: u8 = 8;
    /// `\Draft` (`D`).
    pub const DRAFT: u8 = 16;
}

/// Keywords one folder can name (the letters `a` to `z`).
pub const MAX_KEYWORDS: usize = 26;

const LETTERS: [(u8, char); 5] =
    [(flag::DRAFT, 'D'), (flag::FLAGGED, 'F'), (flag::ANSWERED, 'R'), (flag::SEEN, 'S'), (flag::DELETED, 'T')];

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The mailbox does not exist.
    #[error("Mailbox doesn't exist")]
    NoMailbox,
    /// The mailbox exists already.
    #[error("Mailbox already exists")]
    Exists,
    /// The name is not one this store can hold.
    #[error("Invalid mailbox name: {0}")]
    BadName(&'static str),
    /// The operation is not allowed on this mailbox.
    #[error("{0}")]
    NotAllowed(&'static str),
    /// Every keyword slot of the folder is taken.
    #[error("Too many keywords in this mailbox (at most 26)")]
    TooManyKeywords,
    /// The file system said no.
    #[error("Internal error: {0}")]
    Io(#[from] io::Error),
}

/// One message as the store knows it.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its UID.
    pub uid: u32,
    /// The Maildir unique name.
    pub unique: String,
    /// The file now.
    pub path: PathBuf,
    /// System flag bits ([`flag`]).
    pub flags: u8,
    /// Keyword bits (bit `i` is the folder's keyword `i`).
    pub keywords: u32,
    /// Size with CRLF line ends (RFC822.SIZE).
    pub size: u64,
    /// INTERNALDATE, seconds since the epoch (the file's mtime).
    pub internal_date: i64,
    /// Bumped by every flag change, so sessions see what changed.
    pub modseq: u64,
}

/// A folder (one Maildir) with its UIDs, flags and keywords.
#[derive(Debug)]
pub struct Folder {
    dir: PathBuf,
    /// UIDVALIDITY.
    pub uid_validity: u32,
    /// The UID the next message gets.
    pub uid_next: u32,
    /// By UID.
    pub messages: Vec<Message>,
    /// Keyword names by index.
    pub keywords: Vec<String>,
    /// Messages from this UID on are \Recent for the first session that
    /// sees them.
    pub recent_from: u32,
    /// The highest modseq given out.
    pub modseq: u64,
    seen_mtimes: Option<(SystemTime, SystemTime)>,
    /// The folder was deleted: sessions that had it selected see it empty.
    pub deleted: bool,
    /// The last flags of recently expunged messages, for sessions that
    /// have not been told yet (a STORE on such a message still answers
    /// with FETCH FLAGS, as Dovecot does); the oldest go first.
    expunged_flags: HashMap<u32, (u8, u32)>,
    expunged_order: std::collections::VecDeque<u32>,
}

/// Expunged messages whose last flags a folder remembers.
const REMEMBER_EXPUNGED: usize = 4096;

/// A folder shared by the sessions that use it.
#[derive(Debug)]
pub struct FolderHandle {
    folder: Mutex<Folder>,
    changes: watch::Sender<u64>,
}

impl FolderHandle {
    /// The folder, locked.
    pub fn lock(&self) -> MutexGuard<'_, Folder> {
        self.folder.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tells every session that the folder changed.
    pub fn notify(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    /// A receiver that wakes when the folder changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A UIDVALIDITY for a new folder: the time, as Dovecot does, and never
/// one this process gave out before (a folder deleted and created again
/// within a second gets a new one).
fn new_uid_validity() -> u32 {
    static LAST: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let now = (now_secs() as u32).max(1);
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last.wrapping_add(1)).max(1);
        match LAST.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

fn mtime(path: &Path) -> io::Result<SystemTime> {
    fs::metadata(path)?.modified()
}

/// A new Maildir unique name: time, a counter and the process.
pub fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}.M{}P{}Q{}.mail-proto", now.as_secs(), now.subsec_micros(), std::process::id(), n)
}

/// Splits a file name into (unique, size from `,S=`, system flags,
/// keyword bits).
fn parse_name(name: &str) -> (String, Option<u64>, u8, u32) {
    let (base, info) = match name.split_once(':') {
        Some((base, info)) => (base, info.strip_prefix("2,").unwrap_or("")),
        None => (name, ""),
    };
    let size = base.split(',').find_map(|field| field.strip_prefix("S=")?.parse().ok());
    let unique = base.to_string();
    let mut flags = 0;
    let mut keywords = 0;
    for c in info.chars() {
        if let Some((bit, _)) = LETTERS.iter().find(|(_, l)| *l == c) {
            flags |= bit;
        } else if c.is_ascii_lowercase() {
            keywords |= 1 << (c as u8 - b'a');
        }
    }
    (unique, size, flags, keywords)
}

fn info(flags: u8, keywords: u32) -> String {
    let mut out = String::from(":2,");
    for (bit, letter) in LETTERS {
        if flags & bit != 0 {
            out.push(letter);
        }
    }
    for i in 0..MAX_KEYWORDS {
        if keywords & (1 << i) != 0 {
            out.push((b'a' + i as u8) as char);
        }
    }
    out
}

impl Folder {
    fn open(dir: &Path) -> Result<Folder, StoreError> {
        if !dir.join("cur").is_dir() {
            return Err(StoreError::NoMailbox);
        }
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        let mut folder = Folder {
            dir: dir.to_path_buf(),
            uid_validity: 0,
            uid_next: 1,
            messages: Vec::new(),
            keywords: Vec::new(),
            recent_from: 1,
            modseq: 1,
            seen_mtimes: None,
            deleted: false,
            expunged_flags: HashMap::new(),
            expunged_order: std::collections::VecDeque::new(),
        };
        let mut known: Vec<(u32, String)> = Vec::new();
        if let Ok(text) = fs::read_to_string(dir.join("imap-uidlist")) {
            let mut lines = text.lines();
            let mut head = lines.next().unwrap_or("").split_whitespace().skip(1);
            folder.uid_validity = head.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            folder.uid_next = head.next().and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
            folder.recent_from = head.next().and_then(|v| v.parse().ok()).unwrap_or(folder.uid_next);
            for line in lines {
                if let Some((uid, unique)) = line.split_once(' ') {
                    if let Ok(uid) = uid.parse::<u32>() {
                        known.push((uid, unique.to_string()));
                    }
                }
            }
        }
        if let Ok(text) = fs::read_to_string(dir.join("imap-keywords")) {
            for line in text.lines() {
                if let Some((_, name)) = line.split_once(' ') {
                    if folder.keywords.len() < MAX_KEYWORDS {
                        folder.keywords.push(name.to_string());
                    }
                }
            }
        }
        if folder.uid_validity == 0 {
            folder.uid_validity = new_uid_validity();
            folder.recent_from = 1;
        }
        folder.recent_from = folder.recent_from.min(folder.uid_next);
        for (uid, unique) in known {
            folder.messages.push(Message {
                uid,
                unique,
                path: PathBuf::new(),
                flags: 0,
                keywords: 0,
                size: 0,
                internal_date: 0,
                modseq: 1,
            });
        }
        folder.messages.sort_by_key(|m| m.uid);
        folder.messages.dedup_by_key(|m| m.uid);
        folder.scan()?;
        folder.save_uidlist()?;
        Ok(folder)
    }

    /// The folder's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn save_uidlist(&self) -> io::Result<()> {
        let mut text = format!("1 {} {} {}\n", self.uid_validity, self.uid_next, self.recent_from);
        for m in &self.messages {
            text.push_str(&format!("{} {}\n", m.uid, m.unique));
        }
        write_atomically(&self.dir.join("imap-uidlist"), text.as_bytes())
    }

    fn save_keywords(&self) -> io::Result<()> {
        let text: String = self.keywords.iter().enumerate().map(|(i, k)| format!("{i} {k}\n")).collect();
        write_atomically(&self.dir.join("imap-keywords"), text.as_bytes())
    }

    /// Picks up changes made on disk by others; true when something
    /// changed.
    pub fn refresh(&mut self) -> Result<bool, StoreError> {
        if self.deleted {
            return Ok(false);
        }
        let mtimes = match (mtime(&self.dir.join("new")), mtime(&self.dir.join("cur"))) {
            (Ok(a), Ok(b)) => (a, b),
            _ => {
                // The directory went away behind our back.
                let had = !self.messages.is_empty();
                self.messages.clear();
                self.deleted = true;
                return Ok(had);
            }
        };
        if self.seen_mtimes == Some(mtimes) {
            return Ok(false);
        }
        self.scan()
    }

    /// Reads `new/` and `cur/` and reconciles them with the UID list.
    fn scan(&mut self) -> Result<bool, StoreError> {
        let before = (mtime(&self.dir.join("new"))?, mtime(&self.dir.join("cur"))?);
        let mut on_disk: HashMap<String, (PathBuf, Option<u64>, u8, u32)> = HashMap::new();
        for sub in ["new", "cur"] {
            for entry in fs::read_dir(self.dir.join(sub))? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let (unique, size, flags, keywords) = parse_name(&name);
                let mut path = entry.path();
                if sub == "new" {
                    // Seen by a mail client now: into cur/, as the Maildir
                    // convention has it.
                    let target = self.dir.join("cur").join(format!("{name}:2,"));
                    if fs::rename(&path, &target).is_ok() {
                        path = target;
                    }
                }
                on_disk.insert(unique, (path, size, flags, keywords));
            }
        }
        let mut changed = false;
        let mut kept = Vec::with_capacity(self.messages.len());
        for mut m in std::mem::take(&mut self.messages) {
            match on_disk.remove(&m.unique) {
                Some((path, size, flags, keywords)) => {
                    if m.path.as_os_str().is_empty() {
                        // Loaded from the UID list: fill in from the file.
                        m.size = match size {
                            Some(size) => size,
                            None => wire_size(&path)?,
                        };
                        m.internal_date = file_time(&path);
                        m.flags = flags;
                        m.keywords = keywords;
                    } else if m.flags != flags || m.keywords != keywords {
                        self.modseq += 1;
                        m.modseq = self.modseq;
                        m.flags = flags;
                        m.keywords = keywords;
                        changed = true;
                    }
                    m.path = path;
                    kept.push(m);
                }
                None => {
                    self.remember_expunged(&m);
                    changed = true;
                }
            }
        }
        // New files, in name order (delivery order for most deliverers).
        let mut new: Vec<_> = on_disk.into_iter().collect();
        new.sort_by(|a, b| a.0.cmp(&b.0));
        for (unique, (path, size, flags, keywords)) in new {
            let size = match size {
                Some(size) => size,
                None => wire_size(&path)?,
            };
            self.modseq += 1;
            kept.push(Message {
                uid: self.uid_next,
                unique,
                internal_date: file_time(&path),
                path,
                flags,
                keywords,
                size,
                modseq: self.modseq,
            });
            self.uid_next += 1;
            changed = true;
        }
        self.messages = kept;
        if changed {
            self.save_uidlist()?;
        }
        // A change during the scan is caught by the next one.
        self.seen_mtimes = Some(before);
        Ok(changed)
    }

    /// Takes the \Recent messages for one session: those from
    /// `recent_from` on, which no later session sees as recent.
    pub fn claim_recent(&mut self) -> u32 {
        let from = self.recent_from;
        if from != self.uid_next {
            self.recent_from = self.uid_next;
            let _ = self.save_uidlist();
        }
        from
    }

    fn remember_expunged(&mut self, m: &Message) {
        if self.expunged_flags.insert(m.uid, (m.flags, m.keywords)).is_none() {
            self.expunged_order.push_back(m.uid);
        }
        while self.expunged_order.len() > REMEMBER_EXPUNGED {
            if let Some(old) = self.expunged_order.pop_front() {
                self.expunged_flags.remove(&old);
            }
        }
    }

    /// The last flags of a message expunged not long ago.
    pub fn expunged_flags(&self, uid: u32) -> Option<(u8, u32)> {
        self.expunged_flags.get(&uid).copied()
    }

    /// The index of the message with this UID.
    pub fn index_of(&self, uid: u32) -> Option<usize> {
        self.messages.binary_search_by_key(&uid, |m| m.uid).ok()
    }

    /// The index of a keyword, defining it when `create`.
    pub fn keyword_index(&mut self, name: &str, create: bool) -> Result<Option<usize>, StoreError> {
        if let Some(i) = self.keywords.iter().position(|k| k.eq_ignore_ascii_case(name)) {
            return Ok(Some(i));
        }
        if !create {
            return Ok(None);
        }
        if self.keywords.len() >= MAX_KEYWORDS {
            return Err(StoreError::TooManyKeywords);
        }
        self.keywords.push(name.to_string());
        self.save_keywords()?;
        Ok(Some(self.keywords.len() - 1))
    }

    /// Gives the message at `index` new flags (renaming its file).
    pub fn set_flags(&mut self, index: usize, flags: u8, keywords: u32) -> Result<bool, StoreError> {
        let m = &self.messages[index];
        if m.flags == flags && m.keywords == keywords {
            return Ok(false);
        }
        let target = self.dir.join("cur").join(format!("{}{}", m.unique, info(flags, keywords)));
        match fs::rename(&m.path, &target) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        self.modseq += 1;
        let m = &mut self.messages[index];
        m.path = target;
        m.flags = flags;
        m.keywords = keywords;
        m.modseq = self.modseq;
        Ok(true)
    }

    /// Adds a message whose data is in the file `tmp` (in this folder's
    /// `tmp/`, CRLF line ends, `size` bytes). Returns its UID.
    pub fn add(
        &mut self,
        tmp: &Path,
        size: u64,
        flags: u8,
        keywords: u32,
        date: Option<i64>,
    ) -> Result<u32, StoreError> {
        let unique = format!("{},S={size}", unique_name());
        let target = self.dir.join("cur").join(format!("{unique}{}", info(flags, keywords)));
        if let Some(date) = date {
            if let Ok(file) = fs::File::options().write(true).open(tmp) {
                let when = UNIX_EPOCH + std::time::Duration::from_secs(date.max(0) as u64);
                let _ = file.set_modified(when);
            }
        }
        fs::rename(tmp, &target)?;
        self.modseq += 1;
        let uid = self.uid_next;
        self.uid_next += 1;
        self.messages.push(Message {
            uid,
            unique,
            internal_date: date.unwrap_or_else(|| file_time(&target)),
            path: target,
            flags,
            keywords,
            size,
            modseq: self.modseq,
        });
        self.save_uidlist()?;
        Ok(uid)
    }

    /// Removes the messages with these UIDs; returns the UIDs removed.
    pub fn expunge(&mut self, uids: &[u32]) -> Result<Vec<u32>, StoreError> {
        let mut removed = Vec::new();
        let mut failure = None;
        let mut gone = Vec::new();
        self.messages.retain(|m| {
            if uids.binary_search(&m.uid).is_err() {
                return true;
            }
            match fs::remove_file(&m.path) {
                Ok(()) => {
                    removed.push(m.uid);
                    gone.push(m.clone());
                    false
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    removed.push(m.uid);
                    gone.push(m.clone());
                    false
                }
                Err(e) => {
                    failure = Some(e);
                    true
                }
            }
        });
        for m in &gone {
            self.remember_expunged(m);
        }
        if !removed.is_empty() {
            self.save_uidlist()?;
        }
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(removed),
        }
    }

    /// A file for a new message in this folder's `tmp/`.
    pub fn temp_file(&self) -> io::Result<(PathBuf, fs::File)> {
        let path = self.dir.join("tmp").join(unique_name());
        let file = fs::File::create(&path)?;
        Ok((path, file))
    }

    /// Messages not \Seen, messages that are \Recent to nobody yet, and the
    /// total size (for STATUS).
    pub fn counts(&self) -> (u32, u32, u64) {
        let unseen = self.messages.iter().filter(|m| m.flags & flag::SEEN == 0).count() as u32;
        let recent = self.messages.iter().filter(|m| m.uid >= self.recent_from).count() as u32;
        (unseen, recent, self.messages.iter().map(|m| m.size).sum())
    }
}

fn file_time(path: &Path) -> i64 {
    mtime(path).ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// One user's folders.
#[derive(Debug)]
pub struct Mailboxes {
    root: PathBuf,
}

/// A folder name checked for this store, as it appears on the wire
/// (modified UTF-7) with INBOX spelled `INBOX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    /// Checks a wire name: valid modified UTF-7, no `/`, no empty
    /// hierarchy level, no control characters.
    pub fn parse(wire: &[u8]) -> Result<Name, StoreError> {
        let text = std::str::from_utf8(wire).map_err(|_| StoreError::BadName("not 7-bit"))?;
        if text.is_empty() {
            return Err(StoreError::BadName("empty"));
        }
        imap_wire::decode_modified_utf7(wire).map_err(|_| StoreError::BadName("not modified UTF-7"))?;
        if text.bytes().any(|b| b < 0x20 || b == 0x7f || b == b'/' || b == b'\\' || b == b'*' || b == b'%') {
            return Err(StoreError::BadName("a character this store cannot hold"));
        }
        if text.split(DELIMITER).any(str::is_empty) {
            return Err(StoreError::BadName("an empty hierarchy level"));
        }
        if text.len() > 200 {
            return Err(StoreError::BadName("too long"));
        }
        let mut levels: Vec<&str> = text.split(DELIMITER).collect();
        if levels[0].eq_ignore_ascii_case("INBOX") {
            levels[0] = "INBOX";
        }
        Ok(Name(levels.join(".")))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is INBOX.
    pub fn is_inbox(&self) -> bool {
        self.0 == "INBOX"
    }
}

/// The special use of a folder, by its name (RFC 6154).
pub fn special_use(name: &str) -> Option<imap_wire::MailboxAttribute> {
    use imap_wire::MailboxAttribute::*;
    Some(match name {
        "Sent" => Sent,
        "Drafts" => Drafts,
        "Trash" => Trash,
        "Junk" => Junk,
        "Archive" => Archive,
        _ => return None,
    })
}

/// Folders made with a new user's Maildir.
const DEFAULT_FOLDERS: [&str; 4] = ["Drafts", "Sent", "Trash", "Junk"];

impl Mailboxes {
    /// The user's Maildir at `root`, created (with INBOX and the usual
    /// special-use folders) when it does not exist yet.
    pub fn open(root: &Path) -> Result<Mailboxes, StoreError> {
        if !root.join("cur").is_dir() {
            crate::maildir::Maildir::create(root)?;
            for name in DEFAULT_FOLDERS {
                crate::maildir::Maildir::create(&root.join(format!(".{name}")))?;
            }
            write_atomically(&root.join("subscriptions"), "INBOX\nDrafts\nSent\nTrash\nJunk\n".as_bytes())?;
        }
        Ok(Mailboxes { root: root.to_path_buf() })
    }

    /// The directory of a folder.
    pub fn dir(&self, name: &Name) -> PathBuf {
        if name.is_inbox() {
            self.root.clone()
        } else {
            self.root.join(format!(".{}", name.0))
        }
    }

    /// Every existing folder, INBOX first, then in name order.
    pub fn list(&self) -> io::Result<Vec<Name>> {
        let mut names = vec![Name("INBOX".into())];
        for entry in fs::read_dir(&self.root)? {
            let entry = entry?;
            let file = entry.file_name().to_string_lossy().into_owned();
            let Some(name) = file.strip_prefix('.') else { continue };
            if name.is_empty() || !entry.path().join("cur").is_dir() {
                continue;
            }
            if let Ok(name) = Name::parse(name.as_bytes()) {
                if !name.is_inbox() {
                    names.push(name);
                }
            }
        }
        names[1..].sort();
        Ok(names)
    }

    /// Whether a folder exists.
    pub fn exists(&self, name: &Name) -> bool {
        self.dir(name).join("cur").is_dir()
    }

    /// CREATE.
    pub fn create(&self, name: &Name) -> Result<(), StoreError> {
        if self.exists(name) {
            return Err(StoreError::Exists);
        }
        crate::maildir::Maildir::create(&self.dir(name))?;
        Ok(())
    }

    /// DELETE: the folder's messages and directory (its children stay).
    pub fn delete(&self, name: &Name) -> Result<(), StoreError> {
        if name.is_inbox() {
            return Err(StoreError::NotAllowed("INBOX can't be deleted."));
        }
        if !self.exists(name) {
            return Err(StoreError::NoMailbox);
        }
        // Renamed away first, so a session's view never sees half of it.
        let dir = self.dir(name);
        let trash = self.root.join(format!("..deleting.{}", unique_name()));
        fs::rename(&dir, &trash)?;
        fs::remove_dir_all(&trash)?;
        Ok(())
    }

    /// RENAME of a folder and its children (INBOX: its messages move to a
    /// new folder and INBOX stays, empty).
    pub fn rename(&self, from: &Name, to: &Name) -> Result<Vec<(PathBuf, PathBuf)>, StoreError> {
        if !self.exists(from) {
            return Err(StoreError::NoMailbox);
        }
        if self.exists(to) {
            return Err(StoreError::Exists);
        }
        if to.0.starts_with(&format!("{}.", from.0)) {
            return Err(StoreError::NotAllowed("Can't rename a mailbox under itself."));
        }
        let mut moved = Vec::new();
        if from.is_inbox() {
            self.create(to)?;
            let target = self.dir(to);
            for sub in ["new", "cur"] {
                for entry in fs::read_dir(self.root.join(sub))? {
                    let entry = entry?;
                    fs::rename(entry.path(), target.join(sub).join(entry.file_name()))?;
                }
            }
            return Ok(moved);
        }
        let prefix = format!("{}.", from.0);
        let children: Vec<Name> = self.list()?.into_iter().filter(|n| n.0.starts_with(&prefix)).collect();
        let old = self.dir(from);
        let new = self.dir(to);
        fs::rename(&old, &new)?;
        moved.push((old, new));
        for child in children {
            let renamed = Name(format!("{}.{}", to.0, &child.0[prefix.len()..]));
            let (old, new) = (self.dir(&child), self.dir(&renamed));
            fs::rename(&old, &new)?;
            moved.push((old, new));
        }
        Ok(moved)
    }

    /// The subscribed names.
    pub fn subscriptions(&self) -> Vec<String> {
        fs::read_to_string(self.root.join("subscriptions"))
            .map(|text| text.lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// SUBSCRIBE (`true`) or UNSUBSCRIBE.
    pub fn subscribe(&self, name: &Name, on: bool) -> Result<(), StoreError> {
        let mut names = self.subscriptions();
        names.retain(|n| n != name.as_str());
        if on {
            names.push(name.0.clone());
        }
        let text: String = names.iter().map(|n| format!("{n}\n")).collect();
        write_atomically(&self.root.join("subscriptions"), text.as_bytes())?;
        Ok(())
    }
}

/// Every folder any session has open, shared.
#[derive(Debug, Default)]
pub struct Registry {
    open: Mutex<HashMap<PathBuf, std::sync::Weak<FolderHandle>>>,
}

impl Registry {
    /// The shared folder of a directory, opened when no session has it.
    pub fn folder(&self, dir: &Path) -> Result<Arc<FolderHandle>, StoreError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(handle) = open.get(dir).and_then(std::sync::Weak::upgrade) {
            let stale = {
                let folder = handle.lock();
                folder.deleted || !dir.join("cur").is_dir()
            };
            if !stale {
                return Ok(handle);
            }
            // Deleted (or renamed away) since: those still holding it keep
            // the old one; a new one starts from the disk.
            handle.lock().deleted = true;
            handle.notify();
        }
        let folder = Folder::open(dir)?;
        let (changes, _) = watch::channel(0);
        let handle = Arc::new(FolderHandle { folder: Mutex::new(folder), changes });
        open.retain(|_, weak| weak.strong_count() > 0);
        open.insert(dir.to_path_buf(), Arc::downgrade(&handle));
        Ok(handle)
    }

    /// Marks an open folder gone (DELETE, or the old name of a RENAME).
    pub fn forget(&self, dir: &Path) {
        let handle = self.open.lock().unwrap_or_else(|e| e.into_inner()).remove(dir);
        if let Some(handle) = handle.and_then(|w| w.upgrade()) {
            {
                let mut folder = handle.lock();
                folder.deleted = true;
                folder.messages.clear();
            }
            handle.notify();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("imap-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn uids_flags_and_keywords_survive_a_restart() {
        let root = temp("restart");
        let boxes = Mailboxes::open(&root).unwrap();
        let inbox = boxes.dir(&Name::parse(b"inbox").unwrap());
        let registry = Registry::default();
        let handle = registry.folder(&inbox).unwrap();
        let (validity, uid) = {
            let mut f = handle.lock();
            let (tmp, mut file) = f.temp_file().unwrap();
            std::io::Write::write_all(&mut file, b"Subject: a\r\n\r\nbody\r\n").unwrap();
            let size = 20;
            let uid = f.add(&tmp, size, flag::SEEN, 0, Some(1_000_000_000)).unwrap();
            let kw = f.keyword_index("$Label1", true).unwrap().unwrap();
            let i = f.index_of(uid).unwrap();
            f.set_flags(i, flag::SEEN | flag::FLAGGED, 1 << kw).unwrap();
            (f.uid_validity, uid)
        };
        drop(handle);
        // A message delivered by someone else meanwhile.
        crate::maildir::Maildir::create(&inbox).unwrap().deliver("zzz-external", None, b"x\n").unwrap();
        let f = Folder::open(&inbox).unwrap();
        assert_eq!(f.uid_validity, validity);
        assert_eq!(f.messages.len(), 2);
        let m = &f.messages[0];
        assert_eq!((m.uid, m.flags, m.keywords, m.size), (uid, flag::SEEN | flag::FLAGGED, 1, 20));
        assert_eq!(m.internal_date, 1_000_000_000);
        assert_eq!(f.keywords, vec!["$Label1".to_string()]);
        assert_eq!((f.messages[1].uid, f.messages[1].size), (uid + 1, 3));
        assert!(f.messages[1].path.starts_with(inbox.join("cur")), "moved from new/ to cur/");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn names_are_checked_and_folders_renamed_with_children() {
        assert!(Name::parse(b"a..b").is_err());
        assert!(Name::parse(b"../x").is_err());
        assert!(Name::parse(b".x").is_err());
        assert!(Name::parse(b"&Jjo-").is_ok());
        assert!(Name::parse(b"&Jjo").is_err());
        assert_eq!(Name::parse(b"Inbox.sub").unwrap().as_str(), "INBOX.sub");
        let root = temp("rename");
        let boxes = Mailboxes::open(&root).unwrap();
        let name = |s: &str| Name::parse(s.as_bytes()).unwrap();
        boxes.create(&name("a")).unwrap();
        boxes.create(&name("a.b")).unwrap();
        assert!(matches!(boxes.create(&name("a")), Err(StoreError::Exists)));
        boxes.rename(&name("a"), &name("c")).unwrap();
        let listed: Vec<String> = boxes.list().unwrap().iter().map(|n| n.as_str().to_string()).collect();
        assert_eq!(listed, ["INBOX", "Drafts", "Junk", "Sent", "Trash", "c", "c.b"]);
        boxes.delete(&name("c")).unwrap();
        assert!(boxes.exists(&name("c.b")) && !boxes.exists(&name("c")));
        assert!(boxes.delete(&name("INBOX")).is_err());
        fs::remove_dir_all(&root).unwrap();
    }
}
