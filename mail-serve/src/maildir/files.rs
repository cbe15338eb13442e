//! The files of a Maildir folder: message file names (flags in the
//! `:2,` info), sizes, state files written whole or not at all, the lock
//! that serializes UID assignment between processes.

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::store::SystemFlags;

use super::folder::MAX_KEYWORDS;

pub(crate) const LETTERS: [(SystemFlags, char); 5] = [
    (SystemFlags::DRAFT, 'D'),
    (SystemFlags::FLAGGED, 'F'),
    (SystemFlags::ANSWERED, 'R'),
    (SystemFlags::SEEN, 'S'),
    (SystemFlags::DELETED, 'T'),
];

/// Splits a file name into (unique, system flags, keyword bits).
pub(crate) fn parse_name(name: &str) -> (&str, SystemFlags, u32) {
    let (unique, info) = match name.split_once(':') {
        Some((unique, info)) => (unique, info.strip_prefix("2,").unwrap_or("")),
        None => (name, ""),
    };
    let mut flags = SystemFlags::NONE;
    let mut keywords = 0;
    for c in info.chars() {
        if let Some((f, _)) = LETTERS.iter().find(|(_, l)| *l == c) {
            flags = flags.union(*f);
        } else if c.is_ascii_lowercase() {
            keywords |= 1 << (c as u8 - b'a');
        }
    }
    (unique, flags, keywords)
}

/// The file name of a message with these flags.
pub(crate) fn file_name(unique: &str, flags: SystemFlags, keywords: u32) -> String {
    let mut out = String::with_capacity(unique.len() + 12);
    out.push_str(unique);
    out.push_str(":2,");
    for (f, letter) in LETTERS {
        if flags.contains(f) {
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

/// A field `,X=n` of a unique name.
pub(crate) fn name_field(unique: &str, key: &str) -> Option<u64> {
    unique.split(',').skip(1).find_map(|f| f.strip_prefix(key)?.parse().ok())
}

/// The size a file has with CRLF line ends (read in pieces).
pub(crate) fn wire_size_of(path: &Path) -> io::Result<u64> {
    let mut file = fs::File::open(path)?;
    let mut buf = vec![0; 64 * 1024];
    let (mut size, mut last) = (0u64, 0u8);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(size);
        }
        for &b in &buf[..n] {
            size += 1 + u64::from(b == b'\n' && last != b'\r');
            last = b;
        }
    }
}

pub(crate) fn mtime(path: &Path) -> io::Result<SystemTime> {
    fs::metadata(path)?.modified()
}

pub(crate) fn secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Writes a state file through a temporary file and a rename.
pub(crate) fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // A name of its own per write: sessions may write the same file at
    // once (two first logins of one user).
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp{}.{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let tmp = path.with_file_name(tmp_name);
    let mut file = fs::File::create(&tmp)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)
}

/// A UIDVALIDITY for a new folder: the time, as Dovecot does, and never
/// one this process gave out before.
pub(crate) fn new_uid_validity() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static LAST: AtomicU32 = AtomicU32::new(0);
    let now = (secs(SystemTime::now()) as u32).max(1);
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last.wrapping_add(1)).max(1);
        match LAST.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// The folder's lock file, held while UIDs and keywords are assigned.
pub(crate) struct Lock(fs::File);

impl Lock {
    pub(crate) fn take(dir: &Path) -> io::Result<Lock> {
        let file =
            fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join("imap-uidlist.lock"))?;
        file.lock()?;
        Ok(Lock(file))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

pub(crate) fn file_id(meta: &fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        (0, meta.len())
    }
}
