//! SEARCH criteria (`search-key`) and STATUS attributes.

use super::core::{Atom, IString};
use super::datetime::Date;
use super::sequence::SequenceSet;

/// A search criterion (`search-key`), nested to any depth (bounded by the
/// parser's depth limit).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SearchKey {
    /// `ALL`
    All,
    /// `ANSWERED`
    Answered,
    /// `BCC string`
    Bcc(IString),
    /// `BEFORE date`
    Before(Date),
    /// `BODY string`
    Body(IString),
    /// `CC string`
    Cc(IString),
    /// `DELETED`
    Deleted,
    /// `DRAFT`
    Draft,
    /// `FLAGGED`
    Flagged,
    /// `FROM string`
    From(IString),
    /// `HEADER field-name string`
    Header(IString, IString),
    /// `KEYWORD flag`
    Keyword(Atom),
    /// `LARGER n`
    Larger(u32),
    /// `NEW`
    New,
    /// `NOT key`
    Not(Box<SearchKey>),
    /// `OLD`
    Old,
    /// `ON date`
    On(Date),
    /// `OR key key`
    Or(Box<SearchKey>, Box<SearchKey>),
    /// `RECENT`
    Recent,
    /// `SEEN`
    Seen,
    /// `SENTBEFORE date`
    SentBefore(Date),
    /// `SENTON date`
    SentOn(Date),
    /// `SENTSINCE date`
    SentSince(Date),
    /// `SINCE date`
    Since(Date),
    /// `SMALLER n`
    Smaller(u32),
    /// `SUBJECT string`
    Subject(IString),
    /// `TEXT string`
    Text(IString),
    /// `TO string`
    To(IString),
    /// `UID set`
    Uid(SequenceSet),
    /// `UNANSWERED`
    Unanswered,
    /// `UNDELETED`
    Undeleted,
    /// `UNDRAFT`
    Undraft,
    /// `UNFLAGGED`
    Unflagged,
    /// `UNKEYWORD flag`
    Unkeyword(Atom),
    /// `UNSEEN`
    Unseen,
    /// A bare sequence set.
    SequenceSet(SequenceSet),
    /// `(key key ...)`: all must match. Never empty.
    And(Vec<SearchKey>),
    /// `MODSEQ n` (RFC 7162; the optional entry-name form is not modelled).
    ModSeq(u64),
}
