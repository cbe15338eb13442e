//! The storage boundary: what a mail store implements for the session
//! engines to serve IMAP and POP3 from it.
//!
//! Four async traits, each a level of the data:
//! - [`Store`]: the whole store; checks credentials and hands out an
//!   [`Account`], and says once which optional capabilities it has
//!   ([`Features`]).
//! - [`Account`]: one user's mailboxes: list, create, delete, rename,
//!   subscriptions, and opening a [`Mailbox`].
//! - [`Mailbox`]: the messages of one mailbox: their metadata
//!   ([`MessageMeta`]: UID, flags, size, internal date, modseq), changes
//!   since a modseq ([`Changes`]), flags, expunge, copy and move, appending
//!   ([`Upload`], streamed in) and reading ([`Content`], byte ranges
//!   streamed out).
//!
//! A store never sees a tag, a sequence number or a response: the engines
//! turn commands into these calls and the results into responses.
//! Changes reach every session of a mailbox through [`Notifier`]: a store
//! calls [`Notifier::notify`] after each change, and sessions then ask
//! [`Mailbox::changes`] for what changed since the modseq they know.
//!
//! The methods return `impl Future + Send`: write them as `async fn` in
//! the `impl` block. [`crate::memory::MemoryStore`] is the reference
//! implementation, short enough to read before writing one's own.

mod flags;
mod name;

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;

pub use flags::{FlagOp, Flags, Keyword, KeywordError, SystemFlags};
pub use name::{MailboxName, NameError};

/// Why a store operation failed; the engines turn each into the answer
/// RFC 5530 names (`NO [NONEXISTENT]`, `NO [LIMIT]`, ...). A failed
/// operation must have changed nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The mailbox does not exist.
    #[error("Mailbox doesn't exist")]
    NoSuchMailbox,
    /// The mailbox exists already.
    #[error("Mailbox already exists")]
    AlreadyExists,
    /// The name cannot be used in this store.
    #[error("Invalid mailbox name: {0}")]
    BadName(#[from] NameError),
    /// Not allowed here (deleting INBOX, renaming under itself, ...).
    #[error("{0}")]
    NotAllowed(&'static str),
    /// A limit of the store (keywords per mailbox, mailbox count, ...);
    /// nothing was changed.
    #[error("{0}")]
    Limit(&'static str),
    /// Over quota; nothing was stored.
    #[error("Quota exceeded")]
    OverQuota,
    /// The mailbox was deleted, or its UIDVALIDITY changed, while open.
    #[error("Mailbox was deleted")]
    MailboxGone,
    /// The message does not exist (any more).
    #[error("Message was expunged")]
    NoSuchMessage,
    /// The store is busy (a lock held by another process); try again.
    #[error("Mailbox is locked, try again later")]
    Busy,
    /// An operation the store did not declare in [`Features`].
    #[error("Not supported by this mail store")]
    Unsupported,
    /// The storage failed.
    #[error("Internal error: {0}")]
    Io(#[from] std::io::Error),
}

/// Why a login failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Unknown user or wrong password (the two are never told apart).
    #[error("Authentication failed.")]
    Failed,
    /// The authenticated user may not act as the authorization identity
    /// asked for (RFC 4616).
    #[error("Not authorized to act as that user")]
    NotAuthorized,
    /// The store could not check (it is down); the client may retry.
    #[error("Temporary authentication failure")]
    Unavailable,
}

/// What a client presented to log in.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The authentication identity (the user name).
    pub user: String,
    /// The password.
    pub password: String,
    /// The authorization identity, when the client asked to act as another
    /// user (SASL PLAIN's first field); `None` when empty or the same.
    pub authorize_as: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .field("authorize_as", &self.authorize_as)
            .finish()
    }
}

/// The optional capabilities of a store, read once when a server is
/// built: the engines offer what the store declares and never call what
/// it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Features {
    /// The hierarchy delimiter of mailbox names.
    pub delimiter: char,
    /// [`Mailbox::move_to`] is implemented (atomic MOVE); without it the
    /// engine moves with copy, flag and expunge.
    pub atomic_move: bool,
    /// Modseqs are kept across restarts and can be told to clients
    /// (CONDSTORE, RFC 7162).
    pub persistent_modseq: bool,
    /// Mailboxes carry special-use attributes (RFC 6154) that
    /// [`Account::create`] can set.
    pub special_use: bool,
    /// Messages carry the time they were saved in their mailbox
    /// ([`MessageMeta::save_date`], SAVEDATE).
    pub save_date: bool,
    /// Accounts may have a storage limit ([`Account::storage_limit`],
    /// QUOTA).
    pub quota: bool,
    /// Changes made behind the store's back (another program writing the
    /// same storage) are only found by asking: idling sessions call
    /// [`Mailbox::changes`] this often. `None` when every change goes
    /// through [`Notifier`].
    pub poll_interval: Option<Duration>,
}

impl Default for Features {
    fn default() -> Features {
        Features {
            delimiter: '/',
            atomic_move: false,
            persistent_modseq: false,
            special_use: false,
            save_date: false,
            quota: false,
            poll_interval: None,
        }
    }
}

/// A special use of a mailbox (RFC 6154).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecialUse {
    /// `\All`.
    All,
    /// `\Archive`.
    Archive,
    /// `\Drafts`.
    Drafts,
    /// `\Flagged`.
    Flagged,
    /// `\Junk`.
    Junk,
    /// `\Sent`.
    Sent,
    /// `\Trash`.
    Trash,
}

impl SpecialUse {
    /// Every special use.
    pub const ALL: [SpecialUse; 7] = [
        SpecialUse::All,
        SpecialUse::Archive,
        SpecialUse::Drafts,
        SpecialUse::Flagged,
        SpecialUse::Junk,
        SpecialUse::Sent,
        SpecialUse::Trash,
    ];

    /// Its attribute as LIST shows it.
    ///
    /// ```
    /// use mail_serve::store::SpecialUse;
    /// assert_eq!(SpecialUse::Archive.attribute(), "\\Archive");
    /// ```
    pub fn attribute(self) -> &'static str {
        match self {
            SpecialUse::All => "\\All",
            SpecialUse::Archive => "\\Archive",
            SpecialUse::Drafts => "\\Drafts",
            SpecialUse::Flagged => "\\Flagged",
            SpecialUse::Junk => "\\Junk",
            SpecialUse::Sent => "\\Sent",
            SpecialUse::Trash => "\\Trash",
        }
    }

    /// The special use an attribute names (ASCII case-insensitive, with
    /// its backslash), if any.
    ///
    /// ```
    /// use mail_serve::store::SpecialUse;
    /// assert_eq!(SpecialUse::from_attribute("\\sent"), Some(SpecialUse::Sent));
    /// assert_eq!(SpecialUse::from_attribute("Sent"), None);
    /// ```
    pub fn from_attribute(text: &str) -> Option<SpecialUse> {
        SpecialUse::ALL.into_iter().find(|u| u.attribute().eq_ignore_ascii_case(text))
    }
}

/// One mailbox as [`Account::list`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxInfo {
    /// Its name.
    pub name: MailboxName,
    /// Its special use.
    pub special_use: Option<SpecialUse>,
}

/// One message's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    /// Its UID (never reused within a UIDVALIDITY).
    pub uid: u32,
    /// Its flags.
    pub flags: Flags,
    /// Its size with CRLF line ends: the number of bytes `BODY[]` sends
    /// (RFC822.SIZE). A store holding bare-LF messages counts each LF as
    /// two ([`crlf_size`]).
    pub size: u64,
    /// INTERNALDATE, seconds since 1970 (UTC).
    pub internal_date: i64,
    /// The modseq of its last change (creation or flags).
    pub modseq: u64,
    /// When it was saved in this mailbox (delivered, appended, copied or
    /// moved here; SAVEDATE, RFC 8514), seconds since 1970 (UTC); `None`
    /// when the store cannot tell.
    pub save_date: Option<i64>,
}

/// The size `data` has with every bare LF made CRLF.
///
/// ```
/// assert_eq!(mail_serve::store::crlf_size(b"a\nb\r\n"), 6);
/// ```
pub fn crlf_size(data: &[u8]) -> u64 {
    let mut size = data.len() as u64;
    let mut last = 0u8;
    for &b in data {
        if b == b'\n' && last != b'\r' {
            size += 1;
        }
        last = b;
    }
    size
}

/// A mailbox's counters (STATUS, SELECT).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxStatus {
    /// UIDVALIDITY.
    pub uid_validity: u32,
    /// The UID the next message will get.
    pub uid_next: u32,
    /// The number of messages.
    pub messages: u32,
    /// Messages without `\Seen`.
    pub unseen: u32,
    /// Messages with `\Deleted`.
    pub deleted: u32,
    /// Messages that are `\Recent` to no session yet.
    pub recent: u32,
    /// The sum of the messages' sizes.
    pub size: u64,
    /// The highest modseq given out.
    pub highest_modseq: u64,
}

/// A message that left the mailbox, as [`Changes`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expunged {
    /// Its UID.
    pub uid: u32,
    /// Its flags when it went, when the store still knows them (a session
    /// that may not announce the expunge yet answers STORE with them, as
    /// Dovecot does).
    pub last_flags: Option<Flags>,
}

/// What changed in a mailbox since a modseq.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The mailbox's highest modseq now (ask again from here).
    pub modseq: u64,
    /// Messages added or whose flags changed since, by UID.
    pub changed: Vec<MessageMeta>,
    /// Messages expunged since, by UID; `None` when the store no longer
    /// remembers that far back (the engine then compares UID lists).
    pub expunged: Option<Vec<Expunged>>,
}

/// A message being appended ([`Mailbox::begin_append`]): its bytes are
/// written as they arrive, then it is committed. Dropped without
/// [`Upload::commit`], it leaves no trace.
pub trait Upload: Send + Sync + 'static {
    /// The next bytes of the message.
    fn write(&mut self, data: &[u8]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Stores the message durably and returns its UID.
    fn commit(self) -> impl Future<Output = Result<u32, StoreError>> + Send;
}

/// One message's bytes, open for reading ([`Mailbox::open`]).
pub trait Content: Send + 'static {
    /// The stored size (which may differ from [`MessageMeta::size`] when
    /// the store keeps bare LF line ends).
    fn len(&self) -> u64;
    /// Whether the message is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Up to `max` bytes from `offset` (fewer only at the end).
    fn read(&mut self, offset: u64, max: usize) -> impl Future<Output = Result<Bytes, StoreError>> + Send;
}

/// Wakes the sessions of a mailbox when it changes. A store keeps one per
/// mailbox and calls [`Notifier::notify`] after every change it makes;
/// sessions hold [`Subscription`]s.
#[derive(Debug, Clone)]
pub struct Notifier(std::sync::Arc<tokio::sync::watch::Sender<u64>>);

impl Default for Notifier {
    fn default() -> Notifier {
        Notifier(std::sync::Arc::new(tokio::sync::watch::channel(0).0))
    }
}

impl Notifier {
    /// Tells every subscriber that something changed.
    pub fn notify(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A subscription that wakes at the next change.
    pub fn subscribe(&self) -> Subscription {
        Subscription(self.0.subscribe())
    }
}

/// A session's wake-up for a mailbox's changes.
#[derive(Debug)]
pub struct Subscription(tokio::sync::watch::Receiver<u64>);

impl Subscription {
    /// Whether the mailbox changed since this was last asked (or waited
    /// for); the change counts as seen.
    pub fn take_change(&mut self) -> bool {
        let changed = self.0.has_changed().unwrap_or(false);
        if changed {
            self.0.borrow_and_update();
        }
        changed
    }

    /// Waits for the next change (forever once the mailbox is gone).
    pub async fn changed(&mut self) {
        if self.0.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// A mail store: checks logins and opens accounts.
pub trait Store: Send + Sync + 'static {
    /// One user's mailboxes.
    type Account: Account;

    /// The optional capabilities, read once when a server is built.
    fn features(&self) -> Features;

    /// Checks credentials and opens the user's account (creating its
    /// storage at first login when the store does that).
    fn login(&self, credentials: &Credentials) -> impl Future<Output = Result<Self::Account, AuthError>> + Send;
}

/// One user's mailboxes.
pub trait Account: Send + Sync + 'static {
    /// A mailbox, open.
    type Mailbox: Mailbox;

    /// The user's name.
    fn user(&self) -> &str;

    /// Every mailbox (INBOX included).
    fn list(&self) -> impl Future<Output = Result<Vec<MailboxInfo>, StoreError>> + Send;

    /// Creates a mailbox (the engine creates missing parents first).
    fn create(
        &self,
        name: &MailboxName,
        special_use: Option<SpecialUse>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes a mailbox and its messages (not its children).
    fn delete(&self, name: &MailboxName) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Renames a mailbox and every mailbox below it, all or nothing, with
    /// messages, UIDs, flags and keywords kept. Renaming INBOX moves its
    /// messages to the new name and leaves INBOX empty (RFC 3501 6.3.5),
    /// also when the new name is below INBOX.
    fn rename(&self, from: &MailboxName, to: &MailboxName) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The subscribed names (which need not exist).
    fn subscriptions(&self) -> impl Future<Output = Result<Vec<MailboxName>, StoreError>> + Send;

    /// Subscribes (`true`) or unsubscribes a name.
    fn set_subscribed(&self, name: &MailboxName, on: bool) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Opens a mailbox.
    fn open(&self, name: &MailboxName) -> impl Future<Output = Result<Self::Mailbox, StoreError>> + Send;

    /// The most bytes the account's messages may take together, every
    /// mailbox counted (QUOTA's STORAGE, RFC 9208), as RFC822.SIZE counts
    /// them; `None` (the default): no limit. The engine refuses APPEND
    /// and COPY past it; MOVE changes nothing.
    fn storage_limit(&self) -> Option<u64> {
        None
    }
}

/// One open mailbox. Cheap to clone is not required: the engine holds one
/// per selected mailbox and opens others for APPEND, COPY and STATUS.
pub trait Mailbox: Send + Sync + 'static {
    /// A message being appended.
    type Upload: Upload;
    /// A message's bytes.
    type Content: Content;

    /// The mailbox's counters.
    fn status(&self) -> impl Future<Output = Result<MailboxStatus, StoreError>> + Send;

    /// The metadata of every message, by UID.
    fn messages(&self) -> impl Future<Output = Result<Vec<MessageMeta>, StoreError>> + Send;

    /// The metadata of these messages (sorted UIDs), skipping those that
    /// no longer exist.
    fn messages_by_uid(&self, uids: &[u32]) -> impl Future<Output = Result<Vec<MessageMeta>, StoreError>> + Send;

    /// What changed since `modseq`.
    fn changes(&self, modseq: u64) -> impl Future<Output = Result<Changes, StoreError>> + Send;

    /// Wakes when the mailbox changes.
    fn subscribe(&self) -> Subscription;

    /// Takes the `\Recent` messages for one session (RFC 3501 2.3.2): the
    /// first UID that is recent to it; later sessions see them as not
    /// recent. The default keeps no `\Recent` (every session gets none).
    fn claim_recent(&self) -> impl Future<Output = Result<u32, StoreError>> + Send {
        async move { Ok(self.status().await?.uid_next) }
    }

    /// The POP3 unique ids (UIDL, RFC 1939 section 7) of these messages
    /// (sorted UIDs; those that no longer exist are left out): stable
    /// across sessions, 1 to 70 printable ASCII characters each. The
    /// default is Dovecot's (`%08Xu%08Xv`: UID and UIDVALIDITY in hex).
    fn pop3_ids(&self, uids: &[u32]) -> impl Future<Output = Result<Vec<(u32, String)>, StoreError>> + Send {
        async move {
            let validity = self.status().await?.uid_validity;
            let live = self.messages_by_uid(uids).await?;
            Ok(live.iter().map(|m| (m.uid, format!("{:08X}{validity:08X}", m.uid))).collect())
        }
    }

    /// Opens a message's bytes.
    fn open(&self, uid: u32) -> impl Future<Output = Result<Self::Content, StoreError>> + Send;

    /// Starts appending a message of `size` bytes (as announced) with
    /// these flags and internal date (`None`: now).
    fn begin_append(
        &self,
        flags: Flags,
        internal_date: Option<i64>,
        size: u64,
    ) -> impl Future<Output = Result<Self::Upload, StoreError>> + Send;

    /// Changes the flags of these messages (sorted UIDs), all or nothing
    /// (a keyword limit refuses the whole operation). Messages whose
    /// modseq is above `unchanged_since` are left alone and reported in
    /// the second list (CONDSTORE). Returns the metadata of the messages
    /// now (changed or not) and the UIDs left alone.
    #[allow(clippy::type_complexity)]
    fn store_flags(
        &self,
        uids: &[u32],
        op: FlagOp,
        flags: &Flags,
        unchanged_since: Option<u64>,
    ) -> impl Future<Output = Result<(Vec<MessageMeta>, Vec<u32>), StoreError>> + Send;

    /// Removes those of these messages (sorted UIDs; `None`: all) that
    /// have `\Deleted` now; returns the UIDs removed.
    fn expunge(&self, uids: Option<&[u32]>) -> impl Future<Output = Result<Vec<u32>, StoreError>> + Send;

    /// Copies these messages (sorted UIDs) into `target` with their flags
    /// and internal dates; returns (UIDVALIDITY of the target, pairs of
    /// source and new UID) for the messages that existed.
    #[allow(clippy::type_complexity)]
    fn copy_to(
        &self,
        uids: &[u32],
        target: &Self,
    ) -> impl Future<Output = Result<(u32, Vec<(u32, u32)>), StoreError>> + Send;

    /// Moves these messages into `target` at once (RFC 6851); only called
    /// when [`Features::atomic_move`] is declared.
    #[allow(clippy::type_complexity)]
    fn move_to(
        &self,
        uids: &[u32],
        target: &Self,
    ) -> impl Future<Output = Result<(u32, Vec<(u32, u32)>), StoreError>> + Send {
        let _ = (uids, target);
        async { Err(StoreError::Unsupported) }
    }
}
