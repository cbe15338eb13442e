//! Message flags, permanent flags and mailbox (LIST) attributes.

use super::core::Atom;

/// A message flag (`flag` in RFC 3501). System flags are matched
/// case-insensitively; keywords keep their case.
///
/// ```
/// use imap_proto::{Atom, Flag};
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
        let b = name.as_bytes();
        if b.eq_ignore_ascii_case(b"Seen") {
            Flag::Seen
        } else if b.eq_ignore_ascii_case(b"Answered") {
            Flag::Answered
        } else if b.eq_ignore_ascii_case(b"Flagged") {
            Flag::Flagged
        } else if b.eq_ignore_ascii_case(b"Deleted") {
            Flag::Deleted
        } else if b.eq_ignore_ascii_case(b"Draft") {
            Flag::Draft
        } else {
            Flag::Extension(name)
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
    /// Any other attribute, without the backslash (`\HasChildren`, `\Sent`, ...).
    Extension(Atom),
}

impl MailboxAttribute {
    /// Classifies an attribute name given without the backslash
    /// (case-insensitive for the RFC 3501 names).
    pub fn from_name(name: Atom) -> MailboxAttribute {
        let b = name.as_bytes();
        if b.eq_ignore_ascii_case(b"Noinferiors") {
            MailboxAttribute::NoInferiors
        } else if b.eq_ignore_ascii_case(b"Noselect") {
            MailboxAttribute::NoSelect
        } else if b.eq_ignore_ascii_case(b"Marked") {
            MailboxAttribute::Marked
        } else if b.eq_ignore_ascii_case(b"Unmarked") {
            MailboxAttribute::Unmarked
        } else {
            MailboxAttribute::Extension(name)
        }
    }

    /// The attribute name without the leading backslash.
    pub fn name(&self) -> &str {
        match self {
            MailboxAttribute::NoInferiors => "Noinferiors",
            MailboxAttribute::NoSelect => "Noselect",
            MailboxAttribute::Marked => "Marked",
            MailboxAttribute::Unmarked => "Unmarked",
            MailboxAttribute::Extension(a) => a.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_flags_are_case_insensitive() {
        assert_eq!(Flag::parse_name("\\deleted").unwrap(), Flag::Deleted);
        assert_eq!(Flag::parse_name("\\DRAFT").unwrap(), Flag::Draft);
        assert!(matches!(Flag::parse_name("\\Junk").unwrap(), Flag::Extension(_)));
        assert!(Flag::parse_name("\\").is_err());
    }
}
