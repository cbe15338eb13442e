//! Message flags as a store keeps them: the five system flags as bits and
//! keywords by name.

use std::fmt;
use std::sync::Arc;

/// The system flags of RFC 3501 2.3.2 a store keeps (`\Recent` is the
/// session's, never stored).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SystemFlags(u8);

impl SystemFlags {
    /// `\Answered`.
    pub const ANSWERED: SystemFlags = SystemFlags(1);
    /// `\Flagged`.
    pub const FLAGGED: SystemFlags = SystemFlags(2);
    /// `\Deleted`.
    pub const DELETED: SystemFlags = SystemFlags(4);
    /// `\Seen`.
    pub const SEEN: SystemFlags = SystemFlags(8);
    /// `\Draft`.
    pub const DRAFT: SystemFlags = SystemFlags(16);
    /// No flag.
    pub const NONE: SystemFlags = SystemFlags(0);
    /// Every system flag, in the order FLAGS lists them.
    pub const ALL: [SystemFlags; 5] = [Self::ANSWERED, Self::FLAGGED, Self::DELETED, Self::SEEN, Self::DRAFT];

    /// The flags from their bits (unknown bits are dropped).
    pub const fn from_bits(bits: u8) -> SystemFlags {
        SystemFlags(bits & 31)
    }

    /// The bits.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: SystemFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union.
    pub const fn union(self, other: SystemFlags) -> SystemFlags {
        SystemFlags(self.0 | other.0)
    }

    /// These flags without those of `other`.
    pub const fn difference(self, other: SystemFlags) -> SystemFlags {
        SystemFlags(self.0 & !other.0)
    }

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The flag's IMAP name (`\Seen`); `None` for a combination.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::ANSWERED => "\\Answered",
            Self::FLAGGED => "\\Flagged",
            Self::DELETED => "\\Deleted",
            Self::SEEN => "\\Seen",
            Self::DRAFT => "\\Draft",
            _ => return None,
        })
    }
}

/// Why a keyword name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeywordError {
    /// Empty.
    #[error("a keyword cannot be empty")]
    Empty,
    /// Longer than [`Keyword::MAX_LEN`].
    #[error("a keyword is at most {} bytes", Keyword::MAX_LEN)]
    TooLong,
    /// A byte an IMAP atom cannot hold (`(){ %*"\]`, controls, 8-bit) or a
    /// leading `\` (the system flags' namespace).
    #[error("a keyword is an IMAP atom not starting with \\")]
    NotAnAtom,
}

/// A keyword (a user-defined flag, RFC 3501 2.3.2): an IMAP atom, compared
/// without regard to ASCII case (as Dovecot does), spelled as first given.
/// Cheap to clone.
#[derive(Clone, Eq)]
pub struct Keyword(Arc<str>);

impl Keyword {
    /// The longest keyword accepted (Dovecot's limit is the same order).
    pub const MAX_LEN: usize = 128;

    /// Checks a keyword name.
    ///
    /// ```
    /// use mail_serve::store::Keyword;
    /// assert_eq!(Keyword::new("$Forwarded").unwrap(), Keyword::new("$forwarded").unwrap());
    /// assert!(Keyword::new("two words").is_err());
    /// assert!(Keyword::new("\\Seen").is_err());
    /// ```
    pub fn new(name: &str) -> Result<Keyword, KeywordError> {
        if name.is_empty() {
            return Err(KeywordError::Empty);
        }
        if name.len() > Self::MAX_LEN {
            return Err(KeywordError::TooLong);
        }
        let atom_char = |b: u8| b > 0x20 && b < 0x7f && !b"(){%*\"\\]".contains(&b);
        if !name.bytes().all(atom_char) {
            return Err(KeywordError::NotAnAtom);
        }
        Ok(Keyword(Arc::from(name)))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Keyword {
    fn eq(&self, other: &Keyword) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl std::hash::Hash for Keyword {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl PartialOrd for Keyword {
    fn partial_cmp(&self, other: &Keyword) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Keyword {
    fn cmp(&self, other: &Keyword) -> std::cmp::Ordering {
        let a = self.0.bytes().map(|b| b.to_ascii_lowercase());
        a.cmp(other.0.bytes().map(|b| b.to_ascii_lowercase()))
    }
}

impl fmt::Debug for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A message's flags: system flags and keywords (sorted, no duplicates).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    system: SystemFlags,
    keywords: Box<[Keyword]>,
}

impl Flags {
    /// Flags from system flags and keywords (sorted and deduplicated here).
    pub fn new(system: SystemFlags, keywords: impl IntoIterator<Item = Keyword>) -> Flags {
        let mut keywords: Vec<Keyword> = keywords.into_iter().collect();
        keywords.sort();
        keywords.dedup();
        Flags { system, keywords: keywords.into_boxed_slice() }
    }

    /// Only system flags.
    pub fn system_only(system: SystemFlags) -> Flags {
        Flags { system, keywords: Box::default() }
    }

    /// The system flags.
    pub fn system(&self) -> SystemFlags {
        self.system
    }

    /// The keywords, sorted.
    pub fn keywords(&self) -> &[Keyword] {
        &self.keywords
    }

    /// Whether a keyword is set.
    pub fn has_keyword(&self, keyword: &Keyword) -> bool {
        self.keywords.binary_search(keyword).is_ok()
    }

    /// Whether a system flag is set.
    pub fn has(&self, flag: SystemFlags) -> bool {
        self.system.contains(flag)
    }

    /// These flags changed by a STORE-like operation.
    pub fn apply(&self, op: FlagOp, change: &Flags) -> Flags {
        match op {
            FlagOp::Replace => change.clone(),
            FlagOp::Add => {
                let system = self.system.union(change.system);
                if change.keywords.iter().all(|k| self.has_keyword(k)) {
                    return Flags { system, keywords: self.keywords.clone() };
                }
                Flags::new(system, self.keywords.iter().chain(change.keywords.iter()).cloned())
            }
            FlagOp::Remove => {
                let system = self.system.difference(change.system);
                let keywords: Vec<Keyword> = self.keywords.iter().filter(|k| !change.has_keyword(k)).cloned().collect();
                Flags { system, keywords: keywords.into_boxed_slice() }
            }
        }
    }
}

/// How STORE changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagOp {
    /// `FLAGS`: set exactly these.
    Replace,
    /// `+FLAGS`.
    Add,
    /// `-FLAGS`.
    Remove,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(s: &str) -> Keyword {
        Keyword::new(s).unwrap()
    }

    #[test]
    fn keywords_compare_without_case_and_keep_their_spelling() {
        let flags = Flags::new(SystemFlags::SEEN, [kw("Work"), kw("$label1"), kw("work")]);
        assert_eq!(flags.keywords().len(), 2);
        assert!(flags.has_keyword(&kw("WORK")));
        assert_eq!(flags.keywords()[1].as_str(), "Work");
        assert!(Keyword::new("a]b").is_err() && Keyword::new("").is_err() && Keyword::new("é").is_err());
        assert_eq!(Keyword::new(&"x".repeat(129)), Err(KeywordError::TooLong));
    }

    #[test]
    fn store_operations() {
        let start = Flags::new(SystemFlags::SEEN, [kw("a")]);
        let change = Flags::new(SystemFlags::FLAGGED, [kw("b")]);
        let added = start.apply(FlagOp::Add, &change);
        assert_eq!(added, Flags::new(SystemFlags::SEEN.union(SystemFlags::FLAGGED), [kw("a"), kw("b")]));
        assert_eq!(added.apply(FlagOp::Remove, &change), start);
        assert_eq!(start.apply(FlagOp::Replace, &change), change);
    }
}
