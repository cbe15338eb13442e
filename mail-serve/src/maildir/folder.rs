//! One Maildir folder's index, kept in memory while any session uses it:
//! each message's UID, file name, flags, keywords, size and date. The
//! disk is touched only for what changes: a flag change renames one file,
//! new mail is written to `tmp/`, synced and renamed into `cur/` with one
//! line appended to the UID list. Changes made behind the server's back
//! (a mail transfer agent delivering to `new/`, another program flagging
//! or deleting) are found by a `stat` of `new/` and `cur/` and a directory
//! scan when they changed.
//!
//! Files beside the messages (the layout the example servers wrote, which
//! is still read):
//! - `imap-uidlist`: a header `VERSION UIDVALIDITY UIDNEXT RECENT`, then a
//!   line per message, `UID UNIQUE` (version 1) or `UID SIZE DATE UNIQUE`
//!   (version 2: size with CRLF line ends and internal date, so a restart
//!   reads no message file). New lines are appended; the file is rewritten
//!   when most of its lines are for messages that are gone.
//! - `imap-keywords`: `INDEX NAME` lines naming the keyword behind the
//!   letters `a` to `z` of the file names, as Dovecot's `dovecot-keywords`.
//! - `imap-modseq`: the modseqs (RFC 7162), so that they survive restarts
//!   and two processes never give one twice. A header `1 UIDVALIDITY
//!   HIGHESTMODSEQ FORGOTTEN`, then a line per change: `+ MODSEQ UID SYS
//!   KW` (the message has, since MODSEQ, the system flags and keyword
//!   letters of the hex bit masks SYS and KW) or `- MODSEQ UID` (expunged
//!   at MODSEQ). A message whose file shows other flags than its last line
//!   (changed while no server ran, or by another program) gets a new
//!   modseq when found. Rewritten with a line per live message and the
//!   last expunges when most lines are stale; FORGOTTEN is the modseq up
//!   to which expunges are no longer listed.
//! - `imap-uidlist.lock`: locked (`flock`) while UIDs, modseqs or keywords
//!   are assigned, so that two server processes sharing the mail root (an
//!   IMAP and a POP3 server) never give one UID or modseq twice.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::files::{
    file_id, file_name, mtime, name_field, new_uid_validity, parse_name, secs, wire_size_of, write_atomically, Lock,
};
use crate::store::{Expunged, FlagOp, Flags, Keyword, MessageMeta, StoreError, SystemFlags};

/// Keywords one folder can name (the letters `a` to `z`).
pub(crate) const MAX_KEYWORDS: usize = 26;

/// Expunged messages a folder remembers for `changes`.
const REMEMBER_EXPUNGED: usize = 4096;

/// Files left in `tmp/` longer than this are a crash's leftovers
/// (Maildir's 36-hour rule).
const TMP_MAX_AGE: Duration = Duration::from_secs(36 * 3600);

/// A scan trusts the directories' mtimes only when it began at least this
/// long after them: a change within the same time stamp (file systems
/// keep mtimes at the kernel's clock tick) would not move the mtime.
const MTIME_GRANULARITY: Duration = Duration::from_millis(100);

/// One message.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub uid: u32,
    /// The unique part of the file name (before `:`).
    pub unique: Box<str>,
    /// The file name in `cur/`.
    pub name: Box<str>,
    pub flags: SystemFlags,
    /// Keyword bits (bit `i` is the letter `a + i`).
    pub keywords: u32,
    /// Size with CRLF line ends.
    pub size: u64,
    pub date: i64,
    /// The modseq of its last change, as `imap-modseq` has it.
    pub modseq: u64,
    /// The flags and keyword bits its last `imap-modseq` line records
    /// (`None`: no line yet).
    pub logged: Option<(SystemFlags, u32)>,
}

/// A folder's index.
#[derive(Debug)]
pub(crate) struct Folder {
    pub dir: PathBuf,
    pub uid_validity: u32,
    pub uid_next: u32,
    pub recent_from: u32,
    pub modseq: u64,
    /// By UID.
    pub messages: Vec<Entry>,
    /// Keyword names by letter.
    pub keywords: Vec<Keyword>,
    expunged: VecDeque<(u64, Expunged)>,
    forgotten_before: u64,
    /// The mtimes of `new/` and `cur/` at the last scan, and whether that
    /// scan began long enough after them to have seen every change.
    seen: Option<(SystemTime, SystemTime)>,
    trusted: bool,
    /// Where this process stopped reading the UID list, and the file's
    /// identity (a rewrite replaces it).
    log_offset: u64,
    log_id: Option<(u64, u64)>,
    log_lines: usize,
    /// Entries of the UID list whose file this process has not seen (yet),
    /// by UID: a file that appears later keeps its UID.
    listed: BTreeMap<u32, Entry>,
    /// The same for the modseq log.
    mod_offset: u64,
    mod_id: Option<(u64, u64)>,
    mod_lines: usize,
    /// The folder was deleted or renamed away.
    pub gone: bool,
}

/// Changes made under the lock, written to `imap-modseq` at once.
#[derive(Default)]
struct Records {
    text: String,
    lines: usize,
}

impl Records {
    fn set(&mut self, m: &Entry) {
        let (sys, kw) = m.logged.unwrap_or((SystemFlags::NONE, 0));
        self.text.push_str(&format!("+ {} {} {:x} {:x}\n", m.modseq, m.uid, sys.bits(), kw));
        self.lines += 1;
    }

    fn expunged(&mut self, modseq: u64, uid: u32) {
        self.text.push_str(&format!("- {modseq} {uid}\n"));
        self.lines += 1;
    }
}

impl Folder {
    /// Opens the folder at `dir` (which must hold `cur/`).
    pub fn open(dir: &Path) -> Result<Folder, StoreError> {
        if !dir.join("cur").is_dir() {
            return Err(StoreError::NoSuchMailbox);
        }
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        let mut folder = Folder {
            dir: dir.to_path_buf(),
            uid_validity: 0,
            uid_next: 1,
            recent_from: 1,
            modseq: 1,
            messages: Vec::new(),
            keywords: Vec::new(),
            expunged: VecDeque::new(),
            forgotten_before: 0,
            seen: None,
            trusted: false,
            log_offset: 0,
            log_id: None,
            log_lines: 0,
            listed: BTreeMap::new(),
            mod_offset: 0,
            mod_id: None,
            mod_lines: 0,
            gone: false,
        };
        folder.clean_tmp();
        {
            let _lock = Lock::take(dir)?;
            folder.read_keywords();
            folder.catch_up()?;
            if folder.uid_validity == 0 {
                folder.uid_validity = new_uid_validity();
                folder.rewrite_log()?;
            }
            folder.catch_up_modseqs()?;
        }
        folder.scan()?;
        Ok(folder)
    }

    fn clean_tmp(&self) {
        let Ok(entries) = fs::read_dir(self.dir.join("tmp")) else { return };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > TMP_MAX_AGE);
            if old {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    fn read_keywords(&mut self) {
        let Ok(text) = fs::read_to_string(self.dir.join("imap-keywords")) else { return };
        let mut slots: Vec<Option<Keyword>> = vec![None; MAX_KEYWORDS];
        for line in text.lines() {
            let Some((i, name)) = line.split_once(' ') else { continue };
            let (Ok(i), Ok(k)) = (i.parse::<usize>(), Keyword::new(name)) else { continue };
            if i < MAX_KEYWORDS {
                slots[i] = Some(k);
            }
        }
        let used = slots.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
        // A gap (never written by this store) gets a placeholder name.
        self.keywords = slots[..used]
            .iter()
            .enumerate()
            .map(|(i, k)| k.clone().unwrap_or_else(|| Keyword::new(&format!("$unnamed{i}")).expect("valid")))
            .collect();
    }

    fn save_keywords(&self) -> io::Result<()> {
        let text: String = self.keywords.iter().enumerate().map(|(i, k)| format!("{i} {k}\n")).collect();
        write_atomically(&self.dir.join("imap-keywords"), text.as_bytes())
    }

    /// Reads what was appended to the UID list since the last read (all of
    /// it when the file was rewritten). Call with the lock held.
    fn catch_up(&mut self) -> Result<(), StoreError> {
        let path = self.dir.join("imap-uidlist");
        let mut file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let id = file_id(&file.metadata()?);
        if self.log_id != Some(id) {
            self.log_offset = 0;
            self.log_lines = 0;
        }
        file.seek(io::SeekFrom::Start(self.log_offset))?;
        let mut text = Vec::new();
        file.read_to_end(&mut text)?;
        // Only whole lines: a line being written is read next time.
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let text = String::from_utf8_lossy(&text[..complete]).into_owned();
        let mut lines = text.lines();
        let mut version = 2;
        if self.log_offset == 0 {
            let mut head = lines.next().unwrap_or("").split_whitespace();
            version = head.next().and_then(|v| v.parse().ok()).unwrap_or(1);
            let validity = head.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            if validity != 0 && self.uid_validity != 0 && validity != self.uid_validity {
                // Replaced by a different folder: start over.
                self.messages.clear();
                self.listed.clear();
            }
            self.uid_validity = validity;
            self.uid_next = self.uid_next.max(head.next().and_then(|v| v.parse().ok()).unwrap_or(1));
            self.recent_from = head.next().and_then(|v| v.parse().ok()).unwrap_or(self.uid_next);
        }
        let mut lines = lines.peekable();
        if lines.peek().is_none() {
            self.log_offset += complete as u64;
            self.log_id = Some(id);
            return Ok(());
        }
        let known: std::collections::HashSet<Box<str>> =
            self.messages.iter().chain(self.listed.values()).map(|m| m.unique.clone()).collect();
        let mut added = Vec::new();
        for line in lines {
            self.log_lines += 1;
            let fields: Vec<&str> = line.split(' ').collect();
            let (uid, size, date, unique) = match (version, &fields[..]) {
                (1, [uid, unique]) => (uid.parse::<u32>().ok(), None, None, *unique),
                (_, [uid, size, date, unique]) => (uid.parse().ok(), size.parse().ok(), date.parse().ok(), *unique),
                (_, [uid, unique]) => (uid.parse().ok(), None, None, *unique),
                _ => continue,
            };
            let Some(uid) = uid.filter(|&u| u > 0) else { continue };
            self.uid_next = self.uid_next.max(uid.saturating_add(1));
            if known.contains(unique) || self.index_of(uid).is_some() || self.listed.contains_key(&uid) {
                continue;
            }
            added.push(Entry {
                uid,
                unique: unique.into(),
                name: Box::from(""),
                flags: SystemFlags::NONE,
                keywords: 0,
                size: size.unwrap_or(u64::MAX),
                date: date.unwrap_or(i64::MIN),
                modseq: 0,
                logged: None,
            });
        }
        for m in added {
            self.listed.insert(m.uid, m);
        }
        self.log_offset += complete as u64;
        self.log_id = Some(id);
        Ok(())
    }

    /// Reads what was appended to `imap-modseq` since the last read (all
    /// of it when it was rewritten): other processes' modseqs and
    /// expunges. Call with the lock held, after `catch_up`.
    fn catch_up_modseqs(&mut self) -> Result<(), StoreError> {
        let path = self.dir.join("imap-modseq");
        let mut file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.mod_id = None;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let id = file_id(&file.metadata()?);
        if self.mod_id != Some(id) {
            self.mod_offset = 0;
            self.mod_lines = 0;
        }
        file.seek(io::SeekFrom::Start(self.mod_offset))?;
        let mut text = Vec::new();
        file.read_to_end(&mut text)?;
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let text = String::from_utf8_lossy(&text[..complete]).into_owned();
        let mut lines = text.lines();
        if self.mod_offset == 0 {
            let head: Vec<u64> = lines.next().unwrap_or("").split(' ').map(|f| f.parse().unwrap_or(0)).collect();
            if head.len() < 4 || head[0] != 1 || head[1] != u64::from(self.uid_validity) {
                // Another folder's (or no) log: replaced at the next write.
                self.mod_id = None;
                return Ok(());
            }
            // Read again from the start: the log lists the expunges it
            // remembers.
            self.expunged.clear();
            self.modseq = self.modseq.max(head[2]);
            self.forgotten_before = self.forgotten_before.max(head[3]);
        }
        for line in lines {
            self.mod_lines += 1;
            let mut fields = line.split(' ');
            let kind = fields.next();
            let modseq: u64 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
            let uid: u32 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
            if modseq == 0 || uid == 0 {
                continue;
            }
            self.modseq = self.modseq.max(modseq);
            match kind {
                Some("+") => {
                    let sys = fields.next().and_then(|f| u8::from_str_radix(f, 16).ok());
                    let kw = fields.next().and_then(|f| u32::from_str_radix(f, 16).ok());
                    let (Some(sys), Some(kw)) = (sys, kw) else { continue };
                    let m = match self.index_of(uid) {
                        Some(i) => Some(&mut self.messages[i]),
                        None => self.listed.get_mut(&uid),
                    };
                    if let Some(m) = m.filter(|m| m.modseq <= modseq) {
                        m.modseq = modseq;
                        m.logged = Some((SystemFlags::from_bits(sys), kw));
                    }
                }
                Some("-") => {
                    self.listed.remove(&uid);
                    let flags = self.index_of(uid).map(|i| {
                        let m = self.messages.remove(i);
                        self.flags_of(&m)
                    });
                    self.remember_expunged(uid, flags, modseq);
                }
                _ => {}
            }
        }
        self.mod_offset += complete as u64;
        self.mod_id = Some(id);
        Ok(())
    }

    /// Appends these records to `imap-modseq`, or rewrites it when it is
    /// missing, another folder's, or mostly stale lines. Call with the
    /// lock held, after `catch_up_modseqs`.
    fn log_modseqs(&mut self, records: Records) -> Result<(), StoreError> {
        if records.lines == 0 {
            return Ok(());
        }
        let live = self.messages.len() + self.expunged.len();
        if self.mod_id.is_none() || self.mod_lines + records.lines > 2 * live + 64 {
            return self.rewrite_modseqs();
        }
        let mut file = fs::OpenOptions::new().append(true).open(self.dir.join("imap-modseq"))?;
        file.write_all(records.text.as_bytes())?;
        self.mod_offset += records.text.len() as u64;
        self.mod_lines += records.lines;
        Ok(())
    }

    /// Writes `imap-modseq` anew: a line per live message and per
    /// remembered expunge. Call with the lock held.
    fn rewrite_modseqs(&mut self) -> Result<(), StoreError> {
        let mut records =
            Records { text: format!("1 {} {} {}\n", self.uid_validity, self.modseq, self.forgotten_before), lines: 0 };
        for m in self.messages.iter().filter(|m| m.logged.is_some()) {
            records.set(m);
        }
        for (modseq, e) in &self.expunged {
            records.expunged(*modseq, e.uid);
        }
        let path = self.dir.join("imap-modseq");
        write_atomically(&path, records.text.as_bytes())?;
        let meta = fs::metadata(&path)?;
        self.mod_id = Some(file_id(&meta));
        self.mod_offset = meta.len();
        self.mod_lines = records.lines;
        Ok(())
    }

    /// The next modseq. Call with the lock held, after `catch_up_modseqs`.
    fn next_modseq(&mut self) -> u64 {
        self.modseq += 1;
        self.modseq
    }

    fn log_line(m: &Entry) -> String {
        format!("{} {} {} {}\n", m.uid, m.size, m.date, m.unique)
    }

    /// Rewrites the UID list with only the live messages. Call with the
    /// lock held.
    fn rewrite_log(&mut self) -> Result<(), StoreError> {
        let mut text = format!("2 {} {} {}\n", self.uid_validity, self.uid_next, self.recent_from);
        if !self.listed.is_empty() {
            // Another process's messages this one has not seen: kept while
            // their files are there (none is added without the lock).
            let present: std::collections::HashSet<String> = fs::read_dir(self.dir.join("cur"))?
                .flatten()
                .map(|e| parse_name(&e.file_name().to_string_lossy()).0.to_string())
                .collect();
            self.listed.retain(|_, m| present.contains(&*m.unique));
        }
        let mut all: Vec<&Entry> = self.messages.iter().chain(self.listed.values()).collect();
        all.sort_by_key(|m| m.uid);
        for m in all {
            text.push_str(&Folder::log_line(m));
        }
        let path = self.dir.join("imap-uidlist");
        write_atomically(&path, text.as_bytes())?;
        let meta = fs::metadata(&path)?;
        self.log_id = Some(file_id(&meta));
        self.log_offset = meta.len();
        self.log_lines = self.messages.len() + self.listed.len();
        Ok(())
    }

    /// Appends lines for new messages (rewriting the list when it is
    /// mostly dead lines). Call with the lock held, after `catch_up`.
    fn append_log(&mut self, new: &[usize]) -> Result<(), StoreError> {
        if self.log_id.is_none() || self.log_lines > 2 * self.messages.len() + 64 {
            return self.rewrite_log();
        }
        let text: String = new.iter().map(|&i| Folder::log_line(&self.messages[i])).collect();
        let path = self.dir.join("imap-uidlist");
        let mut file = fs::OpenOptions::new().append(true).open(&path)?;
        file.write_all(text.as_bytes())?;
        self.log_offset += text.len() as u64;
        self.log_lines += new.len();
        Ok(())
    }

    /// Picks up changes made on disk by others; true when something
    /// changed.
    pub fn refresh(&mut self) -> Result<bool, StoreError> {
        if self.gone {
            return Ok(false);
        }
        let mtimes = match (mtime(&self.dir.join("new")), mtime(&self.dir.join("cur"))) {
            (Ok(a), Ok(b)) => (a, b),
            _ => {
                // The directory went away behind our back.
                self.vanish();
                return Ok(true);
            }
        };
        if self.seen == Some(mtimes) {
            // Unchanged. A scan that began in the same clock tick as the
            // last change may have missed another in that tick: scan once
            // more when the tick is surely over, not before.
            let settled =
                SystemTime::now().duration_since(mtimes.0.max(mtimes.1)).is_ok_and(|d| d >= MTIME_GRANULARITY);
            if self.trusted || !settled {
                return Ok(false);
            }
        }
        self.scan()
    }

    /// The folder is gone: every message expunged.
    pub fn vanish(&mut self) {
        self.modseq += 1;
        let modseq = self.modseq;
        let gone: Vec<Entry> = std::mem::take(&mut self.messages);
        for m in gone {
            let flags = self.flags_of(&m);
            self.remember_expunged(m.uid, Some(flags), modseq);
        }
        self.gone = true;
    }

    /// Reads `new/` and `cur/` and reconciles them with the index: new
    /// files get UIDs, changed or unlogged flags and vanished files get
    /// modseqs, all under the lock after learning what other processes
    /// logged meanwhile.
    fn scan(&mut self) -> Result<bool, StoreError> {
        let started = SystemTime::now();
        let before = (mtime(&self.dir.join("new"))?, mtime(&self.dir.join("cur"))?);
        let mut on_disk: HashMap<String, String> = HashMap::new();
        for sub in ["new", "cur"] {
            for entry in fs::read_dir(self.dir.join(sub))? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let mut name = name;
                if sub == "new" {
                    // Seen by a mail client now: into cur/, as the Maildir
                    // convention has it.
                    let target = if name.contains(':') { name.clone() } else { format!("{name}:2,") };
                    if fs::rename(entry.path(), self.dir.join("cur").join(&target)).is_ok() {
                        name = target;
                    } else {
                        continue;
                    }
                }
                let (unique, _, _) = parse_name(&name);
                on_disk.insert(unique.to_string(), name);
            }
        }
        // Anything to reconcile? (Most scans find nothing and take no lock.)
        let differs = on_disk.len() != self.messages.len()
            || self.messages.iter().any(|m| match on_disk.get(&*m.unique) {
                Some(name) => {
                    let (_, flags, keywords) = parse_name(name);
                    m.logged != Some((flags, keywords))
                }
                None => true,
            });
        let mut changed = false;
        if differs {
            let _lock = Lock::take(&self.dir)?;
            self.catch_up()?;
            self.catch_up_modseqs()?;
            changed = self.reconcile(on_disk)?;
        }
        // A change during the scan is caught by the next one; one in the
        // same clock tick as the mtimes only if the scan is not trusted.
        self.seen = Some(before);
        let newest = before.0.max(before.1);
        self.trusted = started.duration_since(newest).is_ok_and(|d| d >= MTIME_GRANULARITY);
        Ok(changed)
    }

    /// The index made to match the files found. Call with the lock held,
    /// after `catch_up` and `catch_up_modseqs`.
    fn reconcile(&mut self, mut on_disk: HashMap<String, String>) -> Result<bool, StoreError> {
        let mut records = Records::default();
        let mut changed = false;
        let old = std::mem::take(&mut self.messages);
        let mut kept = Vec::with_capacity(old.len());
        for mut m in old {
            match on_disk.remove(&*m.unique) {
                Some(name) => {
                    let (_, flags, keywords) = parse_name(&name);
                    if (m.flags, m.keywords) != (flags, keywords) {
                        changed = true;
                    }
                    m.flags = flags;
                    m.keywords = keywords;
                    m.name = name.into();
                    if m.logged != Some((flags, keywords)) {
                        m.modseq = self.next_modseq();
                        m.logged = Some((flags, keywords));
                        records.set(&m);
                        changed = true;
                    }
                    kept.push(m);
                }
                None => {
                    let modseq = self.next_modseq();
                    let flags = self.flags_of(&m);
                    self.remember_expunged(m.uid, Some(flags), modseq);
                    records.expunged(modseq, m.uid);
                    changed = true;
                }
            }
        }
        self.messages = kept;
        let mut fresh: Vec<(String, String)> = on_disk.into_iter().collect();
        fresh.sort();
        let listed: HashMap<Box<str>, u32> = self.listed.values().map(|m| (m.unique.clone(), m.uid)).collect();
        let first_new = self.uid_next;
        for (unique, name) in fresh {
            if !self.dir.join("cur").join(&name).exists() {
                // Expunged by another process since it was listed.
                continue;
            }
            let (_, flags, keywords) = parse_name(&name);
            let mut m = match listed.get(unique.as_str()).and_then(|uid| self.listed.remove(uid)) {
                // Given a UID by another process earlier.
                Some(m) => m,
                None => {
                    if self.uid_next == u32::MAX {
                        continue;
                    }
                    let m = Entry {
                        uid: self.uid_next,
                        unique: unique.into(),
                        name: Box::from(""),
                        flags,
                        keywords,
                        size: u64::MAX,
                        date: i64::MIN,
                        modseq: 0,
                        logged: None,
                    };
                    self.uid_next += 1;
                    m
                }
            };
            self.fill(&mut m, &name)?;
            m.flags = flags;
            m.keywords = keywords;
            m.name = name.into();
            if m.logged != Some((flags, keywords)) {
                m.modseq = self.next_modseq();
                m.logged = Some((flags, keywords));
                records.set(&m);
            }
            self.messages.push(m);
            changed = true;
        }
        // Messages the log knows (clients were told of them) whose files are
        // gone: deleted while no server ran. A second look, under the lock,
        // tells them from files another process added after the first.
        if self.listed.values().any(|m| m.logged.is_some()) {
            let present: std::collections::HashSet<String> = fs::read_dir(self.dir.join("cur"))?
                .flatten()
                .map(|e| parse_name(&e.file_name().to_string_lossy()).0.to_string())
                .collect();
            let gone: Vec<u32> = self
                .listed
                .values()
                .filter(|m| m.logged.is_some() && !present.contains(&*m.unique))
                .map(|m| m.uid)
                .collect();
            for uid in gone {
                self.listed.remove(&uid);
                let modseq = self.next_modseq();
                self.remember_expunged(uid, None, modseq);
                records.expunged(modseq, uid);
                changed = true;
            }
        }
        self.messages.sort_by_key(|m| m.uid);
        self.messages.dedup_by_key(|m| m.uid);
        let positions: Vec<usize> = (0..self.messages.len()).filter(|&i| self.messages[i].uid >= first_new).collect();
        if !positions.is_empty() {
            self.append_log(&positions)?;
        }
        self.log_modseqs(records)?;
        Ok(changed)
    }

    /// Size and date of a message known by name only.
    fn fill(&self, m: &mut Entry, name: &str) -> Result<(), StoreError> {
        let path = self.dir.join("cur").join(name);
        if m.size == u64::MAX {
            let ours = m.unique.contains(".mail-proto") || m.unique.contains(".mail-serve");
            m.size = match (name_field(&m.unique, "W="), name_field(&m.unique, "S=")) {
                (Some(w), _) => w,
                (None, Some(s)) if ours => s,
                _ => wire_size_of(&path).unwrap_or(0),
            };
        }
        if m.date == i64::MIN {
            m.date = mtime(&path).map(secs).unwrap_or(0);
        }
        Ok(())
    }

    fn remember_expunged(&mut self, uid: u32, last_flags: Option<Flags>, modseq: u64) {
        self.expunged.push_back((modseq, Expunged { uid, last_flags }));
        while self.expunged.len() > REMEMBER_EXPUNGED {
            if let Some((m, _)) = self.expunged.pop_front() {
                self.forgotten_before = m;
            }
        }
    }

    /// The expunges after `modseq`, or `None` when forgotten.
    pub fn expunged_since(&self, modseq: u64) -> Option<Vec<Expunged>> {
        if modseq < self.forgotten_before {
            return None;
        }
        let mut list: Vec<Expunged> =
            self.expunged.iter().filter(|(m, _)| *m > modseq).map(|(_, e)| e.clone()).collect();
        list.sort_by_key(|e| e.uid);
        Some(list)
    }

    /// The flags of an entry, keywords by name.
    pub fn flags_of(&self, m: &Entry) -> Flags {
        if m.keywords == 0 {
            return Flags::system_only(m.flags);
        }
        let names =
            (0..MAX_KEYWORDS).filter(|i| m.keywords & (1 << i) != 0).filter_map(|i| self.keywords.get(i).cloned());
        Flags::new(m.flags, names)
    }

    pub fn meta(&self, m: &Entry) -> MessageMeta {
        MessageMeta {
            uid: m.uid,
            flags: self.flags_of(m),
            size: m.size,
            internal_date: m.date,
            modseq: m.modseq,
            save_date: save_date(&m.unique),
        }
    }

    pub fn index_of(&self, uid: u32) -> Option<usize> {
        self.messages.binary_search_by_key(&uid, |m| m.uid).ok()
    }

    pub fn path_of(&self, m: &Entry) -> PathBuf {
        self.dir.join("cur").join(&*m.name)
    }

    /// The keyword bits of `flags`, defining new keywords; all or nothing:
    /// with too few free letters (free ones are those no message uses),
    /// nothing is defined.
    pub fn keyword_bits(&mut self, flags: &Flags, define: bool) -> Result<u32, StoreError> {
        let mut bits = 0;
        let mut missing = Vec::new();
        for k in flags.keywords() {
            match self.keywords.iter().position(|x| x == k) {
                Some(i) => bits |= 1 << i,
                None => missing.push(k.clone()),
            }
        }
        if missing.is_empty() || !define {
            return Ok(bits);
        }
        let _lock = Lock::take(&self.dir)?;
        // Another process may have defined some meanwhile.
        self.read_keywords();
        let used: u32 = self.messages.iter().fold(0, |acc, m| acc | m.keywords);
        let mut free: Vec<usize> = (self.keywords.len()..MAX_KEYWORDS).collect();
        free.extend((0..self.keywords.len()).filter(|i| used & (1 << i) == 0));
        let mut still = Vec::new();
        for k in missing {
            match self.keywords.iter().position(|x| *x == k) {
                Some(i) => bits |= 1 << i,
                None => still.push(k),
            }
        }
        if still.len() > free.len() {
            return Err(StoreError::Limit("Too many keywords in this mailbox (at most 26)"));
        }
        for (k, slot) in still.into_iter().zip(free) {
            if slot < self.keywords.len() {
                self.keywords[slot] = k;
            } else {
                while self.keywords.len() < slot {
                    let i = self.keywords.len();
                    self.keywords.push(Keyword::new(&format!("$unnamed{i}")).expect("valid"));
                }
                self.keywords.push(k);
            }
            bits |= 1 << slot;
        }
        self.save_keywords()?;
        Ok(bits)
    }

    /// Changes the flags of these messages (renaming their files).
    pub fn store(
        &mut self,
        uids: &[u32],
        op: FlagOp,
        flags: &Flags,
        since: Option<u64>,
    ) -> Result<(Vec<MessageMeta>, Vec<u32>), StoreError> {
        let bits = self.keyword_bits(flags, op != FlagOp::Remove)?;
        let _lock = Lock::take(&self.dir)?;
        // Another process's changes first: UNCHANGEDSINCE compares with
        // the modseqs of now.
        self.catch_up()?;
        self.catch_up_modseqs()?;
        let mut records = Records::default();
        let (mut out, mut skipped) = (Vec::new(), Vec::new());
        for &uid in uids {
            let Some(i) = self.index_of(uid) else { continue };
            if since.is_some_and(|s| self.messages[i].modseq > s) {
                skipped.push(uid);
                continue;
            }
            let m = &self.messages[i];
            let (f, k) = match op {
                FlagOp::Replace => (flags.system(), bits),
                FlagOp::Add => (m.flags.union(flags.system()), m.keywords | bits),
                FlagOp::Remove => (m.flags.difference(flags.system()), m.keywords & !bits),
            };
            if (f, k) != (m.flags, m.keywords) {
                let name = file_name(&m.unique, f, k);
                match fs::rename(self.path_of(m), self.dir.join("cur").join(&name)) {
                    Ok(()) => {}
                    // Gone behind our back: the next scan says so.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e.into()),
                }
                let modseq = self.next_modseq();
                let m = &mut self.messages[i];
                m.name = name.into();
                m.flags = f;
                m.keywords = k;
                m.modseq = modseq;
                m.logged = Some((f, k));
                records.set(m);
            }
            out.push(self.meta(&self.messages[i]));
        }
        self.note_own_change();
        self.log_modseqs(records)?;
        Ok((out, skipped))
    }

    /// Our own rename, delivery or delete changed `cur/`: the index
    /// already has it, so its new mtime is not news. Another program may
    /// have changed the directory since the last scan, or in the same
    /// clock tick: the index is trusted again only after a scan once the
    /// tick is over.
    fn note_own_change(&mut self) {
        if let (Some(seen), Ok(cur)) = (self.seen, mtime(&self.dir.join("cur"))) {
            self.seen = Some((seen.0, cur));
        }
        self.trusted = false;
    }

    /// Adds a message whose data is in `tmp` (this folder's `tmp/`, synced)
    /// with its CRLF size; returns its UID.
    pub fn add(
        &mut self,
        tmp: &Path,
        unique: &str,
        size: u64,
        flags: SystemFlags,
        keywords: u32,
        date: i64,
    ) -> Result<u32, StoreError> {
        let _lock = Lock::take(&self.dir)?;
        self.catch_up()?;
        self.catch_up_modseqs()?;
        if self.uid_next == u32::MAX {
            return Err(StoreError::Limit("The mailbox has used up its UIDs"));
        }
        let name = file_name(unique, flags, keywords);
        fs::rename(tmp, self.dir.join("cur").join(&name))?;
        let modseq = self.next_modseq();
        let m = Entry {
            uid: self.uid_next,
            unique: unique.into(),
            name: name.into(),
            flags,
            keywords,
            size,
            date,
            modseq,
            logged: Some((flags, keywords)),
        };
        self.uid_next += 1;
        let uid = m.uid;
        let mut records = Records::default();
        records.set(&m);
        self.messages.push(m);
        let last = self.messages.len() - 1;
        self.append_log(&[last])?;
        self.note_own_change();
        self.log_modseqs(records)?;
        Ok(uid)
    }

    /// Removes these messages (sorted UIDs) if they have `\Deleted`
    /// (`only_deleted`); returns the UIDs removed.
    pub fn expunge(&mut self, uids: Option<&[u32]>, only_deleted: bool) -> Result<Vec<u32>, StoreError> {
        let _lock = Lock::take(&self.dir)?;
        self.catch_up()?;
        self.catch_up_modseqs()?;
        let mut records = Records::default();
        let mut removed = Vec::new();
        let mut failure = None;
        let mut kept = Vec::with_capacity(self.messages.len());
        let old = std::mem::take(&mut self.messages);
        let modseq = self.modseq + 1;
        for m in old {
            let wanted = (!only_deleted || m.flags.contains(SystemFlags::DELETED))
                && uids.is_none_or(|u| u.binary_search(&m.uid).is_ok());
            if !wanted || failure.is_some() {
                kept.push(m);
                continue;
            }
            match fs::remove_file(self.path_of(&m)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    failure = Some(e);
                    kept.push(m);
                    continue;
                }
            }
            let flags = self.flags_of(&m);
            self.remember_expunged(m.uid, Some(flags), modseq);
            records.expunged(modseq, m.uid);
            removed.push(m.uid);
        }
        self.messages = kept;
        if !removed.is_empty() {
            self.modseq = modseq;
        }
        self.note_own_change();
        self.log_modseqs(records)?;
        match failure {
            Some(e) if removed.is_empty() => Err(e.into()),
            _ => Ok(removed),
        }
    }

    /// Takes the \Recent messages for one session.
    pub fn claim_recent(&mut self) -> u32 {
        let from = self.recent_from;
        self.recent_from = self.uid_next;
        from
    }

    /// Messages with `\Recent` to nobody yet.
    pub fn recent_count(&self) -> u32 {
        let start = self.messages.partition_point(|m| m.uid < self.recent_from);
        (self.messages.len() - start) as u32
    }
}

/// When a message was saved in its folder: the time a Maildir unique name
/// starts with (`SECONDS.`), which every delivery agent writes and which
/// APPEND, COPY and MOVE give each new file here; `None` for a name that
/// does not start so.
pub(crate) fn save_date(unique: &str) -> Option<i64> {
    let (secs, _) = unique.split_once('.')?;
    if secs.is_empty() || secs.len() > 12 || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    secs.parse().ok()
}
