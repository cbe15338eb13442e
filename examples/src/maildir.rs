//! A Maildir written safely: each message goes to `tmp/`, is synced, and
//! is renamed into `new/` or `cur/`; the directory is synced after the
//! rename, so a message either is in the Maildir whole or is not there.
//! The flags live in the file name (`unique:2,FRS`), as the Maildir
//! convention has them.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A Maildir on disk.
#[derive(Debug, Clone)]
pub struct Maildir {
    root: PathBuf,
}

/// One message file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The unique part of the name (before `:`).
    pub unique: String,
    /// The flag letters of the name's `:2,` info, sorted.
    pub flags: String,
    /// The file.
    pub path: PathBuf,
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

impl Maildir {
    /// Opens the Maildir at `root`, creating `tmp`, `new` and `cur`.
    pub fn create(root: &Path) -> io::Result<Maildir> {
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(root.join(sub))?;
        }
        Ok(Maildir { root: root.to_path_buf() })
    }

    /// The Maildir's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores a message under `unique` (which must not hold `/` or `:`):
    /// in `cur/` with these flag letters, or in `new/` when `flags` is
    /// `None`. Returns the final path once it is on disk.
    pub fn deliver(&self, unique: &str, flags: Option<&str>, data: &[u8]) -> io::Result<PathBuf> {
        if unique.contains(['/', ':']) || unique.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("bad Maildir name {unique:?}")));
        }
        let tmp = self.root.join("tmp").join(unique);
        let mut file = fs::File::create(&tmp)?;
        file.write_all(data)?;
        file.sync_all()?;
        drop(file);
        let target = match flags {
            Some(flags) => self.root.join("cur").join(format!("{unique}:2,{}", sorted(flags))),
            None => self.root.join("new").join(unique),
        };
        fs::rename(&tmp, &target)?;
        sync_dir(target.parent().unwrap_or(&self.root))?;
        Ok(target)
    }

    /// Every message in `new/` and `cur/`.
    pub fn entries(&self) -> io::Result<Vec<Entry>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            for entry in fs::read_dir(self.root.join(sub))? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let (unique, flags) = match name.split_once(":2,") {
                    Some((unique, flags)) => (unique.to_string(), sorted(flags)),
                    None => (name.split(':').next().unwrap_or_default().to_string(), String::new()),
                };
                out.push(Entry { unique, flags, path: entry.path() });
            }
        }
        out.sort_by(|a, b| a.unique.cmp(&b.unique));
        Ok(out)
    }

    /// Gives a message new flag letters (moving it to `cur/`).
    pub fn set_flags(&self, entry: &Entry, flags: &str) -> io::Result<PathBuf> {
        let target = self.root.join("cur").join(format!("{}:2,{}", entry.unique, sorted(flags)));
        if target != entry.path {
            fs::rename(&entry.path, &target)?;
            sync_dir(&self.root.join("cur"))?;
        }
        Ok(target)
    }

    /// Removes a message.
    pub fn remove(&self, entry: &Entry) -> io::Result<()> {
        fs::remove_file(&entry.path)?;
        sync_dir(entry.path.parent().unwrap_or(&self.root))
    }
}

/// Flag letters in ASCII order, as the Maildir convention wants them.
pub fn sorted(flags: &str) -> String {
    let mut letters: Vec<char> = flags.chars().collect();
    letters.sort_unstable();
    letters.dedup();
    letters.into_iter().collect()
}

/// Writes `data` to `path` through a temporary file and a rename (a state
/// file is either the old one or the new one, never half of each).
pub fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = fs::File::create(&tmp)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    sync_dir(path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliver_list_reflag_and_remove() {
        let dir = std::env::temp_dir().join(format!("maildir-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let maildir = Maildir::create(&dir).unwrap();
        maildir.deliver("1-7.x", Some("SF"), b"hello").unwrap();
        maildir.deliver("1-8.x", None, b"world").unwrap();
        assert!(maildir.deliver("a/b", None, b"").is_err());
        let entries = maildir.entries().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].unique.as_str(), entries[0].flags.as_str()), ("1-7.x", "FS"));
        assert_eq!(entries[1].flags, "");
        assert!(fs::read_dir(dir.join("tmp")).unwrap().next().is_none(), "nothing left in tmp");
        let moved = maildir.set_flags(&entries[1], "S").unwrap();
        assert_eq!(fs::read(&moved).unwrap(), b"world");
        assert!(moved.ends_with("cur/1-8.x:2,S"));
        maildir.remove(&maildir.entries().unwrap()[0]).unwrap();
        assert_eq!(maildir.entries().unwrap().len(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
