//! FETCH: sections, requested attributes and returned message attributes.

use std::num::NonZeroU32;

use super::body::{BodyStructure, Envelope, NString};
use super::core::{Atom, IString, RawValue};
use super::datetime::DateTime;
use super::flag::FlagFetch;

/// A body section (`section`): `BODY[]`, `BODY[1.2.MIME]`,
/// `BODY[HEADER.FIELDS (From To)]`, ...
///
/// `Section::default()` is the whole message (`[]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Section {
    /// Part numbers (`section-part`); empty for the top level.
    pub part: Vec<NonZeroU32>,
    /// What of the part (`section-text` / `section-msgtext`).
    pub text: Option<SectionText>,
}

/// The text specifier of a section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SectionText {
    /// `HEADER`
    Header,
    /// `HEADER.FIELDS (...)` or, with `not`, `HEADER.FIELDS.NOT (...)`.
    /// The field list is never empty.
    HeaderFields {
        /// `.NOT` was given.
        not: bool,
        /// The header field names (`header-list`).
        fields: Vec<IString>,
    },
    /// `TEXT`
    Text,
    /// `MIME` (only after part numbers).
    Mime,
}

/// A partial range `<origin.length>` in a FETCH request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Partial {
    /// First octet, zero-based.
    pub origin: u32,
    /// Number of octets.
    pub length: NonZeroU32,
}

/// A FETCH request attribute (`fetch-att`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FetchAttribute {
    /// `ENVELOPE`
    Envelope,
    /// `FLAGS`
    Flags,
    /// `INTERNALDATE`
    InternalDate,
    /// `RFC822`
    Rfc822,
    /// `RFC822.HEADER`
    Rfc822Header,
    /// `RFC822.SIZE`
    Rfc822Size,
    /// `RFC822.TEXT`
    Rfc822Text,
    /// `BODY` (non-extensible structure)
    Body,
    /// `BODYSTRUCTURE`
    BodyStructure,
    /// `UID`
    Uid,
    /// `BODY[section]<partial>` or `BODY.PEEK[...]`.
    BodySection {
        /// `BODY.PEEK` (does not set `\Seen`).
        peek: bool,
        /// The section.
        section: Section,
        /// An optional `<origin.length>`.
        partial: Option<Partial>,
    },
    /// `MODSEQ` (RFC 7162, CONDSTORE).
    ModSeq,
    /// An attribute this crate does not know, e.g. `X-GM-LABELS`.
    Other(Atom),
}

/// What a FETCH command asks for: a macro or a list of attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FetchItems {
    /// `ALL` = `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)`
    All,
    /// `FAST` = `(FLAGS INTERNALDATE RFC822.SIZE)`
    Fast,
    /// `FULL` = `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)`
    Full,
    /// Explicit attributes, at least one.
    Attributes(Vec<FetchAttribute>),
}

impl FetchItems {
    /// The attributes a macro stands for (RFC 3501 6.4.5).
    pub fn expand(&self) -> Vec<FetchAttribute> {
        use FetchAttribute::*;
        match self {
            FetchItems::All => vec![Flags, InternalDate, Rfc822Size, Envelope],
            FetchItems::Fast => vec![Flags, InternalDate, Rfc822Size],
            FetchItems::Full => vec![Flags, InternalDate, Rfc822Size, Envelope, Body],
            FetchItems::Attributes(a) => a.clone(),
        }
    }
}

/// A message attribute in a FETCH response (`msg-att`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MessageAttribute {
    /// `FLAGS (...)`
    Flags(Vec<FlagFetch>),
    /// `ENVELOPE (...)`
    Envelope(Box<Envelope>),
    /// `INTERNALDATE "..."`
    InternalDate(DateTime),
    /// `RFC822 nstring`
    Rfc822(NString),
    /// `RFC822.HEADER nstring`
    Rfc822Header(NString),
    /// `RFC822.TEXT nstring`
    Rfc822Text(NString),
    /// `RFC822.SIZE number`
    Rfc822Size(u32),
    /// `BODY (...)`, the non-extensible structure.
    Body(Box<BodyStructure>),
    /// `BODYSTRUCTURE (...)`
    BodyStructure(Box<BodyStructure>),
    /// `BODY[section]<origin> nstring`. The data shares the receive buffer.
    BodySection {
        /// The section.
        section: Section,
        /// The origin octet when a partial fetch was answered.
        origin: Option<u32>,
        /// The content, `None` for NIL.
        data: NString,
    },
    /// `UID n`
    Uid(NonZeroU32),
    /// `MODSEQ (n)` (RFC 7162).
    ModSeq(u64),
    /// An attribute this crate does not know, with its value kept as the
    /// raw bytes that followed the name (an atom, number, string or
    /// parenthesised list; literals included).
    Other {
        /// The attribute name.
        name: Atom,
        /// The raw value.
        value: RawValue,
    },
}
