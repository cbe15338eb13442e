//! Client commands (RFC 3501 section 6) and the other lines a client sends.

use std::num::NonZeroU32;

use super::core::{Atom, IString, Modifier, RawArguments, Tag};
use super::datetime::DateTime;
use super::fetch::FetchItems;
use super::flag::Flag;
use super::flag::MailboxAttribute;
use super::mailbox::Mailbox;
use super::metadata::MetadataOption;
use super::quota::QuotaResource;
use super::search::{PartialRange, SearchKey, SearchReturnOption, SortCriterion};
use super::sequence::{SeqNumber, SequenceSet};
use super::status::StatusAttribute;

/// A tagged client command.
///
/// ```
/// use imap_wire::{Command, CommandBody, Encode, Tag};
/// let cmd = Command::new(Tag::try_from("a1").unwrap(), CommandBody::Noop);
/// assert_eq!(cmd.to_bytes(), &b"a1 NOOP\r\n"[..]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Command {
    /// The tag the server will echo in its completion.
    pub tag: Tag,
    /// The command proper.
    pub body: CommandBody,
}

impl Command {
    /// A command with this tag.
    pub fn new(tag: Tag, body: CommandBody) -> Command {
        Command { tag, body }
    }
}

/// The part of a command after the tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CommandBody {
    /// `CAPABILITY`
    Capability,
    /// `NOOP`
    Noop,
    /// `LOGOUT`
    Logout,
    /// `STARTTLS`
    StartTls,
    /// `AUTHENTICATE mechanism [initial-response]` (initial response per
    /// RFC 4959; an empty one is sent as `=`).
    Authenticate {
        /// SASL mechanism name, e.g. `PLAIN`.
        mechanism: Atom,
        /// Initial response, already base64-decoded.
        initial_response: Option<IString>,
    },
    /// `LOGIN user password`
    Login {
        /// User name.
        username: IString,
        /// Password.
        password: IString,
    },
    /// `SELECT mailbox [(parameters)]` (parameters per RFC 4466, e.g.
    /// `CONDSTORE`).
    Select {
        /// The mailbox.
        mailbox: Mailbox,
        /// Select parameters, usually empty.
        parameters: Vec<SelectParameter>,
    },
    /// `EXAMINE mailbox [(parameters)]`
    Examine {
        /// The mailbox.
        mailbox: Mailbox,
        /// Select parameters, usually empty.
        parameters: Vec<SelectParameter>,
    },
    /// `CREATE mailbox [(parameters)]` (parameters per RFC 4466, e.g.
    /// `USE (\Drafts)` of RFC 6154).
    Create {
        /// The new mailbox.
        mailbox: Mailbox,
        /// Create parameters, usually empty.
        parameters: Vec<CreateParameter>,
    },
    /// `DELETE mailbox`
    Delete(Mailbox),
    /// `RENAME from to`
    Rename {
        /// Existing name.
        from: Mailbox,
        /// New name.
        to: Mailbox,
    },
    /// `SUBSCRIBE mailbox`
    Subscribe(Mailbox),
    /// `UNSUBSCRIBE mailbox`
    Unsubscribe(Mailbox),
    /// `LIST [(selection)] reference pattern [RETURN (options)]`, the
    /// extended form of RFC 5258 included (several patterns, selection and
    /// return options, LIST-STATUS, SPECIAL-USE).
    List {
        /// Selection options (`SUBSCRIBED`, `RECURSIVEMATCH`, ...); empty
        /// for a plain LIST.
        selection: Vec<ListSelectOption>,
        /// Reference name.
        reference: Mailbox,
        /// Mailbox names with possible wildcards: one for a plain LIST,
        /// sent as `(a b)` when more.
        patterns: Vec<IString>,
        /// `RETURN (...)` options; empty when none are asked for.
        return_options: Vec<ListReturnOption>,
    },
    /// `LSUB reference pattern`
    Lsub {
        /// Reference name.
        reference: Mailbox,
        /// Mailbox name with possible wildcards.
        pattern: IString,
    },
    /// `STATUS mailbox (attributes)`
    Status {
        /// The mailbox.
        mailbox: Mailbox,
        /// At least one attribute.
        attributes: Vec<StatusAttribute>,
    },
    /// `APPEND mailbox [(flags)] [date-time] literal`, with more messages
    /// after the first for MULTIAPPEND (RFC 3502) and CATENATE data (RFC
    /// 4469). [`CommandBody::append`] builds the usual one-message form.
    Append {
        /// Target mailbox.
        mailbox: Mailbox,
        /// The messages, at least one.
        messages: Vec<AppendMessage>,
    },
    /// `CHECK`
    Check,
    /// `CLOSE`
    Close,
    /// `EXPUNGE`
    Expunge,
    /// `[UID] SEARCH [RETURN (options)] [CHARSET charset] criteria`
    /// (RETURN per RFC 4731 ESEARCH).
    Search {
        /// `UID SEARCH`
        uid: bool,
        /// `RETURN (...)`: the server answers with ESEARCH. `Some` of an
        /// empty list is `RETURN ()`, which means `ALL`.
        return_options: Option<Vec<SearchReturnOption>>,
        /// Charset of the string arguments.
        charset: Option<IString>,
        /// Criteria, at least one; all must match.
        criteria: Vec<SearchKey>,
    },
    /// `[UID] SORT [RETURN (options)] (criteria) charset search-keys`
    /// (RFC 5256; RETURN per RFC 5267 ESORT).
    Sort {
        /// `UID SORT`
        uid: bool,
        /// `RETURN (...)`: the server answers with ESEARCH.
        return_options: Option<Vec<SearchReturnOption>>,
        /// Sort criteria, at least one, most significant first.
        criteria: Vec<SortCriterion>,
        /// Charset of the string arguments (`UTF-8`, `US-ASCII`).
        charset: IString,
        /// Which messages; all keys must match.
        search: Vec<SearchKey>,
    },
    /// `[UID] THREAD algorithm charset search-keys` (RFC 5256).
    Thread {
        /// `UID THREAD`
        uid: bool,
        /// `ORDEREDSUBJECT`, `REFERENCES`, `REFS`, ...
        algorithm: Atom,
        /// Charset of the string arguments.
        charset: IString,
        /// Which messages; all keys must match.
        search: Vec<SearchKey>,
    },
    /// `CANCELUPDATE "tag" ...`: stop the updates of these searches
    /// (RFC 5267 CONTEXT).
    CancelUpdate(Vec<IString>),
    /// `[UID] FETCH set items`
    Fetch {
        /// `UID FETCH`
        uid: bool,
        /// Messages.
        sequence_set: SequenceSet,
        /// What to fetch.
        items: FetchItems,
        /// Fetch modifiers (RFC 4466), e.g. `CHANGEDSINCE 12`.
        modifiers: Vec<FetchModifier>,
    },
    /// `[UID] STORE set [+|-]FLAGS[.SILENT] flags`
    Store {
        /// `UID STORE`
        uid: bool,
        /// Messages.
        sequence_set: SequenceSet,
        /// Store modifiers (RFC 4466), e.g. `UNCHANGEDSINCE 12`.
        modifiers: Vec<StoreModifier>,
        /// Replace, add or remove.
        action: StoreAction,
        /// `.SILENT`: no untagged FETCH in reply.
        silent: bool,
        /// The flags (may be empty).
        flags: Vec<Flag>,
    },
    /// `[UID] COPY set mailbox`
    Copy {
        /// `UID COPY`
        uid: bool,
        /// Messages.
        sequence_set: SequenceSet,
        /// Target mailbox.
        mailbox: Mailbox,
    },
    /// `IDLE` (RFC 2177); the client ends it with [`ClientMessage::IdleDone`].
    Idle,
    /// `ENABLE capability...` (RFC 5161).
    Enable(Vec<Atom>),
    /// `NAMESPACE` (RFC 2342).
    Namespace,
    /// `UNSELECT` (RFC 3691).
    Unselect,
    /// `ID params` (RFC 2971): the client's field-value pairs; `None` for
    /// NIL, `Some` of an empty list for `()`.
    Id(super::core::IdParameters),
    /// `COMPRESS algorithm` (RFC 4978; `DEFLATE` is the one algorithm
    /// defined). After the tagged OK both directions are compressed.
    Compress {
        /// The algorithm, e.g. `DEFLATE`.
        algorithm: Atom,
    },
    /// `UID EXPUNGE set` (RFC 4315).
    UidExpunge(SequenceSet),
    /// `[UID] MOVE set mailbox` (RFC 6851).
    Move {
        /// `UID MOVE`
        uid: bool,
        /// Messages.
        sequence_set: SequenceSet,
        /// Target mailbox.
        mailbox: Mailbox,
    },
    /// `UNAUTHENTICATE` (RFC 8437): back to the not-authenticated state.
    Unauthenticate,
    /// `[UID] REPLACE n mailbox [(flags)] [date-time] message` (RFC 8508):
    /// APPEND a new version and expunge message `n`, atomically.
    Replace {
        /// `UID REPLACE`
        uid: bool,
        /// The message replaced (`*` for the last).
        message: SeqNumber,
        /// Where the new version goes.
        mailbox: Mailbox,
        /// The new version.
        replacement: AppendMessage,
    },
    /// `XLIST reference pattern`: Gmail's LIST with special-use
    /// attributes, before SPECIAL-USE.
    Xlist {
        /// Reference name.
        reference: Mailbox,
        /// Mailbox name with possible wildcards.
        pattern: IString,
    },
    /// `GETQUOTA root` (RFC 9208).
    GetQuota(IString),
    /// `GETQUOTAROOT mailbox` (RFC 9208).
    GetQuotaRoot(Mailbox),
    /// `SETQUOTA root (resource limit ...)` (RFC 9208).
    SetQuota {
        /// The quota root.
        root: IString,
        /// The new limits; empty removes them all.
        limits: Vec<(QuotaResource, u64)>,
    },
    /// `GETMETADATA [(options)] mailbox entries` (RFC 5464; the mailbox
    /// `""` is the server).
    GetMetadata {
        /// `MAXSIZE`, `DEPTH`, ...
        options: Vec<MetadataOption>,
        /// The mailbox, or `""` for server annotations.
        mailbox: Mailbox,
        /// Entry names such as `/shared/comment`, at least one.
        entries: Vec<IString>,
    },
    /// `SETMETADATA mailbox (entry value ...)` (RFC 5464); a `None` value
    /// removes the entry.
    SetMetadata {
        /// The mailbox, or `""` for server annotations.
        mailbox: Mailbox,
        /// Entries and their new values, at least one.
        entries: Vec<(IString, Option<IString>)>,
    },
    /// `NOTIFY SET [STATUS] (filter events) ...` or `NOTIFY NONE`
    /// (RFC 5465): the events the server tells of without being asked.
    Notify(Notify),
    /// Any other command (an `X` command or an extension this crate does not
    /// model), with its arguments kept as raw bytes after the name.
    Other {
        /// The command name.
        name: Atom,
        /// Everything after `name SP` up to the final CRLF (literals
        /// included), or empty.
        arguments: RawArguments,
    },
}

impl CommandBody {
    /// `APPEND mailbox [(flags)] [date-time] message`: one message.
    ///
    /// ```
    /// use imap_wire::{Command, CommandBody, Encode, Flag, Mailbox, Tag};
    /// let append = CommandBody::append(Mailbox::inbox(), vec![Flag::Seen], None, "Subject: hi\r\n\r\nhello\r\n".into());
    /// let bytes = Command::new(Tag::try_from("a").unwrap(), append).to_bytes();
    /// assert!(bytes.starts_with(b"a APPEND INBOX (\\Seen) {22}\r\n"));
    /// ```
    pub fn append(mailbox: Mailbox, flags: Vec<Flag>, date: Option<DateTime>, message: IString) -> CommandBody {
        CommandBody::Append {
            mailbox,
            messages: vec![AppendMessage { flags, date, content: AppendContent::Literal(message) }],
        }
    }

    /// A plain `LIST reference pattern`.
    ///
    /// ```
    /// use imap_wire::{Command, CommandBody, Encode, Mailbox, Tag};
    /// let list = CommandBody::list(Mailbox::from(""), "*".into());
    /// assert_eq!(Command::new(Tag::try_from("a").unwrap(), list).to_bytes(), &b"a LIST \"\" *\r\n"[..]);
    /// ```
    pub fn list(reference: Mailbox, pattern: IString) -> CommandBody {
        CommandBody::List { selection: Vec::new(), reference, patterns: vec![pattern], return_options: Vec::new() }
    }

    /// The command's keyword (`FETCH` for `UID FETCH` too; see
    /// [`CommandBody::is_uid`]).
    pub fn name(&self) -> &str {
        match self {
            CommandBody::Capability => "CAPABILITY",
            CommandBody::Noop => "NOOP",
            CommandBody::Logout => "LOGOUT",
            CommandBody::StartTls => "STARTTLS",
            CommandBody::Authenticate { .. } => "AUTHENTICATE",
            CommandBody::Login { .. } => "LOGIN",
            CommandBody::Select { .. } => "SELECT",
            CommandBody::Examine { .. } => "EXAMINE",
            CommandBody::Create { .. } => "CREATE",
            CommandBody::Delete(_) => "DELETE",
            CommandBody::Rename { .. } => "RENAME",
            CommandBody::Subscribe(_) => "SUBSCRIBE",
            CommandBody::Unsubscribe(_) => "UNSUBSCRIBE",
            CommandBody::List { .. } => "LIST",
            CommandBody::Lsub { .. } => "LSUB",
            CommandBody::Status { .. } => "STATUS",
            CommandBody::Append { .. } => "APPEND",
            CommandBody::Check => "CHECK",
            CommandBody::Close => "CLOSE",
            CommandBody::Expunge | CommandBody::UidExpunge(_) => "EXPUNGE",
            CommandBody::Search { .. } => "SEARCH",
            CommandBody::Sort { .. } => "SORT",
            CommandBody::Thread { .. } => "THREAD",
            CommandBody::CancelUpdate(_) => "CANCELUPDATE",
            CommandBody::Notify(_) => "NOTIFY",
            CommandBody::Fetch { .. } => "FETCH",
            CommandBody::Store { .. } => "STORE",
            CommandBody::Copy { .. } => "COPY",
            CommandBody::Move { .. } => "MOVE",
            CommandBody::Idle => "IDLE",
            CommandBody::Enable(_) => "ENABLE",
            CommandBody::Namespace => "NAMESPACE",
            CommandBody::Unselect => "UNSELECT",
            CommandBody::Id(_) => "ID",
            CommandBody::Compress { .. } => "COMPRESS",
            CommandBody::Unauthenticate => "UNAUTHENTICATE",
            CommandBody::Replace { .. } => "REPLACE",
            CommandBody::Xlist { .. } => "XLIST",
            CommandBody::GetQuota(_) => "GETQUOTA",
            CommandBody::GetQuotaRoot(_) => "GETQUOTAROOT",
            CommandBody::SetQuota { .. } => "SETQUOTA",
            CommandBody::GetMetadata { .. } => "GETMETADATA",
            CommandBody::SetMetadata { .. } => "SETMETADATA",
            CommandBody::Other { name, .. } => name.as_str(),
        }
    }

    /// Whether this is the `UID` form of the command.
    pub fn is_uid(&self) -> bool {
        match self {
            CommandBody::Search { uid, .. }
            | CommandBody::Sort { uid, .. }
            | CommandBody::Thread { uid, .. }
            | CommandBody::Fetch { uid, .. }
            | CommandBody::Store { uid, .. }
            | CommandBody::Copy { uid, .. }
            | CommandBody::Move { uid, .. }
            | CommandBody::Replace { uid, .. } => *uid,
            CommandBody::UidExpunge(_) => true,
            _ => false,
        }
    }
}

/// One message of an APPEND (RFC 3502 `append-message`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AppendMessage {
    /// Flags to set (an empty list is not sent).
    pub flags: Vec<Flag>,
    /// Internal date to set.
    pub date: Option<DateTime>,
    /// The message.
    pub content: AppendContent,
}

impl AppendMessage {
    /// The message as one literal, if it is one (not CATENATE; the UTF8
    /// form included).
    pub fn literal(&self) -> Option<&IString> {
        match &self.content {
            AppendContent::Literal(m) | AppendContent::Utf8(m) => Some(m),
            AppendContent::Catenate(_) => None,
        }
    }
}

/// What an APPEND message is made of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AppendContent {
    /// The message as a literal (literal8 when it holds NUL, RFC 3516).
    Literal(IString),
    /// `CATENATE (parts)`: the message assembled from text and IMAP URLs
    /// (RFC 4469).
    Catenate(Vec<CatenatePart>),
    /// `UTF8 (literal8)`: a message with UTF-8 headers (RFC 6855 4; the
    /// server must offer UTF8=ACCEPT). Always written as literal8.
    Utf8(IString),
}

/// A part of a CATENATE message (RFC 4469 `cat-part`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CatenatePart {
    /// `TEXT literal`
    Text(IString),
    /// `URL "imap-url"`: a message or part on the server.
    Url(IString),
}

/// A LIST selection option (RFC 5258 `list-select-opt`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ListSelectOption {
    /// `SUBSCRIBED`: subscribed mailboxes only.
    Subscribed,
    /// `REMOTE`: include remote mailboxes.
    Remote,
    /// `RECURSIVEMATCH`: report parents of matches (with CHILDINFO).
    RecursiveMatch,
    /// `SPECIAL-USE`: mailboxes with a special use only (RFC 6154).
    SpecialUse,
    /// Any other option, kept as sent.
    Other(Modifier),
}

/// A LIST return option (RFC 5258 `return-option`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ListReturnOption {
    /// `SUBSCRIBED`: mark subscribed mailboxes `\Subscribed`.
    Subscribed,
    /// `CHILDREN`: `\HasChildren` or `\HasNoChildren`.
    Children,
    /// `SPECIAL-USE`: the special-use attributes (RFC 6154).
    SpecialUse,
    /// `STATUS (attributes)`: a STATUS response per mailbox (RFC 5819).
    Status(Vec<StatusAttribute>),
    /// Any other option, kept as sent.
    Other(Modifier),
}

/// A SELECT or EXAMINE parameter (RFC 4466 `select-param`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SelectParameter {
    /// `CONDSTORE`: enable mod-sequences (RFC 7162).
    CondStore,
    /// `QRESYNC (...)`: resynchronize quickly (RFC 7162).
    QResync(QResync),
    /// Any other parameter, kept as sent.
    Other(Modifier),
}

/// The data of the QRESYNC select parameter (RFC 7162 3.2.5): what the
/// client remembers of the mailbox.
///
/// ```
/// use imap_wire::{Command, CommandBody, SelectParameter};
/// let c = Command::parse(b"A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n").unwrap();
/// let CommandBody::Select { parameters, .. } = c.body else { panic!() };
/// let SelectParameter::QResync(q) = &parameters[0] else { panic!() };
/// assert_eq!(q.modseq, 20050715194045000);
/// assert_eq!(q.known_uids.as_ref().unwrap().to_string(), "41,43:211,214:541");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct QResync {
    /// The UIDVALIDITY the client knows.
    pub uid_validity: NonZeroU32,
    /// The HIGHESTMODSEQ the client last saw.
    pub modseq: u64,
    /// The UIDs the client knows (`known-uids`).
    pub known_uids: Option<SequenceSet>,
    /// Sample message numbers and their UIDs (`seq-match-data`), so the
    /// server can tell how much the client's view is off.
    pub seq_match: Option<(SequenceSet, SequenceSet)>,
}

/// A FETCH modifier (RFC 4466 `fetch-modifier`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FetchModifier {
    /// `CHANGEDSINCE n`: only messages whose mod-sequence is higher
    /// (RFC 7162).
    ChangedSince(u64),
    /// `VANISHED`: also report expunged UIDs (RFC 7162, with UID FETCH and
    /// CHANGEDSINCE).
    Vanished,
    /// `PARTIAL range`: a window of the matching messages (RFC 9394).
    Partial(PartialRange),
    /// Any other modifier, kept as sent.
    Other(Modifier),
}

/// A STORE modifier (RFC 4466 `store-modifier`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StoreModifier {
    /// `UNCHANGEDSINCE n`: store only where the mod-sequence is at most
    /// `n` (RFC 7162).
    UnchangedSince(u64),
    /// Any other modifier, kept as sent.
    Other(Modifier),
}

/// A CREATE parameter (RFC 4466 `create-param`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CreateParameter {
    /// `USE (attributes)`: the special uses of the new mailbox (RFC 6154
    /// CREATE-SPECIAL-USE), e.g. `\Drafts`.
    Use(Vec<MailboxAttribute>),
    /// Any other parameter, kept as sent.
    Other(Modifier),
}

/// How STORE changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StoreAction {
    /// `FLAGS`: replace.
    Replace,
    /// `+FLAGS`: add.
    Add,
    /// `-FLAGS`: remove.
    Remove,
}

/// Anything a client sends: a command, or one of the untagged lines that
/// continue an earlier command.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ClientMessage {
    /// A tagged command.
    Command(Command),
    /// A line of an AUTHENTICATE exchange (base64-decoded).
    AuthenticateData(IString),
    /// `*`: the client cancels AUTHENTICATE.
    AuthenticateCancel,
    /// `DONE`: the client ends IDLE.
    IdleDone,
}

/// The NOTIFY command's request (RFC 5465 `notify`).
///
/// ```
/// use imap_wire::{Command, CommandBody, Notify, NotifyEvent, NotifyFilter};
/// let c = Command::parse(b"a NOTIFY SET STATUS (SELECTED (MessageNew (UID) MessageExpunge)) (INBOXES NONE)\r\n").unwrap();
/// let CommandBody::Notify(Notify::Set { status, groups }) = c.body else { panic!() };
/// assert!(status);
/// assert_eq!(groups[0].filter, NotifyFilter::Selected);
/// assert!(matches!(&groups[0].events[0], NotifyEvent::MessageNew(items) if items.len() == 1));
/// assert!(groups[1].events.is_empty(), "NONE");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Notify {
    /// `SET [STATUS] event-groups`: replaces the events asked for.
    Set {
        /// `STATUS`: send the STATUS of the mailboxes with message events
        /// now, so that later events are relative to it.
        status: bool,
        /// At least one group.
        groups: Vec<NotifyGroup>,
    },
    /// `NONE`: no more events.
    None,
}

/// The events asked for on some mailboxes (RFC 5465 `event-group`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NotifyGroup {
    /// Which mailboxes.
    pub filter: NotifyFilter,
    /// The events; empty for `NONE`.
    pub events: Vec<NotifyEvent>,
}

/// Which mailboxes an event group is about (RFC 5465 `filter-mailboxes`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum NotifyFilter {
    /// `SELECTED`: the selected mailbox, told at once.
    Selected,
    /// `SELECTED-DELAYED`: the selected mailbox, expunges held until a
    /// command allows them.
    SelectedDelayed,
    /// `INBOXES`: the mailboxes new mail is delivered to.
    Inboxes,
    /// `PERSONAL`: every mailbox of the user's personal namespace.
    Personal,
    /// `SUBSCRIBED`: every subscribed mailbox.
    Subscribed,
    /// `SUBTREE mailboxes`: these and every mailbox below them.
    Subtree(Vec<Mailbox>),
    /// `MAILBOXES mailboxes`: exactly these.
    Mailboxes(Vec<Mailbox>),
}

/// An event a client may ask to be told of (RFC 5465 `event`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum NotifyEvent {
    /// `MessageNew [(fetch-att ...)]`: new messages, with these items
    /// fetched (selected mailbox only).
    MessageNew(Vec<super::fetch::FetchAttribute>),
    /// `MessageExpunge`
    MessageExpunge,
    /// `FlagChange`
    FlagChange,
    /// `AnnotationChange`
    AnnotationChange,
    /// `MailboxName`: mailboxes created, deleted and renamed.
    MailboxName,
    /// `SubscriptionChange`
    SubscriptionChange,
    /// `MailboxMetadataChange`
    MailboxMetadataChange,
    /// `ServerMetadataChange`
    ServerMetadataChange,
    /// Any other event (`event-ext`).
    Other(Atom),
}

impl NotifyEvent {
    /// The event's name on the wire.
    pub fn name(&self) -> &str {
        match self {
            NotifyEvent::MessageNew(_) => "MessageNew",
            NotifyEvent::MessageExpunge => "MessageExpunge",
            NotifyEvent::FlagChange => "FlagChange",
            NotifyEvent::AnnotationChange => "AnnotationChange",
            NotifyEvent::MailboxName => "MailboxName",
            NotifyEvent::SubscriptionChange => "SubscriptionChange",
            NotifyEvent::MailboxMetadataChange => "MailboxMetadataChange",
            NotifyEvent::ServerMetadataChange => "ServerMetadataChange",
            NotifyEvent::Other(atom) => atom.as_str(),
        }
    }

    /// The event named so (case-insensitive), without MessageNew's items.
    pub fn from_atom(atom: Atom) -> NotifyEvent {
        const NAMED: [NotifyEvent; 8] = [
            NotifyEvent::MessageNew(Vec::new()),
            NotifyEvent::MessageExpunge,
            NotifyEvent::FlagChange,
            NotifyEvent::AnnotationChange,
            NotifyEvent::MailboxName,
            NotifyEvent::SubscriptionChange,
            NotifyEvent::MailboxMetadataChange,
            NotifyEvent::ServerMetadataChange,
        ];
        NAMED.into_iter().find(|e| atom.as_str().eq_ignore_ascii_case(e.name())).unwrap_or(NotifyEvent::Other(atom))
    }
}
