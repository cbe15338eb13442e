//! Message flags, permanent flags and mailbox (LIST) attributes.

use super::core::Atom;

/// A message flag (`flag` in RFC 3501). System flags are matched
/// case-insensitively; keywords keep their case.
///
/// ```
/// use imap_wire::{Atom, Flag};
/// assert_eq!(Flag::parse_name("\\SEEN").unwrap(), Flag::Seen);
/// assert_eq!(Flag::parse_name("$Junk").unwrap(), Flag::Keyword(Atom::try_from("$Junk").unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Flag {
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Seen`
    Seen,
    /// `\Draft`
    Draft,
    /// A keyword such as `$Forwarded` (`flag-keyword`).
    Keyword(Atom),
    /// A backslash flag this crate does not know, without the backslash
    /// (`flag-extension`). Never `Recent` or one of the system flags.
    Extension(Atom),
}

impl Flag {
    /// Parses a flag from its wire spelling, e.g. `\Seen` or `$Label1`.
    pub fn parse_name(name: &str) -> Result<Flag, crate::ValidationError> {
        match name.strip_prefix('\\') {
            Some(rest) => Ok(Flag::system_or_extension(Atom::try_from(rest)?)),
            None => Ok(Flag::Keyword(Atom::try_from(name)?)),
        }
    }

    /// Classifies `\name` (given without the backslash).
    /// Classifies a backslash flag given without the backslash; `Recent`
    /// becomes an extension here (it is only valid in FETCH responses).
    pub fn system_or_extension(name: Atom) -> Flag {
        Flag::system(name.as_bytes()).unwrap_or(Flag::Extension(name))
    }

    /// The system flag named `name` (without the backslash,
    /// case-insensitive).
    pub(crate) fn system(name: &[u8]) -> Option<Flag> {
        let is = |known: &[u8]| name.eq_ignore_ascii_case(known);
        Some(match name.len() {
            4 if is(b"Seen") => Flag::Seen,
            5 if is(b"Draft") => Flag::Draft,
            7 if is(b"Flagged") => Flag::Flagged,
            7 if is(b"Deleted") => Flag::Deleted,
            8 if is(b"Answered") => Flag::Answered,
            _ => return None,
        })
    }
}

/// The wire spelling: `\Seen`, `\Deleted`, `$Label1`, `\Xtension`.
///
/// ```
/// use imap_wire::Flag;
/// assert_eq!(Flag::Seen.to_string(), "\\Seen");
/// assert_eq!(Flag::parse_name("$Work").unwrap().to_string(), "$Work");
/// ```
impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flag::Answered => f.write_str("\\Answered"),
            Flag::Flagged => f.write_str("\\Flagged"),
            Flag::Deleted => f.write_str("\\Deleted"),
            Flag::Seen => f.write_str("\\Seen"),
            Flag::Draft => f.write_str("\\Draft"),
            Flag::Keyword(name) => f.write_str(name.as_str()),
            Flag::Extension(name) => write!(f, "\\{}", name.as_str()),
        }
    }
}

/// The wire spelling, `\Recent` included.
impl std::fmt::Display for FlagFetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlagFetch::Flag(flag) => flag.fmt(f),
            FlagFetch::Recent => f.write_str("\\Recent"),
        }
    }
}

/// A flag in a FETCH `FLAGS` response (`flag-fetch`): a flag or `\Recent`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FlagFetch {
    /// An ordinary flag.
    Flag(Flag),
    /// `\Recent`
    Recent,
}

/// A flag in a `PERMANENTFLAGS` response code (`flag-perm`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FlagPerm {
    /// An ordinary flag.
    Flag(Flag),
    /// `\*`: new keywords may be created.
    AnyKeyword,
}

/// A mailbox attribute in a LIST or LSUB response (`mbx-list-flags`,
/// extended by RFC 5258 and RFC 6154).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MailboxAttribute {
    /// `\Noinferiors`
    NoInferiors,
    /// `\Noselect`
    NoSelect,
    /// `\Marked`
    Marked,
    /// `\Unmarked`
    Unmarked,
    /// `\NonExistent` (RFC 5258)
    NonExistent,
    /// `\Subscribed` (RFC 5258)
    Subscribed,
    /// `\Remote` (RFC 5258)
    Remote,
    /// `\HasChildren` (RFC 5258, RFC 3348)
    HasChildren,
    /// `\HasNoChildren` (RFC 5258, RFC 3348)
    HasNoChildren,
    /// `\All`: every message (RFC 6154 special use)
    All,
    /// `\Archive` (RFC 6154)
    Archive,
    /// `\Drafts` (RFC 6154)
    Drafts,
    /// `\Flagged` (RFC 6154)
    Flagged,
    /// `\Junk` (RFC 6154)
    Junk,
    /// `\Sent` (RFC 6154)
    Sent,
    /// `\Trash` (RFC 6154)
    Trash,
    /// Any other attribute, without the backslash. Never one of the names
    /// above.
    Extension(Atom),
}

impl MailboxAttribute {
    /// Classifies an attribute name given without the backslash
    /// (case-insensitive for the names with a variant).
    ///
    /// ```
    /// use imap_wire::{Atom, MailboxAttribute};
    /// let name = Atom::try_from("hasnochildren").unwrap();
    /// assert_eq!(MailboxAttribute::from_name(name), MailboxAttribute::HasNoChildren);
    /// let other = Atom::try_from("XList").unwrap();
    /// assert_eq!(MailboxAttribute::from_name(other.clone()), MailboxAttribute::Extension(other));
    /// ```
    pub fn from_name(name: Atom) -> MailboxAttribute {
        MailboxAttribute::known(name.as_bytes()).unwrap_or(MailboxAttribute::Extension(name))
    }

    /// The attribute with a variant named `name` (case-insensitive).
    pub(crate) fn known(name: &[u8]) -> Option<MailboxAttribute> {
        use MailboxAttribute::*;
        let is = |known: &[u8]| name.eq_ignore_ascii_case(known);
        // By length first: one or two comparisons per name.
        Some(match name.len() {
            3 if is(b"All") => All,
            4 if is(b"Junk") => Junk,
            4 if is(b"Sent") => Sent,
            5 if is(b"Trash") => Trash,
            6 if is(b"Marked") => Marked,
            6 if is(b"Remote") => Remote,
            6 if is(b"Drafts") => Drafts,
            7 if is(b"Archive") => Archive,
            7 if is(b"Flagged") => Flagged,
            8 if is(b"Noselect") => NoSelect,
            8 if is(b"Unmarked") => Unmarked,
            10 if is(b"Subscribed") => Subscribed,
            11 if is(b"Noinferiors") => NoInferiors,
            11 if is(b"NonExistent") => NonExistent,
            11 if is(b"HasChildren") => HasChildren,
            13 if is(b"HasNoChildren") => HasNoChildren,
            _ => return None,
        })
    }

    /// The attribute name without the leading backslash.
    pub fn name(&self) -> &str {
        match self {
            MailboxAttribute::NoInferiors => "Noinferiors",
            MailboxAttribute::NoSelect => "Noselect",
            MailboxAttribute::Marked => "Marked",
            MailboxAttribute::Unmarked => "Unmarked",
            MailboxAttribute::NonExistent => "NonExistent",
            MailboxAttribute::Subscribed => "Subscribed",
            MailboxAttribute::Remote => "Remote",
            MailboxAttribute::HasChildren => "HasChildren",
            MailboxAttribute::HasNoChildren => "HasNoChildren",
            MailboxAttribute::All => "All",
            MailboxAttribute::Archive => "Archive",
            MailboxAttribute::Drafts => "Drafts",
            MailboxAttribute::Flagged => "Flagged",
            MailboxAttribute::Junk => "Junk",
            MailboxAttribute::Sent => "Sent",
            MailboxAttribute::Trash => "Trash",
            MailboxAttribute::Extension(a) => a.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_mailbox_attribute_reads_back_from_its_name() {
        use MailboxAttribute::*;
        let all = [
            NoInferiors,
            NoSelect,
            Marked,
            Unmarked,
            NonExistent,
            Subscribed,
            Remote,
            HasChildren,
            HasNoChildren,
            All,
            Archive,
            Drafts,
            Flagged,
            Junk,
            Sent,
            Trash,
        ];
        for attribute in all {
            let name = attribute.name();
            assert_eq!(MailboxAttribute::known(name.as_bytes()), Some(attribute.clone()), "{name}");
            assert_eq!(MailboxAttribute::known(name.to_ascii_uppercase().as_bytes()), Some(attribute));
        }
        assert_eq!(MailboxAttribute::known(b"XList"), None);
    }

    #[test]
    fn system_flags_are_case_insensitive() {
        assert_eq!(Flag::parse_name("\\deleted").unwrap(), Flag::Deleted);
        assert_eq!(Flag::parse_name("\\DRAFT").unwrap(), Flag::Draft);
        assert!(matches!(Flag::parse_name("\\Junk").unwrap(), Flag::Extension(_)));
        assert!(Flag::parse_name("\\").is_err());
    }
}
