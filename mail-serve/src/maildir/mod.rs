//! The Maildir++ store: each user's mail under `ROOT/USER/` (INBOX), with
//! folders as `ROOT/USER/.A.B/` (the folder `A.B`, `.` the hierarchy
//! delimiter, names in modified UTF-7 as Dovecot writes them) and flags in
//! the file names (`:2,FRS` and the keyword letters `a`–`z`). Beside the
//! messages, in each folder:
//!
//! - `imap-uidlist`: a header `VERSION UIDVALIDITY UIDNEXT RECENT`, then a
//!   line per message, `UID UNIQUE` (version 1, as the example servers
//!   wrote it) or `UID SIZE DATE UNIQUE` (version 2: the size with CRLF
//!   line ends and the internal date, so that a restart reads no message
//!   file). New lines are appended; the file is rewritten when most of its
//!   lines are for messages that are gone.
//! - `imap-keywords`: `INDEX NAME` lines naming the keyword behind each
//!   letter, as Dovecot's `dovecot-keywords`; a letter no message uses any
//!   more is given to the next new keyword.
//! - `imap-uidlist.lock`: locked (`flock`) while UIDs or keywords are
//!   assigned, so that two server processes sharing the mail root (an IMAP
//!   and a POP3 server) never give one UID twice.
//!
//! Other programs may deliver, read and flag mail beside it: changes are
//! found by a `stat` of `new/` and `cur/` and a directory scan when they
//! changed (and once more after a change in the same clock tick).
//!
//! Each folder's index lives in memory while it is in use; new mail is
//! synced to disk before it is announced (as Dovecot's `mail_fsync =
//! optimized`), flag changes are file renames without a sync. RENAME is
//! all or nothing, also across a crash: the directory renames are written
//! to a journal first and finished at the next open. Files a crash left in
//! `tmp/` are removed after 36 hours, Maildir's rule.
//!
//! ```
//! use mail_serve::maildir::MaildirStore;
//! use mail_serve::store::{Credentials, Store, Account};
//! use mail_serve::users::UserList;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let root = std::env::temp_dir().join(format!("maildir-doc-{}", std::process::id()));
//! let store = MaildirStore::new(&root, UserList::parse("alice:secret\n").unwrap());
//! let credentials = Credentials { user: "alice".into(), password: "secret".into(), authorize_as: None };
//! let account = store.login(&credentials).await.unwrap();
//! let names: Vec<String> = account.list().await.unwrap().iter().map(|m| m.name.to_string()).collect();
//! assert_eq!(names, ["INBOX", "Drafts", "Junk", "Sent", "Trash"]);
//! # std::fs::remove_dir_all(&root).unwrap();
//! # });
//! ```

mod files;
mod folder;
mod mailbox;

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

pub use mailbox::{MaildirContent, MaildirMailbox, MaildirUpload};

use self::files::write_atomically;
use self::folder::Folder;
use crate::store::*;
use crate::users::UserList;

/// The hierarchy delimiter.
pub const DELIMITER: char = '.';

/// Folders made with a new user's Maildir.
const DEFAULT_FOLDERS: [&str; 4] = ["Drafts", "Sent", "Trash", "Junk"];

/// Folder indexes kept open after their last session, for the next one.
const KEEP_OPEN: usize = 256;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A folder index shared by the sessions using it.
#[derive(Debug)]
pub(crate) struct FolderHandle {
    folder: Mutex<Folder>,
    notifier: Notifier,
}

impl FolderHandle {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Folder> {
        lock(&self.folder)
    }
}

#[derive(Debug, Default)]
struct Inner {
    root: PathBuf,
    users: UserList,
    /// Open folders by directory, with a use counter for eviction.
    open: Mutex<HashMap<PathBuf, (Arc<FolderHandle>, u64)>>,
    clock: std::sync::atomic::AtomicU64,
    /// Per user: serializes subscription changes and renames.
    accounts: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Every user's storage limit in bytes.
    storage_limit: Option<u64>,
}

impl Inner {
    /// The shared index of a folder directory.
    fn folder(&self, dir: &Path) -> Result<Arc<FolderHandle>, StoreError> {
        let tick = self.clock.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut open = lock(&self.open);
        if let Some((handle, used)) = open.get_mut(dir) {
            let gone = handle.lock().gone || !dir.join("cur").is_dir();
            if !gone {
                *used = tick;
                return Ok(handle.clone());
            }
            let stale = handle.clone();
            open.remove(dir);
            stale.lock().vanish();
            stale.notifier.notify();
        }
        let folder = Folder::open(dir)?;
        let handle = Arc::new(FolderHandle { folder: Mutex::new(folder), notifier: Notifier::default() });
        if open.len() >= KEEP_OPEN {
            // Drop the least recently used folders no session holds.
            let mut idle: Vec<(u64, PathBuf)> = open
                .iter()
                .filter(|(_, (h, _))| Arc::strong_count(h) == 1)
                .map(|(p, (_, used))| (*used, p.clone()))
                .collect();
            idle.sort();
            for (_, path) in idle.into_iter().take(open.len() + 1 - KEEP_OPEN) {
                open.remove(&path);
            }
        }
        open.insert(dir.to_path_buf(), (handle.clone(), tick));
        Ok(handle)
    }

    /// A folder deleted or renamed away: sessions holding it see it empty.
    fn forget(&self, dir: &Path) {
        let handle = lock(&self.open).remove(dir);
        if let Some((handle, _)) = handle {
            handle.lock().vanish();
            handle.notifier.notify();
        }
    }

    fn account_lock(&self, user: &str) -> Arc<Mutex<()>> {
        lock(&self.accounts).entry(user.to_string()).or_default().clone()
    }
}

/// The Maildir++ store.
#[derive(Debug, Clone)]
pub struct MaildirStore {
    inner: Arc<Inner>,
}

impl MaildirStore {
    /// A store of the users' Maildirs under `root` (`root/USER/`, created
    /// at first login), checking passwords against `users`.
    pub fn new(root: &Path, users: UserList) -> MaildirStore {
        MaildirStore { inner: Arc::new(Inner { root: root.to_path_buf(), users, ..Inner::default() }) }
    }

    /// The same store with a storage limit in bytes for every user (see
    /// [`Account::storage_limit`]; `None`: none, the default). Messages
    /// other programs deliver count too, but are not refused by it.
    pub fn with_storage_limit(self, limit: Option<u64>) -> MaildirStore {
        let inner = Inner {
            root: self.inner.root.clone(),
            users: self.inner.users.clone(),
            storage_limit: limit,
            ..Inner::default()
        };
        MaildirStore { inner: Arc::new(inner) }
    }

    /// A user's account without a password check (for delivery agents
    /// and tools); created when it does not exist.
    pub fn account(&self, user: &str) -> Result<MaildirAccount, StoreError> {
        if !crate::users::valid_user_name(user) {
            return Err(StoreError::NotAllowed("invalid user name"));
        }
        let root = self.inner.root.join(user);
        create_account(&root)?;
        recover_rename(&root)?;
        Ok(MaildirAccount { inner: self.inner.clone(), user: user.to_string(), root })
    }
}

fn create_maildir(dir: &Path) -> io::Result<()> {
    for sub in ["tmp", "new", "cur"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    Ok(())
}

/// Makes a new user's Maildir (INBOX, the usual special-use folders and
/// their subscriptions) in a directory of its own and moves it into
/// place: sessions logging in at once never see half of it, and only one
/// of them makes it.
fn create_account(root: &Path) -> Result<(), StoreError> {
    if root.join("cur").is_dir() {
        return Ok(());
    }
    let parent = root.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let name = root.file_name().unwrap_or_default().to_string_lossy();
    let staging = parent.join(format!(".{name}.creating.{}", mailbox::unique_name()));
    let made = (|| -> Result<(), StoreError> {
        create_maildir(&staging)?;
        for folder in DEFAULT_FOLDERS {
            create_maildir(&staging.join(format!(".{folder}")))?;
        }
        write_atomically(&staging.join("subscriptions"), b"INBOX\nDrafts\nSent\nTrash\nJunk\n")?;
        Ok(())
    })();
    let moved = made.and_then(|()| fs::rename(&staging, root).map_err(StoreError::from));
    if moved.is_err() {
        let _ = fs::remove_dir_all(&staging);
        // Another session made it meanwhile (or the directory exists
        // without its Maildir, which is made in place).
        if !root.join("cur").is_dir() {
            create_maildir(root)?;
        }
    }
    Ok(())
}

impl Store for MaildirStore {
    type Account = MaildirAccount;

    fn features(&self) -> Features {
        Features {
            delimiter: DELIMITER,
            atomic_move: true,
            persistent_modseq: true,
            special_use: true,
            save_date: true,
            quota: true,
            poll_interval: Some(std::time::Duration::from_secs(2)),
        }
    }

    async fn login(&self, credentials: &Credentials) -> Result<MaildirAccount, AuthError> {
        if !self.inner.users.check(&credentials.user, &credentials.password) {
            return Err(AuthError::Failed);
        }
        if credentials.authorize_as.as_ref().is_some_and(|a| *a != credentials.user) {
            return Err(AuthError::NotAuthorized);
        }
        self.account(&credentials.user).map_err(|_| AuthError::Unavailable)
    }
}

/// One user's Maildir++.
#[derive(Debug, Clone)]
pub struct MaildirAccount {
    inner: Arc<Inner>,
    user: String,
    root: PathBuf,
}

/// The file in a folder's directory holding the special use it was
/// created with (CREATE-SPECIAL-USE, RFC 6154), such as `\Archive`: it
/// moves with the folder at RENAME and goes with it at DELETE.
const SPECIAL_USE_FILE: &str = "imap-special-use";

/// The special use a folder was created with, else the one its name
/// gives it (RFC 6154).
fn special_use(name: &MailboxName, dir: &Path) -> Option<SpecialUse> {
    if let Ok(text) = fs::read_to_string(dir.join(SPECIAL_USE_FILE)) {
        return SpecialUse::from_attribute(text.trim());
    }
    Some(match name.as_str() {
        "Sent" => SpecialUse::Sent,
        "Drafts" => SpecialUse::Drafts,
        "Trash" => SpecialUse::Trash,
        "Junk" => SpecialUse::Junk,
        "Archive" => SpecialUse::Archive,
        _ => return None,
    })
}

impl MaildirAccount {
    /// The directory of a folder.
    fn dir(&self, name: &MailboxName) -> Result<PathBuf, StoreError> {
        if name.is_inbox() {
            return Ok(self.root.clone());
        }
        if name.as_str().contains(['/', '\\']) {
            return Err(StoreError::BadName(NameError::Store("a mailbox name here cannot hold / or \\")));
        }
        let wire = String::from_utf8(imap_wire::encode_modified_utf7(name.as_str()))
            .map_err(|_| StoreError::BadName(NameError::NotUtf7))?;
        if wire.len() > 240 {
            return Err(StoreError::BadName(NameError::TooLong));
        }
        Ok(self.root.join(format!(".{wire}")))
    }

    fn exists(&self, name: &MailboxName) -> bool {
        self.dir(name).is_ok_and(|d| d.join("cur").is_dir())
    }

    /// Every folder, INBOX first, then in name order.
    fn names(&self) -> Result<Vec<MailboxInfo>, StoreError> {
        let mut names = vec![MailboxName::inbox(DELIMITER)];
        for entry in fs::read_dir(&self.root)? {
            let entry = entry?;
            let file = entry.file_name().to_string_lossy().into_owned();
            let Some(wire) = file.strip_prefix('.') else { continue };
            if wire.is_empty() || wire.starts_with('.') || !entry.path().join("cur").is_dir() {
                continue;
            }
            let Ok(text) = imap_wire::decode_modified_utf7(wire.as_bytes()) else { continue };
            if let Ok(name) = MailboxName::new(&text, DELIMITER) {
                if !name.is_inbox() {
                    names.push(name);
                }
            }
        }
        names[1..].sort();
        Ok(names
            .into_iter()
            .map(|name| {
                let special_use =
                    if name.is_inbox() { None } else { self.dir(&name).ok().and_then(|dir| special_use(&name, &dir)) };
                MailboxInfo { special_use, name }
            })
            .collect())
    }

    fn read_subscriptions(&self) -> Vec<String> {
        fs::read_to_string(self.root.join("subscriptions"))
            .map(|text| text.lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
            .unwrap_or_default()
    }
}

/// The journal of a RENAME: its directory renames, done at once or
/// finished at the next open after a crash.
const JOURNAL: &str = "..rename-journal";

/// Finishes a RENAME a crash interrupted.
fn recover_rename(root: &Path) -> Result<(), StoreError> {
    let journal = root.join(JOURNAL);
    let text = match fs::read_to_string(&journal) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if !text.ends_with("END\n") {
        // Written partly: nothing was renamed yet.
        fs::remove_file(&journal)?;
        return Ok(());
    }
    run_journal(root, &text)?;
    fs::remove_file(&journal)?;
    Ok(())
}

/// Each `FROM\tTO` line renames (when FROM is still there); `MKDIR\tDIR`
/// makes a Maildir's directories.
fn run_journal(root: &Path, text: &str) -> Result<(), StoreError> {
    for line in text.lines() {
        let Some((from, to)) = line.split_once('\t') else { continue };
        if from == "MKDIR" {
            create_maildir(&root.join(to))?;
            continue;
        }
        let (from, to) = (root.join(from), root.join(to));
        if from.exists() && !to.exists() {
            fs::rename(&from, &to)?;
        }
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().into_owned()
}

impl Account for MaildirAccount {
    type Mailbox = MaildirMailbox;

    fn user(&self) -> &str {
        &self.user
    }

    fn storage_limit(&self) -> Option<u64> {
        self.inner.storage_limit
    }

    async fn list(&self) -> Result<Vec<MailboxInfo>, StoreError> {
        self.names()
    }

    async fn create(&self, name: &MailboxName, special: Option<SpecialUse>) -> Result<(), StoreError> {
        if name.is_inbox() || self.exists(name) {
            return Err(StoreError::AlreadyExists);
        }
        let dir = self.dir(name)?;
        // Made whole beside the others (a name starting `..` is no
        // folder), then moved into place: no session lists it without
        // its special use, and of two sessions creating it one wins.
        let staging = self.root.join(format!("..creating.{}", mailbox::unique_name()));
        let made = (|| -> Result<(), StoreError> {
            create_maildir(&staging)?;
            // Maildir++'s marker of a folder.
            fs::File::create(staging.join("maildirfolder"))?;
            if let Some(special) = special {
                let text = format!("{}\n", special.attribute());
                write_atomically(&staging.join(SPECIAL_USE_FILE), text.as_bytes())?;
            }
            Ok(())
        })();
        let moved = made.and_then(|()| match fs::rename(&staging, &dir) {
            Ok(()) => Ok(()),
            // Another session's folder (full) is there already.
            Err(_) if dir.join("cur").is_dir() => Err(StoreError::AlreadyExists),
            Err(e) => Err(e.into()),
        });
        if moved.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        moved
    }

    async fn delete(&self, name: &MailboxName) -> Result<(), StoreError> {
        if name.is_inbox() {
            return Err(StoreError::NotAllowed("INBOX can't be deleted."));
        }
        if !self.exists(name) {
            return Err(StoreError::NoSuchMailbox);
        }
        let dir = self.dir(name)?;
        // Renamed away first, so no session's view sees half of it.
        let trash = self.root.join(format!("..deleting.{}", mailbox::unique_name()));
        fs::rename(&dir, &trash)?;
        self.inner.forget(&dir);
        fs::remove_dir_all(&trash)?;
        Ok(())
    }

    async fn rename(&self, from: &MailboxName, to: &MailboxName) -> Result<(), StoreError> {
        let account_lock = self.inner.account_lock(&self.user);
        let _guard = lock(&account_lock);
        if !self.exists(from) {
            return Err(StoreError::NoSuchMailbox);
        }
        if to.is_inbox() || self.exists(to) {
            return Err(StoreError::AlreadyExists);
        }
        let target = self.dir(to)?;
        let mut journal = String::new();
        let mut forget = Vec::new();
        if from.is_inbox() {
            // The messages move with the index files (UIDs and keyword
            // letters stay right); INBOX stays, empty.
            let staging = self.root.join(format!("..renaming.{}", mailbox::unique_name()));
            create_maildir(&staging)?;
            for file in ["imap-keywords", "imap-uidlist"] {
                match fs::copy(self.root.join(file), staging.join(file)) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let _ = fs::remove_dir(staging.join("cur"));
            let _ = fs::remove_dir(staging.join("new"));
            let staging = relative(&self.root, &staging);
            for sub in ["cur", "new"] {
                journal.push_str(&format!("{sub}\t{staging}/{sub}\n"));
            }
            journal.push_str("MKDIR\t.\n");
            journal.push_str(&format!("{staging}\t{}\n", relative(&self.root, &target)));
        } else {
            if from.is_ancestor_of(to) {
                return Err(StoreError::NotAllowed("Can't rename a mailbox under itself."));
            }
            let all = self.names()?;
            let moving: Vec<&MailboxName> =
                all.iter().map(|i| &i.name).filter(|n| *n == from || from.is_ancestor_of(n)).collect();
            for old in moving {
                let Some(new) = old.renamed(from, to) else { continue };
                let (old_dir, new_dir) = (self.dir(old)?, self.dir(&new)?);
                if new_dir.exists() {
                    return Err(StoreError::AlreadyExists);
                }
                journal.push_str(&format!("{}\t{}\n", relative(&self.root, &old_dir), relative(&self.root, &new_dir)));
                forget.push(old_dir);
            }
        }
        journal.push_str("END\n");
        write_atomically(&self.root.join(JOURNAL), journal.as_bytes())?;
        let result = run_journal(&self.root, &journal);
        for dir in &forget {
            self.inner.forget(dir);
        }
        result?;
        fs::remove_file(self.root.join(JOURNAL))?;
        if from.is_inbox() {
            // INBOX goes on, empty, with its UIDVALIDITY and UIDNEXT:
            // sessions see its messages expunged.
            let inbox = self.inner.folder(&self.root)?;
            let _ = inbox.lock().refresh();
            inbox.notifier.notify();
        }
        Ok(())
    }

    async fn subscriptions(&self) -> Result<Vec<MailboxName>, StoreError> {
        Ok(self
            .read_subscriptions()
            .iter()
            .filter_map(|wire| imap_wire::decode_modified_utf7(wire.as_bytes()).ok())
            .filter_map(|text| MailboxName::new(&text, DELIMITER).ok())
            .collect())
    }

    async fn set_subscribed(&self, name: &MailboxName, on: bool) -> Result<(), StoreError> {
        let account_lock = self.inner.account_lock(&self.user);
        let _guard = lock(&account_lock);
        let wire = String::from_utf8_lossy(&imap_wire::encode_modified_utf7(name.as_str())).into_owned();
        let mut names = self.read_subscriptions();
        names.retain(|n| *n != wire);
        if on {
            names.push(wire);
        }
        let text: String = names.iter().map(|n| format!("{n}\n")).collect();
        write_atomically(&self.root.join("subscriptions"), text.as_bytes())?;
        Ok(())
    }

    async fn open(&self, name: &MailboxName) -> Result<MaildirMailbox, StoreError> {
        let dir = self.dir(name)?;
        if !dir.join("cur").is_dir() {
            return Err(StoreError::NoSuchMailbox);
        }
        Ok(MaildirMailbox::new(self.inner.folder(&dir)?))
    }
}

#[cfg(test)]
mod tests;
