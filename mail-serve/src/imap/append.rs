//! APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502: several messages
//! in one command, all stored or none) and CATENATE (RFC 4469: a message
//! made of text and of messages or parts already on the server, named by
//! IMAP URLs, RFC 5092). Messages go to the store as they arrive, in
//! pieces; a URL's part is copied in pieces too, so that memory stays
//! bounded whatever the sizes.
//!
//! All or none: each message is committed when it is complete, and when a
//! later one fails those already stored are expunged before the NO.
//! Another session may see them meanwhile, for as long as that takes.

use imap_wire::{AppendContent, AppendMessage, CatenatePart, Code, CodeText, Command, CommandBody, FetchAttribute};
use imap_wire::{IString, Mailbox as WireMailbox, SequenceSet, Tag};

use super::content::{Producer, WireReader};
use super::fetch::section_source;
use super::session::{PendingAppend, Session};
use super::util::{compact, no, no_code, nz, Outcome, Refusal};
use crate::store::{Account, FlagOp, Flags, Mailbox, MailboxName, Store, SystemFlags};

/// A streamed APPEND in progress (its messages arrive in pieces).
pub(crate) struct Appending<S: Store> {
    pub tag: Tag,
    /// The target mailbox as the client named it.
    target: WireMailbox,
    /// Its UIDVALIDITY.
    validity: u32,
    /// The message being received.
    current: Option<PendingAppend<S>>,
    /// UIDs this command stored so far.
    stored: Vec<u32>,
    /// Why the command fails; the rest of its data is dropped.
    failed: Option<Refusal>,
}

/// A message or part named by an IMAP URL (RFC 5092 `icommand` of the
/// `imessagepart` form, absolute or relative to this server).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MessageUrl {
    /// The mailbox name (UTF-8, percent-decoded).
    pub mailbox: String,
    pub uid_validity: Option<u32>,
    pub uid: u32,
    /// The section, as in `BODY[section]`.
    pub section: Option<String>,
    /// `;PARTIAL=offset[.length]`.
    pub partial: Option<(u64, Option<u64>)>,
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Reads an IMAP URL naming a message or a part of one; `None` for any
/// other (a search, URLAUTH, another syntax).
pub(crate) fn parse_url(url: &[u8]) -> Option<MessageUrl> {
    let text = std::str::from_utf8(url).ok()?;
    let path = if text.len() > 7 && text[..7].eq_ignore_ascii_case("imap://") {
        // The server is this one: what matters is the path.
        &text[7 + text[7..].find('/')?..]
    } else {
        text
    };
    let path = path.strip_prefix('/')?;
    if path.contains('?') {
        return None;
    }
    let mut segments = path.split("/;");
    let mut head = segments.next()?.split(';');
    let mailbox = percent_decode(head.next()?)?;
    if mailbox.is_empty() {
        return None;
    }
    let mut uid_validity = None;
    for parameter in head {
        let (key, value) = parameter.split_once('=')?;
        if !key.eq_ignore_ascii_case("uidvalidity") {
            return None;
        }
        uid_validity = Some(value.parse().ok().filter(|&v| v > 0)?);
    }
    let (mut uid, mut section, mut partial) = (None, None, None);
    for segment in segments {
        let (key, value) = segment.trim_end_matches('/').split_once('=')?;
        match key.to_ascii_lowercase().as_str() {
            "uid" if uid.is_none() => uid = Some(value.parse().ok().filter(|&u| u > 0)?),
            "section" if uid.is_some() && section.is_none() => section = Some(percent_decode(value)?),
            "partial" if uid.is_some() && partial.is_none() => {
                let (offset, length) = match value.split_once('.') {
                    Some((o, l)) => (o.parse().ok()?, Some(l.parse().ok().filter(|&l: &u64| l > 0)?)),
                    None => (value.parse().ok()?, None),
                };
                partial = Some((offset, length));
            }
            _ => return None,
        }
    }
    Some(MessageUrl { mailbox, uid_validity, uid: uid?, section, partial })
}

/// `NO [BADURL "url"]` (RFC 4469 6).
fn bad_url(url: &IString, why: &str) -> Refusal {
    let mut quoted = Vec::with_capacity(url.len() + 2);
    quoted.push(b'"');
    for &b in url.iter() {
        if b == b'"' || b == b'\\' {
            quoted.push(b'\\');
        }
        quoted.push(b);
    }
    quoted.push(b'"');
    let name = imap_wire::Atom::try_from("BADURL").expect("an atom");
    let code = Code::Other { name, arguments: CodeText::new(quoted).ok() };
    no_code(code, format!("Bad URL: {why}"))
}

impl<S: Store> Session<S> {
    /// APPEND of messages that arrived whole (MULTIAPPEND, CATENATE).
    pub(crate) async fn append_all(&mut self, target: &WireMailbox, messages: &[AppendMessage]) -> Outcome {
        let mut stored = Vec::with_capacity(messages.len());
        let mut validity = 0;
        for message in messages {
            match self.store_message(target, message).await {
                Ok((v, uid)) => {
                    validity = v;
                    stored.push(uid);
                }
                Err(refusal) => {
                    self.unstore(target, &stored).await;
                    return Err(refusal);
                }
            }
        }
        appended(validity, &stored)
    }

    /// Stores one whole message: a literal, or CATENATE's parts in order.
    async fn store_message(&mut self, target: &WireMailbox, message: &AppendMessage) -> Result<(u32, u32), Refusal> {
        let (flags, date) = (&message.flags[..], message.date);
        match &message.content {
            AppendContent::Literal(data) | AppendContent::Utf8(data) => {
                let mut pending = self.begin_append(target, flags, date, data.len() as u64).await?;
                pending.write(data).await.map_err(Refusal::from)?;
                let validity = pending.validity;
                Ok((validity, self.commit_pending(pending).await?))
            }
            AppendContent::Catenate(parts) => {
                let mut pending = self.begin_append(target, flags, date, 0).await?;
                for part in parts {
                    match part {
                        CatenatePart::Text(data) => {
                            pending.write(data).await.map_err(Refusal::from)?;
                        }
                        CatenatePart::Url(url) => self.copy_url(&mut pending, url).await?,
                    }
                }
                let validity = pending.validity;
                Ok((validity, self.commit_pending(pending).await?))
            }
        }
    }

    /// Writes what an IMAP URL names into the upload, in pieces.
    async fn copy_url(&mut self, pending: &mut PendingAppend<S>, url: &IString) -> Result<(), Refusal> {
        let parsed = parse_url(url).ok_or_else(|| bad_url(url, "not a message URL"))?;
        let name = MailboxName::new(&parsed.mailbox, self.service.features.delimiter)
            .map_err(|_| bad_url(url, "no such mailbox"))?;
        let mailbox = self.account()?.open(&name).await.map_err(|_| bad_url(url, "no such mailbox"))?;
        let validity = mailbox.status().await.map_err(Refusal::from)?.uid_validity;
        if parsed.uid_validity.is_some_and(|v| v != validity) {
            return Err(bad_url(url, "UIDVALIDITY differs"));
        }
        let meta = mailbox.messages_by_uid(&[parsed.uid]).await.map_err(Refusal::from)?;
        let meta = meta.into_iter().find(|m| m.uid == parsed.uid).ok_or_else(|| bad_url(url, "no such message"))?;
        let section = match &parsed.section {
            None => imap_wire::Section::default(),
            Some(text) => {
                let line = format!("A FETCH 1 BODY.PEEK[{text}]\r\n");
                match Command::parse(line.as_bytes()) {
                    Ok(Command { body: CommandBody::Fetch { items, .. }, .. }) => match items.expand().first() {
                        Some(FetchAttribute::BodySection { section, .. }) => section.clone(),
                        _ => return Err(bad_url(url, "invalid section")),
                    },
                    _ => return Err(bad_url(url, "invalid section")),
                }
            }
        };
        let needs_structure = !section.part.is_empty() || section.text.is_some();
        let structure = if needs_structure {
            let name = name.as_str().to_string();
            Some(self.structure_in(&mailbox, name, validity, &meta).await.map_err(Refusal::from)?)
        } else {
            None
        };
        let source = section_source(structure.as_deref(), meta.size, &section);
        let content = mailbox.open(meta.uid).await.map_err(|_| bad_url(url, "no such message"))?;
        let mut reader = WireReader::new(content, meta.size);
        let mut producer = Producer::new(source);
        let (mut skip, mut left) = match parsed.partial {
            Some((offset, length)) => (offset, length.unwrap_or(u64::MAX)),
            None => (0, u64::MAX),
        };
        while left > 0 {
            let Some(mut piece) = producer.next(&mut reader).await.map_err(Refusal::from)? else { break };
            if skip > 0 {
                let drop = usize::try_from(skip).unwrap_or(usize::MAX).min(piece.len());
                piece.drain(..drop);
                skip -= drop as u64;
            }
            piece.truncate(usize::try_from(left).unwrap_or(usize::MAX));
            left -= piece.len() as u64;
            pending.write(&piece).await.map_err(Refusal::from)?;
        }
        Ok(())
    }

    /// Commits one message; its UID.
    async fn commit_pending(&mut self, pending: PendingAppend<S>) -> Result<u32, Refusal> {
        if pending.size == 0 {
            return Err(no("Can't save a zero byte message."));
        }
        self.check_quota(pending.size).await?;
        pending.commit().await.map_err(Refusal::from)
    }

    /// Takes back what a failed APPEND stored (all or none, RFC 3502).
    async fn unstore(&mut self, target: &WireMailbox, uids: &[u32]) {
        if uids.is_empty() {
            return;
        }
        let Ok(name) = self.name_of(target) else { return };
        let Ok(account) = self.account() else { return };
        if let Ok(mailbox) = account.open(&name).await {
            let mut uids = uids.to_vec();
            uids.sort_unstable();
            let deleted = Flags::system_only(SystemFlags::DELETED);
            if mailbox.store_flags(&uids, FlagOp::Add, &deleted, None).await.is_ok() {
                let _ = mailbox.expunge(Some(&uids)).await;
            }
        }
    }

    /// A streamed APPEND begins: its first message's upload opens.
    pub(crate) async fn append_start(&mut self, command: &Command, size: u64) {
        let CommandBody::Append { mailbox, messages } = &command.body else { return };
        let (flags, date) = messages.first().map(|m| (&m.flags[..], m.date)).unwrap_or((&[], None));
        let mut appending = Appending {
            tag: command.tag.clone(),
            target: mailbox.clone(),
            validity: 0,
            current: None,
            stored: Vec::new(),
            failed: None,
        };
        match self.begin_append(mailbox, flags, date, size).await {
            Ok(pending) => {
                appending.validity = pending.validity;
                appending.current = Some(pending);
            }
            Err(refusal) => appending.failed = Some(refusal),
        }
        self.upload = Some(Box::new(appending));
    }

    /// The next piece of the streamed message.
    pub(crate) async fn append_data(&mut self, tag: &Tag, data: &[u8]) {
        let Some(appending) = self.upload.as_deref_mut().filter(|a| &a.tag == tag) else { return };
        if let (None, Some(pending)) = (&appending.failed, &mut appending.current) {
            if let Err(e) = pending.write(data).await {
                appending.failed = Some(Refusal::from(e));
            }
        }
    }

    /// The streamed APPEND's next message (MULTIAPPEND): the previous one
    /// is stored, this one begins (or is stored at once: CATENATE).
    pub(crate) async fn append_next(&mut self, tag: &Tag, message: &AppendMessage, size: u64) {
        if self.upload.as_ref().is_none_or(|a| &a.tag != tag) {
            return;
        }
        self.finish_current().await;
        let Some(mut appending) = self.upload.take() else { return };
        if appending.failed.is_none() {
            let result = match &message.content {
                AppendContent::Catenate(_) => self.store_message(&appending.target, message).await.map(|(_, uid)| {
                    appending.stored.push(uid);
                }),
                _ => self.begin_append(&appending.target, &message.flags, message.date, size).await.map(|pending| {
                    appending.current = Some(pending);
                }),
            };
            if let Err(refusal) = result {
                appending.failed = Some(refusal);
            }
        }
        self.upload = Some(appending);
    }

    /// Commits the message being received, if any.
    async fn finish_current(&mut self) {
        let Some(appending) = self.upload.as_deref_mut() else { return };
        let Some(pending) = appending.current.take() else { return };
        if appending.failed.is_some() {
            return;
        }
        let size = pending.size;
        let committed = if size == 0 {
            Err(no("Can't save a zero byte message."))
        } else {
            pending.commit().await.map_err(Refusal::from)
        };
        match committed {
            Ok(uid) => appending.stored.push(uid),
            Err(refusal) => appending.failed = Some(refusal),
        }
    }

    /// The streamed APPEND's line is complete: its answer.
    pub(crate) async fn append_end(&mut self, tag: &Tag) -> Outcome {
        if self.upload.as_ref().is_none_or(|a| &a.tag != tag) {
            return Err(super::util::bad("APPEND lost its message"));
        }
        self.finish_current().await;
        let Some(appending) = self.upload.take() else { return Err(super::util::bad("APPEND lost its message")) };
        match appending.failed {
            Some(refusal) => {
                self.unstore(&appending.target, &appending.stored).await;
                Err(refusal)
            }
            None => appended(appending.validity, &appending.stored),
        }
    }

    /// The streamed APPEND was refused part way (the machine answered):
    /// what it stored goes.
    pub(crate) async fn append_aborted(&mut self, tag: &Tag) {
        if let Some(appending) = self.upload.take() {
            if &appending.tag == tag {
                self.unstore(&appending.target, &appending.stored).await;
            } else {
                self.upload = Some(appending);
            }
        }
    }
}

/// The OK of an APPEND that stored these UIDs (RFC 4315 APPENDUID).
fn appended(validity: u32, uids: &[u32]) -> Outcome {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    let code = compact(&sorted)
        .filter(|_| validity > 0)
        .map(|uids: SequenceSet| Code::AppendUid { uid_validity: nz(validity), uids });
    Ok((code, "Append completed.".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_urls_are_read_as_rfc_5092_writes_them() {
        let url = parse_url(b"/INBOX;UIDVALIDITY=785799047/;UID=113330/;section=1.5.9").unwrap();
        assert_eq!(
            url,
            MessageUrl {
                mailbox: "INBOX".into(),
                uid_validity: Some(785799047),
                uid: 113330,
                section: Some("1.5.9".into()),
                partial: None
            }
        );
        let url = parse_url(b"imap://joe@example.com/Sent%20Items/;uid=20/;section=HEADER/;partial=100.50").unwrap();
        assert_eq!(url.mailbox, "Sent Items");
        assert_eq!((url.uid, url.section.as_deref(), url.partial), (20, Some("HEADER"), Some((100, Some(50)))));
        assert_eq!(parse_url(b"/a/b/;uid=3").unwrap().mailbox, "a/b");
        assert_eq!(parse_url(b"/INBOX/;uid=3/;partial=7").unwrap().partial, Some((7, None)));
        for bad in [
            &b"INBOX/;uid=3"[..],
            b"/INBOX",
            b"/INBOX/;uid=0",
            b"/INBOX/;uid=x",
            b"/INBOX?SUBJECT%20x",
            b"/INBOX/;uid=3/;urlauth=anonymous",
            b"/INBOX;uidvalidity=0/;uid=3",
            b"/INBOX/;section=1/;uid=3",
            b"/INBOX/;uid=3/;partial=1.0",
            b"/%ZZ/;uid=3",
            b"imap://host",
        ] {
            assert_eq!(parse_url(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }
}
