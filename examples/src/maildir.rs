//! A Maildir written safely: each message goes to `tmp/`, is synced, and
//! is renamed into `new/` or `cur/`; the directories are synced after the
//! renames ([`Maildir::sync`], once per batch for bulk work), so a
//! message either is in the Maildir whole or is not there. The flags live
//! in the file name (`unique:2,FRS`), as the Maildir convention has them;
//! keywords as the letters `a` to `z`, named in the file `imap-keywords`
//! (`INDEX NAME` lines, as Dovecot's `dovecot-keywords`), which the
//! example server's Maildir store reads too.

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
    /// `None`. Returns the final path once it is on disk (directory
    /// synced).
    pub fn deliver(&self, unique: &str, flags: Option<&str>, data: &[u8]) -> io::Result<PathBuf> {
        let (tmp, mut file) = self.create_tmp(unique)?;
        file.write_all(data)?;
        file.sync_all()?;
        drop(file);
        let target = self.commit(&tmp, unique, flags)?;
        sync_dir(target.parent().unwrap_or(&self.root))?;
        Ok(target)
    }

    /// A new file in `tmp/` named `name` (no `/` or `:`), to write a
    /// message into; [`Maildir::commit`] it once written and synced.
    pub fn create_tmp(&self, name: &str) -> io::Result<(PathBuf, fs::File)> {
        check_name(name)?;
        let tmp = self.root.join("tmp").join(name);
        let file = fs::File::create(&tmp)?;
        Ok((tmp, file))
    }

    /// Moves a written and synced file from `tmp/` into the Maildir as
    /// `unique` (see [`Maildir::deliver`] for `flags`). The rename is
    /// durable after the next [`Maildir::sync`].
    pub fn commit(&self, tmp: &Path, unique: &str, flags: Option<&str>) -> io::Result<PathBuf> {
        check_name(unique)?;
        let target = match flags {
            Some(flags) => self.root.join("cur").join(format!("{unique}:2,{}", sorted(flags))),
            None => self.root.join("new").join(unique),
        };
        fs::rename(tmp, &target)?;
        Ok(target)
    }

    /// Makes the renames and removals so far durable (syncs `new/` and
    /// `cur/`): one call per batch instead of one per message.
    pub fn sync(&self) -> io::Result<()> {
        sync_dir(&self.root.join("new"))?;
        sync_dir(&self.root.join("cur"))
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

    /// Gives a message new flag letters (moving it to `cur/`); durable
    /// after the next [`Maildir::sync`].
    pub fn set_flags(&self, entry: &Entry, flags: &str) -> io::Result<PathBuf> {
        let target = self.root.join("cur").join(format!("{}:2,{}", entry.unique, sorted(flags)));
        if target != entry.path {
            fs::rename(&entry.path, &target)?;
        }
        Ok(target)
    }

    /// Removes a message; durable after the next [`Maildir::sync`].
    pub fn remove(&self, entry: &Entry) -> io::Result<()> {
        fs::remove_file(&entry.path)
    }
}

fn check_name(name: &str) -> io::Result<()> {
    if name.contains(['/', ':']) || name.is_empty() || name.starts_with('.') {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("bad Maildir name {name:?}")));
    }
    Ok(())
}

/// The most keywords a Maildir names (the letters `a` to `z`).
pub const MAX_KEYWORDS: usize = 26;

/// The keywords of a Maildir: letter `a` + i names `names[i]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keywords {
    names: Vec<String>,
    changed: bool,
}

impl Keywords {
    const FILE: &'static str = "imap-keywords";

    /// The Maildir's keyword list (empty when it has none yet); lines
    /// that do not parse are skipped, as the server's store does.
    pub fn load(maildir: &Maildir) -> io::Result<Keywords> {
        let text = match fs::read_to_string(maildir.root.join(Self::FILE)) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        let mut slots: Vec<Option<String>> = vec![None; MAX_KEYWORDS];
        for line in text.lines() {
            let Some((i, name)) = line.split_once(' ') else { continue };
            match i.parse::<usize>() {
                Ok(i) if i < MAX_KEYWORDS && !name.is_empty() => slots[i] = Some(name.to_string()),
                _ => {}
            }
        }
        let used = slots.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
        let names =
            slots[..used].iter().enumerate().map(|(i, n)| n.clone().unwrap_or(format!("$unnamed{i}"))).collect();
        Ok(Keywords { names, changed: false })
    }

    /// The letter of keyword `name` (case-insensitive, as IMAP keywords
    /// are), giving it the next free letter when it has none; `None` when
    /// all 26 are taken.
    pub fn letter(&mut self, name: &str) -> Option<char> {
        let index = match self.names.iter().position(|n| n.eq_ignore_ascii_case(name)) {
            Some(i) => i,
            None if self.names.len() < MAX_KEYWORDS => {
                self.names.push(name.to_string());
                self.changed = true;
                self.names.len() - 1
            }
            None => return None,
        };
        Some((b'a' + index as u8) as char)
    }

    /// Writes the list when a letter was given out since the last save
    /// (before any file name uses the letter).
    pub fn save(&mut self, maildir: &Maildir) -> io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        let text: String = self.names.iter().enumerate().map(|(i, n)| format!("{i} {n}\n")).collect();
        write_atomically(&maildir.root.join(Self::FILE), text.as_bytes())?;
        self.changed = false;
        Ok(())
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
        maildir.sync().unwrap();
        assert_eq!(fs::read(&moved).unwrap(), b"world");
        assert!(moved.ends_with("cur/1-8.x:2,S"));
        maildir.remove(&maildir.entries().unwrap()[0]).unwrap();
        assert_eq!(maildir.entries().unwrap().len(), 1);
        let mut keywords = Keywords::load(&maildir).unwrap();
        assert_eq!(
            (keywords.letter("$Work"), keywords.letter("$work"), keywords.letter("Later")),
            (Some('a'), Some('a'), Some('b'))
        );
        keywords.save(&maildir).unwrap();
        assert_eq!(fs::read_to_string(dir.join("imap-keywords")).unwrap(), "0 $Work\n1 Later\n");
        let mut again = Keywords::load(&maildir).unwrap();
        assert_eq!(again.letter("Later"), Some('b'));
        for i in 2..MAX_KEYWORDS {
            assert!(again.letter(&format!("k{i}")).is_some());
        }
        assert_eq!(again.letter("one-too-many"), None, "26 letters, no more");
        fs::remove_dir_all(&dir).unwrap();
    }
}
