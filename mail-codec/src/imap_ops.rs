//! Typed IMAP operations on [`ImapClient`]: each command as a method that
//! takes Rust values (names as `&str`, message sets from numbers and
//! ranges) and returns what the server said, typed. Mailbox names are
//! encoded as the connection needs (modified UTF-7, or UTF-8 once
//! IMAP4rev2 or UTF8=ACCEPT is on); no IMAP syntax is written by hand.
//!
//! ```no_run
//! # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), mail_codec::Error> {
//! use mail_codec::imap_ops::{Items, Query};
//!
//! for entry in imap.list("", "*").await? {
//!     println!("{}", entry.name);
//! }
//! let inbox = imap.select("INBOX").await?;
//! println!("{} messages", inbox.exists);
//! let mut messages = imap.fetch(.., Items::new().uid().flags().envelope()).await?;
//! while let Some(message) = messages.next().await? {
//!     let flags: Vec<String> = message.flags().iter().map(|f| f.to_string()).collect();
//!     println!("{:?} {:?} {:?}", message.uid(), flags, message.subject());
//! }
//! let unseen_from_bob = imap.uid_search(Query::new().unseen().from("bob@example.org")).await?;
//! # Ok(()) }
//! ```

use std::num::NonZeroU32;

use bytes::{Bytes, BytesMut};
use imap_wire::client::{ClientEvent, SelectedMailbox};
use imap_wire::{
    AppendContent, AppendMessage, BodyStructure, CommandBody, Data, DateTime, Envelope, FetchAttribute, FetchItems,
    Flag, FlagFetch, IString, LiteralAttribute, Mailbox, MailboxAttribute, MessageAttribute, SearchKey,
    SearchReturnData, Section, SequenceSet, StatusAttribute, StatusItem, StoreAction, Tag,
};

pub use crate::imap_builders::{Items, Query};
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

    /// The whole message (`BODY[]`), when fetched and not streamed.
    pub fn body(&self) -> Option<&[u8]> {
        self.section(&Section::default())
    }

    /// The header (`BODY[HEADER]`), when fetched and not streamed.
    pub fn header(&self) -> Option<&[u8]> {
        self.section(&Section { part: Vec::new(), text: Some(imap_wire::SectionText::Header) })
    }

    /// Everything the server sent for the message, in its order.
    pub fn attributes(&self) -> &[MessageAttribute] {
        &self.attributes
    }
}

/// A piece of a FETCH answer, as [`Fetch::next_part`] gives them: sections
/// larger than the streaming threshold
/// ([`ImapClient::set_stream_sections_above`]) come first, in pieces, then
/// the message they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchPart {
    /// A large section of message `seq` begins; its bytes follow in
    /// [`FetchPart::SectionData`], `size` in all.
    SectionStart {
        /// The message's sequence number.
        seq: NonZeroU32,
        /// Which section (`BODY[]`, `BODY[1]`, `BINARY[2]`, ...).
        attribute: LiteralAttribute,
        /// Its size as announced.
        size: u64,
    },
    /// The next bytes of the section begun last.
    SectionData(Bytes),
    /// A message, complete but for the sections streamed before it.
    Message(Message),
}

/// A FETCH in progress ([`ImapClient::fetch`], [`ImapClient::uid_fetch`]):
/// its messages one by one as they arrive, a stream. The connection is
/// borrowed until the FETCH is read to its end or dropped (the rest of
/// its answer is then skipped as it comes, by whatever command waits
/// next).
///
/// ```no_run
/// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), mail_codec::Error> {
/// use mail_codec::imap_ops::Items;
/// let mut messages = imap.fetch(.., Items::new().uid().flags().size()).await?;
/// while let Some(message) = messages.next().await? {
///     println!("{:?} {:?} bytes", message.uid(), message.size());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Fetch<'a> {
    client: &'a mut ImapClient,
    /// The FETCH's tag; `None` once it completed (or when nothing was
    /// asked).
    tag: Option<Tag>,
    /// Sections streamed for the message still to come.
    streamed: Vec<LiteralAttribute>,
}

impl<'a> Fetch<'a> {
    /// The next piece of the answer: large sections in pieces, then their
    /// message; `None` once the FETCH completed. Memory stays bounded by
    /// the streaming threshold whatever the message sizes. A tagged NO or
    /// BAD is [`Error::ImapRefused`] (the messages before it were given).
    /// Cancel-safe.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use mail_codec::imap_ops::{FetchPart, Items};
    /// use tokio::io::AsyncWriteExt;
    /// // Any AsyncWrite: a file, a socket, a hasher.
    /// let mut saved = tokio::io::BufWriter::new(tokio::io::sink());
    /// let mut fetch = imap.uid_fetch(42, Items::new().whole_message()).await?;
    /// while let Some(part) = fetch.next_part().await? {
    ///     match part {
    ///         FetchPart::SectionStart { size, .. } => println!("{size} bytes coming"),
    ///         FetchPart::SectionData(bytes) => saved.write_all(&bytes).await?,
    ///         // A small message comes whole.
    ///         FetchPart::Message(message) => saved.write_all(message.body().unwrap_or_default()).await?,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next_part(&mut self) -> Result<Option<FetchPart>, Error> {
        loop {
            let Some(tag) = self.tag.clone() else { return Ok(None) };
            let event = match self.client.pump_event().await {
                Ok(event) => event,
                Err(error) => {
                    if let Some(tag) = self.tag.take() {
                        self.client.abandoned.remove(&tag);
                    }
                    return Err(error);
                }
            };
            match event {
                ClientEvent::SectionStart { command, seq, attribute, size } if command == tag => {
                    self.streamed.push(attribute.clone());
                    return Ok(Some(FetchPart::SectionStart { seq, attribute, size }));
                }
                ClientEvent::SectionData { command, data } if command == tag => {
                    return Ok(Some(FetchPart::SectionData(data)));
                }
                ClientEvent::Data { data: Data::Fetch { seq, mut attributes }, command: Some(command) }
                    if command == tag =>
                {
                    for streamed in self.streamed.drain(..) {
                        if let Some(i) = attributes.iter().position(|a| is_placeholder(a, &streamed)) {
                            attributes.remove(i);
                        }
                    }
                    return Ok(Some(FetchPart::Message(Message { seq, attributes })));
                }
                ClientEvent::Completed { command, status } if command.tag == tag => {
                    self.tag = None;
                    self.client.abandoned.remove(&command.tag);
                    if status.kind == imap_wire::StatusKind::Ok {
                        return Ok(None);
                    }
                    return Err(Error::ImapRefused { command: Box::new(command), status: Box::new(status) });
                }
                ClientEvent::Failed { command, error } if command.tag == tag => {
                    self.tag = None;
                    self.client.abandoned.remove(&command.tag);
                    return Err(Error::ImapPeer(error));
                }
                other => self.client.route(other),
            }
        }
    }

    /// The next message, whole (large sections joined again in memory:
    /// use [`Fetch::next_part`] to keep them out of it); `None` once the
    /// FETCH completed.
    pub async fn next(&mut self) -> Result<Option<Message>, Error> {
        let mut sections: Vec<(LiteralAttribute, BytesMut)> = Vec::new();
        loop {
            match self.next_part().await? {
                None => return Ok(None),
                Some(FetchPart::SectionStart { attribute, size, .. }) => {
                    sections.push((attribute, BytesMut::with_capacity(size.min(1 << 20) as usize)));
                }
                Some(FetchPart::SectionData(data)) => {
                    if let Some((_, joined)) = sections.last_mut() {
                        joined.extend_from_slice(&data);
                    }
                }
                Some(FetchPart::Message(mut message)) => {
                    message.attributes.extend(sections.into_iter().map(|(a, b)| literal_value(a, b.freeze())));
                    return Ok(Some(message));
                }
            }
        }
    }

    /// The messages as a [`futures_core::Stream`] (for `StreamExt`'s
    /// combinators: `try_collect`, `take`, `filter`, ...). Each item is a
    /// whole message, as [`Fetch::next`] gives it.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), mail_codec::Error> {
    /// use futures_util::TryStreamExt;
    /// use mail_codec::imap_ops::Items;
    /// let stream = imap.fetch(.., Items::new().uid().size()).await?.into_stream();
    /// let large: Vec<_> = stream.try_filter(|m| std::future::ready(m.size() > Some(1 << 20))).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn into_stream(self) -> FetchStream<'a> {
        FetchStream { fetch: Some(self), pending: None }
    }

    /// Every message, read to the end of the FETCH.
    pub async fn collect(mut self) -> Result<Vec<Message>, Error> {
        let mut all = Vec::new();
        while let Some(message) = self.next().await? {
            all.push(message);
        }
        Ok(all)
    }
}

/// A [`Fetch`] as a [`futures_core::Stream`] of whole messages
/// ([`Fetch::into_stream`]).
pub struct FetchStream<'a> {
    /// The Fetch, while no read is under way.
    fetch: Option<Fetch<'a>>,
    /// The read under way; it gives the Fetch back with its result.
    pending: Option<Pending<'a>>,
}

type Pending<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = (Fetch<'a>, Result<Option<Message>, Error>)> + Send + 'a>>;

impl std::fmt::Debug for FetchStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchStream").field("reading", &self.pending.is_some()).finish()
    }
}

impl<'a> futures_core::Stream for FetchStream<'a> {
    type Item = Result<Message, Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if self.pending.is_none() {
            let Some(mut fetch) = self.fetch.take() else { return std::task::Poll::Ready(None) };
            self.pending = Some(Box::pin(async move {
                let next = fetch.next().await;
                (fetch, next)
            }));
        }
        let Some(pending) = self.pending.as_mut() else { return std::task::Poll::Ready(None) };
        let (fetch, next) = std::task::ready!(pending.as_mut().poll(cx));
        self.pending = None;
        // After an error or the end, nothing more.
        if matches!(next, Ok(Some(_))) {
            self.fetch = Some(fetch);
        }
        std::task::Poll::Ready(next.transpose())
    }
}

/// Whether `attribute` is what stands in a FETCH response for the
/// `streamed` section (its content empty).
fn is_placeholder(attribute: &MessageAttribute, streamed: &LiteralAttribute) -> bool {
    use LiteralAttribute as L;
    use MessageAttribute as M;
    let empty = |d: &imap_wire::NString| d.as_ref().is_some_and(|d| d.is_empty());
    match (attribute, streamed) {
        (M::BodySection { section, origin, data }, L::BodySection { section: s, origin: o }) => {
            section == s && origin == o && empty(data)
        }
        (M::Binary { part, origin, data }, L::Binary { part: p, origin: o }) => part == p && origin == o && empty(data),
        (M::Rfc822(d), L::Rfc822) | (M::Rfc822Header(d), L::Rfc822Header) | (M::Rfc822Text(d), L::Rfc822Text) => {
            empty(d)
        }
        _ => false,
    }
}

/// A streamed section with its content, as a message attribute.
fn literal_value(attribute: LiteralAttribute, content: Bytes) -> MessageAttribute {
    let data = Some(IString::from(content));
    match attribute {
        LiteralAttribute::BodySection { section, origin } => MessageAttribute::BodySection { section, origin, data },
        LiteralAttribute::Binary { part, origin } => MessageAttribute::Binary { part, origin, data },
        LiteralAttribute::Rfc822 => MessageAttribute::Rfc822(data),
        LiteralAttribute::Rfc822Header => MessageAttribute::Rfc822Header(data),
        LiteralAttribute::Rfc822Text => MessageAttribute::Rfc822Text(data),
    }
}

/// Puts streamed sections back into their FETCH response, in place of
/// the empty stand-ins, in order.
pub(crate) fn fill_sections(
    attributes: &mut [MessageAttribute],
    sections: impl IntoIterator<Item = (LiteralAttribute, Bytes)>,
) {
    for (attribute, content) in sections {
        if let Some(slot) = attributes.iter_mut().find(|a| is_placeholder(a, &attribute)) {
            *slot = literal_value(attribute, content);
        }
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
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let inbox = imap.select("INBOX").await?;
    /// println!("{} messages, UIDVALIDITY {:?}", inbox.exists, inbox.uid_validity);
    /// # Ok(()) }
    /// ```
    pub async fn select(&mut self, mailbox: &str) -> Result<SelectedMailbox, Error> {
        self.open(mailbox, false).await
    }

    /// EXAMINE: [`ImapClient::select`] read-only (no flag changes, no
    /// `\Recent` taken).
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let archive = imap.examine("Archive").await?;
    /// assert!(archive.read_only);
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// for entry in imap.list("", "*").await? {
    ///     println!("{} {:?} selectable: {}", entry.name, entry.delimiter, entry.selectable());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&mut self, reference: &str, pattern: &str) -> Result<Vec<ListEntry>, Error> {
        let body = CommandBody::list(self.name(reference), IString::from(self.name(pattern).as_bytes().to_vec()));
        self.listing(body).await
    }

    /// LSUB: the subscribed mailboxes matching `pattern`.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let subscribed: Vec<String> = imap.lsub("", "*").await?.into_iter().map(|e| e.name).collect();
    /// # Ok(()) }
    /// ```
    pub async fn lsub(&mut self, reference: &str, pattern: &str) -> Result<Vec<ListEntry>, Error> {
        let body = CommandBody::Lsub {
            reference: self.name(reference),
            pattern: IString::from(self.name(pattern).as_bytes().to_vec()),
        };
        self.listing(body).await
    }

    /// STATUS: `items` of a mailbox without selecting it.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use mail_codec::imap_wire::StatusAttribute;
    /// for item in imap.status("INBOX", &[StatusAttribute::Messages, StatusAttribute::Unseen]).await? {
    ///     println!("{:?} {:?}", item.attribute, item.value);
    /// }
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.create("Projects/2027").await?;
    /// # Ok(()) }
    /// ```
    pub async fn create(&mut self, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Create { mailbox: self.name(mailbox), parameters: Vec::new() };
        self.execute(body).await.map(drop)
    }

    /// DELETE.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.delete("Projects/2026").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&mut self, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Delete(self.name(mailbox));
        self.execute(body).await.map(drop)
    }

    /// RENAME.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.rename("Drafts/old", "Drafts/kept").await?;
    /// # Ok(()) }
    /// ```
    pub async fn rename(&mut self, from: &str, to: &str) -> Result<(), Error> {
        let body = CommandBody::Rename { from: self.name(from), to: self.name(to) };
        self.execute(body).await.map(drop)
    }

    /// SUBSCRIBE.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.subscribe("Projects/2027").await?;
    /// # Ok(()) }
    /// ```
    pub async fn subscribe(&mut self, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Subscribe(self.name(mailbox));
        self.execute(body).await.map(drop)
    }

    /// UNSUBSCRIBE.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.unsubscribe("Projects/2026").await?;
    /// # Ok(()) }
    /// ```
    pub async fn unsubscribe(&mut self, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Unsubscribe(self.name(mailbox));
        self.execute(body).await.map(drop)
    }

    /// NOOP: lets the server send what changed (read them with
    /// [`ImapClient::take_updates`]).
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.noop().await?;
    /// for update in imap.take_updates() {
    ///     println!("{update:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn noop(&mut self) -> Result<(), Error> {
        self.execute(CommandBody::Noop).await.map(drop)
    }

    async fn fetching(
        &mut self,
        uid: bool,
        set: SequenceSet,
        items: impl IntoIterator<Item = FetchAttribute>,
    ) -> Result<Fetch<'_>, Error> {
        let items: Vec<FetchAttribute> = items.into_iter().collect();
        if items.is_empty() {
            return Err(Error::Misuse("FETCH needs at least one item"));
        }
        // A sequence set naming messages of an empty mailbox is an error
        // to the server (1:* names none): nothing to ask.
        if !uid && self.machine().mailbox().is_some_and(|m| m.exists == 0) {
            return Ok(Fetch { client: self, tag: None, streamed: Vec::new() });
        }
        let body =
            CommandBody::Fetch { uid, sequence_set: set, items: FetchItems::Attributes(items), modifiers: Vec::new() };
        let tag = self.send(body)?;
        // Its answers are the Fetch's to take; whatever of them reaches
        // the client's own routing (the Fetch was dropped before the end)
        // is skipped.
        self.abandoned.insert(tag.clone());
        let fetch = Fetch { client: self, tag: Some(tag), streamed: Vec::new() };
        fetch.client.pump_flush().await?;
        Ok(fetch)
    }

    /// FETCH `items` of the messages `set` names by sequence number (`..`
    /// for all): the messages as they arrive ([`Fetch`]; `.collect()` for
    /// a list). An empty mailbox gives none without asking.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), mail_codec::Error> {
    /// use mail_codec::imap_ops::Items;
    /// imap.select("INBOX").await?;
    /// let mut messages = imap.fetch(.., Items::new().uid().flags().envelope()).await?;
    /// while let Some(message) = messages.next().await? {
    ///     println!("{:?} {:?}", message.uid(), message.subject());
    /// }
    /// let first_ten = imap.fetch(1..=10, Items::new().size()).await?.collect().await?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch(
        &mut self,
        set: impl IntoMessageSet,
        items: impl IntoIterator<Item = FetchAttribute>,
    ) -> Result<Fetch<'_>, Error> {
        let set = set.into_message_set()?;
        self.fetching(false, set, items).await
    }

    /// UID FETCH: [`ImapClient::fetch`] with `set` naming UIDs (each
    /// message's UID comes with it).
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), mail_codec::Error> {
    /// use mail_codec::imap_ops::Items;
    /// imap.select("INBOX").await?;
    /// let mut messages = imap.uid_fetch(4000.., Items::new().flags().whole_message()).await?;
    /// while let Some(message) = messages.next().await? {
    ///     println!("{:?}: {} bytes", message.uid(), message.body().map_or(0, <[u8]>::len));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn uid_fetch(
        &mut self,
        set: impl IntoMessageSet,
        items: impl IntoIterator<Item = FetchAttribute>,
    ) -> Result<Fetch<'_>, Error> {
        let set = set.into_message_set()?;
        self.fetching(true, set, items).await
    }

    async fn searching(&mut self, uid: bool, criteria: Vec<SearchKey>) -> Result<Vec<NonZeroU32>, Error> {
        let charset = (!criteria_are_ascii(&criteria)).then(|| IString::from("UTF-8"));
        let criteria = if criteria.is_empty() { vec![SearchKey::All] } else { criteria };
        let body = CommandBody::Search { uid, return_options: None, charset, criteria };
        let outcome = self.execute(body).await?;
        // No mailbox has more matches than messages: a range in an ESEARCH
        // answer is expanded that far and no further.
        let most = self.machine().mailbox().map_or(0, |m| m.exists as usize);
        let mut found = Vec::new();
        for data in outcome.data {
            match data {
                Data::Search { ids, .. } => found.extend(ids),
                Data::ESearch(answer) => {
                    for item in answer.data {
                        if let SearchReturnData::All(set) = item {
                            numbers_of(&set, most.saturating_sub(found.len()), &mut found)?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(found)
    }

    /// SEARCH: the sequence numbers of the messages matching every key
    /// (none: all). A key with non-ASCII text sends `CHARSET UTF-8` (RFC
    /// 3501's default is US-ASCII, which strict servers hold to).
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), mail_codec::Error> {
    /// use mail_codec::imap_wire::SearchKey;
    /// let unseen_from_bob = imap.search([SearchKey::Unseen, SearchKey::From("bob".into())]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn search(&mut self, criteria: impl IntoIterator<Item = SearchKey>) -> Result<Vec<NonZeroU32>, Error> {
        self.searching(false, criteria.into_iter().collect()).await
    }

    /// UID SEARCH: [`ImapClient::search`] answering UIDs.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use mail_codec::imap_ops::Query;
    /// let flagged = imap.uid_search(Query::new().flagged().not(Query::new().deleted())).await?;
    /// # Ok(()) }
    /// ```
    pub async fn uid_search(
        &mut self,
        criteria: impl IntoIterator<Item = SearchKey>,
    ) -> Result<Vec<NonZeroU32>, Error> {
        self.searching(true, criteria.into_iter().collect()).await
    }

    async fn storing(
        &mut self,
        uid: bool,
        set: SequenceSet,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<Vec<Message>, Error> {
        let body = CommandBody::Store {
            uid,
            sequence_set: set,
            modifiers: Vec::new(),
            action,
            silent: false,
            flags: flags.to_vec(),
        };
        Ok(messages(self.execute(body).await?.data))
    }

    /// STORE: adds, removes or replaces `flags` on the messages `set`
    /// names; the messages' flags as they are now.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use mail_codec::imap_wire::{Flag, StoreAction};
    /// let now = imap.store(1..=3, StoreAction::Add, &[Flag::Seen]).await?;
    /// println!("{:?}", now[0].flags());
    /// # Ok(()) }
    /// ```
    pub async fn store(
        &mut self,
        set: impl IntoMessageSet,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<Vec<Message>, Error> {
        let set = set.into_message_set()?;
        self.storing(false, set, action, flags).await
    }

    /// UID STORE: [`ImapClient::store`] by UID.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use mail_codec::imap_wire::{Flag, StoreAction};
    /// let work = Flag::parse_name("$Work")?;
    /// imap.uid_store(&[41u32, 42][..], StoreAction::Remove, &[work]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn uid_store(
        &mut self,
        set: impl IntoMessageSet,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<Vec<Message>, Error> {
        let set = set.into_message_set()?;
        self.storing(true, set, action, flags).await
    }

    /// COPY to `mailbox`.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.copy(1..=10, "Archive").await?;
    /// # Ok(()) }
    /// ```
    pub async fn copy(&mut self, set: impl IntoMessageSet, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Copy { uid: false, sequence_set: set.into_message_set()?, mailbox: self.name(mailbox) };
        self.execute(body).await.map(drop)
    }

    /// UID COPY to `mailbox`.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.uid_copy(4711, "Archive").await?;
    /// # Ok(()) }
    /// ```
    pub async fn uid_copy(&mut self, set: impl IntoMessageSet, mailbox: &str) -> Result<(), Error> {
        let body = CommandBody::Copy { uid: true, sequence_set: set.into_message_set()?, mailbox: self.name(mailbox) };
        self.execute(body).await.map(drop)
    }

    /// Moves messages named by UID to `mailbox`: MOVE (RFC 6851) where
    /// offered; else, with UIDPLUS, COPY, `\Deleted` and a UID EXPUNGE of
    /// exactly those messages. A server with neither gets no command:
    /// its EXPUNGE would also remove every message another client marked
    /// `\Deleted` ([`Error::Unsupported`]; copy and flag with
    /// [`ImapClient::uid_copy`] and [`ImapClient::uid_store`] if that is
    /// what is wanted).
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// match imap.uid_move(4711, "Archive").await {
    ///     Err(mail_codec::Error::Unsupported(why)) => println!("not moved: {why}"),
    ///     other => other?,
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn uid_move(&mut self, set: impl IntoMessageSet, mailbox: &str) -> Result<(), Error> {
        let set = set.into_message_set()?;
        if self.has_capability("MOVE").await? {
            let body = CommandBody::Move { uid: true, sequence_set: set, mailbox: self.name(mailbox) };
            return self.execute(body).await.map(drop);
        }
        if !self.has_capability("UIDPLUS").await? {
            return Err(Error::Unsupported(
                "MOVE, nor UIDPLUS to expunge only the moved messages (an EXPUNGE would remove others' \\Deleted too)",
            ));
        }
        self.uid_copy(set.clone(), mailbox).await?;
        self.storing(true, set.clone(), StoreAction::Add, &[Flag::Deleted]).await?;
        self.execute(CommandBody::UidExpunge(set)).await.map(drop)
    }

    /// EXPUNGE: removes every `\Deleted` message of the selected mailbox;
    /// the sequence numbers expunged, in the order the server said them.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let removed = imap.expunge().await?;
    /// println!("{} messages expunged", removed.len());
    /// # Ok(()) }
    /// ```
    pub async fn expunge(&mut self) -> Result<Vec<NonZeroU32>, Error> {
        let outcome = self.execute(CommandBody::Expunge).await?;
        Ok(outcome
            .data
            .into_iter()
            .filter_map(|data| match data {
                Data::Expunge(seq) => Some(seq),
                _ => None,
            })
            .collect())
    }

    /// UID EXPUNGE (UIDPLUS, RFC 4315): removes only the `\Deleted`
    /// messages among the UIDs `set` names.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use mail_codec::imap_wire::{Flag, StoreAction};
    /// imap.uid_store(4711, StoreAction::Add, &[Flag::Deleted]).await?;
    /// imap.uid_expunge(4711).await?;
    /// # Ok(()) }
    /// ```
    pub async fn uid_expunge(&mut self, set: impl IntoMessageSet) -> Result<(), Error> {
        if !self.has_capability("UIDPLUS").await? {
            return Err(Error::Unsupported("UIDPLUS (UID EXPUNGE)"));
        }
        self.execute(CommandBody::UidExpunge(set.into_message_set()?)).await.map(drop)
    }

    /// APPEND `message` to `mailbox` with `flags`. With `crlf`, bare LF
    /// line ends are sent as CRLF (RFC 5322 mail has CRLF; servers such as
    /// Cyrus refuse bare newlines); without it the bytes go as they are.
    /// The new message's UID when the server says (UIDPLUS `APPENDUID`).
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// use mail_codec::imap_wire::Flag;
    /// let message = b"From: me@example.org\nSubject: note\n\nWritten with LF line ends.\n";
    /// let uid = imap.append("Drafts", message, &[Flag::Draft], true).await?;
    /// println!("stored as UID {uid:?}");
    /// # Ok(()) }
    /// ```
    pub async fn append(
        &mut self,
        mailbox: &str,
        message: &[u8],
        flags: &[Flag],
        crlf: bool,
    ) -> Result<Option<NonZeroU32>, Error> {
        let content = if crlf { to_crlf(message) } else { message.to_vec() };
        let message = AppendMessage {
            flags: flags.to_vec(),
            date: None,
            content: AppendContent::Literal(IString::from(content)),
        };
        let body = CommandBody::Append { mailbox: self.name(mailbox), messages: vec![message] };
        let outcome = self.execute(body).await?;
        Ok(match outcome.status.code.as_deref() {
            Some(imap_wire::Code::AppendUid { uids, .. }) => {
                let mut first = Vec::new();
                numbers_of(uids, 1, &mut first).ok().and_then(|()| first.first().copied())
            }
            _ => None,
        })
    }
}

impl ImapClient {
    /// ENABLE (RFC 5161) the named extensions (`CONDSTORE`, `QRESYNC`,
    /// `UTF8=ACCEPT`, `IMAP4rev2`, ...); those the server enabled.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let enabled = imap.enable(&["CONDSTORE", "UTF8=ACCEPT"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn enable(&mut self, names: &[&str]) -> Result<Vec<String>, Error> {
        let atoms = names.iter().map(|n| imap_wire::Atom::try_from(*n)).collect::<Result<Vec<_>, _>>()?;
        let outcome = self.execute(CommandBody::Enable(atoms)).await?;
        Ok(outcome
            .data
            .into_iter()
            .filter_map(|data| match data {
                Data::Enabled(names) => Some(names),
                _ => None,
            })
            .flatten()
            .map(|name| name.as_str().to_string())
            .collect())
    }

    /// NAMESPACE (RFC 2342): the personal namespaces (prefix and
    /// delimiter), where a client should create its mailboxes.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// for personal in imap.namespace().await? {
    ///     println!("prefix {:?}", String::from_utf8_lossy(&personal.prefix[..]));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn namespace(&mut self) -> Result<Vec<imap_wire::NamespaceDescription>, Error> {
        let outcome = self.execute(CommandBody::Namespace).await?;
        Ok(outcome
            .data
            .into_iter()
            .filter_map(|data| match data {
                Data::Namespace { personal, .. } => personal,
                _ => None,
            })
            .flatten()
            .collect())
    }

    /// ID (RFC 2971): tells the server `fields` (name, version, ...) and
    /// returns what it says of itself.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let server = imap.id(&[("name", "my-client"), ("version", "1.0")]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn id(&mut self, fields: &[(&str, &str)]) -> Result<Vec<(String, Option<String>)>, Error> {
        let ours = fields.iter().map(|(k, v)| (IString::from(*k), Some(IString::from(*v)))).collect();
        let outcome = self.execute(CommandBody::Id(Some(ours))).await?;
        let text = |s: &IString| String::from_utf8_lossy(&s[..]).into_owned();
        Ok(outcome
            .data
            .into_iter()
            .filter_map(|data| match data {
                Data::Id(Some(theirs)) => Some(theirs),
                _ => None,
            })
            .flatten()
            .map(|(k, v)| (text(&k), v.as_ref().map(text)))
            .collect())
    }
}

/// The numbers a set names (no `*`: a server's answer names messages),
/// at most `room` of them.
fn numbers_of(set: &SequenceSet, room: usize, out: &mut Vec<NonZeroU32>) -> Result<(), Error> {
    use imap_wire::{SeqNumber, SeqRange};
    let value = |n: &SeqNumber| match n {
        SeqNumber::Value(v) => Some(*v),
        SeqNumber::Largest => None,
    };
    let too_many = Error::Impossible("more search matches than messages in the mailbox");
    let mut left = room;
    for range in set.ranges() {
        let (low, high) = match range {
            SeqRange::Single(n) => match value(n) {
                Some(v) => (v.get(), v.get()),
                None => continue,
            },
            SeqRange::Range(a, b) => match (value(a), value(b)) {
                (Some(a), Some(b)) => (a.get().min(b.get()), a.get().max(b.get())),
                _ => continue,
            },
            SeqRange::Saved => continue,
        };
        let count = (high - low) as usize + 1;
        if count > left {
            return Err(too_many);
        }
        left -= count;
        out.extend((low..=high).filter_map(NonZeroU32::new));
    }
    Ok(())
}

/// The FETCH responses among a command's data, as messages.
fn messages(data: Vec<Data>) -> Vec<Message> {
    data.into_iter()
        .filter_map(|data| match data {
            Data::Fetch { seq, attributes } => Some(Message { seq, attributes }),
            _ => None,
        })
        .collect()
}

/// Whether every string in the keys is ASCII (an explicit stack: keys
/// nest through NOT, OR and parentheses).
fn criteria_are_ascii(criteria: &[SearchKey]) -> bool {
    let mut stack: Vec<&SearchKey> = criteria.iter().collect();
    while let Some(key) = stack.pop() {
        let ascii = |s: &IString| s.is_ascii();
        let fine = match key {
            SearchKey::Bcc(s)
            | SearchKey::Body(s)
            | SearchKey::Cc(s)
            | SearchKey::From(s)
            | SearchKey::Subject(s)
            | SearchKey::Text(s)
            | SearchKey::To(s) => ascii(s),
            SearchKey::Header(name, value) => ascii(name) && ascii(value),
            SearchKey::Not(inner) => {
                stack.push(inner);
                true
            }
            SearchKey::Or(a, b) => {
                stack.push(a);
                stack.push(b);
                true
            }
            SearchKey::And(keys) => {
                stack.extend(keys.iter());
                true
            }
            _ => true,
        };
        if !fine {
            return false;
        }
    }
    true
}

/// Bare LF as CRLF (CRLF kept).
fn to_crlf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 32);
    let mut previous = 0u8;
    for &byte in message {
        if byte == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(byte);
        previous = byte;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_and_charsets() {
        assert_eq!(to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(to_crlf(b"\r\r\n"), b"\r\r\n");
        let nested = SearchKey::Not(Box::new(SearchKey::Or(
            Box::new(SearchKey::Seen),
            Box::new(SearchKey::Subject(IString::from("caf\u{e9}"))),
        )));
        assert!(!criteria_are_ascii(&[SearchKey::Unseen, nested]));
        assert!(criteria_are_ascii(&[SearchKey::Subject(IString::from("cafe"))]));
        let set = SequenceSet::try_from(&[1u32, 2, 3, 9][..]).unwrap();
        let mut found = Vec::new();
        numbers_of(&set, 4, &mut found).unwrap();
        assert_eq!(found.iter().map(|n| n.get()).collect::<Vec<_>>(), [1, 2, 3, 9]);
        let huge = SequenceSet::try_from(1..=u32::MAX).unwrap();
        assert!(matches!(numbers_of(&huge, 10, &mut found), Err(Error::Impossible(_))), "not four billion numbers");
    }
}
