//! Server responses (RFC 3501 section 7).

use std::num::NonZeroU32;

use super::core::RawArguments;
use super::core::{Atom, IString, IdParameters, Tag, Text};
use super::fetch::MessageAttribute;
use super::flag::{Flag, FlagPerm, MailboxAttribute};
use super::mailbox::Mailbox;
use super::metadata::MetadataEntries;
use super::quota::QuotaUsage;
use super::search::{ESearchResponse, Thread};
use super::sequence::SequenceSet;
use super::status::StatusItem;

/// The first thing a server sends (`greeting`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Greeting {
    /// OK, PREAUTH or BYE.
    pub kind: GreetingKind,
    /// Optional response code, often `[CAPABILITY ...]`. Codes are boxed
    /// (they are rare, and large beside the other fields).
    pub code: Option<Box<Code>>,
    /// Human-readable text.
    pub text: Text,
}

/// The kind of greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum GreetingKind {
    /// `* OK`: not authenticated yet.
    Ok,
    /// `* PREAUTH`: already authenticated.
    PreAuth,
    /// `* BYE`: the server refuses the connection.
    Bye,
}

impl GreetingKind {
    /// The status keyword the greeting starts with.
    pub fn status_kind(&self) -> StatusKind {
        match self {
            GreetingKind::Ok => StatusKind::Ok,
            GreetingKind::PreAuth => StatusKind::PreAuth,
            GreetingKind::Bye => StatusKind::Bye,
        }
    }
}

/// Any server response after the greeting.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Response {
    /// A status response, tagged or untagged (`OK`, `NO`, `BAD`,
    /// `PREAUTH`, `BYE`).
    Status(StatusResponse),
    /// Untagged data (`* ...`).
    Data(Data),
    /// A continuation request (`+ ...`).
    Continuation(Continuation),
}

/// A status response.
///
/// ```
/// use imap_wire::{Response, StatusKind};
/// let r = Response::parse(b"a1 OK [READ-WRITE] SELECT completed\r\n").unwrap();
/// let Response::Status(s) = r else { panic!() };
/// assert_eq!(s.kind, StatusKind::Ok);
/// assert_eq!(s.tag.unwrap().as_str(), "a1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StatusResponse {
    /// The command's tag; `None` for untagged (`*`) responses.
    pub tag: Option<Tag>,
    /// The condition.
    pub kind: StatusKind,
    /// Optional bracketed response code. Codes are boxed: they are rare,
    /// and keep every [`Response`] small enough to move cheaply.
    pub code: Option<Box<Code>>,
    /// Human-readable text (may be empty).
    pub text: Text,
}

/// The condition of a status response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StatusKind {
    /// `OK`
    Ok,
    /// `NO`
    No,
    /// `BAD`
    Bad,
    /// `PREAUTH` (untagged only)
    PreAuth,
    /// `BYE` (untagged only)
    Bye,
}

impl StatusKind {
    /// Every kind.
    pub const ALL: [StatusKind; 5] =
        [StatusKind::Ok, StatusKind::No, StatusKind::Bad, StatusKind::PreAuth, StatusKind::Bye];

    /// The kind whose keyword is `name` (case-insensitive); the other
    /// direction of [`StatusKind::as_str`], which is the one keyword table.
    ///
    /// ```
    /// use imap_wire::StatusKind;
    /// assert_eq!(StatusKind::from_keyword(b"preauth"), Some(StatusKind::PreAuth));
    /// assert_eq!(StatusKind::from_keyword(b"OKAY"), None);
    /// ```
    pub fn from_keyword(name: &[u8]) -> Option<StatusKind> {
        StatusKind::ALL.into_iter().find(|k| name.eq_ignore_ascii_case(k.as_str().as_bytes()))
    }

    /// The wire keyword.
    pub fn as_str(&self) -> &'static str {
        match self {
            StatusKind::Ok => "OK",
            StatusKind::No => "NO",
            StatusKind::Bad => "BAD",
            StatusKind::PreAuth => "PREAUTH",
            StatusKind::Bye => "BYE",
        }
    }
}

/// A response code (`resp-text-code`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Code {
    /// `ALERT`
    Alert,
    /// `BADCHARSET [(charsets)]`. Charset names are printable ASCII; other
    /// bytes are written as `?` (a literal cannot appear in a status line).
    BadCharset(Vec<IString>),
    /// `CAPABILITY ...`
    Capability(Vec<Capability>),
    /// `PARSE`
    Parse,
    /// `PERMANENTFLAGS (...)`
    PermanentFlags(Vec<FlagPerm>),
    /// `READ-ONLY`
    ReadOnly,
    /// `READ-WRITE`
    ReadWrite,
    /// `TRYCREATE`
    TryCreate,
    /// `UIDNEXT n`
    UidNext(NonZeroU32),
    /// `UIDVALIDITY n`
    UidValidity(NonZeroU32),
    /// `UNSEEN n`
    Unseen(NonZeroU32),
    /// `APPENDUID uidvalidity uid-set` (RFC 4315).
    AppendUid {
        /// UIDVALIDITY of the target mailbox.
        uid_validity: NonZeroU32,
        /// The UIDs assigned.
        uids: SequenceSet,
    },
    /// `COPYUID uidvalidity source-set dest-set` (RFC 4315).
    CopyUid {
        /// UIDVALIDITY of the target mailbox.
        uid_validity: NonZeroU32,
        /// Source UIDs.
        source: SequenceSet,
        /// Destination UIDs, in the same order.
        destination: SequenceSet,
    },
    /// `UIDNOTSTICKY` (RFC 4315).
    UidNotSticky,
    /// `HIGHESTMODSEQ n` (RFC 7162).
    HighestModSeq(u64),
    /// `NOMODSEQ` (RFC 7162).
    NoModSeq,
    /// `CLOSED` (RFC 7162).
    Closed,
    /// `UNAVAILABLE` (RFC 5530: a subsystem is down; try later).
    Unavailable,
    /// `AUTHENTICATIONFAILED` (RFC 5530: wrong credentials).
    AuthenticationFailed,
    /// `AUTHORIZATIONFAILED` (RFC 5530: may not act as that user).
    AuthorizationFailed,
    /// `EXPIRED` (RFC 5530: the credentials have expired).
    Expired,
    /// `PRIVACYREQUIRED` (RFC 5530: needs TLS first).
    PrivacyRequired,
    /// `CONTACTADMIN` (RFC 5530: the user should contact the administrator).
    ContactAdmin,
    /// `NOPERM` (RFC 5530: no permission (ACL)).
    NoPerm,
    /// `INUSE` (RFC 5530: in use by someone else).
    InUse,
    /// `EXPUNGEISSUED` (RFC 5530: a message was expunged meanwhile).
    ExpungeIssued,
    /// `CORRUPTION` (RFC 5530: the server found corrupt data).
    Corruption,
    /// `SERVERBUG` (RFC 5530: a server bug).
    ServerBug,
    /// `CLIENTBUG` (RFC 5530: the client did something wrong but legal).
    ClientBug,
    /// `CANNOT` (RFC 5530: the operation is impossible).
    Cannot,
    /// `LIMIT` (RFC 5530: a limit was hit).
    Limit,
    /// `OVERQUOTA` (RFC 5530: over quota).
    OverQuota,
    /// `ALREADYEXISTS` (RFC 5530: the name already exists).
    AlreadyExists,
    /// `NONEXISTENT` (RFC 5530: no such mailbox or message).
    NonExistent,
    /// `NOTSAVED` (RFC 5182: no search result is saved for `$`).
    NotSaved,
    /// `HASCHILDREN` (RFC 9051: the mailbox has children).
    HasChildren,
    /// `COMPRESSIONACTIVE` (RFC 4978: compression is already on).
    CompressionActive,
    /// `USEATTR` (RFC 6154: that special-use attribute is not supported).
    UseAttr,
    /// `UNKNOWN-CTE` (RFC 3516: the content-transfer-encoding cannot be decoded).
    UnknownCte,
    /// `TOOBIG` (RFC 4469/7889: the message is too big).
    TooBig,
    /// `UIDREQUIRED` (RFC 9586: use the UID form of the command).
    UidRequired,
    /// `BADEVENT (events)`: the NOTIFY events the server does not
    /// support (RFC 5465 5.3).
    BadEvent(Vec<super::command::NotifyEvent>),
    /// `NOUPDATE "tag"`: the server will not update that search
    /// (RFC 5267 CONTEXT).
    NoUpdate(Tag),
    /// `MAILBOXID (id)` (RFC 8474 OBJECTID).
    MailboxId(super::search::ObjectId),
    /// `MODIFIED set`: the messages a conditional STORE left alone
    /// (RFC 7162).
    Modified(SequenceSet),
    /// `NOTIFICATIONOVERFLOW`: the server stopped NOTIFY's events, as
    /// after NOTIFY NONE (RFC 5465 5.8).
    NotificationOverflow,
    /// `METADATA ...`: why a SETMETADATA or GETMETADATA fell short
    /// (RFC 5464).
    Metadata(MetadataCode),
    /// Any other code, e.g. `[UNAVAILABLE]` or `[X-FOO bar]`, with the text
    /// after the name up to `]` kept verbatim.
    Other {
        /// The code name.
        name: Atom,
        /// The arguments after `name SP`, if any.
        arguments: Option<CodeText>,
    },
}

/// The METADATA response code (RFC 5464 4.2.1 and 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MetadataCode {
    /// `LONGENTRIES n`: values longer than MAXSIZE were left out; the
    /// longest is `n` octets.
    LongEntries(u32),
    /// `MAXSIZE n`: the largest value the server accepts.
    MaxSize(u32),
    /// `TOOMANY`: too many annotations.
    TooMany,
    /// `NOPRIVATE`: private annotations are not supported.
    NoPrivate,
}

/// The one table of `resp-text-code` names with a variant in [`Code`].
/// From it come the keyword table (`CodeName`: the names, their wire
/// spelling, lookup), which `Code` variant each name is, and everything
/// about the argument-free codes (parsed and written as the bare name,
/// generated for the property tests). Adding an argument-free code is its
/// variant in [`Code`] and one line here; a code with arguments also needs
/// its parse and encode arms (`parse/response.rs`, `encode/response.rs`).
macro_rules! response_codes {
    (
        argument_free { $($unit:ident => $unit_wire:literal,)* }
        with_arguments { $($data:ident $shape:tt => $data_wire:literal,)* }
    ) => {
        /// The names of the response codes with a variant in [`Code`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum CodeName {
            $($unit,)*
            $($data,)*
        }

        impl CodeName {
            pub(crate) const ALL: &'static [CodeName] = &[$(CodeName::$unit,)* $(CodeName::$data,)*];

            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(CodeName::$unit => $unit_wire,)*
                    $(CodeName::$data => $data_wire,)*
                }
            }
        }

        impl Code {
            /// Every argument-free code, in table order.
            #[cfg_attr(not(feature = "arbitrary"), allow(dead_code))]
            pub(crate) const ARGUMENT_FREE: &'static [Code] = &[$(Code::$unit,)*];

            /// The argument-free code of this name, if it is one.
            pub(crate) fn argument_free(name: CodeName) -> Option<Code> {
                match name {
                    $(CodeName::$unit => Some(Code::$unit),)*
                    _ => None,
                }
            }

            /// Whether the code is written as its bare name.
            pub(crate) fn is_argument_free(&self) -> bool {
                matches!(self, $(Code::$unit)|*)
            }

            /// The code's name: one of the table, or the name of
            /// [`Code::Other`].
            pub(crate) fn code_name(&self) -> Result<CodeName, &Atom> {
                Ok(match self {
                    $(Code::$unit => CodeName::$unit,)*
                    $(Code::$data $shape => CodeName::$data,)*
                    Code::Other { name, .. } => return Err(name),
                })
            }
        }
    };
}

response_codes! {
    argument_free {
        Alert => "ALERT",
        Parse => "PARSE",
        ReadOnly => "READ-ONLY",
        ReadWrite => "READ-WRITE",
        TryCreate => "TRYCREATE",
        UidNotSticky => "UIDNOTSTICKY",
        NoModSeq => "NOMODSEQ",
        Closed => "CLOSED",
        Unavailable => "UNAVAILABLE",
        AuthenticationFailed => "AUTHENTICATIONFAILED",
        AuthorizationFailed => "AUTHORIZATIONFAILED",
        Expired => "EXPIRED",
        PrivacyRequired => "PRIVACYREQUIRED",
        ContactAdmin => "CONTACTADMIN",
        NoPerm => "NOPERM",
        InUse => "INUSE",
        ExpungeIssued => "EXPUNGEISSUED",
        Corruption => "CORRUPTION",
        ServerBug => "SERVERBUG",
        ClientBug => "CLIENTBUG",
        Cannot => "CANNOT",
        Limit => "LIMIT",
        OverQuota => "OVERQUOTA",
        AlreadyExists => "ALREADYEXISTS",
        NonExistent => "NONEXISTENT",
        NotSaved => "NOTSAVED",
        HasChildren => "HASCHILDREN",
        CompressionActive => "COMPRESSIONACTIVE",
        UseAttr => "USEATTR",
        UnknownCte => "UNKNOWN-CTE",
        TooBig => "TOOBIG",
        UidRequired => "UIDREQUIRED",
        NotificationOverflow => "NOTIFICATIONOVERFLOW",
    }
    with_arguments {
        BadCharset(_) => "BADCHARSET",
        Capability(_) => "CAPABILITY",
        PermanentFlags(_) => "PERMANENTFLAGS",
        UidNext(_) => "UIDNEXT",
        UidValidity(_) => "UIDVALIDITY",
        Unseen(_) => "UNSEEN",
        AppendUid{ .. } => "APPENDUID",
        CopyUid{ .. } => "COPYUID",
        HighestModSeq(_) => "HIGHESTMODSEQ",
        NoUpdate(_) => "NOUPDATE",
        BadEvent(_) => "BADEVENT",
        MailboxId(_) => "MAILBOXID",
        Modified(_) => "MODIFIED",
        Metadata(_) => "METADATA",
    }
}

impl CodeName {
    /// The code named `name` (case-insensitive).
    pub(crate) fn known(name: &[u8]) -> Option<CodeName> {
        CodeName::ALL.iter().copied().find(|c| name.eq_ignore_ascii_case(c.as_str().as_bytes()))
    }
}

impl Code {
    /// The code's name on the wire (`UIDNEXT`, `X-FOO`, ...).
    ///
    /// ```
    /// use imap_wire::{Code, Response, Response::Status};
    /// let Status(s) = Response::parse(b"* OK [uidnext 4392] Predicted\r\n").unwrap() else { panic!() };
    /// assert_eq!(s.code.unwrap().name(), "UIDNEXT");
    /// ```
    pub fn name(&self) -> &str {
        match self.code_name() {
            Ok(name) => name.as_str(),
            Err(other) => other.as_str(),
        }
    }
}

/// A capability name (`capability`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Capability {
    /// `IMAP4rev1`
    Imap4Rev1,
    /// `IMAP4rev2`
    Imap4Rev2,
    /// `STARTTLS`
    StartTls,
    /// `LOGINDISABLED`
    LoginDisabled,
    /// `AUTH=mechanism`
    Auth(Atom),
    /// `IDLE`
    Idle,
    /// `LITERAL+`
    LiteralPlus,
    /// `LITERAL-`
    LiteralMinus,
    /// `SASL-IR`
    SaslIr,
    /// Any other capability, kept as sent.
    Other(Atom),
}

impl Capability {
    /// Classifies a capability atom (case-insensitive for the known names).
    pub fn from_atom(atom: Atom) -> Capability {
        let b = atom.as_bytes();
        if b.len() > 5 && b[..5].eq_ignore_ascii_case(b"AUTH=") {
            if let Ok(mech) = Atom::new(atom.clone().into_bytes().slice(5..)) {
                return Capability::Auth(mech);
            }
        }
        use Capability::*;
        [Imap4Rev1, Imap4Rev2, StartTls, LoginDisabled, Idle, LiteralPlus, LiteralMinus, SaslIr]
            .into_iter()
            .find(|c| b.eq_ignore_ascii_case(c.name().as_bytes()))
            .unwrap_or(Capability::Other(atom))
    }

    /// The capability's name on the wire, without the `AUTH=` of
    /// [`Capability::Auth`] (the one keyword table, with
    /// [`Capability::from_atom`] its other direction).
    pub fn name(&self) -> &str {
        match self {
            Capability::Imap4Rev1 => "IMAP4rev1",
            Capability::Imap4Rev2 => "IMAP4rev2",
            Capability::StartTls => "STARTTLS",
            Capability::LoginDisabled => "LOGINDISABLED",
            Capability::Idle => "IDLE",
            Capability::LiteralPlus => "LITERAL+",
            Capability::LiteralMinus => "LITERAL-",
            Capability::SaslIr => "SASL-IR",
            Capability::Auth(mechanism) => mechanism.as_str(),
            Capability::Other(a) => a.as_str(),
        }
    }
}

/// Untagged server data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Data {
    /// `* CAPABILITY ...`
    Capability(Vec<Capability>),
    /// `* LIST (...) "/" name`
    List(ListItem),
    /// `* LSUB (...) "/" name`
    Lsub(ListItem),
    /// `* XLIST (...) "/" name`: Gmail's answer to XLIST.
    Xlist(ListItem),
    /// `* STATUS name (...)`
    Status {
        /// The mailbox.
        mailbox: Mailbox,
        /// Attribute values.
        items: Vec<StatusItem>,
    },
    /// `* SEARCH n...` (with `(MODSEQ n)` from RFC 7162 when sent).
    Search {
        /// Matching numbers.
        ids: Vec<NonZeroU32>,
        /// The highest mod-sequence of the matches.
        modseq: Option<u64>,
    },
    /// `* ESEARCH ...` (RFC 4731; the SEARCH answer of IMAP4rev2).
    ESearch(ESearchResponse),
    /// `* SORT n...` (RFC 5256, with `(MODSEQ n)` from RFC 7162).
    Sort {
        /// Matching numbers, in sorted order.
        ids: Vec<NonZeroU32>,
        /// The highest mod-sequence of the matches.
        modseq: Option<u64>,
    },
    /// `* THREAD (...)...` (RFC 5256): the threads, as trees.
    Thread(Vec<Thread>),
    /// `* FLAGS (...)`
    Flags(Vec<Flag>),
    /// `* n EXISTS`
    Exists(u32),
    /// `* n RECENT`
    Recent(u32),
    /// `* n EXPUNGE`
    Expunge(NonZeroU32),
    /// `* VANISHED [(EARLIER)] uids` (RFC 7162 QRESYNC): messages expunged,
    /// by UID. Without `earlier` they leave the mailbox now (like EXPUNGE);
    /// with it, the client learns of removals it missed.
    Vanished {
        /// `(EARLIER)`: an answer to QRESYNC or UID FETCH (VANISHED); the
        /// message count does not change.
        earlier: bool,
        /// The UIDs.
        uids: SequenceSet,
    },
    /// `* n FETCH (...)`
    Fetch {
        /// Message sequence number.
        seq: NonZeroU32,
        /// Attributes, at least one.
        attributes: Vec<MessageAttribute>,
    },
    /// `* ENABLED ...` (RFC 5161)
    Enabled(Vec<Atom>),
    /// `* NAMESPACE ...` (RFC 2342): the personal, other users' and shared
    /// namespaces; `None` for NIL.
    Namespace {
        /// The user's own namespaces.
        personal: Option<Vec<NamespaceDescription>>,
        /// Other users' namespaces.
        other_users: Option<Vec<NamespaceDescription>>,
        /// Shared namespaces.
        shared: Option<Vec<NamespaceDescription>>,
    },
    /// `* ID ...` (RFC 2971): the server's field-value pairs; `None` for
    /// NIL, `Some` of an empty list for `()`.
    Id(IdParameters),
    /// `* QUOTA root (resource usage limit ...)` (RFC 9208).
    Quota {
        /// The quota root.
        root: IString,
        /// Usage and limit per resource.
        resources: Vec<QuotaUsage>,
    },
    /// `* QUOTAROOT mailbox root ...` (RFC 9208): the quota roots of a
    /// mailbox (possibly none).
    QuotaRoot {
        /// The mailbox.
        mailbox: Mailbox,
        /// Its quota roots.
        roots: Vec<IString>,
    },
    /// `* METADATA mailbox ...` (RFC 5464).
    Metadata {
        /// The mailbox, or `""` for server annotations.
        mailbox: Mailbox,
        /// The values, or the names of entries that changed.
        entries: MetadataEntries,
    },
    /// Any other untagged response (`* XLIST ...`), with everything after
    /// the name kept raw.
    Other {
        /// The response name (for `* 5 XFOO ...` the name is `XFOO` and
        /// the number is in `number`).
        name: Atom,
        /// A leading number, as in `* 5 XFOO`.
        number: Option<u32>,
        /// The bytes after `name SP` up to the final CRLF.
        arguments: RawArguments,
    },
}

/// One namespace of a NAMESPACE response (RFC 2342 `Namespace`): the
/// prefix of its mailbox names, its hierarchy delimiter, and extension
/// data (`Namespace_Response_Extension`: a name and its values).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NamespaceDescription {
    /// The prefix (`""` for the root, `"INBOX."`, `"#shared/"`, ...).
    pub prefix: IString,
    /// Hierarchy delimiter; `None` for NIL (flat).
    pub delimiter: Option<Delimiter>,
    /// Extension data, as sent.
    pub extensions: Vec<(IString, Vec<IString>)>,
}

/// The body of a LIST or LSUB response (`mailbox-list`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ListItem {
    /// Mailbox attributes.
    pub attributes: Vec<MailboxAttribute>,
    /// Hierarchy delimiter; `None` for NIL (flat namespace).
    pub delimiter: Option<Delimiter>,
    /// The mailbox name.
    pub mailbox: Mailbox,
    /// Extended data after the name (RFC 5258 `mbox-list-extended`, e.g.
    /// `("CHILDINFO" ("SUBSCRIBED"))`); empty when there is none.
    pub extended: Vec<ListExtendedItem>,
}

/// An extended data item of a LIST response (RFC 5258
/// `mbox-list-extended-item`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ListExtendedItem {
    /// `CHILDINFO (...)`: the selection criteria some child matches, e.g.
    /// `SUBSCRIBED` (RFC 5258 RECURSIVEMATCH).
    ChildInfo(Vec<IString>),
    /// `OLDNAME (name)`: the mailbox was renamed from this (RFC 5465,
    /// IMAP4rev2).
    OldName(Mailbox),
    /// Any other item, its value kept as sent.
    Other {
        /// The item's tag.
        tag: IString,
        /// Its value (`tagged-ext-val`).
        value: super::core::RawValue,
    },
}

/// A hierarchy delimiter: one 7-bit character other than CR, LF and NUL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "char", into = "char"))]
pub struct Delimiter(u8);

impl Delimiter {
    /// A delimiter; fails for non-ASCII, CR, LF and NUL.
    pub fn new(c: char) -> Result<Delimiter, crate::ValidationError> {
        if c.is_ascii() && !matches!(c, '\r' | '\n' | '\0') {
            Ok(Delimiter(c as u8))
        } else {
            Err(crate::ValidationError::OutOfRange("delimiter"))
        }
    }
    /// The character.
    pub fn as_char(&self) -> char {
        self.0 as char
    }
    pub(crate) fn byte(&self) -> u8 {
        self.0
    }
}

impl TryFrom<char> for Delimiter {
    type Error = crate::ValidationError;
    fn try_from(c: char) -> Result<Self, Self::Error> {
        Delimiter::new(c)
    }
}

impl From<Delimiter> for char {
    fn from(d: Delimiter) -> char {
        d.as_char()
    }
}

/// A continuation request (`continue-req`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Continuation {
    /// `+ [code] text`, e.g. `+ Ready for literal data` or `+ idling`.
    Text {
        /// Optional response code (boxed, like in [`StatusResponse`]).
        code: Option<Box<Code>>,
        /// The text (may be empty: `+` alone or `+ `).
        text: Text,
    },
    /// `+ base64` during AUTHENTICATE: the decoded challenge.
    ///
    /// The parser picks this form when the text is non-empty, consists of
    /// base64 characters only and decodes cleanly; a state machine that
    /// knows an AUTHENTICATE is in progress can reinterpret with
    /// [`Continuation::challenge`].
    Base64(IString),
}

impl Continuation {
    /// The SASL challenge this continuation carries: the decoded base64, or
    /// `None` when it is not valid base64.
    pub fn challenge(&self) -> Option<bytes::Bytes> {
        match self {
            Continuation::Base64(data) => Some(data.clone().into_bytes()),
            Continuation::Text { code: None, text } => crate::base64::decode(text.as_bytes()).map(Into::into),
            Continuation::Text { .. } => None,
        }
    }
}

/// The free-form arguments of an unknown response code: text without `]`,
/// CR, LF or NUL (`1*<any TEXT-CHAR except "]">`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CodeText(bytes::Bytes);

impl CodeText {
    /// Validates code arguments; they must be non-empty.
    pub fn new(value: impl Into<bytes::Bytes>) -> Result<CodeText, crate::ValidationError> {
        let value = value.into();
        if value.is_empty() {
            return Err(crate::ValidationError::Empty);
        }
        if let Some(offset) = value.iter().position(|&b| b == b']' || !super::core::is_text_byte(b)) {
            return Err(crate::ValidationError::InvalidByte { byte: value[offset], offset });
        }
        Ok(CodeText(value))
    }
    pub(crate) fn from_validated(value: bytes::Bytes) -> CodeText {
        CodeText(value)
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for CodeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CodeText({:?})", String::from_utf8_lossy(&self.0))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for CodeText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(&self.0))
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for CodeText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CodeText::new(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind is in `ALL` (the match fails to compile when a kind is
    /// added) and reads back from its keyword in any case.
    #[test]
    fn every_status_kind_reads_back_from_its_keyword() {
        for (i, kind) in StatusKind::ALL.into_iter().enumerate() {
            let index = match kind {
                StatusKind::Ok => 0,
                StatusKind::No => 1,
                StatusKind::Bad => 2,
                StatusKind::PreAuth => 3,
                StatusKind::Bye => 4,
            };
            assert_eq!(index, i);
            assert_eq!(StatusKind::from_keyword(kind.as_str().as_bytes()), Some(kind));
            assert_eq!(StatusKind::from_keyword(kind.as_str().to_ascii_lowercase().as_bytes()), Some(kind));
        }
        assert_eq!(StatusKind::from_keyword(b"OKAY"), None);
    }

    #[test]
    fn every_code_name_reads_back() {
        assert_eq!(CodeName::ALL.len(), 47);
        for &name in CodeName::ALL {
            assert_eq!(CodeName::known(name.as_str().as_bytes()), Some(name));
            assert_eq!(CodeName::known(name.as_str().to_ascii_lowercase().as_bytes()), Some(name));
            if let Some(code) = Code::argument_free(name) {
                assert!(code.is_argument_free());
                assert_eq!(code.code_name(), Ok(name));
            }
        }
        assert_eq!(
            Code::ARGUMENT_FREE.len(),
            CodeName::ALL.iter().filter(|&&n| Code::argument_free(n).is_some()).count()
        );
        // Each argument-free code reads from its bare name and writes it.
        for code in Code::ARGUMENT_FREE {
            let line = format!("* OK [{}] text\r\n", code.name());
            let Ok(Response::Status(status)) = Response::parse(line.as_bytes()) else { panic!("{line}") };
            assert_eq!(status.code.as_deref(), Some(code), "{line}");
            assert_eq!(crate::Encode::to_bytes(&Response::Status(status)), line.as_bytes(), "{line}");
        }
        assert_eq!(CodeName::known(b"X-FOO"), None);
    }

    #[test]
    fn every_named_capability_reads_back_from_its_name() {
        use Capability::*;
        for capability in [Imap4Rev1, Imap4Rev2, StartTls, LoginDisabled, Idle, LiteralPlus, LiteralMinus, SaslIr] {
            // Fails to compile when a variant is added without a line here.
            match &capability {
                Imap4Rev1 | Imap4Rev2 | StartTls | LoginDisabled | Idle | LiteralPlus | LiteralMinus | SaslIr => {}
                Auth(_) | Other(_) => unreachable!(),
            }
            let name = Atom::try_from(capability.name()).unwrap();
            assert_eq!(Capability::from_atom(name), capability);
            let lower = Atom::try_from(capability.name().to_ascii_lowercase().as_str()).unwrap();
            assert_eq!(Capability::from_atom(lower), capability);
        }
        let plain = Atom::try_from("AUTH=PLAIN").unwrap();
        assert_eq!(Capability::from_atom(plain), Auth(Atom::try_from("PLAIN").unwrap()));
    }
}
