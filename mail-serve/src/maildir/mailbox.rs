//! An open Maildir folder: the [`Mailbox`] trait over the shared folder
//! index, message files read in pieces, appends written to `tmp/`.

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::folder::Folder;
use super::FolderHandle;
use crate::store::*;

/// A new Maildir unique name: time, a counter and the process.
pub(crate) fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}.M{}P{}Q{}.mail-serve", now.as_secs(), now.subsec_micros(), std::process::id(), n)
}

/// An open folder of a [`super::MaildirStore`].
#[derive(Debug, Clone)]
pub struct MaildirMailbox {
    handle: Arc<FolderHandle>,
}

impl MaildirMailbox {
    pub(crate) fn new(handle: Arc<FolderHandle>) -> MaildirMailbox {
        MaildirMailbox { handle }
    }

    fn folder(&self) -> std::sync::MutexGuard<'_, Folder> {
        self.handle.lock()
    }

    fn notify(&self) {
        self.handle.notifier.notify();
    }

    /// Opens a message's file, looking its name up again when a flag
    /// change renamed it meanwhile (an open file stays readable whatever
    /// its name becomes).
    fn open_file(&self, uid: u32) -> Result<fs::File, StoreError> {
        for attempt in 0..4 {
            let path = {
                let mut folder = self.folder();
                if attempt > 0 {
                    folder.refresh()?;
                }
                let i = folder.index_of(uid).ok_or(StoreError::NoSuchMessage)?;
                folder.path_of(&folder.messages[i])
            };
            match fs::File::open(&path) {
                Ok(file) => return Ok(file),
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::NoSuchMessage)
    }

    /// Stages copies of these messages in `target`'s `tmp/` (hard links
    /// where the file system allows); returns (source UID, staged path,
    /// size, flags, date) of those that exist.
    #[allow(clippy::type_complexity)]
    fn stage(
        &self,
        uids: &[u32],
        target: &MaildirMailbox,
    ) -> Result<Vec<(u32, PathBuf, String, u64, Flags, i64)>, StoreError> {
        let sources: Vec<(u32, u64, Flags, i64)> = {
            let folder = self.folder();
            uids.iter()
                .filter_map(|&u| folder.index_of(u))
                .map(|i| {
                    let m = &folder.messages[i];
                    (m.uid, m.size, folder.flags_of(m), m.date)
                })
                .collect()
        };
        let tmp_dir = target.folder().dir.join("tmp");
        let mut staged = Vec::new();
        for (uid, size, flags, date) in sources {
            let unique = unique_name();
            let unique = format!("{unique},W={size}");
            let tmp = tmp_dir.join(&unique);
            let linked = (|| -> Result<(), StoreError> {
                let file = self.open_file(uid)?;
                // Link by the path the file had when opened, else copy.
                let path = {
                    let folder = self.folder();
                    folder.index_of(uid).map(|i| folder.path_of(&folder.messages[i]))
                };
                if let Some(path) = path {
                    if fs::hard_link(&path, &tmp).is_ok() {
                        return Ok(());
                    }
                }
                let mut file = file;
                let mut out = fs::File::create(&tmp)?;
                io::copy(&mut file, &mut out)?;
                out.sync_all()?;
                Ok(())
            })();
            match linked {
                Ok(()) => staged.push((uid, tmp, unique, size, flags, date)),
                Err(StoreError::NoSuchMessage) => {}
                Err(e) => {
                    for s in &staged {
                        let _ = fs::remove_file(&s.1);
                    }
                    return Err(e);
                }
            }
        }
        Ok(staged)
    }
}

/// One read at an offset: `pread` where there is one (no seek).
#[cfg(unix)]
fn read_at(file: &mut fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &mut fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    io::Seek::seek(file, io::SeekFrom::Start(offset))?;
    io::Read::read(file, buf)
}

/// A message file, open.
#[derive(Debug)]
pub struct MaildirContent {
    file: fs::File,
    len: u64,
}

impl Content for MaildirContent {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read(&mut self, offset: u64, max: usize) -> Result<Bytes, StoreError> {
        let want = usize::try_from(self.len.saturating_sub(offset)).unwrap_or(usize::MAX).min(max);
        let mut buf = vec![0; want];
        let mut filled = 0;
        while filled < want {
            let n = read_at(&mut self.file, &mut buf[filled..], offset + filled as u64)?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        buf.truncate(filled);
        Ok(Bytes::from(buf))
    }
}

/// A message being appended: written to the folder's `tmp/` as it arrives
/// (bare LF as CRLF), synced and moved into `cur/` at commit; removed if
/// dropped before.
#[derive(Debug)]
pub struct MaildirUpload {
    handle: Arc<FolderHandle>,
    tmp: PathBuf,
    file: Option<fs::File>,
    size: u64,
    last: u8,
    flags: Flags,
    date: Option<i64>,
}

impl Upload for MaildirUpload {
    async fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        let mut out = Vec::with_capacity(data.len() + data.len() / 32 + 1);
        for &b in data {
            if b == b'\n' && self.last != b'\r' {
                out.push(b'\r');
            }
            out.push(b);
            self.last = b;
        }
        if let Some(file) = &mut self.file {
            file.write_all(&out)?;
        }
        self.size += out.len() as u64;
        Ok(())
    }

    async fn commit(mut self) -> Result<u32, StoreError> {
        let Some(file) = self.file.take() else { return Err(StoreError::NoSuchMessage) };
        // New mail is durable before it is announced.
        file.sync_all()?;
        if let Some(date) = self.date {
            let when = UNIX_EPOCH + std::time::Duration::from_secs(date.max(0) as u64);
            let _ = file.set_modified(when);
        }
        drop(file);
        let date =
            self.date.unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64));
        let unique = format!("{},S={},W={}", unique_name(), self.size, self.size);
        let uid = {
            let mut folder = self.handle.lock();
            let keywords = folder.keyword_bits(&self.flags, true)?;
            folder.add(&self.tmp, &unique, self.size, self.flags.system(), keywords, date)?
        };
        self.tmp = PathBuf::new();
        self.handle.notifier.notify();
        Ok(uid)
    }
}

impl Drop for MaildirUpload {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

impl Mailbox for MaildirMailbox {
    type Upload = MaildirUpload;
    type Content = MaildirContent;

    async fn status(&self) -> Result<MailboxStatus, StoreError> {
        let mut folder = self.folder();
        if folder.refresh()? {
            self.notify();
        }
        if folder.gone {
            return Err(StoreError::MailboxGone);
        }
        let count = |f: &dyn Fn(&super::folder::Entry) -> bool| folder.messages.iter().filter(|m| f(m)).count() as u32;
        Ok(MailboxStatus {
            uid_validity: folder.uid_validity,
            uid_next: folder.uid_next,
            messages: folder.messages.len() as u32,
            unseen: count(&|m| !m.flags.contains(SystemFlags::SEEN)),
            deleted: count(&|m| m.flags.contains(SystemFlags::DELETED)),
            recent: folder.recent_count(),
            size: folder.messages.iter().map(|m| m.size).sum(),
            highest_modseq: folder.modseq,
        })
    }

    async fn messages(&self) -> Result<Vec<MessageMeta>, StoreError> {
        let mut folder = self.folder();
        // What other programs delivered or changed since the last look
        // (a POP3 session lists its maildrop with this alone).
        if folder.refresh()? {
            self.notify();
        }
        Ok(folder.messages.iter().map(|m| folder.meta(m)).collect())
    }

    async fn messages_by_uid(&self, uids: &[u32]) -> Result<Vec<MessageMeta>, StoreError> {
        let folder = self.folder();
        Ok(uids.iter().filter_map(|&u| folder.index_of(u)).map(|i| folder.meta(&folder.messages[i])).collect())
    }

    async fn changes(&self, modseq: u64) -> Result<Changes, StoreError> {
        let mut folder = self.folder();
        if folder.refresh()? {
            self.notify();
        }
        let changed = folder.messages.iter().filter(|m| m.modseq > modseq).map(|m| folder.meta(m)).collect();
        Ok(Changes { modseq: folder.modseq, changed, expunged: folder.expunged_since(modseq) })
    }

    fn subscribe(&self) -> Subscription {
        self.handle.notifier.subscribe()
    }

    async fn claim_recent(&self) -> Result<u32, StoreError> {
        Ok(self.folder().claim_recent())
    }

    async fn pop3_ids(&self, uids: &[u32]) -> Result<Vec<(u32, String)>, StoreError> {
        // The Maildir unique name, as the example POP3 server gave it.
        let folder = self.folder();
        Ok(uids
            .iter()
            .filter_map(|&u| folder.index_of(u))
            .map(|i| {
                let m = &folder.messages[i];
                (m.uid, pop3_id(&m.unique))
            })
            .collect())
    }

    async fn open(&self, uid: u32) -> Result<MaildirContent, StoreError> {
        let file = self.open_file(uid)?;
        let len = file.metadata()?.len();
        Ok(MaildirContent { file, len })
    }

    async fn begin_append(&self, flags: Flags, date: Option<i64>, _size: u64) -> Result<MaildirUpload, StoreError> {
        let dir = {
            let folder = self.folder();
            if folder.gone {
                return Err(StoreError::MailboxGone);
            }
            folder.dir.clone()
        };
        let tmp = dir.join("tmp").join(unique_name());
        let file = fs::File::create(&tmp)?;
        Ok(MaildirUpload { handle: self.handle.clone(), tmp, file: Some(file), size: 0, last: 0, flags, date })
    }

    async fn store_flags(
        &self,
        uids: &[u32],
        op: FlagOp,
        flags: &Flags,
        unchanged_since: Option<u64>,
    ) -> Result<(Vec<MessageMeta>, Vec<u32>), StoreError> {
        let result = {
            let mut folder = self.folder();
            let before = folder.modseq;
            let result = folder.store(uids, op, flags, unchanged_since)?;
            (result, folder.modseq != before)
        };
        if result.1 {
            self.notify();
        }
        Ok(result.0)
    }

    async fn expunge(&self, uids: Option<&[u32]>) -> Result<Vec<u32>, StoreError> {
        let removed = self.folder().expunge(uids, true)?;
        if !removed.is_empty() {
            self.notify();
        }
        Ok(removed)
    }

    async fn copy_to(&self, uids: &[u32], target: &MaildirMailbox) -> Result<(u32, Vec<(u32, u32)>), StoreError> {
        let staged = self.stage(uids, target)?;
        let cleanup = |from: usize| {
            for s in &staged[from..] {
                let _ = fs::remove_file(&s.1);
            }
        };
        let (validity, pairs) = {
            let mut dest = target.folder();
            // All or nothing: every keyword first.
            let all = Flags::new(SystemFlags::NONE, staged.iter().flat_map(|s| s.4.keywords().iter().cloned()));
            if let Err(e) = dest.keyword_bits(&all, true) {
                cleanup(0);
                return Err(e);
            }
            let mut pairs = Vec::new();
            for (i, (uid, tmp, unique, size, flags, date)) in staged.iter().enumerate() {
                let bits = dest.keyword_bits(flags, false)?;
                match dest.add(tmp, unique, *size, flags.system(), bits, *date) {
                    Ok(new) => pairs.push((*uid, new)),
                    Err(e) => {
                        cleanup(i);
                        if pairs.is_empty() {
                            return Err(e);
                        }
                        break;
                    }
                }
            }
            (dest.uid_validity, pairs)
        };
        if !pairs.is_empty() {
            target.notify();
        }
        Ok((validity, pairs))
    }

    async fn move_to(&self, uids: &[u32], target: &MaildirMailbox) -> Result<(u32, Vec<(u32, u32)>), StoreError> {
        let (validity, pairs) = self.copy_to(uids, target).await?;
        let mut moved: Vec<u32> = pairs.iter().map(|p| p.0).collect();
        moved.sort_unstable();
        if !moved.is_empty() {
            self.folder().expunge(Some(&moved), false)?;
            self.notify();
        }
        Ok((validity, pairs))
    }
}

/// A POP3 unique id from a Maildir unique name (hashed when it does not
/// fit RFC 1939's 70 printable characters).
fn pop3_id(unique: &str) -> String {
    let fits = (1..=70).contains(&unique.len()) && unique.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if fits {
        return unique.to_string();
    }
    let hash = |seed: u64| unique.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
    format!("{:016x}{:016x}", hash(0xcbf29ce484222325), hash(0x84222325cbf29ce4))
}
