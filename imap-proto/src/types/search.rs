//! SEARCH criteria (`search-key`) and STATUS attributes.

use std::num::NonZeroU32;

use super::core::Modifier;
use super::core::{Atom, IString, RawValue};
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
    /// `MODSEQ [entry-name entry-type] n` (RFC 7162).
    ModSeq {
        /// The metadata item the mod-sequence is of, e.g.
        /// `"/flags/\\draft"` with its type (`priv`, `shared` or `all`).
        entry: Option<(IString, Atom)>,
        /// Messages whose mod-sequence is at least this.
        modseq: u64,
    },
    /// `OLDER n`: arrived more than `n` seconds ago (RFC 5032 WITHIN).
    Older(NonZeroU32),
    /// `YOUNGER n`: arrived at most `n` seconds ago (RFC 5032 WITHIN).
    Younger(NonZeroU32),
    /// `EMAILID id` (RFC 8474 OBJECTID).
    EmailId(ObjectId),
    /// `THREADID id` (RFC 8474 OBJECTID).
    ThreadId(ObjectId),
    /// `SAVEDBEFORE date` (RFC 8514 SAVEDATE).
    SavedBefore(Date),
    /// `SAVEDON date` (RFC 8514).
    SavedOn(Date),
    /// `SAVEDSINCE date` (RFC 8514).
    SavedSince(Date),
    /// `SAVEDATESUPPORTED`: the mailbox keeps save dates (RFC 8514).
    SaveDateSupported,
    /// `FUZZY key`: match approximately (RFC 6203).
    Fuzzy(Box<SearchKey>),
    /// `X-GM-RAW string`: a Gmail search expression (X-GM-EXT-1).
    GmailRaw(IString),
    /// `X-GM-MSGID n`: Gmail's message id (X-GM-EXT-1).
    GmailMessageId(u64),
    /// `X-GM-THRID n`: Gmail's thread id (X-GM-EXT-1).
    GmailThreadId(u64),
    /// `X-GM-LABELS label`: messages with this Gmail label (X-GM-EXT-1).
    GmailLabels(IString),
}

/// An object identifier (RFC 8474 `objectid`): 1 to 255 letters, digits,
/// `_` and `-`, as in `EMAILID (M6d99ac3275bb4e)`.
///
/// ```
/// use imap_wire::ObjectId;
/// assert!(ObjectId::try_from("F2212ea87-6097-4256-9d51-71338625").is_ok());
/// assert!(ObjectId::try_from("no spaces").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct ObjectId(String);

impl ObjectId {
    /// Whether `b` may appear in an object id.
    pub(crate) fn is_char(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for ObjectId {
    type Error = crate::ValidationError;
    fn try_from(value: &str) -> Result<ObjectId, crate::ValidationError> {
        if value.is_empty() {
            return Err(crate::ValidationError::Empty);
        }
        if value.len() > 255 {
            return Err(crate::ValidationError::OutOfRange("object id longer than 255"));
        }
        if let Some(offset) = value.bytes().position(|b| !ObjectId::is_char(b)) {
            return Err(crate::ValidationError::InvalidByte { byte: value.as_bytes()[offset], offset });
        }
        Ok(ObjectId(value.to_string()))
    }
}

impl TryFrom<String> for ObjectId {
    type Error = crate::ValidationError;
    fn try_from(value: String) -> Result<ObjectId, crate::ValidationError> {
        ObjectId::try_from(value.as_str())
    }
}

impl From<ObjectId> for String {
    fn from(id: ObjectId) -> String {
        id.0
    }
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `RETURN` option of an extended SEARCH or SORT (RFC 4731 ESEARCH,
/// RFC 5182 SEARCHRES, RFC 5267 CONTEXT, RFC 9394 PARTIAL).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SearchReturnOption {
    /// `MIN`: the lowest matching number.
    Min,
    /// `MAX`: the highest matching number.
    Max,
    /// `ALL`: every match, as a sequence set.
    All,
    /// `COUNT`: how many match.
    Count,
    /// `SAVE`: keep the result for `$` (RFC 5182).
    Save,
    /// `CONTEXT`: the client will ask for updates (RFC 5267).
    Context,
    /// `UPDATE`: send ADDTO/REMOVEFROM as the result changes (RFC 5267).
    Update,
    /// `PARTIAL range`: only this window of the result (RFC 5267/9394).
    Partial(PartialRange),
    /// `RELEVANCY`: a relevancy score per match (RFC 6203).
    Relevancy,
    /// Any other option, with its value kept as sent.
    Other(Modifier),
}

/// A window of a search result (`partial-range`, RFC 9394): positions
/// `first..=last` counted from the start, or from the end when
/// `from_end` (`-1:-100` is the last hundred). The ends may come in
/// either order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PartialRange {
    /// Counted from the end of the result (`-a:-b`).
    pub from_end: bool,
    /// One end.
    pub first: NonZeroU32,
    /// The other end.
    pub last: NonZeroU32,
}

/// One result item of an ESEARCH response (`search-return-data`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SearchReturnData {
    /// `MIN n`
    Min(NonZeroU32),
    /// `MAX n`
    Max(NonZeroU32),
    /// `ALL set`
    All(SequenceSet),
    /// `COUNT n`
    Count(u32),
    /// `MODSEQ n`: the highest mod-sequence of the matches (RFC 7162).
    ModSeq(u64),
    /// `PARTIAL (range results)`: the window asked for and the matches in
    /// it, `None` for NIL (RFC 9394).
    Partial {
        /// The window the client asked for.
        range: PartialRange,
        /// The matches in it.
        results: Option<SequenceSet>,
    },
    /// `ADDTO (position set ...)`: matches added to a context (RFC 5267).
    AddTo(Vec<(u32, SequenceSet)>),
    /// `REMOVEFROM (position set ...)`: matches that left it (RFC 5267).
    RemoveFrom(Vec<(u32, SequenceSet)>),
    /// `RELEVANCY (score ...)`: one score (1-100) per match (RFC 6203).
    Relevancy(Vec<u8>),
    /// Any other item, with its value kept as sent.
    Other {
        /// The item name.
        name: Atom,
        /// Its value (`tagged-ext-val`).
        value: RawValue,
    },
}

/// An `* ESEARCH` response (RFC 4731; IMAP4rev2's SEARCH answer).
///
/// ```
/// use imap_wire::{Data, Response, SearchReturnData};
/// let Response::Data(Data::ESearch(r)) =
///     Response::parse(b"* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n").unwrap() else { panic!() };
/// assert_eq!(r.tag.as_ref().map(|t| t.as_ref()), Some(&b"A282"[..]));
/// assert_eq!(r.data[1], SearchReturnData::Count(3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ESearchResponse {
    /// The tag of the command this answers (`(TAG "a1")`).
    pub tag: Option<IString>,
    /// The numbers are UIDs.
    pub uid: bool,
    /// The results.
    pub data: Vec<SearchReturnData>,
}

/// A SORT criterion (RFC 5256 `sort-criterion`): a key, perhaps
/// `REVERSE`d.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SortCriterion {
    /// `REVERSE`
    pub reverse: bool,
    /// The key.
    pub key: SortKey,
}

/// A SORT key (RFC 5256 `sort-key`, RFC 5957 `DISPLAYFROM`/`DISPLAYTO`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SortKey {
    /// `ARRIVAL`: internal date.
    Arrival,
    /// `CC`: first Cc mailbox.
    Cc,
    /// `DATE`: Date header.
    Date,
    /// `FROM`: first From mailbox.
    From,
    /// `SIZE`: RFC822.SIZE.
    Size,
    /// `SUBJECT`: base subject.
    Subject,
    /// `TO`: first To mailbox.
    To,
    /// `DISPLAYFROM` (RFC 5957).
    DisplayFrom,
    /// `DISPLAYTO` (RFC 5957).
    DisplayTo,
    /// `RELEVANCY` (RFC 6203).
    Relevancy,
    /// Any other key.
    Other(Atom),
}

impl SortKey {
    pub(crate) const NAMED: [SortKey; 10] = [
        SortKey::Arrival,
        SortKey::Cc,
        SortKey::Date,
        SortKey::From,
        SortKey::Size,
        SortKey::Subject,
        SortKey::To,
        SortKey::DisplayFrom,
        SortKey::DisplayTo,
        SortKey::Relevancy,
    ];

    /// The key named `name` (case-insensitive), or [`SortKey::Other`]:
    /// the keyword table, with [`SortKey::name`] its other direction.
    pub fn from_atom(name: Atom) -> SortKey {
        SortKey::NAMED.into_iter().find(|k| name.eq_ignore_case(k.name())).unwrap_or(SortKey::Other(name))
    }

    /// The key's name on the wire.
    pub fn name(&self) -> &str {
        match self {
            SortKey::Arrival => "ARRIVAL",
            SortKey::Cc => "CC",
            SortKey::Date => "DATE",
            SortKey::From => "FROM",
            SortKey::Size => "SIZE",
            SortKey::Subject => "SUBJECT",
            SortKey::To => "TO",
            SortKey::DisplayFrom => "DISPLAYFROM",
            SortKey::DisplayTo => "DISPLAYTO",
            SortKey::Relevancy => "RELEVANCY",
            SortKey::Other(a) => a.as_str(),
        }
    }
}

/// One thread of a THREAD response (RFC 5256 `thread-list`): a chain of
/// messages, each the parent of the next, then the branches under the
/// last one (two or more, or none). A thread whose root is missing has
/// an empty chain: `((3)(5))`.
///
/// ```
/// use imap_wire::{Data, Response};
/// let Response::Data(Data::Thread(threads)) =
///     Response::parse(b"* THREAD (2)(3 6 (4 23)(44 7 96))\r\n").unwrap() else { panic!() };
/// assert_eq!(threads.len(), 2);
/// assert_eq!(threads[1].ids, [3, 6].map(|n| n.try_into().unwrap()));
/// assert_eq!(threads[1].children[1].ids.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Thread {
    /// The chain of messages, parent first.
    pub ids: Vec<NonZeroU32>,
    /// The branches under the last message of the chain.
    pub children: Vec<Thread>,
}
