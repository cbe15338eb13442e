//! FETCH: sections, requested attributes and returned message attributes.

use std::num::NonZeroU32;

use super::body::{BodyStructure, Envelope, NString};
use super::core::{Atom, IString, RawValue};
use super::datetime::DateTime;
use super::flag::FlagFetch;
use super::search::ObjectId;

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
    /// `BINARY[part]<partial>` or `BINARY.PEEK[...]` (RFC 3516): the part
    /// with its content-transfer-encoding undone.
    Binary {
        /// `BINARY.PEEK` (does not set `\Seen`).
        peek: bool,
        /// Part numbers (`section-binary`); empty for the whole message.
        part: Vec<NonZeroU32>,
        /// An optional `<origin.length>`.
        partial: Option<Partial>,
    },
    /// `BINARY.SIZE[part]` (RFC 3516): the decoded size.
    BinarySize {
        /// Part numbers; empty for the whole message.
        part: Vec<NonZeroU32>,
    },
    /// `PREVIEW [(LAZY)]` (RFC 8970): a short plain-text preview;
    /// `LAZY` lets the server answer NIL when it has none at hand.
    Preview {
        /// `(LAZY)`
        lazy: bool,
    },
    /// `SNIPPET [(algorithm ...)]`: the draft of PREVIEW that Dovecot 2.3
    /// offers as `SNIPPET=FUZZY`.
    Snippet {
        /// The algorithms asked for, e.g. `FUZZY`; empty for none given.
        algorithms: Vec<Atom>,
    },
    /// `EMAILID` (RFC 8474 OBJECTID).
    EmailId,
    /// `THREADID` (RFC 8474 OBJECTID).
    ThreadId,
    /// `SAVEDATE` (RFC 8514).
    SaveDate,
    /// `X-GM-MSGID`: Gmail's message id (X-GM-EXT-1).
    GmailMessageId,
    /// `X-GM-THRID`: Gmail's thread id (X-GM-EXT-1).
    GmailThreadId,
    /// `X-GM-LABELS`: Gmail's labels (X-GM-EXT-1).
    GmailLabels,
    /// An attribute this crate does not know, with the parenthesised
    /// arguments that followed it, if any (`SNIPPET (FUZZY)`).
    Other {
        /// The attribute name.
        name: Atom,
        /// `(...)` after the name, kept as sent.
        arguments: Option<RawValue>,
    },
}

/// The one name table of `fetch-att` / `msg-att` for the attributes a
/// name alone stands for: each line gives the name's length (the lookup
/// dispatches on it; checked at compile time), its wire spelling, the
/// variant it names and, for a variant with fields, what the bare name
/// reads as. From it come [`FetchAttribute::known`], [`FetchAttribute::name`]
/// and the list the tests and generators draw from; adding such an item is
/// its variant and one line here (and its value's parse and encode arms).
macro_rules! fetch_attribute_names {
    (
        plain { $($len:literal $wire:literal => $pat:pat = $ctor:expr,)* }
        others { $($opat:pat => $oname:expr,)* }
    ) => {
        impl FetchAttribute {
            /// The attribute without arguments named `name`
            /// (case-insensitive): the keyword table of `fetch-att` and
            /// `msg-att`, with [`FetchAttribute::name`] its other direction.
            ///
            /// ```
            /// use imap_wire::FetchAttribute;
            /// assert_eq!(FetchAttribute::known(b"rfc822.size"), Some(FetchAttribute::Rfc822Size));
            /// assert_eq!(FetchAttribute::known(b"X-GM-LABELS"), Some(FetchAttribute::GmailLabels));
            /// assert_eq!(FetchAttribute::known(b"X-UNKNOWN"), None);
            /// ```
            pub fn known(name: &[u8]) -> Option<FetchAttribute> {
                $(const _: () = assert!($wire.len() == $len, "the length beside a fetch attribute name");)*
                let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
                // By length first: one or two comparisons per name.
                Some(match name.len() {
                    $($len if is($wire.as_bytes()) => $ctor,)*
                    _ => return None,
                })
            }

            /// The attribute's name on the wire (`BODY.PEEK` or `BODY` for
            /// a section, without the section).
            pub fn name(&self) -> &str {
                match self {
                    $($pat => $wire,)*
                    $($opat => $oname,)*
                }
            }

            /// Every attribute a name alone stands for, in table order.
            #[cfg_attr(not(any(test, feature = "arbitrary")), allow(dead_code))]
            pub(crate) fn plain() -> Vec<FetchAttribute> {
                vec![$($ctor,)*]
            }
        }
    };
}

fetch_attribute_names! {
    plain {
        3 "UID" => FetchAttribute::Uid = FetchAttribute::Uid,
        4 "BODY" => FetchAttribute::Body = FetchAttribute::Body,
        5 "FLAGS" => FetchAttribute::Flags = FetchAttribute::Flags,
        6 "RFC822" => FetchAttribute::Rfc822 = FetchAttribute::Rfc822,
        6 "MODSEQ" => FetchAttribute::ModSeq = FetchAttribute::ModSeq,
        8 "ENVELOPE" => FetchAttribute::Envelope = FetchAttribute::Envelope,
        11 "RFC822.SIZE" => FetchAttribute::Rfc822Size = FetchAttribute::Rfc822Size,
        11 "RFC822.TEXT" => FetchAttribute::Rfc822Text = FetchAttribute::Rfc822Text,
        7 "PREVIEW" => FetchAttribute::Preview { .. } = FetchAttribute::Preview { lazy: false },
        7 "EMAILID" => FetchAttribute::EmailId = FetchAttribute::EmailId,
        8 "THREADID" => FetchAttribute::ThreadId = FetchAttribute::ThreadId,
        8 "SAVEDATE" => FetchAttribute::SaveDate = FetchAttribute::SaveDate,
        10 "X-GM-MSGID" => FetchAttribute::GmailMessageId = FetchAttribute::GmailMessageId,
        10 "X-GM-THRID" => FetchAttribute::GmailThreadId = FetchAttribute::GmailThreadId,
        11 "X-GM-LABELS" => FetchAttribute::GmailLabels = FetchAttribute::GmailLabels,
        12 "INTERNALDATE" => FetchAttribute::InternalDate = FetchAttribute::InternalDate,
        13 "RFC822.HEADER" => FetchAttribute::Rfc822Header = FetchAttribute::Rfc822Header,
        13 "BODYSTRUCTURE" => FetchAttribute::BodyStructure = FetchAttribute::BodyStructure,
    }
    others {
        FetchAttribute::BodySection { peek: true, .. } => "BODY.PEEK",
        FetchAttribute::BodySection { peek: false, .. } => "BODY",
        FetchAttribute::Binary { peek: true, .. } => "BINARY.PEEK",
        FetchAttribute::Binary { peek: false, .. } => "BINARY",
        FetchAttribute::BinarySize { .. } => "BINARY.SIZE",
        FetchAttribute::Snippet { .. } => "SNIPPET",
        FetchAttribute::Other { name, .. } => name.as_str(),
    }
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

/// An attribute of a FETCH response whose content is streamed as a literal
/// ([`crate::server::Server::begin_fetch_literal`]): the name, without the
/// content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LiteralAttribute {
    /// `BODY[section]<origin>`.
    BodySection {
        /// The section.
        section: Section,
        /// The origin octet when a partial fetch is answered.
        origin: Option<u32>,
    },
    /// `BINARY[part]<origin>` (RFC 3516).
    Binary {
        /// Part numbers; empty for the whole message.
        part: Vec<NonZeroU32>,
        /// The origin octet when a partial fetch is answered.
        origin: Option<u32>,
    },
    /// `RFC822`.
    Rfc822,
    /// `RFC822.HEADER`.
    Rfc822Header,
    /// `RFC822.TEXT`.
    Rfc822Text,
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
    /// `BINARY[part]<origin> data` (RFC 3516): the decoded content,
    /// `None` for NIL. Sent as `~{n}` (literal8) when it holds NUL.
    Binary {
        /// Part numbers; empty for the whole message.
        part: Vec<NonZeroU32>,
        /// The origin octet when a partial fetch was answered.
        origin: Option<u32>,
        /// The content.
        data: NString,
    },
    /// `BINARY.SIZE[part] n` (RFC 3516).
    BinarySize {
        /// Part numbers; empty for the whole message.
        part: Vec<NonZeroU32>,
        /// The decoded size in octets.
        size: u32,
    },
    /// `PREVIEW nstring` (RFC 8970); `None` for NIL.
    Preview(NString),
    /// `SNIPPET (algorithm text)`, or `PREVIEW (algorithm text)` in the
    /// draft form Dovecot 2.3 sends: a preview made by `algorithm`.
    Snippet {
        /// Sent as `PREVIEW` (the draft's later name) rather than
        /// `SNIPPET`.
        preview: bool,
        /// The algorithm, e.g. `FUZZY`.
        algorithm: Atom,
        /// The text; `None` for NIL.
        text: NString,
    },
    /// `EMAILID (id)` (RFC 8474).
    EmailId(ObjectId),
    /// `THREADID (id)` or `THREADID NIL` (RFC 8474).
    ThreadId(Option<ObjectId>),
    /// `SAVEDATE date-time` or `SAVEDATE NIL` (RFC 8514).
    SaveDate(Option<DateTime>),
    /// `X-GM-MSGID n` (Gmail).
    GmailMessageId(u64),
    /// `X-GM-THRID n` (Gmail).
    GmailThreadId(u64),
    /// `X-GM-LABELS (label ...)` (Gmail): system labels such as `\Inbox`
    /// keep their backslash.
    GmailLabels(Vec<IString>),
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

impl MessageAttribute {
    /// The attribute's name on the wire, from the same table as
    /// [`FetchAttribute::name`].
    pub fn name(&self) -> &str {
        match self {
            MessageAttribute::Flags(_) => FetchAttribute::Flags.name(),
            MessageAttribute::Envelope(_) => FetchAttribute::Envelope.name(),
            MessageAttribute::InternalDate(_) => FetchAttribute::InternalDate.name(),
            MessageAttribute::Rfc822(_) => FetchAttribute::Rfc822.name(),
            MessageAttribute::Rfc822Header(_) => FetchAttribute::Rfc822Header.name(),
            MessageAttribute::Rfc822Text(_) => FetchAttribute::Rfc822Text.name(),
            MessageAttribute::Rfc822Size(_) => FetchAttribute::Rfc822Size.name(),
            MessageAttribute::Body(_) | MessageAttribute::BodySection { .. } => FetchAttribute::Body.name(),
            MessageAttribute::BodyStructure(_) => FetchAttribute::BodyStructure.name(),
            MessageAttribute::Uid(_) => FetchAttribute::Uid.name(),
            MessageAttribute::ModSeq(_) => FetchAttribute::ModSeq.name(),
            MessageAttribute::Binary { .. } => "BINARY",
            MessageAttribute::BinarySize { .. } => "BINARY.SIZE",
            MessageAttribute::Preview(_) | MessageAttribute::Snippet { preview: true, .. } => "PREVIEW",
            MessageAttribute::Snippet { preview: false, .. } => "SNIPPET",
            MessageAttribute::EmailId(_) => FetchAttribute::EmailId.name(),
            MessageAttribute::ThreadId(_) => FetchAttribute::ThreadId.name(),
            MessageAttribute::SaveDate(_) => FetchAttribute::SaveDate.name(),
            MessageAttribute::GmailMessageId(_) => FetchAttribute::GmailMessageId.name(),
            MessageAttribute::GmailThreadId(_) => FetchAttribute::GmailThreadId.name(),
            MessageAttribute::GmailLabels(_) => FetchAttribute::GmailLabels.name(),
            MessageAttribute::Other { name, .. } => name.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_fetch_attribute_reads_back_from_its_name() {
        let plain = FetchAttribute::plain();
        assert_eq!(plain.len(), 18);
        for attribute in plain {
            let name = attribute.name();
            assert_eq!(FetchAttribute::known(name.as_bytes()), Some(attribute.clone()), "{name}");
            assert_eq!(FetchAttribute::known(name.to_ascii_lowercase().as_bytes()), Some(attribute));
        }
        assert_eq!(FetchAttribute::known(b"BODY.PEEK"), None, "a section is not a plain name");
    }
}
