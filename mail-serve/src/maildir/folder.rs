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
//! - `imap-uidlist.lock`: locked (`flock`) while UIDs or keywords are
//!   assigned, so that two server processes sharing the mail root (an IMAP
//!   and a POP3 server) never give one UID twice.

use std::collections::{HashMap, VecDeque};
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
    pub modseq: u64,
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
    /// The folder was deleted or renamed away.
    pub gone: bool,
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
        let known: std::collections::HashSet<Box<str>> = self.messages.iter().map(|m| m.unique.clone()).collect();
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
            if known.contains(unique) || self.messages.binary_search_by_key(&uid, |m| m.uid).is_ok() {
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
            });
        }
        if !added.is_empty() {
            self.messages.extend(added);
            self.messages.sort_by_key(|m| m.uid);
            self.messages.dedup_by_key(|m| m.uid);
        }
        self.log_offset += complete as u64;
        self.log_id = Some(id);
        Ok(())
    }

    fn log_line(m: &Entry) -> String {
        format!("{} {} {} {}\n", m.uid, m.size, m.date, m.unique)
    }

    /// Rewrites the UID list with only the live messages. Call with the
    /// lock held.
    fn rewrite_log(&mut self) -> Result<(), StoreError> {
        let mut text = format!("2 {} {} {}\n", self.uid_validity, self.uid_next, self.recent_from);
        for m in self.messages.iter().filter(|m| !m.name.is_empty()) {
            text.push_str(&Folder::log_line(m));
        }
        let path = self.dir.join("imap-uidlist");
        write_atomically(&path, text.as_bytes())?;
        let meta = fs::metadata(&path)?;
        self.log_id = Some(file_id(&meta));
        self.log_offset = meta.len();
        self.log_lines = self.messages.len();
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
            self.remember_expunged(m.uid, flags, modseq);
        }
        self.gone = true;
    }

    /// Reads `new/` and `cur/` and reconciles them with the index.
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
        let mut changed = false;
        let mut kept = Vec::with_capacity(self.messages.len());
        let old = std::mem::take(&mut self.messages);
        for mut m in old {
            match on_disk.remove(&*m.unique) {
                Some(name) => {
                    let (_, flags, keywords) = parse_name(&name);
                    if m.name.is_empty() {
                        // Known from the UID list only: fill in from the file.
                        self.fill(&mut m, &name)?;
                        m.modseq = self.modseq;
                    } else if m.flags != flags || m.keywords != keywords {
                        self.modseq += 1;
                        m.modseq = self.modseq;
                        changed = true;
                    }
                    m.flags = flags;
                    m.keywords = keywords;
                    m.name = name.into();
                    kept.push(m);
                }
                None if m.name.is_empty() => {}
                None => {
                    self.modseq += 1;
                    let flags = self.flags_of(&m);
                    let modseq = self.modseq;
                    self.remember_expunged(m.uid, flags, modseq);
                    changed = true;
                }
            }
        }
        self.messages = kept;
        if !on_disk.is_empty() {
            // New files: UIDs under the lock, after learning what another
            // process gave meanwhile.
            let _lock = Lock::take(&self.dir)?;
            self.catch_up()?;
            let mut fresh: Vec<(String, String)> = on_disk.into_iter().collect();
            fresh.sort();
            let by_unique: HashMap<Box<str>, usize> =
                self.messages.iter().enumerate().map(|(i, m)| (m.unique.clone(), i)).collect();
            let first_new = self.uid_next;
            for (unique, name) in fresh {
                let (_, flags, keywords) = parse_name(&name);
                if let Some(&i) = by_unique.get(unique.as_str()) {
                    // Given a UID by another process meanwhile.
                    if self.messages[i].name.is_empty() {
                        let mut m = self.messages[i].clone();
                        self.fill(&mut m, &name)?;
                        m.flags = flags;
                        m.keywords = keywords;
                        m.name = name.into();
                        self.modseq += 1;
                        m.modseq = self.modseq;
                        self.messages[i] = m;
                        changed = true;
                    }
                    continue;
                }
                let mut m = Entry {
                    uid: self.uid_next,
                    unique: unique.into(),
                    name: Box::from(""),
                    flags,
                    keywords,
                    size: u64::MAX,
                    date: i64::MIN,
                    modseq: 0,
                };
                self.fill(&mut m, &name)?;
                m.name = name.into();
                self.uid_next = self.uid_next.saturating_add(1);
                self.modseq += 1;
                m.modseq = self.modseq;
                self.messages.push(m);
                changed = true;
            }
            self.messages.sort_by_key(|m| m.uid);
            // Entries of the list whose file never appeared are not messages.
            self.messages.retain(|m| !m.name.is_empty());
            let positions: Vec<usize> =
                (0..self.messages.len()).filter(|&i| self.messages[i].uid >= first_new).collect();
            if !positions.is_empty() {
                self.append_log(&positions)?;
            }
        }
        self.messages.retain(|m| !m.name.is_empty());
        // A change during the scan is caught by the next one; one in the
        // same clock tick as the mtimes only if the scan is not trusted.
        self.seen = Some(before);
        let newest = before.0.max(before.1);
        self.trusted = started.duration_since(newest).is_ok_and(|d| d >= MTIME_GRANULARITY);
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

    fn remember_expunged(&mut self, uid: u32, flags: Flags, modseq: u64) {
        self.expunged.push_back((modseq, Expunged { uid, last_flags: Some(flags) }));
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
        MessageMeta { uid: m.uid, flags: self.flags_of(m), size: m.size, internal_date: m.date, modseq: m.modseq }
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
                self.modseq += 1;
                let modseq = self.modseq;
                let m = &mut self.messages[i];
                m.name = name.into();
                m.flags = f;
                m.keywords = k;
                m.modseq = modseq;
            }
            out.push(self.meta(&self.messages[i]));
        }
        self.note_own_change();
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
        if self.uid_next == u32::MAX {
            return Err(StoreError::Limit("The mailbox has used up its UIDs"));
        }
        let name = file_name(unique, flags, keywords);
        fs::rename(tmp, self.dir.join("cur").join(&name))?;
        self.modseq += 1;
        let m = Entry {
            uid: self.uid_next,
            unique: unique.into(),
            name: name.into(),
            flags,
            keywords,
            size,
            date,
            modseq: self.modseq,
        };
        self.uid_next += 1;
        let uid = m.uid;
        self.messages.push(m);
        let last = self.messages.len() - 1;
        self.append_log(&[last])?;
        self.note_own_change();
        Ok(uid)
    }

    /// Removes these messages (sorted UIDs) if they have `\Deleted`
    /// (`only_deleted`); returns the UIDs removed.
    pub fn expunge(&mut self, uids: Option<&[u32]>, only_deleted: bool) -> Result<Vec<u32>, StoreError> {
        let mut removed = Vec::new();
        let mut failure = None;
        let mut kept = Vec::with_capacity(self.messages.len());
        let old = std::mem::take(&mut self.messages);
        self.modseq += 1;
        let modseq = self.modseq;
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
            self.remember_expunged(m.uid, flags, modseq);
            removed.push(m.uid);
        }
        self.messages = kept;
        self.note_own_change();
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
