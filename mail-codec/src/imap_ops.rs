//! Typed IMAP operations on [`ImapClient`]: each command as a method that
//! takes Rust values (names as `&str`, message sets from numbers and
//! ranges) and returns what the server said, typed. Mailbox names are
//! encoded as the connection needs (modified UTF-7, or UTF-8 once
//! IMAP4rev2 or UTF8=ACCEPT is on); no IMAP syntax is written by hand.
//!
//! ```no_run
//! # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), mail_codec::Error> {
//! use mail_codec::imap_wire::FetchAttribute;
//!
//! for entry in imap.list("", "*").await? {
//!     println!("{}", entry.name);
//! }
//! let inbox = imap.select("INBOX").await?;
//! println!("{} messages", inbox.exists);
//! for message in imap.fetch(.., [FetchAttribute::Uid, FetchAttribute::Flags, FetchAttribute::Envelope]).await? {
//!     let flags: Vec<String> = message.flags().iter().map(|f| f.to_string()).collect();
//!     println!("{:?} {:?} {:?}", message.uid(), flags, message.subject());
//! }
//! # Ok(()) }
//! ```

use std::num::NonZeroU32;

use imap_wire::client::SelectedMailbox;
use imap_wire::{
    BodyStructure, CommandBody, Data, DateTime, Envelope, FetchAttribute, FetchItems, FlagFetch, IString, Mailbox,
    MailboxAttribute, MessageAttribute, Section, SequenceSet, StatusAttribute, StatusItem,
};

use crate::{Error, ImapClient};

/// What LIST or LSUB said of one mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// The name as text (decoded from modified UTF-7 where it was sent
    /// so; as sent, lossily, when it was not valid).
    pub name: String,
    /// The name as the server sent it, to give back in later commands.
    pub mailbox: Mailbox,
    /// The hierarchy delimiter; `None` for a flat namespace.
    pub delimiter: Option<char>,
    /// `\Noselect`, `\HasChildren`, `\Sent`, ...
    pub attributes: Vec<MailboxAttribute>,
}

impl ListEntry {
    fn from_item(item: imap_wire::ListItem) -> ListEntry {
        let name = item.mailbox.to_utf8().unwrap_or_else(|_| String::from_utf8_lossy(item.mailbox.as_bytes()).into());
        ListEntry {
            name,
            delimiter: item.delimiter.map(|d| d.as_char()),
            attributes: item.attributes,
            mailbox: item.mailbox,
        }
    }

    /// Whether the mailbox can be selected (no `\Noselect` or
    /// `\NonExistent`).
    pub fn selectable(&self) -> bool {
        !self.attributes.iter().any(|a| matches!(a, MailboxAttribute::NoSelect | MailboxAttribute::NonExistent))
    }
}

/// One message of a FETCH answer: what the server sent for it, with an
/// accessor per item (`None` where the item was not fetched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    seq: NonZeroU32,
    attributes: Vec<MessageAttribute>,
}

impl Message {
    /// Its sequence number when the answer came.
    pub fn seq(&self) -> NonZeroU32 {
        self.seq
    }

    /// `UID`.
    pub fn uid(&self) -> Option<NonZeroU32> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::Uid(uid) => Some(*uid),
            _ => None,
        })
    }

    /// `FLAGS` (empty when not fetched or when it has none).
    pub fn flags(&self) -> &[FlagFetch] {
        self.attributes
            .iter()
            .find_map(|a| match a {
                MessageAttribute::Flags(flags) => Some(&flags[..]),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// `ENVELOPE`.
    pub fn envelope(&self) -> Option<&Envelope> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::Envelope(envelope) => Some(&**envelope),
            _ => None,
        })
    }

    /// The envelope's subject as text (as sent: RFC 2047 encoded words
    /// are left for a MIME library to decode).
    pub fn subject(&self) -> Option<String> {
        let subject = self.envelope()?.subject.as_ref()?;
        Some(String::from_utf8_lossy(&subject[..]).into_owned())
    }

    /// `BODYSTRUCTURE` (or `BODY`).
    pub fn body_structure(&self) -> Option<&BodyStructure> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::BodyStructure(body) | MessageAttribute::Body(body) => Some(&**body),
            _ => None,
        })
    }

    /// `RFC822.SIZE`.
    pub fn size(&self) -> Option<u32> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::Rfc822Size(size) => Some(*size),
            _ => None,
        })
    }

    /// `INTERNALDATE`.
    pub fn internal_date(&self) -> Option<&DateTime> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::InternalDate(date) => Some(date),
            _ => None,
        })
    }

    /// `MODSEQ` (RFC 7162).
    pub fn modseq(&self) -> Option<u64> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::ModSeq(modseq) => Some(*modseq),
            _ => None,
        })
    }

    /// The bytes of `BODY[section]` (asked as `BODY[...]` or
    /// `BODY.PEEK[...]`); `None` when not fetched or NIL.
    /// [`Section::default()`] is the whole message.
    pub fn section(&self, section: &Section) -> Option<&[u8]> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::BodySection { section: s, data, .. } if s == section => data.as_ref().map(|d| &d[..]),
            _ => None,
        })
    }

    /// Everything the server sent for the message, in its order.
    pub fn attributes(&self) -> &[MessageAttribute] {
        &self.attributes
    }
}

/// A set of messages from a Rust value: `5`, `2..=9`, `10..` (to the
/// last), `..` (all), a [`SequenceSet`], or `&[u32]` of numbers.
pub trait IntoMessageSet {
    /// The set, or why it is not one (0 is no message number).
    fn into_message_set(self) -> Result<SequenceSet, Error>;
}

impl<T> IntoMessageSet for T
where
    T: TryInto<SequenceSet>,
    Error: From<T::Error>,
{
    fn into_message_set(self) -> Result<SequenceSet, Error> {
        Ok(self.try_into()?)
    }
}

impl ImapClient {
    fn name(&self, name: &str) -> Mailbox {
        self.machine().mailbox_name(name)
    }

    async fn open(&mut self, name: &str, read_only: bool) -> Result<SelectedMailbox, Error> {
        let mailbox = self.name(name);
        let body = if read_only {
            CommandBody::Examine { mailbox, parameters: Vec::new() }
        } else {
            CommandBody::Select { mailbox, parameters: Vec::new() }
        };
        self.execute(body).await?;
        self.machine().mailbox().cloned().ok_or(Error::Misuse("the selected mailbox was not recorded"))
    }

    /// SELECT: opens `mailbox` read-write; its counts, flags, UIDVALIDITY
    /// and UIDNEXT as the server gave them (kept current afterwards in
    /// `machine().mailbox()`).
    pub async fn select(&mut self, mailbox: &str) -> Result<SelectedMailbox, Error> {
        self.open(mailbox, false).await
    }

    /// EXAMINE: [`ImapClient::select`] read-only (no flag changes, no
    /// `\Recent` taken).
    pub async fn examine(&mut self, mailbox: &str) -> Result<SelectedMailbox, Error> {
        self.open(mailbox, true).await
    }

    async fn listing(&mut self, body: CommandBody) -> Result<Vec<ListEntry>, Error> {
        let outcome = self.execute(body).await?;
        Ok(outcome
            .data
            .into_iter()
            .filter_map(|data| match data {
                Data::List(item) | Data::Lsub(item) => Some(ListEntry::from_item(item)),
                _ => None,
            })
            .collect())
    }

    /// LIST `reference` `pattern` (`*` matches across levels, `%` within
    /// one): the mailboxes, their delimiter and attributes.
    pub async fn list(&mut self, reference: &str, pattern: &str) -> Result<Vec<ListEntry>, Error> {
        let body = CommandBody::list(self.name(reference), IString::from(self.name(pattern).as_bytes().to_vec()));
        self.listing(body).await
    }

    /// LSUB: the subscribed mailboxes matching `pattern`.
    pub async fn lsub(&mut self, reference: &str, pattern: &str) -> Result<Vec<ListEntry>, Error> {
        let body = CommandBody::Lsub {
            reference: self.name(reference),
            pattern: IString::from(self.name(pattern).as_bytes().to_vec()),
        };
        self.listing(body).await
    }

    /// STATUS: `items` of a mailbox without selecting it.
    pub async fn status(&mut self, mailbox: &str, items: &[StatusAttribute]) -> Result<Vec<StatusItem>, Error> {
        let body = CommandBody::Status { mailbox: self.name(mailbox), attributes: items.to_vec() };
        let outcome = self.execute(body).await?;
        Ok(outcome
            .data
            .into_iter()
            .filter_map(|data| match data {
                Data::Status { items, .. } => Some(items),
                _ => None,
            })
            .flatten()
            .collect())
    }

    /// CREATE.
    pub async fn create(&mut self, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Create { mailbox: self.name(mailbox), parameters: Vec::new() };
        self.execute(body).await.map(drop)
    }

    /// DELETE.
    pub async fn delete(&mut self, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Delete(self.name(mailbox));
        self.execute(body).await.map(drop)
    }

    /// RENAME.
    pub async fn rename(&mut self, from: &str, to: &str) -> Result<(), Error> {
        let body = CommandBody::Rename { from: self.name(from), to: self.name(to) };
        self.execute(body).await.map(drop)
    }

    /// SUBSCRIBE.
    pub async fn subscribe(&mut self, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Subscribe(self.name(mailbox));
        self.execute(body).await.map(drop)
    }

    /// UNSUBSCRIBE.
    pub async fn unsubscribe(&mut self, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Unsubscribe(self.name(mailbox));
        self.execute(body).await.map(drop)
    }

    /// NOOP: lets the server send what changed (read them with
    /// [`ImapClient::take_updates`]).
    pub async fn noop(&mut self) -> Result<(), Error> {
        self.execute(CommandBody::Noop).await.map(drop)
    }

    async fn fetching(
        &mut self,
        uid: bool,
        set: SequenceSet,
        items: impl IntoIterator<Item = FetchAttribute>,
    ) -> Result<Vec<Message>, Error> {
        // A sequence set naming messages of an empty mailbox is an error
        // to the server (1:* names none): nothing to ask.
        if !uid && self.machine().mailbox().is_some_and(|m| m.exists == 0) {
            return Ok(Vec::new());
        }
        let items: Vec<FetchAttribute> = items.into_iter().collect();
        if items.is_empty() {
            return Err(Error::Misuse("FETCH needs at least one item"));
        }
        let body =
            CommandBody::Fetch { uid, sequence_set: set, items: FetchItems::Attributes(items), modifiers: Vec::new() };
        let outcome = self.execute(body).await?;
        Ok(outcome
            .data
            .into_iter()
            .filter_map(|data| match data {
                Data::Fetch { seq, attributes } => Some(Message { seq, attributes }),
                _ => None,
            })
            .collect())
    }

    /// FETCH `items` of the messages `set` names by sequence number
    /// (`..` for all; an empty mailbox gives an empty list without
    /// asking).
    pub async fn fetch(
        &mut self,
        set: impl IntoMessageSet,
        items: impl IntoIterator<Item = FetchAttribute>,
    ) -> Result<Vec<Message>, Error> {
        let set = set.into_message_set()?;
        self.fetching(false, set, items).await
    }

    /// UID FETCH: [`ImapClient::fetch`] with `set` naming UIDs (each
    /// message's UID comes with it).
    pub async fn uid_fetch(
        &mut self,
        set: impl IntoMessageSet,
        items: impl IntoIterator<Item = FetchAttribute>,
    ) -> Result<Vec<Message>, Error> {
        let set = set.into_message_set()?;
        self.fetching(true, set, items).await
    }
}
