//! An in-memory mail store: for tests, and the reference to read before
//! writing a store of one's own. Every [`crate::store`] trait is
//! implemented here in the plainest way: one lock per mailbox, messages in
//! a vector by UID, expunged messages remembered for [`Mailbox::changes`].
//!
//! ```
//! use mail_serve::memory::MemoryStore;
//! use mail_serve::store::{Account, Credentials, Mailbox, MailboxName, Store};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = MemoryStore::new();
//! store.add_user("alice", "secret");
//! store.deliver("alice", b"Subject: hi\r\n\r\nHello\r\n").unwrap();
//! let credentials = Credentials { user: "alice".into(), password: "secret".into(), authorize_as: None };
//! let account = store.login(&credentials).await.unwrap();
//! let inbox = account.open(&MailboxName::inbox('/')).await.unwrap();
//! assert_eq!(inbox.status().await.unwrap().messages, 1);
//! # });
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;

use crate::store::*;

/// Expunged messages a mailbox remembers for [`Mailbox::changes`].
const REMEMBER_EXPUNGED: usize = 10_000;

/// Keywords one mailbox may define, by default.
const DEFAULT_MAX_KEYWORDS: usize = 256;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The store: users with passwords, each with mailboxes in memory.
#[derive(Debug)]
pub struct MemoryStore {
    users: Mutex<HashMap<String, (String, Arc<AccountData>)>>,
    max_keywords: usize,
    next_validity: Arc<Mutex<u32>>,
}

impl Default for MemoryStore {
    fn default() -> MemoryStore {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// An empty store (no users); mailboxes may define up to 256 keywords.
    pub fn new() -> MemoryStore {
        MemoryStore::with_max_keywords(DEFAULT_MAX_KEYWORDS)
    }

    /// An empty store whose mailboxes may define up to `max_keywords`
    /// keywords each (more are refused with [`StoreError::Limit`]).
    pub fn with_max_keywords(max_keywords: usize) -> MemoryStore {
        MemoryStore { users: Mutex::default(), max_keywords, next_validity: Arc::new(Mutex::new(1)) }
    }

    /// Adds a user with an empty INBOX (replacing the password of an
    /// existing one).
    pub fn add_user(&self, name: &str, password: &str) {
        let mut users = lock(&self.users);
        if let Some(entry) = users.get_mut(name) {
            entry.0 = password.to_string();
            return;
        }
        let account = Arc::new(AccountData {
            user: name.to_string(),
            mailboxes: Mutex::default(),
            subscriptions: Mutex::default(),
            max_keywords: self.max_keywords,
            next_validity: self.next_validity.clone(),
            storage_limit: Mutex::new(None),
        });
        let inbox = account.new_mailbox(None);
        lock(&account.mailboxes).insert(MailboxName::inbox('/'), inbox);
        users.insert(name.to_string(), (password.to_string(), account));
    }

    /// Sets a user's storage limit in bytes (`None`: none); see
    /// [`Account::storage_limit`].
    pub fn set_storage_limit(&self, user: &str, limit: Option<u64>) -> Result<(), StoreError> {
        let users = lock(&self.users);
        let (_, account) = users.get(user).ok_or(StoreError::NotAllowed("no such user"))?;
        *lock(&account.storage_limit) = limit;
        Ok(())
    }

    /// Delivers a message to a user's INBOX (as a mail transfer agent
    /// would); returns its UID.
    pub fn deliver(&self, user: &str, message: &[u8]) -> Result<u32, StoreError> {
        let account = lock(&self.users).get(user).map(|(_, a)| a.clone()).ok_or(StoreError::NoSuchMailbox)?;
        let inbox = lock(&account.mailboxes).get(&MailboxName::inbox('/')).cloned().ok_or(StoreError::NoSuchMailbox)?;
        let uid = lock(&inbox.state).add(Bytes::copy_from_slice(message), Flags::default(), now())?;
        inbox.notifier.notify();
        Ok(uid)
    }
}

impl Store for MemoryStore {
    type Account = MemoryAccount;

    fn features(&self) -> Features {
        Features {
            delimiter: '/',
            atomic_move: true,
            persistent_modseq: true,
            special_use: true,
            save_date: true,
            quota: true,
            poll_interval: None,
        }
    }

    async fn login(&self, credentials: &Credentials) -> Result<MemoryAccount, AuthError> {
        let users = lock(&self.users);
        let Some((password, account)) = users.get(&credentials.user) else { return Err(AuthError::Failed) };
        if !constant_time_eq(password.as_bytes(), credentials.password.as_bytes()) {
            return Err(AuthError::Failed);
        }
        if credentials.authorize_as.as_ref().is_some_and(|a| a != &credentials.user) {
            return Err(AuthError::NotAuthorized);
        }
        Ok(MemoryAccount(account.clone()))
    }
}

/// Compares in time independent of where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug)]
struct AccountData {
    user: String,
    mailboxes: Mutex<BTreeMap<MailboxName, Arc<MailboxData>>>,
    subscriptions: Mutex<BTreeSet<MailboxName>>,
    storage_limit: Mutex<Option<u64>>,
    max_keywords: usize,
    next_validity: Arc<Mutex<u32>>,
}

impl AccountData {
    fn new_mailbox(&self, special_use: Option<SpecialUse>) -> Arc<MailboxData> {
        let validity = {
            let mut next = lock(&self.next_validity);
            let v = *next;
            *next = next.wrapping_add(1).max(1);
            v
        };
        Arc::new(MailboxData {
            state: Mutex::new(MailboxState {
                uid_validity: validity,
                uid_next: 1,
                modseq: 1,
                messages: Vec::new(),
                expunged: VecDeque::new(),
                forgotten_before: 0,
                recent_from: 1,
                keywords: BTreeSet::new(),
                max_keywords: self.max_keywords,
                gone: false,
            }),
            notifier: Notifier::default(),
            special_use,
        })
    }
}

/// One user's mailboxes in a [`MemoryStore`].
#[derive(Debug, Clone)]
pub struct MemoryAccount(Arc<AccountData>);

impl Account for MemoryAccount {
    type Mailbox = MemoryMailbox;

    fn user(&self) -> &str {
        &self.0.user
    }

    fn storage_limit(&self) -> Option<u64> {
        *lock(&self.0.storage_limit)
    }

    async fn list(&self) -> Result<Vec<MailboxInfo>, StoreError> {
        let boxes = lock(&self.0.mailboxes);
        Ok(boxes.iter().map(|(name, data)| MailboxInfo { name: name.clone(), special_use: data.special_use }).collect())
    }

    async fn create(&self, name: &MailboxName, special_use: Option<SpecialUse>) -> Result<(), StoreError> {
        let mut boxes = lock(&self.0.mailboxes);
        if boxes.contains_key(name) {
            return Err(StoreError::AlreadyExists);
        }
        boxes.insert(name.clone(), self.0.new_mailbox(special_use));
        Ok(())
    }

    async fn delete(&self, name: &MailboxName) -> Result<(), StoreError> {
        if name.is_inbox() {
            return Err(StoreError::NotAllowed("INBOX can't be deleted."));
        }
        let data = lock(&self.0.mailboxes).remove(name).ok_or(StoreError::NoSuchMailbox)?;
        {
            let mut state = lock(&data.state);
            state.gone = true;
        }
        data.notifier.notify();
        Ok(())
    }

    async fn rename(&self, from: &MailboxName, to: &MailboxName) -> Result<(), StoreError> {
        let mut boxes = lock(&self.0.mailboxes);
        if !boxes.contains_key(from) {
            return Err(StoreError::NoSuchMailbox);
        }
        if boxes.contains_key(to) || to.is_inbox() {
            return Err(StoreError::AlreadyExists);
        }
        if from.is_inbox() {
            // The messages move to a new mailbox; INBOX stays, empty.
            let inbox = boxes[from].clone();
            let target = self.0.new_mailbox(None);
            {
                let mut source = lock(&inbox.state);
                let mut dest = lock(&target.state);
                let moved = std::mem::take(&mut source.messages);
                dest.uid_next = source.uid_next;
                dest.keywords = source.keywords.clone();
                dest.modseq = source.modseq;
                source.modseq += 1;
                let modseq = source.modseq;
                for m in &moved {
                    source.remember_expunged(m.meta.uid, m.meta.flags.clone(), modseq);
                }
                dest.messages = moved;
            }
            boxes.insert(to.clone(), target);
            drop(boxes);
            inbox.notifier.notify();
            return Ok(());
        }
        if from.is_ancestor_of(to) {
            return Err(StoreError::NotAllowed("Can't rename a mailbox under itself."));
        }
        let moving: Vec<MailboxName> = boxes.keys().filter(|n| *n == from || from.is_ancestor_of(n)).cloned().collect();
        let targets: Vec<MailboxName> = moving.iter().filter_map(|n| n.renamed(from, to)).collect();
        if targets.iter().any(|t| boxes.contains_key(t)) {
            return Err(StoreError::AlreadyExists);
        }
        for (old, new) in moving.into_iter().zip(targets) {
            if let Some(data) = boxes.remove(&old) {
                boxes.insert(new, data);
            }
        }
        Ok(())
    }

    async fn subscriptions(&self) -> Result<Vec<MailboxName>, StoreError> {
        Ok(lock(&self.0.subscriptions).iter().cloned().collect())
    }

    async fn set_subscribed(&self, name: &MailboxName, on: bool) -> Result<(), StoreError> {
        let mut subscriptions = lock(&self.0.subscriptions);
        if on {
            subscriptions.insert(name.clone());
        } else {
            subscriptions.remove(name);
        }
        Ok(())
    }

    async fn open(&self, name: &MailboxName) -> Result<MemoryMailbox, StoreError> {
        lock(&self.0.mailboxes).get(name).cloned().map(MemoryMailbox).ok_or(StoreError::NoSuchMailbox)
    }
}

#[derive(Debug)]
struct MailboxData {
    state: Mutex<MailboxState>,
    notifier: Notifier,
    special_use: Option<SpecialUse>,
}

#[derive(Debug)]
struct Stored {
    meta: MessageMeta,
    data: Bytes,
}

#[derive(Debug)]
struct MailboxState {
    uid_validity: u32,
    uid_next: u32,
    modseq: u64,
    messages: Vec<Stored>,
    /// (modseq of the expunge, the message), oldest first.
    expunged: VecDeque<(u64, Expunged)>,
    /// Expunges at or below this modseq are no longer remembered.
    forgotten_before: u64,
    recent_from: u32,
    keywords: BTreeSet<Keyword>,
    max_keywords: usize,
    gone: bool,
}

impl MailboxState {
    fn check(&self) -> Result<(), StoreError> {
        if self.gone {
            Err(StoreError::MailboxGone)
        } else {
            Ok(())
        }
    }

    fn index(&self, uid: u32) -> Option<usize> {
        self.messages.binary_search_by_key(&uid, |m| m.meta.uid).ok()
    }

    /// Defines the keywords of `flags`, all or none.
    fn define_keywords(&mut self, flags: &Flags) -> Result<(), StoreError> {
        let new = flags.keywords().iter().filter(|k| !self.keywords.contains(*k)).count();
        if self.keywords.len() + new > self.max_keywords {
            return Err(StoreError::Limit("Too many keywords in this mailbox"));
        }
        self.keywords.extend(flags.keywords().iter().cloned());
        Ok(())
    }

    fn add(&mut self, data: Bytes, flags: Flags, date: i64) -> Result<u32, StoreError> {
        self.check()?;
        self.define_keywords(&flags)?;
        if self.uid_next == u32::MAX {
            return Err(StoreError::Limit("The mailbox has used up its UIDs"));
        }
        self.modseq += 1;
        let uid = self.uid_next;
        self.uid_next += 1;
        let meta = MessageMeta {
            uid,
            flags,
            size: crlf_size(&data),
            internal_date: date,
            modseq: self.modseq,
            save_date: Some(now()),
        };
        self.messages.push(Stored { meta, data });
        Ok(uid)
    }

    fn remember_expunged(&mut self, uid: u32, flags: Flags, modseq: u64) {
        self.expunged.push_back((modseq, Expunged { uid, last_flags: Some(flags) }));
        while self.expunged.len() > REMEMBER_EXPUNGED {
            if let Some((m, _)) = self.expunged.pop_front() {
                self.forgotten_before = m;
            }
        }
    }

    fn status(&self) -> MailboxStatus {
        let count = |f: &dyn Fn(&MessageMeta) -> bool| self.messages.iter().filter(|m| f(&m.meta)).count() as u32;
        MailboxStatus {
            uid_validity: self.uid_validity,
            uid_next: self.uid_next,
            messages: self.messages.len() as u32,
            unseen: count(&|m| !m.flags.has(SystemFlags::SEEN)),
            deleted: count(&|m| m.flags.has(SystemFlags::DELETED)),
            recent: count(&|m| m.uid >= self.recent_from),
            size: self.messages.iter().map(|m| m.meta.size).sum(),
            highest_modseq: self.modseq,
        }
    }
}

/// An open mailbox of a [`MemoryStore`].
#[derive(Debug, Clone)]
pub struct MemoryMailbox(Arc<MailboxData>);

impl MemoryMailbox {
    fn state(&self) -> MutexGuard<'_, MailboxState> {
        lock(&self.0.state)
    }
}

/// A message's bytes in a [`MemoryStore`].
#[derive(Debug, Clone)]
pub struct MemoryContent(Bytes);

impl Content for MemoryContent {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    async fn read(&mut self, offset: u64, max: usize) -> Result<Bytes, StoreError> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.0.len());
        let end = start.saturating_add(max).min(self.0.len());
        Ok(self.0.slice(start..end))
    }
}

/// A message being appended to a [`MemoryStore`] mailbox.
#[derive(Debug)]
pub struct MemoryUpload {
    mailbox: Arc<MailboxData>,
    data: Vec<u8>,
    flags: Flags,
    date: Option<i64>,
}

impl Upload for MemoryUpload {
    async fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        self.data.extend_from_slice(data);
        Ok(())
    }

    async fn commit(self) -> Result<u32, StoreError> {
        let date = self.date.unwrap_or_else(now);
        let uid = lock(&self.mailbox.state).add(Bytes::from(self.data), self.flags, date)?;
        self.mailbox.notifier.notify();
        Ok(uid)
    }
}

impl Mailbox for MemoryMailbox {
    type Upload = MemoryUpload;
    type Content = MemoryContent;

    async fn status(&self) -> Result<MailboxStatus, StoreError> {
        let state = self.state();
        state.check()?;
        Ok(state.status())
    }

    async fn messages(&self) -> Result<Vec<MessageMeta>, StoreError> {
        let state = self.state();
        state.check()?;
        Ok(state.messages.iter().map(|m| m.meta.clone()).collect())
    }

    async fn messages_by_uid(&self, uids: &[u32]) -> Result<Vec<MessageMeta>, StoreError> {
        let state = self.state();
        state.check()?;
        Ok(uids.iter().filter_map(|&uid| state.index(uid)).map(|i| state.messages[i].meta.clone()).collect())
    }

    async fn changes(&self, modseq: u64) -> Result<Changes, StoreError> {
        let state = self.state();
        if state.gone {
            // Everything is gone: the session sees the mailbox empty.
            return Ok(Changes { modseq: state.modseq, changed: Vec::new(), expunged: None });
        }
        let changed = state.messages.iter().filter(|m| m.meta.modseq > modseq).map(|m| m.meta.clone()).collect();
        let expunged = (modseq >= state.forgotten_before).then(|| {
            let mut list: Vec<Expunged> =
                state.expunged.iter().filter(|(m, _)| *m > modseq).map(|(_, e)| e.clone()).collect();
            list.sort_by_key(|e| e.uid);
            list
        });
        Ok(Changes { modseq: state.modseq, changed, expunged })
    }

    fn subscribe(&self) -> Subscription {
        self.0.notifier.subscribe()
    }

    async fn claim_recent(&self) -> Result<u32, StoreError> {
        let mut state = self.state();
        state.check()?;
        let from = state.recent_from;
        state.recent_from = state.uid_next;
        Ok(from)
    }

    async fn open(&self, uid: u32) -> Result<MemoryContent, StoreError> {
        let state = self.state();
        state.check()?;
        let i = state.index(uid).ok_or(StoreError::NoSuchMessage)?;
        Ok(MemoryContent(state.messages[i].data.clone()))
    }

    async fn begin_append(&self, flags: Flags, date: Option<i64>, size: u64) -> Result<MemoryUpload, StoreError> {
        self.state().check()?;
        let capacity = usize::try_from(size.min(1 << 20)).unwrap_or(0);
        Ok(MemoryUpload { mailbox: self.0.clone(), data: Vec::with_capacity(capacity), flags, date })
    }

    async fn store_flags(
        &self,
        uids: &[u32],
        op: FlagOp,
        flags: &Flags,
        unchanged_since: Option<u64>,
    ) -> Result<(Vec<MessageMeta>, Vec<u32>), StoreError> {
        let (out, skipped, changed) = {
            let mut state = self.state();
            state.check()?;
            if op != FlagOp::Remove {
                state.define_keywords(flags)?;
            }
            let (mut out, mut skipped, mut changed) = (Vec::new(), Vec::new(), false);
            for &uid in uids {
                let Some(i) = state.index(uid) else { continue };
                if unchanged_since.is_some_and(|since| state.messages[i].meta.modseq > since) {
                    skipped.push(uid);
                    continue;
                }
                let new = state.messages[i].meta.flags.apply(op, flags);
                if new != state.messages[i].meta.flags {
                    state.modseq += 1;
                    let modseq = state.modseq;
                    let meta = &mut state.messages[i].meta;
                    meta.flags = new;
                    meta.modseq = modseq;
                    changed = true;
                }
                out.push(state.messages[i].meta.clone());
            }
            (out, skipped, changed)
        };
        if changed {
            self.0.notifier.notify();
        }
        Ok((out, skipped))
    }

    async fn expunge(&self, uids: Option<&[u32]>) -> Result<Vec<u32>, StoreError> {
        let removed = {
            let mut state = self.state();
            state.check()?;
            let wanted = |m: &Stored| {
                m.meta.flags.has(SystemFlags::DELETED) && uids.is_none_or(|u| u.binary_search(&m.meta.uid).is_ok())
            };
            let gone: Vec<(u32, Flags)> =
                state.messages.iter().filter(|m| wanted(m)).map(|m| (m.meta.uid, m.meta.flags.clone())).collect();
            if !gone.is_empty() {
                state.messages.retain(|m| !wanted(m));
                state.modseq += 1;
                let modseq = state.modseq;
                for (uid, flags) in &gone {
                    state.remember_expunged(*uid, flags.clone(), modseq);
                }
            }
            gone.into_iter().map(|(uid, _)| uid).collect::<Vec<u32>>()
        };
        if !removed.is_empty() {
            self.0.notifier.notify();
        }
        Ok(removed)
    }

    async fn copy_to(&self, uids: &[u32], target: &MemoryMailbox) -> Result<(u32, Vec<(u32, u32)>), StoreError> {
        let copies: Vec<(u32, Bytes, Flags, i64)> = {
            let state = self.state();
            state.check()?;
            uids.iter()
                .filter_map(|&uid| state.index(uid))
                .map(|i| {
                    let m = &state.messages[i];
                    (m.meta.uid, m.data.clone(), m.meta.flags.clone(), m.meta.internal_date)
                })
                .collect()
        };
        let (validity, pairs) = {
            let mut dest = target.state();
            dest.check()?;
            // All or nothing: the keywords first, then room for the UIDs.
            let all = Flags::new(SystemFlags::NONE, copies.iter().flat_map(|c| c.2.keywords().iter().cloned()));
            dest.define_keywords(&all)?;
            if u64::from(dest.uid_next) + copies.len() as u64 >= u64::from(u32::MAX) {
                return Err(StoreError::Limit("The mailbox has used up its UIDs"));
            }
            let mut pairs = Vec::new();
            for (uid, data, flags, date) in copies {
                pairs.push((uid, dest.add(data, flags, date)?));
            }
            (dest.uid_validity, pairs)
        };
        if !pairs.is_empty() {
            target.0.notifier.notify();
        }
        Ok((validity, pairs))
    }

    async fn move_to(&self, uids: &[u32], target: &MemoryMailbox) -> Result<(u32, Vec<(u32, u32)>), StoreError> {
        if Arc::ptr_eq(&self.0, &target.0) {
            return Err(StoreError::NotAllowed("Can't move messages into the mailbox they are in."));
        }
        let (validity, pairs) = self.copy_to(uids, target).await?;
        {
            let mut state = self.state();
            let moved: Vec<u32> = pairs.iter().map(|p| p.0).collect();
            let gone: Vec<(u32, Flags)> = state
                .messages
                .iter()
                .filter(|m| moved.binary_search(&m.meta.uid).is_ok())
                .map(|m| (m.meta.uid, m.meta.flags.clone()))
                .collect();
            state.messages.retain(|m| moved.binary_search(&m.meta.uid).is_err());
            state.modseq += 1;
            let modseq = state.modseq;
            for (uid, flags) in gone {
                state.remember_expunged(uid, flags, modseq);
            }
        }
        self.0.notifier.notify();
        Ok((validity, pairs))
    }
}

#[cfg(test)]
mod tests;
