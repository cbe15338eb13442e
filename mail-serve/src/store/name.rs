//! Mailbox names as stores see them: Unicode text, hierarchy levels joined
//! by the store's delimiter, INBOX spelled `INBOX`. The session engine
//! converts from and to the wire form (modified UTF-7, or UTF-8 once the
//! client enabled it).

use std::fmt;

/// Why a mailbox name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The empty name.
    #[error("the mailbox name is empty")]
    Empty,
    /// Longer than [`MailboxName::MAX_LEN`] bytes.
    #[error("the mailbox name is longer than {} bytes", MailboxName::MAX_LEN)]
    TooLong,
    /// A hierarchy level is empty (`a..b`, a leading or trailing
    /// delimiter).
    #[error("the mailbox name has an empty hierarchy level")]
    EmptyLevel,
    /// More levels than [`MailboxName::MAX_LEVELS`].
    #[error("the mailbox name has more than {} levels", MailboxName::MAX_LEVELS)]
    TooDeep,
    /// A control character, or a LIST wildcard (`*`, `%`).
    #[error("the mailbox name holds a character no mailbox name may hold")]
    BadCharacter,
    /// The wire form is not valid modified UTF-7.
    #[error("the mailbox name is not valid modified UTF-7")]
    NotUtf7,
    /// A name the store cannot hold (the store says why).
    #[error("{0}")]
    Store(&'static str),
}

/// A checked mailbox name.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailboxName {
    name: String,
    delimiter: char,
}

impl MailboxName {
    /// The longest name accepted, in bytes of UTF-8.
    pub const MAX_LEN: usize = 512;
    /// The most hierarchy levels a name may have.
    pub const MAX_LEVELS: usize = 32;

    /// Checks a name whose hierarchy levels are separated by `delimiter`;
    /// a first level spelled `inbox` in any case is INBOX.
    ///
    /// ```
    /// use mail_serve::store::MailboxName;
    /// let name = MailboxName::new("Inbox/Lists", '/').unwrap();
    /// assert_eq!(name.as_str(), "INBOX/Lists");
    /// assert_eq!(name.parent().unwrap().as_str(), "INBOX");
    /// assert!(MailboxName::new("a//b", '/').is_err());
    /// ```
    pub fn new(name: &str, delimiter: char) -> Result<MailboxName, NameError> {
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        if name.len() > Self::MAX_LEN {
            return Err(NameError::TooLong);
        }
        if name.chars().any(|c| c.is_control() || c == '*' || c == '%') {
            return Err(NameError::BadCharacter);
        }
        let mut levels = 0;
        for level in name.split(delimiter) {
            if level.is_empty() {
                return Err(NameError::EmptyLevel);
            }
            levels += 1;
        }
        if levels > Self::MAX_LEVELS {
            return Err(NameError::TooDeep);
        }
        let first = name.split(delimiter).next().unwrap_or("");
        let name = if first.eq_ignore_ascii_case("INBOX") && first != "INBOX" {
            format!("INBOX{}", &name[first.len()..])
        } else {
            name.to_string()
        };
        Ok(MailboxName { name, delimiter })
    }

    /// INBOX.
    pub fn inbox(delimiter: char) -> MailboxName {
        MailboxName { name: "INBOX".into(), delimiter }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The hierarchy delimiter.
    pub fn delimiter(&self) -> char {
        self.delimiter
    }

    /// Whether this is INBOX.
    pub fn is_inbox(&self) -> bool {
        self.name == "INBOX"
    }

    /// The hierarchy levels.
    pub fn levels(&self) -> impl Iterator<Item = &str> {
        self.name.split(self.delimiter)
    }

    /// The name one level up.
    pub fn parent(&self) -> Option<MailboxName> {
        let (parent, _) = self.name.rsplit_once(self.delimiter)?;
        Some(MailboxName { name: parent.to_string(), delimiter: self.delimiter })
    }

    /// Every name above this one, the top first.
    pub fn ancestors(&self) -> Vec<MailboxName> {
        let mut out = Vec::new();
        let mut at = self.parent();
        while let Some(name) = at {
            at = name.parent();
            out.push(name);
        }
        out.reverse();
        out
    }

    /// Whether `other` is below this name (a child, grandchild, ...).
    pub fn is_ancestor_of(&self, other: &MailboxName) -> bool {
        other.name.len() > self.name.len()
            && other.name.starts_with(&self.name)
            && other.name[self.name.len()..].starts_with(self.delimiter)
    }

    /// This name with the prefix `from` replaced by `to` (RENAME of a
    /// parent); `None` when `from` is not this name or above it.
    pub fn renamed(&self, from: &MailboxName, to: &MailboxName) -> Option<MailboxName> {
        if self == from {
            return Some(to.clone());
        }
        if !from.is_ancestor_of(self) {
            return None;
        }
        Some(MailboxName { name: format!("{}{}", to.name, &self.name[from.name.len()..]), delimiter: self.delimiter })
    }
}

impl fmt::Debug for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.name, f)
    }
}

impl fmt::Display for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(MailboxName::new("", '.'), Err(NameError::Empty));
        assert_eq!(MailboxName::new("a..b", '.'), Err(NameError::EmptyLevel));
        assert_eq!(MailboxName::new(".a", '.'), Err(NameError::EmptyLevel));
        assert_eq!(MailboxName::new("a*", '.'), Err(NameError::BadCharacter));
        assert_eq!(MailboxName::new("a\tb", '.'), Err(NameError::BadCharacter));
        assert_eq!(MailboxName::new("a.".repeat(40).trim_end_matches('.'), '.'), Err(NameError::TooDeep));
        assert_eq!(MailboxName::new("inBOX.x", '.').unwrap().as_str(), "INBOX.x");
        assert_eq!(MailboxName::new("inboxes", '.').unwrap().as_str(), "inboxes");
        assert!(MailboxName::new("Ünïcode.日本", '.').is_ok());
    }

    #[test]
    fn hierarchy() {
        let n = |s: &str| MailboxName::new(s, '/').unwrap();
        assert_eq!(n("a/b/c").ancestors(), vec![n("a"), n("a/b")]);
        assert!(n("a").is_ancestor_of(&n("a/b")));
        assert!(!n("a").is_ancestor_of(&n("ab")));
        assert_eq!(n("a/b").renamed(&n("a"), &n("x/y")), Some(n("x/y/b")));
        assert_eq!(n("ab").renamed(&n("a"), &n("x")), None);
    }
}
